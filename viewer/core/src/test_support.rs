//! Series for tests: small stacks with chosen orientation, spacing and positions.

use readroom_domain::{PixelFormat, PreparedFrame, PreparedSeries, SeriesKind, WindowPreset};

use crate::vector::{self, Vec3};

/// A one-phase series of 64 × 48 pixels (columns × rows) with the given orientation, pixel
/// spacing (between rows, between columns) and slice positions.
pub fn series(
    row_direction: Vec3,
    column_direction: Vec3,
    pixel_spacing_mm: [f64; 2],
    positions: &[Vec3],
) -> PreparedSeries {
    let frames = positions
        .iter()
        .enumerate()
        .map(|(slice, &position)| frame(slice as u32, 0, position))
        .collect();
    PreparedSeries {
        uid: "1.2.3.1".into(),
        number: Some(1),
        kind: SeriesKind::T2w,
        modality: "MR".into(),
        description: "T2W axial".into(),
        rows: 48,
        columns: 64,
        slices: positions.len() as u32,
        phases: 1,
        pixel_format: PixelFormat::U16,
        row_direction,
        column_direction,
        normal: vector::cross(row_direction, column_direction),
        pixel_spacing_mm,
        slice_spacing_mm: 3.0,
        slice_thickness_mm: Some(3.0),
        invert: false,
        units: None,
        diffusion_b_value: None,
        frame_of_reference_uid: None,
        window_presets: vec![
            WindowPreset {
                name: "Scanner".into(),
                center: 500.0,
                width: 1000.0,
            },
            WindowPreset {
                name: "Auto".into(),
                center: 400.0,
                width: 700.0,
            },
        ],
        frames,
        voxels_hash: "hash".into(),
        voxels_bytes: 0,
    }
}

pub fn frame(slice: u32, phase: u32, position: Vec3) -> PreparedFrame {
    PreparedFrame {
        slice,
        phase,
        position_lps_mm: position,
        rescale_slope: 1.0,
        rescale_intercept: 0.0,
        offset: 0,
        length: 0,
    }
}

/// Axial, 1 mm pixels, slices at the given positions.
pub fn series_with_positions(pixel_spacing_mm: [f64; 2], positions: &[Vec3]) -> PreparedSeries {
    series(
        [1.0, 0.0, 0.0],
        [0.0, 1.0, 0.0],
        pixel_spacing_mm,
        positions,
    )
}

/// Axial, 1 mm pixels, slices 3 mm apart from z = 0 with the first pixel at x = y = 0.
pub fn axial_series(slices: u32) -> PreparedSeries {
    let positions: Vec<Vec3> = (0..slices)
        .map(|i| [0.0, 0.0, 3.0 * f64::from(i)])
        .collect();
    series_with_positions([1.0, 1.0], &positions)
}

/// Three slices 4 mm apart along the normal of the given orientation.
pub fn oriented_series(row_direction: Vec3, column_direction: Vec3) -> PreparedSeries {
    let normal = vector::cross(row_direction, column_direction);
    let positions: Vec<Vec3> = (0..3)
        .map(|i| vector::scale(normal, 4.0 * f64::from(i)))
        .collect();
    series(row_direction, column_direction, [1.0, 1.0], &positions)
}

/// An axial stack tilted about the left–right axis, then rolled about the head–feet axis, with
/// anisotropic pixels, an off-centre origin and uneven gaps between its five slices.
pub fn oblique_series(tilt_degrees: f64, roll_degrees: f64) -> PreparedSeries {
    let (tilt, roll) = (tilt_degrees.to_radians(), roll_degrees.to_radians());
    let tilt_about_x = |v: Vec3| {
        [
            v[0],
            v[1] * tilt.cos() - v[2] * tilt.sin(),
            v[1] * tilt.sin() + v[2] * tilt.cos(),
        ]
    };
    let roll_about_z = |v: Vec3| {
        [
            v[0] * roll.cos() - v[1] * roll.sin(),
            v[0] * roll.sin() + v[1] * roll.cos(),
            v[2],
        ]
    };
    let row = roll_about_z(tilt_about_x([1.0, 0.0, 0.0]));
    let column = roll_about_z(tilt_about_x([0.0, 1.0, 0.0]));
    let normal = vector::cross(row, column);
    let origin = [-31.5, 12.25, -40.0];
    let positions: Vec<Vec3> = [0.0, 3.0, 6.5, 9.0, 15.0]
        .iter()
        .map(|&along| vector::add(origin, vector::scale(normal, along)))
        .collect();
    series(row, column, [0.7, 0.9], &positions)
}
