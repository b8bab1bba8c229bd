//! The order frames are fetched in: what is on screen first, so the first image appears before
//! a series has arrived, then outwards from it.
//!
//! Every viewport's slice in view comes first (viewport by viewport), then the slices one step
//! away on either side (the next one first) in every viewport, then two steps, and so on through
//! the phase in view; then the other phases, nearest phase first, in the same way; then the
//! series no viewport shows. The web crate fetches in this order (`/frames/{i}` for the first
//! few, the streamed `/voxels` for the rest) and skips what [`VoxelStore`] already holds.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::series::Series;
use crate::voxels::VoxelStore;

/// A frame to fetch: `index` as the voxel object and `/frames/{i}` count.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FrameRequest {
    pub series_uid: String,
    pub index: usize,
}

/// What a viewport shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InView {
    pub series_uid: String,
    pub slice: u32,
    pub phase: u32,
}

/// Every frame of every series, most wanted first, without those already loaded.
pub fn load_order(series: &[Series], in_view: &[InView], voxels: &VoxelStore) -> Vec<FrameRequest> {
    // Sorted by (phase distance, slice distance, before or after, viewport); the sort is
    // stable, so ties keep the order they were listed in.
    let mut ranked: Vec<((u32, u32, u8, usize), FrameRequest)> = Vec::new();
    for (viewport, view) in in_view.iter().enumerate() {
        let Some(shown) = series.iter().find(|s| s.uid() == view.series_uid) else {
            continue;
        };
        for phase in 0..shown.phases() {
            for slice in 0..shown.slices() {
                let Some(index) = shown.frame_index(slice, phase) else {
                    continue;
                };
                let side = u8::from(slice < view.slice);
                ranked.push((
                    (
                        phase.abs_diff(view.phase),
                        slice.abs_diff(view.slice),
                        side,
                        viewport,
                    ),
                    FrameRequest {
                        series_uid: shown.uid().to_owned(),
                        index,
                    },
                ));
            }
        }
    }
    ranked.sort_by_key(|(rank, _)| *rank);
    let mut seen = HashSet::new();
    let mut order: Vec<FrameRequest> = ranked
        .into_iter()
        .map(|(_, request)| request)
        .filter(|request| seen.insert(request.clone()))
        .collect();
    for other in series {
        for index in 0..other.frame_count() {
            let request = FrameRequest {
                series_uid: other.uid().to_owned(),
                index,
            };
            if seen.insert(request.clone()) {
                order.push(request);
            }
        }
    }
    order.retain(|request| !voxels.is_loaded(&request.series_uid, request.index));
    order
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{axial_series, frame};

    fn series(uid: &str, slices: u32, phases: u32) -> Series {
        let mut prepared = axial_series(slices);
        prepared.uid = uid.into();
        prepared.phases = phases;
        prepared.frames = (0..phases)
            .flat_map(|phase| {
                (0..slices).map(move |slice| frame(slice, phase, [0.0, 0.0, f64::from(slice)]))
            })
            .collect();
        Series::new(prepared, "study").unwrap()
    }

    fn view(uid: &str, slice: u32, phase: u32) -> InView {
        InView {
            series_uid: uid.into(),
            slice,
            phase,
        }
    }

    fn names(order: &[FrameRequest]) -> Vec<String> {
        order
            .iter()
            .map(|r| format!("{}{}", r.series_uid, r.index))
            .collect()
    }

    #[test]
    fn frames_in_view_come_first_then_outwards_then_other_phases_then_unseen_series() {
        // a: 5 slices at slice 1; d: 3 slices × 2 phases at slice 2, phase 1; u: unseen.
        let all = [series("a", 5, 1), series("d", 3, 2), series("u", 2, 1)];
        let mut voxels = VoxelStore::new();
        for s in &all {
            voxels.register(s);
        }
        let order = load_order(&all, &[view("a", 1, 0), view("d", 2, 1)], &voxels);
        assert_eq!(
            names(&order),
            [
                // In view: a slice 1; d slice 2 phase 1 (index 3 + 2).
                "a1", "d5", // One away: a 2, a 0, d 1 (phase 1).
                "a2", "a0", "d4", // Two away: a 3, d 0 (phase 1); three away: a 4.
                "a3", "d3", "a4", // d's other phase, outwards from slice 2.
                "d2", "d1", "d0", // Nobody shows u.
                "u0", "u1",
            ]
        );
    }

    #[test]
    fn loaded_frames_are_skipped_and_a_series_in_two_viewports_is_asked_for_once() {
        let all = [series("a", 4, 1)];
        let mut voxels = VoxelStore::new();
        voxels.register(&all[0]);
        voxels.insert_words("a", 2, vec![0; 64 * 48]).unwrap();
        let order = load_order(&all, &[view("a", 2, 0), view("a", 0, 0)], &voxels);
        assert_eq!(names(&order), ["a0", "a3", "a1"]);
        assert_eq!(voxels.progress("a").loaded, 1);
    }
}
