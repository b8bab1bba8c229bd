//! The truth manifest: what histology says about each study, and the clinical context a reader
//! is given. Written by hand or by a script as TOML or JSON, and imported beside the DICOM files.
//!
//! ```toml
//! [[case]]
//! study_instance_uid = "1.2.826.0.1.3680043.2.1125.1"   # as in the source DICOM files
//! title = "Left mid peripheral zone lesion"
//! synthetic = false
//! significant_from_isup = 2        # ISUP grade group from which a lesion is clinically significant
//!
//! [case.clinical]
//! age = 64
//! psa_ng_ml = 7.2
//! psa_density = 0.16
//! indication = "Raised PSA, no prior biopsy"
//! prior_biopsy = "none"
//!
//! [[case.lesion]]
//! isup_grade_group = 3
//! sectors = ["mid-left-PZpl", "mid-left-PZpm"]
//! centre_lps_mm = [12.5, 20.1, -35.0]
//! radius_mm = 6.0
//! zone = "PZ"
//! index = true
//! ```

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::Sector;

/// A manifest file: one entry per case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TruthManifest {
    #[serde(rename = "case", alias = "cases", default)]
    pub cases: Vec<CaseManifest>,
}

/// Everything Readroom knows about one study besides its images.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseManifest {
    /// The Study Instance UID as found in the source files. It is used only to find the study
    /// during import and is never stored: the stored study carries its replacement UID.
    pub study_instance_uid: String,
    pub title: String,
    /// Generated data rather than a patient's: shown as "synthetic" everywhere a user sees it.
    #[serde(default)]
    pub synthetic: bool,
    /// ISUP grade group from which a lesion counts as clinically significant.
    #[serde(default = "default_significant_from_isup")]
    pub significant_from_isup: u8,
    #[serde(default)]
    pub clinical: ClinicalContext,
    #[serde(rename = "lesion", alias = "lesions", default)]
    pub lesions: Vec<TruthLesion>,
    #[serde(default)]
    pub teaching_notes: Option<String>,
}

fn default_significant_from_isup() -> u8 {
    2
}

/// What a reader would have on the request form.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClinicalContext {
    pub age: Option<u16>,
    pub psa_ng_ml: Option<f64>,
    pub psa_density: Option<f64>,
    pub prostate_volume_ml: Option<f64>,
    pub indication: Option<String>,
    pub prior_biopsy: Option<String>,
}

/// The zone a lesion arises in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Zone {
    PZ,
    TZ,
    CZ,
    AS,
}

/// One histology-verified lesion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TruthLesion {
    /// ISUP grade group, 1 to 5.
    pub isup_grade_group: u8,
    pub sectors: Vec<Sector>,
    /// Centre in patient coordinates (DICOM LPS), millimetres.
    #[serde(default)]
    pub centre_lps_mm: Option<[f64; 3]>,
    #[serde(default)]
    pub radius_mm: Option<f64>,
    pub zone: Zone,
    /// The index lesion: the one that drives management.
    #[serde(default)]
    pub index: bool,
}

impl TruthLesion {
    pub fn is_significant(&self, significant_from_isup: u8) -> bool {
        self.isup_grade_group >= significant_from_isup
    }
}

impl CaseManifest {
    /// A case is positive when it has at least one clinically significant lesion.
    pub fn is_positive(&self) -> bool {
        self.lesions
            .iter()
            .any(|lesion| lesion.is_significant(self.significant_from_isup))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} is not valid TOML: {message}")]
    Toml { path: String, message: String },
    #[error("{path} is not valid JSON: {message}")]
    Json { path: String, message: String },
    #[error("{path}: a truth manifest must end in .toml or .json")]
    UnknownFormat { path: String },
    #[error("case {case} ({study}): {message}")]
    Invalid {
        case: usize,
        study: String,
        message: String,
    },
}

impl TruthManifest {
    pub fn from_toml(text: &str, origin: &str) -> Result<Self, ManifestError> {
        let manifest: TruthManifest = toml::from_str(text).map_err(|err| ManifestError::Toml {
            path: origin.to_owned(),
            message: err.to_string(),
        })?;
        manifest.validated()
    }

    pub fn from_json(text: &str, origin: &str) -> Result<Self, ManifestError> {
        let manifest: TruthManifest =
            serde_json::from_str(text).map_err(|err| ManifestError::Json {
                path: origin.to_owned(),
                message: err.to_string(),
            })?;
        manifest.validated()
    }

    /// Reads a `.toml` or `.json` manifest. (The only IO in this crate: reading the one file
    /// the caller names.)
    pub fn read(path: &Path) -> Result<Self, ManifestError> {
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ManifestError::Read {
            path: origin.clone(),
            source,
        })?;
        match path.extension().and_then(|ext| ext.to_str()) {
            Some("toml") => Self::from_toml(&text, &origin),
            Some("json") => Self::from_json(&text, &origin),
            _ => Err(ManifestError::UnknownFormat { path: origin }),
        }
    }

    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).unwrap_or_default()
    }

    fn validated(self) -> Result<Self, ManifestError> {
        let mut seen = std::collections::HashSet::new();
        for (number, case) in self.cases.iter().enumerate() {
            let invalid = |message: String| ManifestError::Invalid {
                case: number + 1,
                study: case.study_instance_uid.clone(),
                message,
            };
            if !seen.insert(case.study_instance_uid.as_str()) {
                return Err(invalid("the study appears twice in the manifest".into()));
            }
            if case.study_instance_uid.is_empty() || case.study_instance_uid.len() > 64 {
                return Err(invalid(
                    "study_instance_uid must hold 1 to 64 characters".into(),
                ));
            }
            if !(1..=5).contains(&case.significant_from_isup) {
                return Err(invalid("significant_from_isup must be 1 to 5".into()));
            }
            if case.lesions.len() > 16 {
                return Err(invalid("at most 16 lesions per case".into()));
            }
            for (index, lesion) in case.lesions.iter().enumerate() {
                let lesion_error = |what: &str| invalid(format!("lesion {}: {what}", index + 1));
                if !(1..=5).contains(&lesion.isup_grade_group) {
                    return Err(lesion_error("isup_grade_group must be 1 to 5"));
                }
                if lesion.sectors.is_empty() {
                    return Err(lesion_error("sectors must name at least one sector"));
                }
                if let Some(radius) = lesion.radius_mm
                    && !(radius.is_finite() && radius > 0.0 && radius < 100.0)
                {
                    return Err(lesion_error("radius_mm must be between 0 and 100"));
                }
                if let Some(centre) = lesion.centre_lps_mm
                    && !centre.iter().all(|c| c.is_finite())
                {
                    return Err(lesion_error("centre_lps_mm must be three finite numbers"));
                }
            }
            if case.lesions.iter().filter(|lesion| lesion.index).count() > 1 {
                return Err(invalid("only one lesion can be the index lesion".into()));
            }
        }
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"
        [[case]]
        study_instance_uid = "1.2.3"
        title = "Left PZ"
        [case.clinical]
        age = 64
        psa_ng_ml = 7.2
        [[case.lesion]]
        isup_grade_group = 3
        sectors = ["mid-left-PZpl"]
        centre_lps_mm = [12.5, 20.1, -35.0]
        radius_mm = 6.0
        zone = "PZ"
        index = true
    "#;

    #[test]
    fn a_toml_manifest_reads_with_defaults() {
        let manifest = TruthManifest::from_toml(EXAMPLE, "example.toml").unwrap();
        let case = &manifest.cases[0];
        assert_eq!(case.significant_from_isup, 2);
        assert!(!case.synthetic);
        assert!(case.is_positive());
        assert_eq!(case.clinical.age, Some(64));
    }

    #[test]
    fn toml_and_json_read_the_same_manifest() {
        let from_toml = TruthManifest::from_toml(EXAMPLE, "a.toml").unwrap();
        let json = serde_json::to_string(&from_toml).unwrap();
        assert_eq!(
            TruthManifest::from_json(&json, "a.json").unwrap(),
            from_toml
        );
    }

    #[test]
    fn a_case_with_only_isup_1_is_negative() {
        let text = EXAMPLE.replace("isup_grade_group = 3", "isup_grade_group = 1");
        assert!(!TruthManifest::from_toml(&text, "a.toml").unwrap().cases[0].is_positive());
    }

    #[test]
    fn invalid_manifests_name_the_wrong_field() {
        let cases = [
            (
                "isup_grade_group = 3",
                "isup_grade_group = 6",
                "isup_grade_group",
            ),
            ("radius_mm = 6.0", "radius_mm = -1.0", "radius_mm"),
            (r#"["mid-left-PZpl"]"#, "[]", "sectors"),
            (r#"["mid-left-PZpl"]"#, r#"["mid-left-XX"]"#, "mid-left-XX"),
            ("zone = \"PZ\"", "zone = \"PZ\"\nfoo = 1", "foo"),
        ];
        for (from, to, named) in cases {
            let err = TruthManifest::from_toml(&EXAMPLE.replace(from, to), "a.toml").unwrap_err();
            assert!(err.to_string().contains(named), "{err} should name {named}");
        }
    }
}
