//! The structured PI-RADS v2.1 report a reader files on a case: up to four lesions and an
//! overall category. Trainees file them as attempts; experts file them as reference reads.
//!
//! A draft may be incomplete (missing scores are fine while reading), but nothing in it may be
//! out of range; a submitted report must be complete. Validation names every wrong field with
//! its path in the JSON (`lesions[1].t2w_score`) so that a form can show each message in place.

use serde::{Deserialize, Serialize};

use crate::Sector;

/// PI-RADS allows up to four lesions to be reported.
pub const MAX_LESIONS: usize = 4;
/// Free-text comments are for a sentence or two, not for pasting documents.
pub const MAX_COMMENT_CHARS: usize = 4000;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Report {
    #[serde(default)]
    pub lesions: Vec<ReportedLesion>,
    /// The category for the case when no lesion is reported (1 or 2). With lesions, the overall
    /// category is the highest lesion category; a stated one must then agree with it.
    #[serde(default)]
    pub overall_category: Option<u8>,
    #[serde(default)]
    pub comment: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportedLesion {
    #[serde(default)]
    pub sectors: Vec<Sector>,
    /// Where the reader marked it in the viewer.
    #[serde(default)]
    pub point: Option<MarkedPoint>,
    #[serde(default)]
    pub t2w_score: Option<u8>,
    #[serde(default)]
    pub dwi_score: Option<u8>,
    #[serde(default)]
    pub dce: Option<Dce>,
    #[serde(default)]
    pub size_mm: Option<f64>,
    #[serde(default)]
    pub extraprostatic_extension: Option<bool>,
    /// The PI-RADS assessment category, 1 to 5.
    #[serde(default)]
    pub category: Option<u8>,
}

/// A point marked in the viewer: the patient position and where it was marked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarkedPoint {
    /// Patient coordinates (DICOM LPS), millimetres.
    pub lps_mm: [f64; 3],
    pub series_uid: String,
    pub slice: u32,
}

/// Dynamic contrast enhancement as PI-RADS reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dce {
    Positive,
    Negative,
    NotAssessed,
}

/// One wrong field: its path in the report and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    fn new(field: impl Into<String>, message: impl Into<String>) -> FieldError {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// How strictly to check: a draft may leave fields empty, a submission may not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completeness {
    Draft,
    Submission,
}

impl Report {
    /// Every wrong field, in form order; empty when the report is acceptable.
    pub fn validate(&self, completeness: Completeness) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let complete = completeness == Completeness::Submission;
        if self.lesions.len() > MAX_LESIONS {
            errors.push(FieldError::new(
                "lesions",
                format!("at most {MAX_LESIONS} lesions can be reported"),
            ));
        }
        for (index, lesion) in self.lesions.iter().enumerate() {
            lesion.validate(&format!("lesions[{index}]"), complete, &mut errors);
        }
        match (self.overall_category, self.lesion_category()) {
            (Some(stated), Some(highest)) if stated != highest => errors.push(FieldError::new(
                "overall_category",
                format!(
                    "must be the highest lesion category ({highest}), or left empty when lesions are reported"
                ),
            )),
            (Some(stated), None) if !(1..=2).contains(&stated) => errors.push(FieldError::new(
                "overall_category",
                "with no lesion reported the overall category is 1 or 2",
            )),
            (None, None) if complete && self.lesions.is_empty() => errors.push(FieldError::new(
                "overall_category",
                "required when no lesion is reported (1 or 2)",
            )),
            _ => {}
        }
        if self.comment.chars().count() > MAX_COMMENT_CHARS {
            errors.push(FieldError::new(
                "comment",
                format!("at most {MAX_COMMENT_CHARS} characters"),
            ));
        }
        errors
    }

    /// The highest category among the lesions that have one.
    fn lesion_category(&self) -> Option<u8> {
        self.lesions
            .iter()
            .filter_map(|lesion| lesion.category)
            .max()
    }

    /// The overall category of the case: the highest lesion category, or the stated category
    /// when no lesion is reported. `None` only for an incomplete draft.
    pub fn overall_category(&self) -> Option<u8> {
        self.lesion_category().or(self.overall_category)
    }
}

impl ReportedLesion {
    fn validate(&self, path: &str, complete: bool, errors: &mut Vec<FieldError>) {
        let mut error = |field: &str, message: &str| {
            errors.push(FieldError::new(format!("{path}.{field}"), message));
        };
        if complete && self.sectors.is_empty() {
            error("sectors", "choose at least one sector");
        }
        let mut sectors = self.sectors.clone();
        sectors.sort();
        sectors.dedup();
        if sectors.len() != self.sectors.len() {
            error("sectors", "a sector is listed twice");
        }
        if let Some(point) = &self.point {
            if point.lps_mm.iter().any(|value| !value.is_finite()) {
                error("point.lps_mm", "must be three finite numbers (mm)");
            }
            if point.series_uid.trim().is_empty() {
                error(
                    "point.series_uid",
                    "must name the series the point was marked on",
                );
            }
        }
        for (field, score) in [
            ("t2w_score", self.t2w_score),
            ("dwi_score", self.dwi_score),
            ("category", self.category),
        ] {
            match score {
                Some(value) if !(1..=5).contains(&value) => error(field, "must be 1 to 5"),
                None if complete => error(field, "required (1 to 5)"),
                _ => {}
            }
        }
        if complete && self.dce.is_none() {
            error("dce", "required (positive, negative or not_assessed)");
        }
        match self.size_mm {
            Some(size) if !(size.is_finite() && size > 0.0 && size <= 100.0) => {
                error("size_mm", "must be more than 0 and at most 100 mm")
            }
            None if complete => error("size_mm", "required (mm)"),
            _ => {}
        }
        if complete && self.extraprostatic_extension.is_none() {
            error("extraprostatic_extension", "required (yes or no)");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lesion(category: u8) -> ReportedLesion {
        ReportedLesion {
            sectors: vec!["mid-left-PZpl".parse().expect("a sector")],
            point: Some(MarkedPoint {
                lps_mm: [10.0, 20.0, -30.0],
                series_uid: "1.2.3".into(),
                slice: 7,
            }),
            t2w_score: Some(4),
            dwi_score: Some(4),
            dce: Some(Dce::Positive),
            size_mm: Some(12.0),
            extraprostatic_extension: Some(false),
            category: Some(category),
        }
    }

    fn fields(report: &Report, completeness: Completeness) -> Vec<String> {
        report
            .validate(completeness)
            .into_iter()
            .map(|error| error.field)
            .collect()
    }

    #[test]
    fn a_complete_report_is_accepted() {
        let report = Report {
            lesions: vec![lesion(4), lesion(3)],
            ..Report::default()
        };
        assert!(report.validate(Completeness::Submission).is_empty());
        assert_eq!(report.overall_category(), Some(4));
    }

    #[test]
    fn a_negative_report_states_its_category() {
        let stated = Report {
            overall_category: Some(2),
            ..Report::default()
        };
        assert!(stated.validate(Completeness::Submission).is_empty());
        assert_eq!(stated.overall_category(), Some(2));
        assert_eq!(
            fields(&Report::default(), Completeness::Submission),
            ["overall_category"]
        );
        assert!(fields(&Report::default(), Completeness::Draft).is_empty());
        let too_high = Report {
            overall_category: Some(3),
            ..Report::default()
        };
        assert_eq!(fields(&too_high, Completeness::Draft), ["overall_category"]);
    }

    #[test]
    fn a_draft_may_be_incomplete_but_not_out_of_range() {
        let empty = Report {
            lesions: vec![ReportedLesion::default()],
            ..Report::default()
        };
        assert!(empty.validate(Completeness::Draft).is_empty());
        assert_eq!(
            fields(&empty, Completeness::Submission),
            [
                "lesions[0].sectors",
                "lesions[0].t2w_score",
                "lesions[0].dwi_score",
                "lesions[0].category",
                "lesions[0].dce",
                "lesions[0].size_mm",
                "lesions[0].extraprostatic_extension"
            ]
        );
        let mut wrong = lesion(6);
        wrong.t2w_score = Some(0);
        wrong.size_mm = Some(f64::NAN);
        wrong.point = Some(MarkedPoint {
            lps_mm: [f64::INFINITY, 0.0, 0.0],
            series_uid: " ".into(),
            slice: 0,
        });
        let report = Report {
            lesions: vec![lesion(3), wrong],
            ..Report::default()
        };
        assert_eq!(
            fields(&report, Completeness::Draft),
            [
                "lesions[1].point.lps_mm",
                "lesions[1].point.series_uid",
                "lesions[1].t2w_score",
                "lesions[1].category",
                "lesions[1].size_mm"
            ]
        );
    }

    #[test]
    fn at_most_four_lesions_and_no_repeated_sector() {
        let mut repeated = lesion(3);
        repeated.sectors.push(repeated.sectors[0]);
        let report = Report {
            lesions: vec![lesion(3), lesion(3), lesion(3), lesion(3), repeated],
            ..Report::default()
        };
        assert_eq!(
            fields(&report, Completeness::Draft),
            ["lesions", "lesions[4].sectors"]
        );
    }

    #[test]
    fn a_stated_category_must_agree_with_the_lesions() {
        let report = Report {
            lesions: vec![lesion(4)],
            overall_category: Some(3),
            comment: String::new(),
        };
        assert_eq!(
            fields(&report, Completeness::Submission),
            ["overall_category"]
        );
    }

    #[test]
    fn unknown_fields_are_refused() {
        let parsed: Result<Report, _> = serde_json::from_str(r#"{"lesions":[],"truth":[]}"#);
        assert!(parsed.is_err());
    }
}
