//! Native (uncompressed) Pixel Data kept out of the dicom-rs object, as the file stored it.
//!
//! dicom-rs reads 16-bit pixel data into a vector of words and writes it back word by word,
//! and its pixel decoder copies it twice more. For a little-endian file whose Pixel Data is the
//! data set's last element, the value is instead left where it is, in the file's own bytes:
//! decoding reads the samples there, and the anonymised file is written as its re-encoded
//! head followed by those same bytes. The result is byte for byte what dicom-rs wrote.

use std::ops::Range;
use std::sync::Arc;

/// A range of a file's bytes, shared with the file rather than copied.
#[derive(Clone)]
pub struct SharedBytes {
    file: Arc<Vec<u8>>,
    range: Range<usize>,
}

impl SharedBytes {
    /// `None` when `range` is not within `file`.
    pub(crate) fn new(file: Arc<Vec<u8>>, range: Range<usize>) -> Option<SharedBytes> {
        file.get(range.clone())?;
        Some(SharedBytes { file, range })
    }

    pub fn len(&self) -> usize {
        self.range.len()
    }

    pub fn is_empty(&self) -> bool {
        self.range.is_empty()
    }
}

impl AsRef<[u8]> for SharedBytes {
    fn as_ref(&self) -> &[u8] {
        // `new` checked the range.
        &self.file[self.range.clone()]
    }
}

impl std::fmt::Debug for SharedBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SharedBytes({} bytes)", self.len())
    }
}

/// The value of a top-level Pixel Data element of defined, even length, in a little-endian
/// transfer syntax, at the end of the data set.
#[derive(Clone)]
pub(crate) struct NativePixelData {
    /// The value representation as the file wrote it (OB or OW), in explicit VR; `None` in
    /// implicit VR.
    explicit_vr: Option<[u8; 2]>,
    /// The value, little-endian, as stored.
    value: SharedBytes,
    /// The value's length, as the element's length field holds it.
    length: u32,
}

impl std::fmt::Debug for NativePixelData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NativePixelData")
            .field(
                "explicit_vr",
                &self.explicit_vr.map(|vr| vr.escape_ascii().to_string()),
            )
            .field("value", &self.value)
            .finish()
    }
}

/// (7FE0,0010) in little-endian order.
const PIXEL_DATA_TAG: [u8; 4] = [0xE0, 0x7F, 0x10, 0x00];

impl NativePixelData {
    /// `None` unless the VR (in explicit VR) is OB or OW and the value has an even length
    /// that a length field holds: anything else is left to dicom-rs, as other files are.
    pub(crate) fn new(explicit_vr: Option<[u8; 2]>, value: SharedBytes) -> Option<NativePixelData> {
        let length = u32::try_from(value.len()).ok()?;
        let vr_ok = explicit_vr.is_none_or(|vr| &vr == b"OB" || &vr == b"OW");
        (vr_ok && length % 2 == 0).then_some(NativePixelData {
            explicit_vr,
            value,
            length,
        })
    }

    pub(crate) fn value(&self) -> &SharedBytes {
        &self.value
    }

    /// Appends the element's header as dicom-rs writes it: the tag, the VR and two zero bytes
    /// in explicit VR, the 32-bit length. The value follows it.
    pub(crate) fn write_header(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&PIXEL_DATA_TAG);
        if let Some(vr) = self.explicit_vr {
            out.extend_from_slice(&vr);
            out.extend_from_slice(&[0, 0]);
        }
        out.extend_from_slice(&self.length.to_le_bytes());
    }
}
