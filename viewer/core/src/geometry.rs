//! Where a series' pixels lie in the patient.
//!
//! Image coordinates are continuous `(column, row)` with whole numbers at pixel centres: pixel
//! `(c, r)` covers `[c − ½, c + ½) × [r − ½, r + ½)`. DICOM's Image Position (Patient) is the
//! centre of the first transmitted pixel, so image point `(0, 0)` of a slice is its frame's
//! `position_lps_mm`, and
//!
//! ```text
//! lps(column, row, slice) = position[slice]
//!                         + column · pixel_spacing_mm[1] · row_direction
//!                         + row    · pixel_spacing_mm[0] · column_direction
//! ```
//!
//! (DICOM's Pixel Spacing gives the spacing between rows first.) Every slice uses its own
//! frame's position: stacks are not assumed to be evenly spaced.

use readroom_domain::PreparedSeries;
use serde::{Deserialize, Serialize};

use crate::vector::{self, Vec3};

/// A point on an image, in pixels: whole numbers are pixel centres.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ImagePoint {
    pub column: f64,
    pub row: f64,
}

impl ImagePoint {
    pub fn new(column: f64, row: f64) -> ImagePoint {
        ImagePoint { column, row }
    }

    /// The pixel this point falls in, if it is on an image of the given size.
    pub fn pixel(self, columns: u32, rows: u32) -> Option<(u32, u32)> {
        let column = (self.column + 0.5).floor();
        let row = (self.row + 0.5).floor();
        let inside =
            column >= 0.0 && row >= 0.0 && column < f64::from(columns) && row < f64::from(rows);
        inside.then_some((column as u32, row as u32))
    }
}

/// A patient point seen from one slice: where it falls on the image, and how far it lies from
/// the slice plane along the normal (positive on the side the normal points to).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlaneProjection {
    pub point: ImagePoint,
    pub distance_mm: f64,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GeometryError {
    #[error("the series has no slices")]
    NoSlices,
    #[error("the series has no frame for slice {0} of its first phase")]
    MissingSlice(u32),
    #[error("the orientation cosines are not two perpendicular unit vectors")]
    Orientation,
    #[error("pixel spacing must be two positive numbers, not {0:?}")]
    PixelSpacing([f64; 2]),
    #[error("the image has no pixels ({columns} × {rows})")]
    EmptyImage { columns: u32, rows: u32 },
}

/// The geometry of one stack: orientation, pixel spacing and each slice's own position.
#[derive(Debug, Clone, PartialEq)]
pub struct StackGeometry {
    row_direction: Vec3,
    column_direction: Vec3,
    normal: Vec3,
    /// Between neighbouring columns, along `row_direction`: Pixel Spacing's second value.
    column_spacing_mm: f64,
    /// Between neighbouring rows, along `column_direction`: Pixel Spacing's first value.
    row_spacing_mm: f64,
    columns: u32,
    rows: u32,
    /// Image point (0, 0) of each slice, by slice index.
    slice_positions: Vec<Vec3>,
}

/// How far from unit length and from perpendicular the stored cosines may be: they are written
/// as decimal strings in DICOM, so they are rarely exact.
const COSINE_TOLERANCE: f64 = 1e-3;

impl StackGeometry {
    pub fn of(series: &PreparedSeries) -> Result<StackGeometry, GeometryError> {
        let unit = |v: Vec3| (vector::length(v) - 1.0).abs() < COSINE_TOLERANCE;
        let (row_direction, column_direction) = (series.row_direction, series.column_direction);
        if !unit(row_direction)
            || !unit(column_direction)
            || vector::dot(row_direction, column_direction).abs() > COSINE_TOLERANCE
        {
            return Err(GeometryError::Orientation);
        }
        let [row_spacing_mm, column_spacing_mm] = series.pixel_spacing_mm;
        let positive = |spacing: f64| spacing > 0.0 && spacing.is_finite();
        if !positive(row_spacing_mm) || !positive(column_spacing_mm) {
            return Err(GeometryError::PixelSpacing(series.pixel_spacing_mm));
        }
        if series.columns == 0 || series.rows == 0 {
            return Err(GeometryError::EmptyImage {
                columns: series.columns,
                rows: series.rows,
            });
        }
        if series.slices == 0 {
            return Err(GeometryError::NoSlices);
        }
        let first_phase = series.frames.iter().map(|f| f.phase).min().unwrap_or(0);
        let slice_positions = (0..series.slices)
            .map(|slice| {
                series
                    .frames
                    .iter()
                    .find(|f| f.slice == slice && f.phase == first_phase)
                    .map(|f| f.position_lps_mm)
                    .ok_or(GeometryError::MissingSlice(slice))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(StackGeometry {
            row_direction,
            column_direction,
            normal: vector::cross(row_direction, column_direction),
            column_spacing_mm,
            row_spacing_mm,
            columns: series.columns,
            rows: series.rows,
            slice_positions,
        })
    }

    pub fn columns(&self) -> u32 {
        self.columns
    }

    pub fn rows(&self) -> u32 {
        self.rows
    }

    pub fn slices(&self) -> u32 {
        self.slice_positions.len() as u32
    }

    pub fn column_spacing_mm(&self) -> f64 {
        self.column_spacing_mm
    }

    pub fn row_spacing_mm(&self) -> f64 {
        self.row_spacing_mm
    }

    pub fn row_direction(&self) -> Vec3 {
        self.row_direction
    }

    pub fn column_direction(&self) -> Vec3 {
        self.column_direction
    }

    /// Row direction × column direction: the direction of increasing slice position.
    pub fn normal(&self) -> Vec3 {
        self.normal
    }

    /// The patient position of an image point on a slice; `None` for a slice not in the stack.
    pub fn image_to_lps(&self, point: ImagePoint, slice: u32) -> Option<Vec3> {
        let origin = *self.slice_positions.get(slice as usize)?;
        let across = vector::scale(self.row_direction, point.column * self.column_spacing_mm);
        let down = vector::scale(self.column_direction, point.row * self.row_spacing_mm);
        Some(vector::add(origin, vector::add(across, down)))
    }

    /// Where a patient point falls on a slice (projected along the normal), and how far from
    /// the slice plane it lies; `None` for a slice not in the stack.
    pub fn lps_to_image(&self, lps: Vec3, slice: u32) -> Option<PlaneProjection> {
        let offset = vector::sub(lps, *self.slice_positions.get(slice as usize)?);
        Some(PlaneProjection {
            point: ImagePoint {
                column: vector::dot(offset, self.row_direction) / self.column_spacing_mm,
                row: vector::dot(offset, self.column_direction) / self.row_spacing_mm,
            },
            distance_mm: vector::dot(offset, self.normal),
        })
    }

    /// The slice whose plane is nearest to a patient point, measured along the normal from each
    /// slice's own position (the lower index on a tie).
    pub fn nearest_slice(&self, lps: Vec3) -> u32 {
        let along = vector::dot(lps, self.normal);
        let mut nearest = (0, f64::INFINITY);
        for (slice, position) in self.slice_positions.iter().enumerate() {
            let distance = (vector::dot(*position, self.normal) - along).abs();
            if distance < nearest.1 {
                nearest = (slice as u32, distance);
            }
        }
        nearest.0
    }

    /// The centre of a slice's image, in the patient.
    pub fn slice_centre(&self, slice: u32) -> Option<Vec3> {
        self.image_to_lps(self.centre(), slice)
    }

    /// The image point at the middle of the image.
    pub fn centre(&self) -> ImagePoint {
        ImagePoint {
            column: (f64::from(self.columns) - 1.0) / 2.0,
            row: (f64::from(self.rows) - 1.0) / 2.0,
        }
    }

    /// The distance in millimetres between two points on one slice plane.
    pub fn in_plane_distance_mm(&self, a: ImagePoint, b: ImagePoint) -> f64 {
        let across = (b.column - a.column) * self.column_spacing_mm;
        let down = (b.row - a.row) * self.row_spacing_mm;
        across.hypot(down)
    }

    /// Whether the main plane is axial: the normal is closest to the head–feet axis.
    pub fn is_axial(&self) -> bool {
        let [x, y, z] = self.normal.map(f64::abs);
        z >= x && z >= y
    }

    /// The letters for the four edges of the image as displayed (column increasing to the
    /// right, row increasing downwards).
    pub fn edge_labels(&self) -> EdgeLabels {
        EdgeLabels {
            left: direction_label(vector::scale(self.row_direction, -1.0)),
            right: direction_label(self.row_direction),
            top: direction_label(vector::scale(self.column_direction, -1.0)),
            bottom: direction_label(self.column_direction),
        }
    }
}

/// The orientation letters shown at the middle of each edge of a viewport.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EdgeLabels {
    pub left: String,
    pub right: String,
    pub top: String,
    pub bottom: String,
}

/// A component of a direction smaller than this is left out of its label, so that an image
/// tilted by less than about 14° reads as its main plane ("L", not "LPH"), while a truly oblique
/// one shows its mixture ("LA").
pub const OBLIQUE_COMPONENT_MIN: f64 = 0.25;

/// The letters for the patient direction a screen direction points to: one letter per patient
/// axis, strongest component first, leaving out components below [`OBLIQUE_COMPONENT_MIN`]
/// (the rule of DICOM viewers since dicom3tools, with a threshold that ignores slight tilts).
/// x+ is L(eft), x− R(ight), y+ P(osterior), y− A(nterior), z+ H(ead), z− F(eet).
pub fn direction_label(direction: Vec3) -> String {
    const LETTERS: [(char, char); 3] = [('L', 'R'), ('P', 'A'), ('H', 'F')];
    let mut axes: Vec<usize> = (0..3)
        .filter(|&axis| direction[axis].abs() >= OBLIQUE_COMPONENT_MIN)
        .collect();
    axes.sort_by(|&a, &b| direction[b].abs().total_cmp(&direction[a].abs()));
    axes.iter()
        .map(|&axis| {
            let (positive, negative) = LETTERS[axis];
            if direction[axis] > 0.0 {
                positive
            } else {
                negative
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{axial_series, oblique_series, series_with_positions};

    fn close(a: Vec3, b: Vec3) -> bool {
        vector::distance(a, b) < 1e-9
    }

    #[test]
    fn image_points_map_to_patient_positions_from_each_slice_origin() {
        // 0.5 mm between columns, 0.8 mm between rows, slices at z = 10, 13 and 20.
        let series = series_with_positions(
            [0.8, 0.5],
            &[
                [-50.0, -60.0, 10.0],
                [-50.0, -60.0, 13.0],
                [-50.0, -60.0, 20.0],
            ],
        );
        let geometry = StackGeometry::of(&series).unwrap();
        let check = |column: f64, row: f64, slice: u32, expected: Vec3| {
            let lps = geometry
                .image_to_lps(ImagePoint::new(column, row), slice)
                .unwrap();
            assert!(close(lps, expected), "({column}, {row}, {slice}): {lps:?}");
        };
        check(0.0, 0.0, 0, [-50.0, -60.0, 10.0]);
        check(10.0, 0.0, 0, [-45.0, -60.0, 10.0]);
        check(0.0, 10.0, 1, [-50.0, -52.0, 13.0]);
        check(-0.5, -0.5, 2, [-50.25, -60.4, 20.0]);
        check(3.0, 4.0, 2, [-48.5, -56.8, 20.0]);
        assert_eq!(geometry.image_to_lps(ImagePoint::new(0.0, 0.0), 3), None);
    }

    #[test]
    fn oblique_stacks_round_trip_between_pixels_and_patient_positions() {
        let points = [
            (0.0, 0.0, 0),
            (12.25, 3.5, 1),
            (63.0, 63.0, 4),
            (-0.5, 40.0, 2),
        ];
        for (tilt_degrees, roll_degrees) in [(0.0, 0.0), (20.0, 0.0), (35.0, 50.0), (90.0, 10.0)] {
            let series = oblique_series(tilt_degrees, roll_degrees);
            let geometry = StackGeometry::of(&series).unwrap();
            for (column, row, slice) in points {
                let point = ImagePoint::new(column, row);
                let lps = geometry.image_to_lps(point, slice).unwrap();
                let back = geometry.lps_to_image(lps, slice).unwrap();
                assert!(
                    (back.point.column - column).abs() < 1e-9
                        && (back.point.row - row).abs() < 1e-9
                        && back.distance_mm.abs() < 1e-9,
                    "tilt {tilt_degrees}°, roll {roll_degrees}°, {point:?}: {back:?}"
                );
                assert_eq!(geometry.nearest_slice(lps), slice);
            }
        }
    }

    #[test]
    fn projection_reports_the_distance_from_the_slice_plane() {
        let geometry = StackGeometry::of(&axial_series(4)).unwrap();
        // Slices are 3 mm apart from z = 0; the normal is +z (towards the head).
        let projection = geometry.lps_to_image([1.0, 2.0, 4.0], 1).unwrap();
        assert_eq!(projection.point, ImagePoint::new(1.0, 2.0));
        assert!((projection.distance_mm - 1.0).abs() < 1e-12);
    }

    #[test]
    fn nearest_slice_uses_each_frame_position_not_an_even_spacing() {
        // Uneven gaps: 0, 2, 10, 11, 30 mm along +z.
        let positions = [0.0, 2.0, 10.0, 11.0, 30.0].map(|z| [0.0, 0.0, z]);
        let geometry = StackGeometry::of(&series_with_positions([1.0, 1.0], &positions)).unwrap();
        let check = |z: f64, expected: u32| {
            assert_eq!(geometry.nearest_slice([5.0, -3.0, z]), expected, "z = {z}");
        };
        check(-100.0, 0);
        check(0.9, 0);
        check(1.1, 1);
        check(5.9, 1);
        check(6.1, 2);
        check(10.6, 3);
        check(20.4, 3);
        check(20.6, 4);
        check(100.0, 4);
    }

    #[test]
    fn orientation_labels_follow_the_dominant_patient_axes() {
        let check = |row: Vec3, column: Vec3, expected: [&str; 4]| {
            let series = crate::test_support::oriented_series(row, column);
            let labels = StackGeometry::of(&series).unwrap().edge_labels();
            let got = [
                labels.left.as_str(),
                labels.right.as_str(),
                labels.top.as_str(),
                labels.bottom.as_str(),
            ];
            assert_eq!(got, expected, "row {row:?}, column {column:?}");
        };
        let (s, c) = (30f64.to_radians().sin(), 30f64.to_radians().cos());
        let (h, slight) = (0.5f64.sqrt(), 5f64.to_radians());
        // Axial: the patient's right on the viewer's left, anterior at the top.
        check([1.0, 0.0, 0.0], [0.0, 1.0, 0.0], ["R", "L", "A", "P"]);
        // Sagittal: anterior on the left, head at the top.
        check([0.0, 1.0, 0.0], [0.0, 0.0, -1.0], ["A", "P", "H", "F"]);
        // Coronal: right on the left, head at the top.
        check([1.0, 0.0, 0.0], [0.0, 0.0, -1.0], ["R", "L", "H", "F"]);
        // Axial rotated 30° about the head–feet axis: the main axis first, then the other.
        check([c, s, 0.0], [-s, c, 0.0], ["RA", "LP", "AL", "PR"]);
        // Rotated 45°: a tie, which the x axis wins.
        check([h, h, 0.0], [-h, h, 0.0], ["RA", "LP", "LA", "RP"]);
        // Tilted 5°: read as the plain plane.
        let (ss, cs) = (slight.sin(), slight.cos());
        check([cs, 0.0, ss], [0.0, 1.0, 0.0], ["R", "L", "A", "P"]);
        // Double oblique, three letters.
        let row = [0.8, 0.36, 0.48];
        let column = [-0.6, 0.48, 0.64];
        check(row, column, ["RFA", "LHP", "FLA", "HRP"]);
    }

    #[test]
    fn malformed_geometry_is_refused_with_a_reason() {
        let mut series = axial_series(3);
        series.row_direction = [1.0, 1.0, 0.0];
        assert_eq!(StackGeometry::of(&series), Err(GeometryError::Orientation));
        let mut series = axial_series(3);
        series.pixel_spacing_mm = [0.0, 1.0];
        assert_eq!(
            StackGeometry::of(&series),
            Err(GeometryError::PixelSpacing([0.0, 1.0]))
        );
        let mut series = axial_series(3);
        series.frames.retain(|f| f.slice != 1);
        assert_eq!(
            StackGeometry::of(&series),
            Err(GeometryError::MissingSlice(1))
        );
    }
}
