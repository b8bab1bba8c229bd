//! The prepared, viewer-ready description of a series: what the viewer needs to place every
//! frame in patient coordinates and to window it, and where each frame lies in the stored voxels.

use serde::{Deserialize, Serialize};

/// What a series shows, as far as reading prostate mpMRI is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SeriesKind {
    T2w,
    Dwi,
    Adc,
    Dce,
    Other,
}

impl SeriesKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SeriesKind::T2w => "t2w",
            SeriesKind::Dwi => "dwi",
            SeriesKind::Adc => "adc",
            SeriesKind::Dce => "dce",
            SeriesKind::Other => "other",
        }
    }

    /// The order a reader's hanging protocol shows series in.
    pub fn reading_order(self) -> u8 {
        match self {
            SeriesKind::T2w => 0,
            SeriesKind::Dwi => 1,
            SeriesKind::Adc => 2,
            SeriesKind::Dce => 3,
            SeriesKind::Other => 4,
        }
    }
}

/// How stored values are laid out in the voxel object: little-endian 16-bit words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PixelFormat {
    U16,
    I16,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WindowPreset {
    pub name: String,
    pub center: f64,
    pub width: f64,
}

/// One frame (a slice at one phase) in the voxel object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PreparedFrame {
    pub slice: u32,
    pub phase: u32,
    /// Position of the first transmitted pixel, LPS mm.
    pub position_lps_mm: [f64; 3],
    pub rescale_slope: f64,
    pub rescale_intercept: f64,
    /// Byte range of this frame's compressed words within the voxel object.
    pub offset: u64,
    pub length: u64,
}

/// A series as the viewer receives it. Frames are stored phase by phase, and within a phase
/// slice by slice in increasing position along `normal`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PreparedSeries {
    pub uid: String,
    pub number: Option<i64>,
    pub kind: SeriesKind,
    pub modality: String,
    pub description: String,
    pub rows: u32,
    pub columns: u32,
    pub slices: u32,
    pub phases: u32,
    pub pixel_format: PixelFormat,
    /// Direction cosines of a row (increasing column index) and of a column, LPS.
    pub row_direction: [f64; 3],
    pub column_direction: [f64; 3],
    pub normal: [f64; 3],
    /// Spacing between rows and between columns, mm (DICOM Pixel Spacing order).
    pub pixel_spacing_mm: [f64; 2],
    pub slice_spacing_mm: f64,
    pub slice_thickness_mm: Option<f64>,
    /// True for MONOCHROME1: low values are displayed bright.
    pub invert: bool,
    pub units: Option<String>,
    pub diffusion_b_value: Option<f64>,
    /// The (anonymised) Frame of Reference UID: series that share it share their patient
    /// coordinates, so the viewer links them by position. Absent in series prepared before it
    /// was recorded, and in files without one: the study's series are then taken to share one.
    #[serde(default)]
    pub frame_of_reference_uid: Option<String>,
    pub window_presets: Vec<WindowPreset>,
    pub frames: Vec<PreparedFrame>,
    /// BLAKE3 hash of the voxel object: its ETag.
    pub voxels_hash: String,
    pub voxels_bytes: u64,
}
