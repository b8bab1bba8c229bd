//! What is drawn over the images besides the tools: the trainee's markers, and after a
//! submission the true lesions and the expert's pinned marks. Each kind has its own style and
//! can be shown or hidden.
//!
//! Points are shown by patient position: a point appears in every viewport of its frame of
//! reference whose slice is the one nearest to it, not only on the series it was placed on. A
//! true lesion is a sphere: on a slice at distance `d` from its centre it is a circle of radius
//! `√(r² − d²)`, and absent when `d > r`.

use readroom_domain::TruthLesion;
use serde::{Deserialize, Serialize};

use crate::geometry::{ImagePoint, StackGeometry};
use crate::vector::Vec3;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OverlayKind {
    TraineeMarkers,
    TrueLesions,
    ExpertMarks,
}

impl OverlayKind {
    pub const ALL: [OverlayKind; 3] = [
        OverlayKind::TraineeMarkers,
        OverlayKind::TrueLesions,
        OverlayKind::ExpertMarks,
    ];
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverlayVisibility {
    pub trainee_markers: bool,
    pub true_lesions: bool,
    pub expert_marks: bool,
}

impl Default for OverlayVisibility {
    fn default() -> OverlayVisibility {
        OverlayVisibility {
            trainee_markers: true,
            true_lesions: true,
            expert_marks: true,
        }
    }
}

impl OverlayVisibility {
    pub fn shows(&self, kind: OverlayKind) -> bool {
        match kind {
            OverlayKind::TraineeMarkers => self.trainee_markers,
            OverlayKind::TrueLesions => self.true_lesions,
            OverlayKind::ExpertMarks => self.expert_marks,
        }
    }

    pub fn set(&mut self, kind: OverlayKind, shown: bool) {
        match kind {
            OverlayKind::TraineeMarkers => self.trainee_markers = shown,
            OverlayKind::TrueLesions => self.true_lesions = shown,
            OverlayKind::ExpertMarks => self.expert_marks = shown,
        }
    }

    pub fn toggle(&mut self, kind: OverlayKind) {
        self.set(kind, !self.shows(kind));
    }
}

/// A true lesion as the viewer draws it: a sphere.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrueLesion {
    /// 1-based, in the truth manifest's order.
    pub number: u32,
    pub centre_lps_mm: Vec3,
    pub radius_mm: f64,
    pub isup_grade_group: u8,
}

impl TrueLesion {
    /// The drawable lesions of a truth manifest: those with a centre and a radius.
    pub fn from_truth(lesions: &[TruthLesion]) -> Vec<TrueLesion> {
        lesions
            .iter()
            .enumerate()
            .filter_map(|(index, lesion)| {
                Some(TrueLesion {
                    number: index as u32 + 1,
                    centre_lps_mm: lesion.centre_lps_mm?,
                    radius_mm: lesion.radius_mm.filter(|r| *r > 0.0)?,
                    isup_grade_group: lesion.isup_grade_group,
                })
            })
            .collect()
    }

    /// Where the sphere cuts a slice; `None` when it does not reach the slice plane.
    pub fn section(&self, geometry: &StackGeometry, slice: u32) -> Option<Section> {
        section_of_sphere(geometry, slice, self.centre_lps_mm, self.radius_mm)
    }
}

/// A circle on a slice, in image coordinates and millimetres.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Section {
    pub centre: ImagePoint,
    pub radius_mm: f64,
}

/// The circle where a sphere cuts a slice: radius `√(r² − d²)` for a plane at distance `d` from
/// the centre, none when `d > r`.
pub fn section_of_sphere(
    geometry: &StackGeometry,
    slice: u32,
    centre: Vec3,
    radius_mm: f64,
) -> Option<Section> {
    let projection = geometry.lps_to_image(centre, slice)?;
    let d = projection.distance_mm.abs();
    (d <= radius_mm).then(|| Section {
        centre: projection.point,
        radius_mm: (radius_mm * radius_mm - d * d).sqrt(),
    })
}

/// A mark the expert pinned in feedback. The JSON shape is the store's `PinnedMark`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExpertMark {
    pub series_uid: String,
    pub slice: u32,
    pub lps_mm: Vec3,
    #[serde(default)]
    pub label: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use readroom_domain::Zone;

    use crate::test_support::axial_series;

    #[test]
    fn a_true_lesion_is_a_circle_of_radius_root_r2_minus_d2_on_each_slice() {
        // Slices 3 mm apart from z = 0; a lesion of radius 5 mm centred at (10, 20, 6.5).
        let geometry = StackGeometry::of(&axial_series(6)).unwrap();
        let lesion = TrueLesion {
            number: 1,
            centre_lps_mm: [10.0, 20.0, 6.5],
            radius_mm: 5.0,
            isup_grade_group: 3,
        };
        let check = |slice: u32, expected: Option<f64>| {
            let section = lesion.section(&geometry, slice);
            assert_eq!(
                section.map(|s| s.centre),
                expected.map(|_| ImagePoint::new(10.0, 20.0))
            );
            let radius = section.map(|s| s.radius_mm);
            match (radius, expected) {
                (Some(got), Some(want)) => assert!((got - want).abs() < 1e-12, "slice {slice}"),
                (got, want) => assert_eq!(got, want, "slice {slice}"),
            }
        };
        check(0, None); // d = 6.5
        check(1, Some((25.0f64 - 12.25).sqrt())); // d = 3.5
        check(2, Some((25.0f64 - 0.25).sqrt())); // d = 0.5
        check(3, Some((25.0f64 - 6.25).sqrt())); // d = 2.5
        check(4, None); // d = 5.5
    }

    #[test]
    fn only_lesions_with_a_centre_and_radius_are_drawn() {
        let lesion = |centre: Option<Vec3>, radius: Option<f64>| TruthLesion {
            isup_grade_group: 2,
            sectors: vec![],
            centre_lps_mm: centre,
            radius_mm: radius,
            zone: Zone::PZ,
            index: false,
        };
        let drawn = TrueLesion::from_truth(&[
            lesion(Some([1.0, 2.0, 3.0]), Some(4.0)),
            lesion(None, Some(4.0)),
            lesion(Some([1.0, 2.0, 3.0]), None),
            lesion(Some([5.0, 6.0, 7.0]), Some(2.0)),
        ]);
        let numbers: Vec<u32> = drawn.iter().map(|l| l.number).collect();
        assert_eq!(numbers, [1, 4]);
    }

    #[test]
    fn each_overlay_kind_toggles_on_its_own() {
        let mut visibility = OverlayVisibility::default();
        visibility.toggle(OverlayKind::TrueLesions);
        let shown: Vec<bool> = OverlayKind::ALL
            .iter()
            .map(|k| visibility.shows(*k))
            .collect();
        assert_eq!(shown, [true, false, true]);
        visibility.toggle(OverlayKind::TrueLesions);
        visibility.set(OverlayKind::ExpertMarks, false);
        let shown: Vec<bool> = OverlayKind::ALL
            .iter()
            .map(|k| visibility.shows(*k))
            .collect();
        assert_eq!(shown, [true, true, false]);
    }

    #[test]
    fn expert_marks_read_the_stored_pinned_mark_json() {
        let mark: ExpertMark = serde_json::from_str(
            r#"{"series_uid":"1.2","slice":4,"lps_mm":[1.0,2.0,3.0],"label":"here"}"#,
        )
        .unwrap();
        assert_eq!(mark.label, "here");
        assert_eq!(mark.slice, 4);
    }
}
