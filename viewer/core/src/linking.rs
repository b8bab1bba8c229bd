//! What ties viewports together: linked scrolling by patient position, the crosshair, and
//! linked zoom.
//!
//! Only series in the same frame of reference are linked: their positions are in the same
//! patient coordinates. Linked scrolling takes a point of the source slice (its image centre)
//! and shows, in each target, the slice whose plane is nearest to it, measured from each
//! target slice's own position, so stacks of different spacing or extent stay in step by
//! position rather than by index.

use serde::{Deserialize, Serialize};

use crate::screen::Rect;
use crate::series::Series;
use crate::vector::{self, Vec3};
use crate::viewport::{ViewportState, fit_pixels_per_mm};

/// Scrolling is linked between planes within 45° of each other. Scrolling an axial stack does
/// not move a sagittal one (the crosshair relates those).
pub const LINKED_PLANES_MIN_COSINE: f64 = std::f64::consts::FRAC_1_SQRT_2;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkSettings {
    /// Scrolling one viewport moves the others to the same patient position.
    pub scroll: bool,
    /// Zooming or panning one viewport does the same to the others, at the same scale.
    pub zoom_pan: bool,
}

impl Default for LinkSettings {
    fn default() -> LinkSettings {
        LinkSettings {
            scroll: true,
            zoom_pan: false,
        }
    }
}

/// The slice of `target` to show when `source` shows `source_slice`; `None` when the two are
/// not linked (another frame of reference, or planes too far from parallel).
pub fn linked_slice(source: &Series, source_slice: u32, target: &Series) -> Option<u32> {
    if !source.shares_frame_of_reference(target) {
        return None;
    }
    let parallel = vector::dot(source.geometry().normal(), target.geometry().normal()).abs();
    if parallel < LINKED_PLANES_MIN_COSINE {
        return None;
    }
    let point = source.geometry().slice_centre(source_slice)?;
    Some(target.geometry().nearest_slice(point))
}

/// A patient position picked in one viewport and shown in every viewport of its frame of
/// reference.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Crosshair {
    pub lps_mm: Vec3,
    pub frame_of_reference: String,
}

impl Crosshair {
    /// The slice of `series` nearest to the crosshair; `None` in another frame of reference.
    pub fn slice_in(&self, series: &Series) -> Option<u32> {
        (series.frame_of_reference() == self.frame_of_reference)
            .then(|| series.geometry().nearest_slice(self.lps_mm))
    }
}

/// The zoom and pan for `target` that show it at the same scale (device pixels per mm) and
/// offset as `source`.
pub fn linked_zoom_and_pan(
    source: (&ViewportState, &Series, Rect),
    target: (&Series, Rect),
) -> (f64, [f64; 2]) {
    let (source_view, source_series, source_rect) = source;
    let (target_series, target_rect) = target;
    let scale = source_view
        .transform(source_series, source_rect)
        .pixels_per_mm;
    (
        scale / fit_pixels_per_mm(target_series, target_rect),
        source_view.pan(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{oriented_series, series_with_positions};

    fn axial(
        uid: &str,
        frame_of_reference: &str,
        positions_z: &[f64],
        spacing: [f64; 2],
    ) -> Series {
        let positions: Vec<Vec3> = positions_z.iter().map(|&z| [-20.0, -30.0, z]).collect();
        let mut prepared = series_with_positions(spacing, &positions);
        prepared.uid = uid.into();
        Series::new(prepared, frame_of_reference).unwrap()
    }

    #[test]
    fn scrolling_links_by_patient_position_across_different_slice_spacings() {
        // T2W: 3 mm slices from z = 0. DWI: 4.5 mm slices from z = −6, one gap of 9 mm.
        let t2 = axial(
            "t2",
            "study",
            &[0.0, 3.0, 6.0, 9.0, 12.0, 15.0, 18.0],
            [0.5, 0.5],
        );
        let dwi = axial(
            "dwi",
            "study",
            &[-6.0, -1.5, 3.0, 7.5, 16.5, 21.0],
            [2.0, 2.0],
        );
        let check = |source: &Series, slice: u32, target: &Series, expected: u32| {
            assert_eq!(
                linked_slice(source, slice, target),
                Some(expected),
                "{} slice {slice} → {}",
                source.uid(),
                target.uid()
            );
        };
        check(&t2, 0, &dwi, 1); // z 0 → −1.5
        check(&t2, 1, &dwi, 2); // z 3 → 3
        check(&t2, 2, &dwi, 3); // z 6 → 7.5
        check(&t2, 3, &dwi, 3); // z 9 → 7.5
        check(&t2, 4, &dwi, 3); // z 12: 7.5 and 16.5 are both 4.5 away; the lower wins
        check(&t2, 6, &dwi, 4); // z 18 → 16.5
        check(&dwi, 0, &t2, 0); // z −6 → 0: beyond the stack, its end
        check(&dwi, 3, &t2, 2); // z 7.5 → 6 (tie with 9: the lower)
        check(&dwi, 5, &t2, 6); // z 21 → 18
    }

    #[test]
    fn series_in_another_frame_of_reference_or_plane_are_not_linked() {
        let t2 = axial("t2", "study", &[0.0, 3.0], [1.0, 1.0]);
        let other = axial("other", "another study", &[0.0, 3.0], [1.0, 1.0]);
        assert_eq!(linked_slice(&t2, 1, &other), None);
        let sagittal =
            Series::new(oriented_series([0.0, 1.0, 0.0], [0.0, 0.0, -1.0]), "study").unwrap();
        assert_eq!(linked_slice(&t2, 1, &sagittal), None);
    }

    #[test]
    fn the_crosshair_selects_the_nearest_slice_in_each_series() {
        let t2 = axial("t2", "study", &[0.0, 3.0, 6.0], [1.0, 1.0]);
        let sagittal = {
            // Sagittal slices at x = −8, −4, 0.
            let mut prepared = oriented_series([0.0, 1.0, 0.0], [0.0, 0.0, -1.0]);
            for (frame, x) in prepared.frames.iter_mut().zip([-8.0, -4.0, 0.0]) {
                frame.position_lps_mm = [x, 0.0, 0.0];
            }
            Series::new(prepared, "study").unwrap()
        };
        let crosshair = Crosshair {
            lps_mm: [-5.0, 10.0, 4.0],
            frame_of_reference: "study".into(),
        };
        assert_eq!(crosshair.slice_in(&t2), Some(1));
        assert_eq!(crosshair.slice_in(&sagittal), Some(1));
        let elsewhere = axial("x", "another study", &[0.0], [1.0, 1.0]);
        assert_eq!(crosshair.slice_in(&elsewhere), None);
    }

    #[test]
    fn linked_zoom_keeps_the_same_millimetres_per_pixel() {
        let fine = axial("fine", "study", &[0.0], [0.5, 0.5]);
        let coarse = axial("coarse", "study", &[0.0], [2.0, 2.0]);
        let rect = Rect {
            x: 0,
            y: 0,
            width: 256,
            height: 256,
        };
        let mut view = ViewportState::new(&fine);
        view.pan_by(10.0, -4.0);
        // Fit: fine is 32 mm wide (8 px/mm), coarse 128 mm (2 px/mm).
        let (zoom, pan) = linked_zoom_and_pan((&view, &fine, rect), (&coarse, rect));
        assert_eq!((zoom, pan), (4.0, [10.0, -4.0]));
    }
}
