//! A series as the viewer holds it: the prepared description from the server, its geometry,
//! its display units, and the frame of reference that decides which series are linked.

use readroom_domain::{PixelFormat, PreparedFrame, PreparedSeries, SeriesKind, WindowPreset};

use crate::geometry::{GeometryError, StackGeometry};
use crate::units::DisplayUnits;
use crate::viewport::Window;

#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    prepared: PreparedSeries,
    geometry: StackGeometry,
    units: DisplayUnits,
    frame_of_reference: String,
}

impl Series {
    /// `frame_of_reference` names the patient coordinate system the series' positions are in:
    /// series with the same one are linked (scrolling, crosshair, markers). `PreparedSeries`
    /// carries no Frame of Reference UID yet, so callers pass the study UID: series of one study
    /// share the scanner's coordinates unless the patient moved between them.
    pub fn new(
        prepared: PreparedSeries,
        frame_of_reference: impl Into<String>,
    ) -> Result<Series, GeometryError> {
        Ok(Series {
            geometry: StackGeometry::of(&prepared)?,
            units: DisplayUnits::of(&prepared),
            frame_of_reference: frame_of_reference.into(),
            prepared,
        })
    }

    pub fn uid(&self) -> &str {
        &self.prepared.uid
    }

    pub fn kind(&self) -> SeriesKind {
        self.prepared.kind
    }

    pub fn prepared(&self) -> &PreparedSeries {
        &self.prepared
    }

    pub fn geometry(&self) -> &StackGeometry {
        &self.geometry
    }

    pub fn units(&self) -> &DisplayUnits {
        &self.units
    }

    pub fn frame_of_reference(&self) -> &str {
        &self.frame_of_reference
    }

    pub fn shares_frame_of_reference(&self, other: &Series) -> bool {
        self.frame_of_reference == other.frame_of_reference
    }

    pub fn slices(&self) -> u32 {
        self.geometry.slices()
    }

    pub fn phases(&self) -> u32 {
        self.prepared.phases.max(1)
    }

    pub fn is_signed(&self) -> bool {
        self.prepared.pixel_format == PixelFormat::I16
    }

    /// The index of a frame in the voxel object and on the `/frames/{i}` endpoint: phase by
    /// phase, slice by slice.
    pub fn frame_index(&self, slice: u32, phase: u32) -> Option<usize> {
        let (slices, phases) = (self.slices(), self.phases());
        (slice < slices && phase < phases).then(|| (phase * slices + slice) as usize)
    }

    pub fn frame(&self, slice: u32, phase: u32) -> Option<&PreparedFrame> {
        let index = self.frame_index(slice, phase)?;
        self.prepared
            .frames
            .get(index)
            .filter(|f| f.slice == slice && f.phase == phase)
            .or_else(|| {
                self.prepared
                    .frames
                    .iter()
                    .find(|f| f.slice == slice && f.phase == phase)
            })
    }

    pub fn frame_count(&self) -> usize {
        (self.slices() * self.phases()) as usize
    }

    /// The series' own presets (the scanner's window, the import's automatic one), then those
    /// of its kind. Windows are in modality values. MR signal intensities differ between
    /// scanners, so only ADC, which is quantitative, has a fixed preset.
    pub fn window_presets(&self) -> Vec<WindowPreset> {
        let mut presets = self.prepared.window_presets.clone();
        if self.kind() == SeriesKind::Adc {
            let to_modality = 1.0 / self.units.factor;
            presets.push(WindowPreset {
                name: "ADC 0–2000".into(),
                center: 1000.0 * to_modality,
                width: 2000.0 * to_modality,
            });
        }
        presets
    }

    /// The window a viewport opens with and resets to: the first preset, or the whole range of
    /// 12-bit values when the series has none.
    pub fn default_window(&self) -> Window {
        self.window_presets()
            .first()
            .map(|preset| Window::new(preset.center, preset.width))
            .unwrap_or(Window::new(2048.0, 4096.0))
    }

    /// The narrowest useful window: one stored step.
    pub fn min_window_width(&self) -> f64 {
        self.prepared
            .frames
            .first()
            .map_or(1.0, |f| f.rescale_slope.abs())
            .max(f64::EPSILON)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{axial_series, frame};

    #[test]
    fn frames_are_indexed_phase_by_phase_then_slice_by_slice() {
        let mut prepared = axial_series(3);
        prepared.phases = 2;
        prepared.frames = (0..2)
            .flat_map(|phase| {
                (0..3).map(move |slice| frame(slice, phase, [0.0, 0.0, 3.0 * f64::from(slice)]))
            })
            .collect();
        let series = Series::new(prepared, "study").unwrap();
        let check = |slice: u32, phase: u32, expected: Option<usize>| {
            assert_eq!(
                series.frame_index(slice, phase),
                expected,
                "({slice}, {phase})"
            );
            if let Some(index) = expected {
                let frame = series.frame(slice, phase).unwrap();
                assert_eq!((frame.slice, frame.phase), (slice, phase));
                assert_eq!(&series.prepared().frames[index], frame);
            }
        };
        check(0, 0, Some(0));
        check(2, 0, Some(2));
        check(0, 1, Some(3));
        check(2, 1, Some(5));
        check(3, 0, None);
        check(0, 2, None);
    }

    #[test]
    fn adc_gets_a_fixed_preset_in_its_stored_units() {
        let mut prepared = axial_series(1);
        prepared.kind = SeriesKind::Adc;
        prepared.units = Some("10^-3 mm2/s".into());
        let presets = Series::new(prepared, "study").unwrap().window_presets();
        let adc = presets.last().unwrap();
        assert_eq!((adc.center, adc.width), (1.0, 2.0));

        let t2 = Series::new(axial_series(1), "study").unwrap();
        assert_eq!(t2.window_presets().len(), 2);
        assert_eq!(t2.default_window(), Window::new(500.0, 1000.0));
    }
}
