//! DICOM for Readroom: parse one Part 10 file from memory within explicit limits, refuse what the
//! case bank must not hold (non-images, burned-in annotation, absurd sizes, broken files), anonymise
//! it in place following the PS3.15 Annex E Basic Application Level Confidentiality Profile, and
//! decode its frames into stored pixel values with their geometry.
//! This is the only crate that touches dicom-rs, and dicom-rs types and errors never leave it:
//! callers see [`Instance`], [`Frame`], [`SeriesInfo`] and [`DicomError`].
//! It must never allocate what a file merely claims (every length is checked against the bytes
//! really present before dicom-rs reads them), never panic on hostile input, never do IO, and never
//! let a source identifier survive [`Instance::anonymise`].

mod anonymise;
mod decode;
mod frame;
mod native;
mod profile;
mod read;

use std::sync::Arc;

use dicom_core::Tag;
use dicom_object::{DefaultDicomObject, InMemDicomObject};

pub use anonymise::Anonymiser;
pub use native::SharedBytes;
pub use profile::{Action, BASIC_PROFILE, ProfileEntry};

/// Everything that can go wrong with one DICOM file, with a message a person can act on.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DicomError {
    #[error("not a DICOM Part 10 file: {0}")]
    NotDicom(&'static str),
    #[error("file of {bytes} bytes exceeds the limit of {limit} bytes")]
    FileTooLarge { bytes: u64, limit: u64 },
    #[error("truncated file: {0}")]
    Truncated(String),
    #[error(
        "element ({group:04X},{element:04X}) at byte {offset} claims {length} bytes but only {available} remain"
    )]
    ElementLength {
        group: u16,
        element: u16,
        offset: usize,
        length: u64,
        available: u64,
    },
    #[error("malformed DICOM at byte {offset}: {reason}")]
    Malformed { offset: usize, reason: String },
    #[error("unsupported transfer syntax {uid} ({name})")]
    UnsupportedTransferSyntax { uid: String, name: String },
    #[error("burned-in annotation: the image has Burned In Annotation = YES")]
    BurnedInAnnotation,
    #[error("missing required attribute {0}")]
    MissingAttribute(&'static str),
    #[error("not an image: the object has no Pixel Data (7FE0,0010)")]
    NoPixelData,
    #[error("invalid {attribute}: {reason}")]
    InvalidAttribute {
        attribute: &'static str,
        reason: String,
    },
    #[error("image of {rows}×{columns} pixels exceeds the limit of {limit} pixels per frame")]
    FrameTooLarge { rows: u32, columns: u32, limit: u64 },
    #[error("{frames} frames exceed the limit of {limit} frames")]
    TooManyFrames { frames: u64, limit: u32 },
    #[error("{total} pixels in all frames exceed the limit of {limit} pixels")]
    TooManyPixels { total: u64, limit: u64 },
    #[error("unsupported image: {0}")]
    UnsupportedImage(String),
    #[error("the DICOM data could not be parsed: {0}")]
    Parse(String),
    #[error("the pixel data could not be decoded: {0}")]
    Decode(String),
    #[error("the DICOM file could not be written: {0}")]
    Write(String),
    #[error("the instance is already anonymised")]
    AlreadyAnonymised,
}

/// Bounds on what one file may make us allocate. Checked before any large allocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Size of the file itself, and of a deflated data set once inflated.
    pub max_file_bytes: u64,
    /// Rows × columns of one frame.
    pub max_frame_pixels: u64,
    /// Number of frames of one instance.
    pub max_frames: u32,
    /// Rows × columns × frames of one instance.
    pub max_total_pixels: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 2 * 1024 * 1024 * 1024,
            max_frame_pixels: 4096 * 4096,
            max_frames: 4096,
            max_total_pixels: 512 * 1024 * 1024,
        }
    }
}

/// The Study Instance UID of a file that may not parse, found by looking for the attribute's
/// header in its first megabyte (explicit or implicit VR little endian, explicit big endian).
/// Best effort, only to refuse the rest of a study with a file that [`read_instance`] refused.
pub fn sniff_study_uid(bytes: &[u8]) -> Option<String> {
    let head = &bytes[..bytes.len().min(1 << 20)];
    // Each: the header's first bytes, its length, and how to read the value length from it.
    type Pattern = (&'static [u8], usize, fn(&[u8]) -> usize);
    let patterns: [Pattern; 3] = [
        (b"\x20\x00\x0D\x00UI", 8, |h| {
            usize::from(u16::from_le_bytes([h[6], h[7]]))
        }),
        (b"\x00\x20\x00\x0DUI", 8, |h| {
            usize::from(u16::from_be_bytes([h[6], h[7]]))
        }),
        (b"\x20\x00\x0D\x00", 8, |h| {
            u32::from_le_bytes([h[4], h[5], h[6], h[7]]) as usize
        }),
    ];
    patterns.iter().find_map(|(pattern, header, length)| {
        let at = head.windows(pattern.len()).position(|w| w == *pattern)?;
        let header_bytes = head.get(at..at + header)?;
        let value = head.get(at + header..at + header + length(header_bytes).min(64))?;
        let uid = std::str::from_utf8(value)
            .ok()?
            .trim_end_matches(['\0', ' ']);
        let valid = !uid.is_empty() && uid.bytes().all(|b| b.is_ascii_digit() || b == b'.');
        valid.then(|| uid.to_owned())
    })
}

/// An instance's Part 10 file as two parts to be written back to back.
#[derive(Debug, Clone)]
pub struct FileParts {
    /// Everything up to the Pixel Data value, or the whole file when `pixel_data` is `None`.
    pub head: Vec<u8>,
    /// The Pixel Data value, as the source file holds it.
    pub pixel_data: Option<SharedBytes>,
}

impl FileParts {
    pub fn len(&self) -> usize {
        self.head.len() + self.pixel_data.as_ref().map_or(0, SharedBytes::len)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One parsed DICOM image instance. Owns the DICOM object.
#[derive(Debug, Clone)]
pub struct Instance {
    obj: DefaultDicomObject,
    /// Native Pixel Data kept as stored, when the file allows it; `obj` then has no Pixel
    /// Data element, and this one is written after all of `obj`'s.
    native: Option<native::NativePixelData>,
    study_uid: String,
    series_uid: String,
    sop_uid: String,
    anonymised: bool,
}

/// What the importer needs to know to place an instance in its series.
/// Read it before [`Instance::anonymise`]: descriptions are removed by the profile.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SeriesInfo {
    pub modality: Option<String>,
    pub series_description: Option<String>,
    pub protocol_name: Option<String>,
    pub series_number: Option<i32>,
    pub body_part: Option<String>,
    /// Diffusion b-value in s/mm²: standard (0018,9087), top level or in the functional groups,
    /// else the Siemens, GE or Philips private attribute.
    pub b_value: Option<f64>,
    /// Units hint: (0054,1001) Units or (0028,1054) Rescale Type.
    pub units: Option<String>,
    /// (0008,0008) Image Type values, e.g. `DERIVED\PRIMARY\DIFFUSION\ADC`.
    pub image_type: Vec<String>,
    pub sop_class_uid: Option<String>,
    /// (0020,0052): series that share it share their patient coordinates.
    pub frame_of_reference_uid: Option<String>,
    pub rows: u32,
    pub columns: u32,
    pub number_of_frames: u32,
}

/// One decoded frame: stored pixel values (before rescale) and how to place and show them.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    pub rows: u32,
    pub columns: u32,
    pub pixels: FramePixels,
    pub rescale_slope: f64,
    pub rescale_intercept: f64,
    /// MONOCHROME1: the lowest value is white; the viewer inverts.
    pub monochrome1: bool,
    /// Image Position (Patient), LPS mm.
    pub image_position: Option<[f64; 3]>,
    /// Image Orientation (Patient): row direction cosines, then column direction cosines.
    pub image_orientation: Option<[f64; 6]>,
    /// Pixel Spacing as in DICOM: spacing between rows, then between columns (mm).
    pub pixel_spacing: Option<[f64; 2]>,
    pub slice_thickness: Option<f64>,
    /// Temporal Position Identifier / Temporal Position Index (DCE phase), when present.
    pub temporal_position: Option<u32>,
    /// First Window Center / Width, when present.
    pub window: Option<(f64, f64)>,
    pub units: Option<String>,
}

/// Stored pixel values, row by row. Unsigned 8-bit data are widened to `U16`;
/// signed data are sign-extended from Bits Stored.
#[derive(Debug, Clone, PartialEq)]
pub enum FramePixels {
    U16(Vec<u16>),
    I16(Vec<i16>),
}

impl FramePixels {
    pub fn len(&self) -> usize {
        match self {
            FramePixels::U16(v) => v.len(),
            FramePixels::I16(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Parses one DICOM Part 10 file from memory (with or without the 128-byte preamble), checking
/// limits before any large allocation.
///
/// Refuses: not DICOM, truncated, element lengths beyond the end of the data, absurd dimensions,
/// Burned In Annotation = YES, missing Study/Series/SOP Instance UID, objects without Pixel Data,
/// and transfer syntaxes whose data set cannot be read. Pixel data in a transfer syntax that
/// cannot be decoded is refused by [`Instance::decode`], naming the transfer syntax.
pub fn read_instance(bytes: &[u8], limits: &Limits) -> Result<Instance, DicomError> {
    read::read_instance(bytes, None, limits)
}

/// [`read_instance`] for a file already shared: uncompressed pixel data stays in `file` (which
/// the instance then keeps alive) instead of being copied.
pub fn read_shared_instance(file: &Arc<Vec<u8>>, limits: &Limits) -> Result<Instance, DicomError> {
    read::read_instance(file, Some(file), limits)
}

impl Instance {
    pub fn study_instance_uid(&self) -> &str {
        &self.study_uid
    }

    pub fn series_instance_uid(&self) -> &str {
        &self.series_uid
    }

    pub fn sop_instance_uid(&self) -> &str {
        &self.sop_uid
    }

    pub fn transfer_syntax(&self) -> &str {
        self.obj.meta().transfer_syntax()
    }

    pub fn series_info(&self) -> SeriesInfo {
        frame::series_info(&self.obj)
    }

    /// Applies the Basic Application Level Confidentiality Profile in place, with the
    /// Retain Longitudinal Temporal Information with Modified Dates and the Retain Patient
    /// Characteristics options. See [`Anonymiser`].
    pub fn anonymise(&mut self, anonymiser: &Anonymiser) -> Result<(), DicomError> {
        if self.anonymised {
            return Err(DicomError::AlreadyAnonymised);
        }
        anonymise::anonymise(&mut self.obj, anonymiser, &self.study_uid)?;
        self.study_uid = anonymiser.replace_uid(&self.study_uid);
        self.series_uid = anonymiser.replace_uid(&self.series_uid);
        self.sop_uid = anonymiser.replace_uid(&self.sop_uid);
        self.anonymised = true;
        Ok(())
    }

    /// Decodes every frame into stored values, checking the limits before decoding.
    pub fn decode(&self, limits: &Limits) -> Result<Vec<Frame>, DicomError> {
        decode::decode(&self.obj, self.native.as_ref(), limits)
    }

    /// The Part 10 file (preamble, meta group, data set) in this instance's transfer syntax.
    pub fn to_file_bytes(&self) -> Result<Vec<u8>, DicomError> {
        let FileParts {
            mut head,
            pixel_data,
        } = self.to_file_parts()?;
        if let Some(value) = pixel_data {
            head.extend_from_slice(value.as_ref());
        }
        Ok(head)
    }

    /// [`Instance::to_file_bytes`] in two parts, without copying uncompressed pixel data.
    pub fn to_file_parts(&self) -> Result<FileParts, DicomError> {
        let mut head = Vec::new();
        self.obj
            .write_all(&mut head)
            .map_err(|e| DicomError::Write(e.to_string()))?;
        // The reader keeps Pixel Data apart only when it is the data set's last element.
        let pixel_data = self.native.as_ref().map(|native| {
            native.write_header(&mut head);
            native.value().clone()
        });
        Ok(FileParts { head, pixel_data })
    }
}

/// Trimmed string value of a top-level or nested attribute, `None` when absent or empty.
pub(crate) fn string_of(obj: &InMemDicomObject, tag: Tag) -> Option<String> {
    let value = obj.get(tag)?.to_str().ok()?;
    let trimmed = value.trim_matches(|c: char| c == '\0' || c.is_whitespace());
    (!trimmed.is_empty()).then(|| trimmed.to_string())
}
