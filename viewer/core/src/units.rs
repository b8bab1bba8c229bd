//! The units values are shown in.
//!
//! Stored values become modality values by the frame's rescale (`raw · slope + intercept`); the
//! shader and the window work in those. What a reader sees (the value under the cursor, ROI
//! statistics) is the modality value times [`DisplayUnits::factor`]. For everything but ADC the
//! factor is 1 and MR intensities have no unit. ADC maps are quantitative and shown in
//! 10⁻⁶ mm²/s, the unit PI-RADS thresholds are quoted in (e.g. 750–900), whatever the scanner
//! stored: `PreparedSeries::units` carries the series' Rescale Type or Units text (the import
//! sets "10^-6 mm²/s" for ADC series that state none, which is how the main vendors store them).

use readroom_domain::{PreparedSeries, SeriesKind};
use serde::{Deserialize, Serialize};

/// The unit ADC values are shown in.
pub const ADC_DISPLAY_UNIT: &str = "10⁻⁶ mm²/s";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DisplayUnits {
    /// Shown value = modality value × factor.
    pub factor: f64,
    /// Empty when the values have no unit (MR signal intensity).
    pub label: String,
}

impl DisplayUnits {
    pub fn of(series: &PreparedSeries) -> DisplayUnits {
        match series.kind {
            SeriesKind::Adc => DisplayUnits {
                factor: adc_factor(series.units.as_deref()),
                label: ADC_DISPLAY_UNIT.to_owned(),
            },
            _ => DisplayUnits {
                factor: 1.0,
                label: series.units.clone().unwrap_or_default(),
            },
        }
    }

    pub fn show(&self, modality_value: f64) -> f64 {
        modality_value * self.factor
    }
}

/// The factor from an ADC series' stated unit to 10⁻⁶ mm²/s. A unit that states no power of ten
/// is read as plain mm²/s, or µm²/s (the same as 10⁻⁶ mm²/s); a missing or unrecognised unit is
/// taken as 10⁻⁶ mm²/s, the vendors' usual scaling.
fn adc_factor(units: Option<&str>) -> f64 {
    let Some(units) = units else {
        return 1.0;
    };
    let compact: String = units
        .to_lowercase()
        .replace('²', "2")
        .replace(['µ', 'μ'], "u")
        .replace('⁻', "-")
        .replace('⁶', "6")
        .replace('³', "3")
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '^')
        .collect();
    if compact.contains("10-6") || compact.contains("1e-6") || compact.contains("um2/s") {
        1.0
    } else if compact.contains("10-3") || compact.contains("1e-3") {
        1e3
    } else if compact.contains("mm2/s") {
        1e6
    } else {
        1.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::axial_series;

    #[test]
    fn adc_values_are_shown_in_micro_square_millimetres_per_second() {
        let check = |units: Option<&str>, factor: f64| {
            let mut series = axial_series(1);
            series.kind = SeriesKind::Adc;
            series.units = units.map(str::to_owned);
            let shown = DisplayUnits::of(&series);
            assert_eq!(shown.factor, factor, "{units:?}");
            assert_eq!(shown.label, ADC_DISPLAY_UNIT);
        };
        check(None, 1.0);
        check(Some("10^-6 mm²/s"), 1.0);
        check(Some("10^-6 mm2/s"), 1.0);
        check(Some("10⁻⁶ mm²/s"), 1.0);
        check(Some("1E-6 MM2/S"), 1.0);
        check(Some("um2/s"), 1.0);
        check(Some("µm²/s"), 1.0);
        check(Some("10^-3 mm2/s"), 1e3);
        check(Some("mm2/s"), 1e6);
        check(Some("mm²/s"), 1e6);
        check(Some("US"), 1.0);
    }

    #[test]
    fn other_series_keep_their_own_unit_and_scale() {
        let mut series = axial_series(1);
        series.units = Some("HU".into());
        assert_eq!(
            DisplayUnits::of(&series),
            DisplayUnits {
                factor: 1.0,
                label: "HU".into()
            }
        );
        series.units = None;
        assert_eq!(DisplayUnits::of(&series).label, "");
    }
}
