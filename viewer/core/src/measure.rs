//! Measurements: length in millimetres, ROI statistics, and the value under the cursor.
//!
//! Values are reported in display units ([`DisplayUnits`]): ADC in 10⁻⁶ mm²/s.

use serde::{Deserialize, Serialize};

use crate::geometry::{ImagePoint, StackGeometry};
use crate::series::Series;
use crate::units::DisplayUnits;
use crate::vector::{self, Vec3};
use crate::voxels::FrameView;

/// The distance in millimetres between two image points, each on its own slice, measured in
/// the patient (so pixel spacing and each slice's position both count).
pub fn length_mm(
    geometry: &StackGeometry,
    from: (ImagePoint, u32),
    to: (ImagePoint, u32),
) -> Option<f64> {
    let a = geometry.image_to_lps(from.0, from.1)?;
    let b = geometry.image_to_lps(to.0, to.1)?;
    Some(vector::distance(a, b))
}

/// A region of interest on one slice, in image coordinates.
///
/// A pixel belongs to the region when its centre (whole image coordinates) is inside it:
/// - a circle contains centres at most `radius_mm` from its centre, measured in millimetres on
///   the slice (so on anisotropic pixels it covers an ellipse of pixel indices);
/// - a polygon (freehand outline, closed from its last vertex back to its first) contains
///   centres inside by the even–odd crossing rule, evaluated as in W. R. Franklin's `pnpoly`: a
///   centre exactly on an edge counts for one side only (on a left or top edge it is in, on a
///   right or bottom edge out), so two outlines that share an edge never share a pixel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "shape", rename_all = "snake_case")]
pub enum Roi {
    Circle { centre: ImagePoint, radius_mm: f64 },
    Polygon { vertices: Vec<ImagePoint> },
}

impl Roi {
    pub fn contains(&self, geometry: &StackGeometry, point: ImagePoint) -> bool {
        match self {
            Roi::Circle { centre, radius_mm } => {
                geometry.in_plane_distance_mm(*centre, point) <= *radius_mm
            }
            Roi::Polygon { vertices } => polygon_contains(vertices, point),
        }
    }

    /// The pixels whose centres are inside, row by row.
    pub fn pixels(&self, geometry: &StackGeometry) -> Vec<(u32, u32)> {
        let Some((columns, rows)) = self.pixel_bounds(geometry) else {
            return Vec::new();
        };
        rows.flat_map(|row| columns.clone().map(move |column| (column, row)))
            .filter(|&(column, row)| {
                self.contains(geometry, ImagePoint::new(f64::from(column), f64::from(row)))
            })
            .collect()
    }

    /// The ranges of columns and rows that can hold inside pixels, within the image.
    fn pixel_bounds(
        &self,
        geometry: &StackGeometry,
    ) -> Option<(std::ops::RangeInclusive<u32>, std::ops::RangeInclusive<u32>)> {
        let (low, high) = match self {
            Roi::Circle { centre, radius_mm } => {
                let half_columns = radius_mm / geometry.column_spacing_mm();
                let half_rows = radius_mm / geometry.row_spacing_mm();
                (
                    ImagePoint::new(centre.column - half_columns, centre.row - half_rows),
                    ImagePoint::new(centre.column + half_columns, centre.row + half_rows),
                )
            }
            Roi::Polygon { vertices } => {
                let fold = |pick: fn(f64, f64) -> f64, start: f64| {
                    vertices
                        .iter()
                        .fold(ImagePoint::new(start, start), |acc, v| {
                            ImagePoint::new(pick(acc.column, v.column), pick(acc.row, v.row))
                        })
                };
                (
                    fold(f64::min, f64::INFINITY),
                    fold(f64::max, f64::NEG_INFINITY),
                )
            }
        };
        let range = |low: f64, high: f64, count: u32| {
            let first = low.ceil().max(0.0);
            let last = high.floor().min(f64::from(count) - 1.0);
            (first <= last).then_some(first as u32..=last as u32)
        };
        Some((
            range(low.column, high.column, geometry.columns())?,
            range(low.row, high.row, geometry.rows())?,
        ))
    }
}

fn polygon_contains(vertices: &[ImagePoint], point: ImagePoint) -> bool {
    let mut inside = false;
    let mut previous = match vertices.last() {
        Some(last) => *last,
        None => return false,
    };
    for &vertex in vertices {
        if (vertex.row > point.row) != (previous.row > point.row) {
            let crossing = (previous.column - vertex.column) * (point.row - vertex.row)
                / (previous.row - vertex.row)
                + vertex.column;
            if point.column < crossing {
                inside = !inside;
            }
        }
        previous = vertex;
    }
    inside
}

/// Statistics of the pixels inside a region, in display units.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoiStatistics {
    pub pixels: usize,
    pub mean: f64,
    /// The sample standard deviation (divided by n − 1): the pixels are a sample of the tissue's
    /// signal, and the reader wants its spread, as ImageJ and OsiriX report it. 0 for one pixel.
    pub sd: f64,
    pub min: f64,
    pub max: f64,
    /// The pixels' own area: their count times the area of one pixel.
    pub area_mm2: f64,
    pub unit: String,
}

/// Statistics over the pixels of `frame` inside `roi`; `None` when no pixel centre is inside.
pub fn roi_statistics(
    frame: &FrameView,
    geometry: &StackGeometry,
    units: &DisplayUnits,
    roi: &Roi,
) -> Option<RoiStatistics> {
    let values: Vec<f64> = roi
        .pixels(geometry)
        .into_iter()
        .filter_map(|(column, row)| frame.value(column, row))
        .map(|value| units.show(value))
        .collect();
    let count = values.len();
    if count == 0 {
        return None;
    }
    let mean = values.iter().sum::<f64>() / count as f64;
    let squares: f64 = values.iter().map(|v| (v - mean).powi(2)).sum();
    let sd = if count > 1 {
        (squares / (count - 1) as f64).sqrt()
    } else {
        0.0
    };
    Some(RoiStatistics {
        pixels: count,
        mean,
        sd,
        min: values.iter().copied().fold(f64::INFINITY, f64::min),
        max: values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        area_mm2: count as f64 * geometry.column_spacing_mm() * geometry.row_spacing_mm(),
        unit: units.label.clone(),
    })
}

/// The value under the cursor: the pixel the point falls in, its stored and shown values, and
/// the patient position of the pixel's centre.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Probe {
    pub column: u32,
    pub row: u32,
    pub slice: u32,
    pub phase: u32,
    pub raw: i32,
    pub value: f64,
    pub unit: String,
    pub lps_mm: Vec3,
}

/// What lies under an image point of a frame; `None` off the image.
pub fn probe(
    series: &Series,
    frame: &FrameView,
    point: ImagePoint,
    slice: u32,
    phase: u32,
) -> Option<Probe> {
    let geometry = series.geometry();
    let (column, row) = point.pixel(geometry.columns(), geometry.rows())?;
    let raw = frame.raw(column, row)?;
    let value = frame.value(column, row)?;
    let centre = ImagePoint::new(f64::from(column), f64::from(row));
    Some(Probe {
        column,
        row,
        slice,
        phase,
        raw,
        value: series.units().show(value),
        unit: series.units().label.clone(),
        lps_mm: geometry.image_to_lps(centre, slice)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use readroom_domain::SeriesKind;

    use crate::test_support::series_with_positions;
    use crate::voxels::VoxelStore;

    /// A 64 × 48 frame whose stored value is `column + 10 · row`.
    fn ramp(spacing: [f64; 2], slope: f64, intercept: f64) -> (Series, VoxelStore) {
        let mut prepared = series_with_positions(spacing, &[[0.0; 3]]);
        prepared.frames[0].rescale_slope = slope;
        prepared.frames[0].rescale_intercept = intercept;
        let series = Series::new(prepared, "study").unwrap();
        let mut store = VoxelStore::new();
        store.register(&series);
        let words = (0..48u16)
            .flat_map(|row| (0..64u16).map(move |column| column + 10 * row))
            .collect();
        store.insert_words(series.uid(), 0, words).unwrap();
        (series, store)
    }

    #[test]
    fn length_is_measured_in_the_patient_across_anisotropic_pixels_and_slices() {
        let prepared = series_with_positions(
            [0.8, 0.5],
            &[[0.0, 0.0, 0.0], [0.0, 0.0, 2.0], [0.0, 0.0, 7.0]],
        );
        let geometry = StackGeometry::of(&prepared).unwrap();
        let check = |from: (f64, f64, u32), to: (f64, f64, u32), expected: f64| {
            let length = length_mm(
                &geometry,
                (ImagePoint::new(from.0, from.1), from.2),
                (ImagePoint::new(to.0, to.1), to.2),
            )
            .unwrap();
            assert!(
                (length - expected).abs() < 1e-9,
                "{from:?} → {to:?}: {length}"
            );
        };
        check((0.0, 0.0, 0), (10.0, 0.0, 0), 5.0);
        check((0.0, 0.0, 0), (0.0, 10.0, 0), 8.0);
        check((0.0, 0.0, 0), (6.0, 5.0, 0), 5.0);
        check((2.0, 3.0, 1), (2.0, 3.0, 2), 5.0);
        check((0.0, 0.0, 0), (8.0, 0.0, 2), 65f64.sqrt());
        check((-0.5, -0.5, 0), (63.5, 47.5, 0), 32f64.hypot(38.4));
    }

    #[test]
    fn circle_statistics_on_a_known_ramp() {
        // Centre (10, 10), radius 2 mm on 1 mm pixels: the 13 centres within 2 px.
        // Values 2 · (column + 10 · row) + 5, symmetric about 225; Σ(deviation²) = 4 · 1414.
        let (series, store) = ramp([1.0, 1.0], 2.0, 5.0);
        let frame = store.frame(&series, 0, 0).unwrap();
        let roi = Roi::Circle {
            centre: ImagePoint::new(10.0, 10.0),
            radius_mm: 2.0,
        };
        let stats = roi_statistics(&frame, series.geometry(), series.units(), &roi).unwrap();
        assert_eq!(stats.pixels, 13);
        assert_eq!((stats.mean, stats.min, stats.max), (225.0, 185.0, 265.0));
        assert!((stats.sd - (4.0 * 1414.0 / 12.0f64).sqrt()).abs() < 1e-9);
        assert_eq!(stats.area_mm2, 13.0);
        assert_eq!(stats.unit, "");
    }

    #[test]
    fn region_membership_is_decided_by_pixel_centres() {
        let (series, _) = ramp([1.0, 1.0], 1.0, 0.0);
        let geometry = series.geometry();
        let polygon = |points: &[(f64, f64)]| Roi::Polygon {
            vertices: points.iter().map(|&(c, r)| ImagePoint::new(c, r)).collect(),
        };
        let check = |roi: Roi, expected: &[(u32, u32)]| {
            assert_eq!(roi.pixels(geometry), expected, "{roi:?}");
        };
        // A square through pixel centres: its left and top edges are in, right and bottom out.
        check(
            polygon(&[(2.0, 2.0), (4.0, 2.0), (4.0, 4.0), (2.0, 4.0)]),
            &[(2, 2), (3, 2), (2, 3), (3, 3)],
        );
        // The same square drawn the other way round.
        check(
            polygon(&[(2.0, 4.0), (4.0, 4.0), (4.0, 2.0), (2.0, 2.0)]),
            &[(2, 2), (3, 2), (2, 3), (3, 3)],
        );
        // Its neighbour to the right shares the edge at column 4 and takes those centres.
        check(
            polygon(&[(4.0, 2.0), (6.0, 2.0), (6.0, 4.0), (4.0, 4.0)]),
            &[(4, 2), (5, 2), (4, 3), (5, 3)],
        );
        // A triangle, a degenerate outline, and one off the image.
        check(
            polygon(&[(0.5, 0.5), (3.5, 0.5), (0.5, 3.5)]),
            &[(1, 1), (2, 1), (1, 2)],
        );
        check(polygon(&[(1.0, 1.0), (5.0, 5.0)]), &[]);
        check(polygon(&[(-9.0, -9.0), (-5.0, -9.0), (-5.0, -5.0)]), &[]);
        // A circle clipped by the image corner: centres within 1 px of (0, 0).
        check(
            Roi::Circle {
                centre: ImagePoint::new(0.0, 0.0),
                radius_mm: 1.0,
            },
            &[(0, 0), (1, 0), (0, 1)],
        );
    }

    #[test]
    fn circles_on_anisotropic_pixels_are_round_in_millimetres() {
        // 2 mm between rows, 1 mm between columns: radius 2 mm reaches 2 columns but 1 row.
        let (series, store) = ramp([2.0, 1.0], 1.0, 0.0);
        let roi = Roi::Circle {
            centre: ImagePoint::new(10.0, 10.0),
            radius_mm: 2.0,
        };
        let pixels = roi.pixels(series.geometry());
        assert_eq!(
            pixels,
            [
                (10, 9),
                (8, 10),
                (9, 10),
                (10, 10),
                (11, 10),
                (12, 10),
                (10, 11)
            ]
        );
        let frame = store.frame(&series, 0, 0).unwrap();
        let stats = roi_statistics(&frame, series.geometry(), series.units(), &roi).unwrap();
        assert_eq!(stats.area_mm2, 14.0);
        assert_eq!(stats.mean, 110.0);
    }

    #[test]
    fn adc_statistics_and_probes_are_in_micro_units() {
        let (series, store) = {
            let mut prepared = series_with_positions([1.0, 1.0], &[[5.0, 6.0, 7.0]]);
            prepared.kind = SeriesKind::Adc;
            prepared.units = Some("10^-3 mm2/s".into());
            prepared.frames[0].rescale_slope = 0.001;
            let series = Series::new(prepared, "study").unwrap();
            let mut store = VoxelStore::new();
            store.register(&series);
            store
                .insert_words(series.uid(), 0, vec![800; 64 * 48])
                .unwrap();
            (series, store)
        };
        let frame = store.frame(&series, 0, 0).unwrap();
        let found = probe(&series, &frame, ImagePoint::new(3.4, 1.6), 0, 0).unwrap();
        assert_eq!((found.column, found.row, found.raw), (3, 2, 800));
        assert!((found.value - 800.0).abs() < 1e-9);
        assert_eq!(found.unit, "10⁻⁶ mm²/s");
        assert_eq!(found.lps_mm, [8.0, 8.0, 7.0]);
        assert_eq!(
            probe(&series, &frame, ImagePoint::new(-0.6, 0.0), 0, 0),
            None
        );

        let roi = Roi::Circle {
            centre: ImagePoint::new(5.0, 5.0),
            radius_mm: 1.0,
        };
        let stats = roi_statistics(&frame, series.geometry(), series.units(), &roi).unwrap();
        assert!((stats.mean - 800.0).abs() < 1e-9 && stats.sd.abs() < 1e-9);
    }
}
