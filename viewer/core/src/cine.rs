//! DCE: cine through the phases, and the time-intensity curve at a point.
//!
//! The clock is the caller's: the web crate passes `performance.now()`-style milliseconds, and
//! tests pass whatever they like.

use serde::{Deserialize, Serialize};

use crate::series::Series;
use crate::vector::Vec3;
use crate::voxels::VoxelStore;

/// Phases per second a cine starts at.
pub const DEFAULT_CINE_RATE: f64 = 4.0;

/// The phase shown `elapsed_ms` after a cine started at `start_phase`, at `rate` phases per
/// second, going round from the last phase to the first.
pub fn phase_at(start_phase: u32, elapsed_ms: f64, rate: f64, phases: u32) -> u32 {
    let running = phases > 0 && rate > 0.0 && elapsed_ms > 0.0;
    if !running {
        return start_phase.min(phases.saturating_sub(1));
    }
    let steps = (elapsed_ms / 1000.0 * rate).floor() as u64;
    ((u64::from(start_phase) + steps) % u64::from(phases)) as u32
}

/// A cine running in one viewport.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Cine {
    pub viewport: usize,
    pub rate: f64,
    pub started_ms: f64,
    pub start_phase: u32,
}

impl Cine {
    pub fn phase(&self, now_ms: f64, phases: u32) -> u32 {
        phase_at(
            self.start_phase,
            now_ms - self.started_ms,
            self.rate,
            phases,
        )
    }
}

/// One point of a time-intensity curve: the value at a phase, `None` until that frame has
/// arrived. `PreparedSeries` carries no acquisition times, so the time axis is the phase.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CurvePoint {
    pub phase: u32,
    pub value: Option<f64>,
}

/// The value of the pixel at `lps` (on the slice nearest to it) through every phase, in display
/// units; `None` when the point is off the image.
pub fn time_intensity_curve(
    series: &Series,
    voxels: &VoxelStore,
    lps: Vec3,
) -> Option<Vec<CurvePoint>> {
    let geometry = series.geometry();
    let slice = geometry.nearest_slice(lps);
    let projection = geometry.lps_to_image(lps, slice)?;
    let (column, row) = projection
        .point
        .pixel(geometry.columns(), geometry.rows())?;
    Some(
        (0..series.phases())
            .map(|phase| CurvePoint {
                phase,
                value: voxels
                    .frame(series, slice, phase)
                    .and_then(|frame| frame.value(column, row))
                    .map(|value| series.units().show(value)),
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{axial_series, frame};

    #[test]
    fn cine_phase_follows_the_clock_and_wraps() {
        let check = |start: u32, elapsed_ms: f64, rate: f64, expected: u32| {
            assert_eq!(
                phase_at(start, elapsed_ms, rate, 8),
                expected,
                "{start} + {elapsed_ms} ms at {rate}/s"
            );
        };
        check(0, 0.0, 4.0, 0);
        check(0, 249.0, 4.0, 0);
        check(0, 250.0, 4.0, 1);
        check(0, 1999.0, 4.0, 7);
        check(0, 2000.0, 4.0, 0);
        check(5, 750.0, 4.0, 0);
        check(3, 10_000.0, 0.5, 0);
        check(3, -50.0, 4.0, 3);
        check(3, 500.0, 0.0, 3);
        assert_eq!(phase_at(2, 1000.0, 4.0, 0), 0);
    }

    #[test]
    fn the_time_intensity_curve_reads_one_pixel_through_the_phases() {
        // Three slices 3 mm apart, four phases; phase p holds 100 · (p + 1) everywhere except
        // pixel (5, 7), which holds 1000 + p. Phase 3 has not arrived.
        let mut prepared = axial_series(3);
        prepared.kind = readroom_domain::SeriesKind::Dce;
        prepared.phases = 4;
        prepared.frames = (0..4)
            .flat_map(|phase| {
                (0..3).map(move |slice| frame(slice, phase, [0.0, 0.0, 3.0 * f64::from(slice)]))
            })
            .collect();
        prepared.frames[4].rescale_slope = 2.0; // slice 1 of phase 1
        let series = Series::new(prepared, "study").unwrap();
        let mut store = VoxelStore::new();
        store.register(&series);
        for phase in 0..3u16 {
            for slice in 0..3 {
                let mut words = vec![100 * (phase + 1); 64 * 48];
                words[7 * 64 + 5] = 1000 + phase;
                let index = series.frame_index(slice, u32::from(phase)).unwrap();
                store.insert_words(series.uid(), index, words).unwrap();
            }
        }
        let curve = time_intensity_curve(&series, &store, [5.2, 6.9, 4.0]).unwrap();
        let values: Vec<Option<f64>> = curve.iter().map(|p| p.value).collect();
        assert_eq!(values, [Some(1000.0), Some(2002.0), Some(1002.0), None]);
        assert_eq!(
            time_intensity_curve(&series, &store, [-5.0, 0.0, 0.0]),
            None
        );
    }
}
