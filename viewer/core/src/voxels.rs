//! The CPU copy of the stored frames. The tools read values from it, the CPU reference renders
//! from it, and the renderer uploads from it again after losing its device.
//!
//! Frames are kept as the server sends them: little-endian 16-bit words, row by row. Signed
//! series (`PixelFormat::I16`) keep the same bit patterns; [`FrameView::raw`] reads them signed.

use std::collections::HashMap;

use crate::series::Series;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VoxelError {
    #[error("series {0} is not open")]
    UnknownSeries(String),
    #[error("series {series_uid} has no frame {index}")]
    NoSuchFrame { series_uid: String, index: usize },
    #[error("a frame of series {series_uid} has {expected} bytes, not {got}")]
    WrongLength {
        series_uid: String,
        expected: usize,
        got: usize,
    },
}

#[derive(Debug, Clone, Default)]
pub struct VoxelStore {
    series: HashMap<String, SeriesVoxels>,
}

#[derive(Debug, Clone)]
struct SeriesVoxels {
    words_per_frame: usize,
    frames: Vec<Option<Vec<u16>>>,
}

impl VoxelStore {
    pub fn new() -> VoxelStore {
        VoxelStore::default()
    }

    /// Makes room for a series' frames; frames already held are kept.
    pub fn register(&mut self, series: &Series) {
        let geometry = series.geometry();
        self.series
            .entry(series.uid().to_owned())
            .or_insert_with(|| SeriesVoxels {
                words_per_frame: (geometry.columns() * geometry.rows()) as usize,
                frames: vec![None; series.frame_count()],
            });
    }

    /// Stores one frame from its little-endian bytes (`columns · rows · 2` of them).
    pub fn insert_le_bytes(
        &mut self,
        series_uid: &str,
        index: usize,
        bytes: &[u8],
    ) -> Result<(), VoxelError> {
        let expected = self.frame_slot(series_uid, index)?.0 * 2;
        if bytes.len() != expected {
            return Err(VoxelError::WrongLength {
                series_uid: series_uid.to_owned(),
                expected,
                got: bytes.len(),
            });
        }
        let words = bytes
            .chunks_exact(2)
            .map(|pair| u16::from_le_bytes([pair[0], pair[1]]))
            .collect();
        self.insert_words(series_uid, index, words)
    }

    /// Stores one frame from its words.
    pub fn insert_words(
        &mut self,
        series_uid: &str,
        index: usize,
        words: Vec<u16>,
    ) -> Result<(), VoxelError> {
        let (expected, slot) = self.frame_slot(series_uid, index)?;
        if words.len() != expected {
            return Err(VoxelError::WrongLength {
                series_uid: series_uid.to_owned(),
                expected: expected * 2,
                got: words.len() * 2,
            });
        }
        *slot = Some(words);
        Ok(())
    }

    fn frame_slot(
        &mut self,
        series_uid: &str,
        index: usize,
    ) -> Result<(usize, &mut Option<Vec<u16>>), VoxelError> {
        let voxels = self
            .series
            .get_mut(series_uid)
            .ok_or_else(|| VoxelError::UnknownSeries(series_uid.to_owned()))?;
        let words = voxels.words_per_frame;
        let slot = voxels
            .frames
            .get_mut(index)
            .ok_or_else(|| VoxelError::NoSuchFrame {
                series_uid: series_uid.to_owned(),
                index,
            })?;
        Ok((words, slot))
    }

    pub fn words(&self, series_uid: &str, index: usize) -> Option<&[u16]> {
        self.series.get(series_uid)?.frames.get(index)?.as_deref()
    }

    pub fn is_loaded(&self, series_uid: &str, index: usize) -> bool {
        self.words(series_uid, index).is_some()
    }

    /// Frames held and frames expected, for one series.
    pub fn progress(&self, series_uid: &str) -> LoadProgress {
        self.series
            .get(series_uid)
            .map_or(LoadProgress::default(), |voxels| LoadProgress {
                loaded: voxels.frames.iter().filter(|f| f.is_some()).count(),
                total: voxels.frames.len(),
            })
    }

    /// Frames held and frames expected, over every series.
    pub fn total_progress(&self) -> LoadProgress {
        self.series.keys().map(|uid| self.progress(uid)).fold(
            LoadProgress::default(),
            |sum, one| LoadProgress {
                loaded: sum.loaded + one.loaded,
                total: sum.total + one.total,
            },
        )
    }

    /// A frame with what is needed to read its values; `None` until it has arrived.
    pub fn frame<'a>(&'a self, series: &Series, slice: u32, phase: u32) -> Option<FrameView<'a>> {
        let frame = series.frame(slice, phase)?;
        let words = self.words(series.uid(), series.frame_index(slice, phase)?)?;
        Some(FrameView {
            words,
            columns: series.geometry().columns(),
            rows: series.geometry().rows(),
            signed: series.is_signed(),
            slope: frame.rescale_slope,
            intercept: frame.rescale_intercept,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LoadProgress {
    pub loaded: usize,
    pub total: usize,
}

impl LoadProgress {
    /// From 0 to 1; 1 when nothing is expected.
    pub fn fraction(&self) -> f64 {
        if self.total == 0 {
            1.0
        } else {
            self.loaded as f64 / self.total as f64
        }
    }

    pub fn is_complete(&self) -> bool {
        self.loaded >= self.total
    }
}

/// One frame's words with its size, signedness and rescale.
#[derive(Debug, Clone, Copy)]
pub struct FrameView<'a> {
    pub words: &'a [u16],
    pub columns: u32,
    pub rows: u32,
    pub signed: bool,
    pub slope: f64,
    pub intercept: f64,
}

impl FrameView<'_> {
    /// The stored value of a pixel, read signed for I16 series.
    pub fn raw(&self, column: u32, row: u32) -> Option<i32> {
        if column >= self.columns || row >= self.rows {
            return None;
        }
        let word = *self.words.get((row * self.columns + column) as usize)?;
        Some(if self.signed {
            i32::from(word as i16)
        } else {
            i32::from(word)
        })
    }

    /// The modality value of a pixel: `raw · slope + intercept`.
    pub fn value(&self, column: u32, row: u32) -> Option<f64> {
        self.raw(column, row)
            .map(|raw| f64::from(raw) * self.slope + self.intercept)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use readroom_domain::PixelFormat;

    use crate::test_support::axial_series;

    #[test]
    fn frames_are_stored_from_little_endian_bytes_and_read_with_rescale() {
        let mut prepared = axial_series(2);
        prepared.pixel_format = PixelFormat::I16;
        prepared.frames[1].rescale_slope = 2.0;
        prepared.frames[1].rescale_intercept = -10.0;
        let series = Series::new(prepared, "s").unwrap();
        let mut store = VoxelStore::new();
        store.register(&series);
        assert_eq!(
            store.progress(series.uid()),
            LoadProgress {
                loaded: 0,
                total: 2
            }
        );

        let mut words = vec![0u16; 64 * 48];
        words[64 + 2] = (-300i16) as u16;
        words[5] = 1000;
        let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
        store.insert_le_bytes(series.uid(), 1, &bytes).unwrap();

        let frame = store.frame(&series, 1, 0).unwrap();
        assert_eq!(frame.raw(2, 1), Some(-300));
        assert_eq!(frame.value(2, 1), Some(-610.0));
        assert_eq!(frame.value(5, 0), Some(1990.0));
        assert_eq!(frame.raw(64, 0), None);
        assert!(store.frame(&series, 0, 0).is_none());
        assert_eq!(store.progress(series.uid()).fraction(), 0.5);
    }

    #[test]
    fn frames_of_the_wrong_size_or_place_are_refused() {
        let series = Series::new(axial_series(2), "s").unwrap();
        let mut store = VoxelStore::new();
        store.register(&series);
        let check = |store: &mut VoxelStore,
                     uid: &str,
                     index: usize,
                     bytes: usize,
                     expected: VoxelError| {
            assert_eq!(
                store.insert_le_bytes(uid, index, &vec![0; bytes]),
                Err(expected)
            );
        };
        check(
            &mut store,
            "nope",
            0,
            6144,
            VoxelError::UnknownSeries("nope".into()),
        );
        check(
            &mut store,
            series.uid(),
            2,
            6144,
            VoxelError::NoSuchFrame {
                series_uid: series.uid().into(),
                index: 2,
            },
        );
        check(
            &mut store,
            series.uid(),
            0,
            6143,
            VoxelError::WrongLength {
                series_uid: series.uid().into(),
                expected: 6144,
                got: 6143,
            },
        );
        assert_eq!(store.total_progress().loaded, 0);
    }
}
