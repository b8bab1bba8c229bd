//! A programme's settings: the scoring thresholds, the spacing of re-reads and the CUSUM rates.
//! Stored as JSON with the programme; a missing key takes the brief's default, so settings
//! added later apply to old programmes too.

use readroom_scoring::{CusumSettings, ScoringSettings};
use serde::{Deserialize, Serialize};

use crate::ApiError;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProgrammeSettings {
    /// The PI-RADS category from which a reported lesion (and a case) counts as positive.
    pub positive_from_category: u8,
    pub match_margin_mm: f64,
    pub match_distance_without_radius_mm: f64,
    /// Days after a wrong first read at which it comes back as a blinded re-read.
    pub reread_intervals_days: Vec<u32>,
    pub cusum: CusumSettings,
}

impl Default for ProgrammeSettings {
    fn default() -> Self {
        let scoring = ScoringSettings::default();
        ProgrammeSettings {
            positive_from_category: scoring.positive_from_category,
            match_margin_mm: scoring.match_margin_mm,
            match_distance_without_radius_mm: scoring.match_distance_without_radius_mm,
            reread_intervals_days: vec![7, 21, 60],
            cusum: CusumSettings::default(),
        }
    }
}

impl ProgrammeSettings {
    /// Reads stored settings; what cannot be read (never expected: settings are validated
    /// before they are stored) falls back to the defaults rather than blocking every reading.
    pub fn from_stored(value: &serde_json::Value) -> ProgrammeSettings {
        serde_json::from_value(value.clone()).unwrap_or_else(|err| {
            tracing::warn!("unreadable programme settings, using the defaults: {err}");
            ProgrammeSettings::default()
        })
    }

    /// The scoring rules for a case whose collection counts ISUP ≥ `significant_from_isup`.
    pub fn scoring(&self, significant_from_isup: u8) -> ScoringSettings {
        ScoringSettings {
            positive_from_category: self.positive_from_category,
            significant_from_isup,
            match_margin_mm: self.match_margin_mm,
            match_distance_without_radius_mm: self.match_distance_without_radius_mm,
        }
    }

    pub fn validate(&self) -> Result<(), ApiError> {
        self.scoring(2)
            .validate()
            .map_err(|err| ApiError::invalid(err.field, err.message))?;
        self.cusum
            .validate()
            .map_err(|err| ApiError::invalid(&format!("cusum.{}", err.field), err.message))?;
        let days = &self.reread_intervals_days;
        if days.len() > 10
            || days.iter().any(|day| !(1..=3650).contains(day))
            || days.windows(2).any(|pair| pair[0] >= pair[1])
        {
            return Err(ApiError::invalid(
                "reread_intervals_days",
                "up to 10 increasing numbers of days, 1 to 3650",
            ));
        }
        Ok(())
    }
}
