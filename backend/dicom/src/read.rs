//! Parsing with limits. Before dicom-rs sees a byte, a structural walk checks that every element,
//! item and fragment length fits in the bytes actually present, so that dicom-rs never allocates
//! what a hostile header merely claims (it reserves a value's declared length up front).

use std::cell::Cell;
use std::io::Read;
use std::sync::Arc;

use dicom_core::dictionary::{DataDictionary, VirtualVr};
use dicom_core::{Tag, VR};
use dicom_dictionary_std::{StandardDataDictionary, tags};
use dicom_encoding::TransferSyntaxIndex;
use dicom_object::OpenFileOptions;
use dicom_object::file::ReadPreamble;

use crate::native::{NativePixelData, SharedBytes};
use crate::{DicomError, Instance, Limits, string_of};

pub(crate) const DEFLATED_EXPLICIT_LE: &str = "1.2.840.10008.1.2.1.99";
const EXPLICIT_LE: &str = "1.2.840.10008.1.2.1";
const IMPLICIT_LE: &str = "1.2.840.10008.1.2";
const EXPLICIT_BE: &str = "1.2.840.10008.1.2.2";

/// Sequences nest a few levels in real files; this bound keeps recursion (ours and dicom-rs's) safe.
const MAX_DEPTH: usize = 32;

const UNDEFINED: u32 = 0xFFFF_FFFF;

/// `shared`, when given, holds `bytes`: native Pixel Data then stays in it rather than being
/// copied.
pub(crate) fn read_instance(
    bytes: &[u8],
    shared: Option<&Arc<Vec<u8>>>,
    limits: &Limits,
) -> Result<Instance, DicomError> {
    if bytes.len() as u64 > limits.max_file_bytes {
        return Err(DicomError::FileTooLarge {
            bytes: bytes.len() as u64,
            limit: limits.max_file_bytes,
        });
    }
    let start = if bytes.len() >= 132 && &bytes[128..132] == b"DICM" {
        128
    } else if bytes.len() >= 4 && &bytes[..4] == b"DICM" {
        0
    } else if bytes.is_empty() {
        return Err(DicomError::NotDicom("the file is empty"));
    } else {
        return Err(DicomError::NotDicom("no DICM magic code"));
    };
    let file = &bytes[start..];

    let (ts_uid, dataset_start) = scan_meta(file)?;
    let dataset = &file[dataset_start..];
    let root = match ts_uid.as_str() {
        DEFLATED_EXPLICIT_LE => {
            let inflated = inflate_bounded(dataset, limits.max_file_bytes)?;
            // Offsets in errors are then relative to the inflated data set.
            scan_dataset_root(&inflated, Encoding::EXPLICIT_LE, 0)?;
            RootScan {
                end: dataset.len(),
                pixel_data: None,
            }
        }
        IMPLICIT_LE => scan_dataset_root(dataset, Encoding::IMPLICIT_LE, start + dataset_start)?,
        EXPLICIT_BE => scan_dataset_root(dataset, Encoding::EXPLICIT_BE, start + dataset_start)?,
        uid => {
            let Some(ts) = dicom_transfer_syntax_registry::TransferSyntaxRegistry.get(uid) else {
                return Err(DicomError::UnsupportedTransferSyntax {
                    uid: uid.to_string(),
                    name: "unknown".to_string(),
                });
            };
            if !ts.can_decode_dataset() {
                return Err(DicomError::UnsupportedTransferSyntax {
                    uid: uid.to_string(),
                    name: ts.name().to_string(),
                });
            }
            // Every other transfer syntax encodes the data set in explicit VR little endian.
            scan_dataset_root(dataset, Encoding::EXPLICIT_LE, start + dataset_start)?
        }
    };

    // Native little-endian Pixel Data that ends the data set is kept as its bytes, and dicom-rs
    // reads up to it (see `native`). The walk above checked the element, so the slice is whole.
    let little_endian = ts_uid == EXPLICIT_LE || ts_uid == IMPLICIT_LE;
    let native = root
        .pixel_data
        .filter(|pixels| little_endian && pixels.value_end == root.end)
        .and_then(|pixels| {
            let at = start + dataset_start;
            let range = at + pixels.value_at..at + pixels.value_end;
            let value = match shared {
                Some(file) => SharedBytes::new(file.clone(), range)?,
                None => {
                    let copy = bytes.get(range)?.to_vec();
                    let all = 0..copy.len();
                    SharedBytes::new(Arc::new(copy), all)?
                }
            };
            let vr = (ts_uid == EXPLICIT_LE).then_some(pixels.vr);
            Some((pixels, NativePixelData::new(vr, value)?))
        });
    let options = OpenFileOptions::new().read_preamble(ReadPreamble::Never);
    let obj = match &native {
        // Up to and including the Pixel Data header: dicom-rs stops at the header of
        // `read_until`'s tag, before its value (and without reaching the end of its input, which
        // costs it a captured backtrace).
        Some((pixels, _)) => options
            .read_until(tags::PIXEL_DATA)
            .from_reader(&file[..dataset_start + pixels.value_at]),
        None => options.from_reader(&file[..dataset_start + root.end]),
    }
    .map_err(|e| DicomError::Parse(e.to_string()))?;
    let native = native.map(|(_, native)| native);

    let study_uid = string_of(&obj, tags::STUDY_INSTANCE_UID).ok_or(
        DicomError::MissingAttribute("Study Instance UID (0020,000D)"),
    )?;
    let series_uid = string_of(&obj, tags::SERIES_INSTANCE_UID).ok_or(
        DicomError::MissingAttribute("Series Instance UID (0020,000E)"),
    )?;
    let sop_uid = string_of(&obj, tags::SOP_INSTANCE_UID)
        .ok_or(DicomError::MissingAttribute("SOP Instance UID (0008,0018)"))?;
    if native.is_none() && obj.get(tags::PIXEL_DATA).is_none() {
        return Err(DicomError::NoPixelData);
    }
    if string_of(&obj, tags::BURNED_IN_ANNOTATION).is_some_and(|v| v.eq_ignore_ascii_case("YES")) {
        return Err(DicomError::BurnedInAnnotation);
    }
    crate::decode::check_dimensions(&obj, limits)?;

    Ok(Instance {
        obj,
        native,
        study_uid,
        series_uid,
        sop_uid,
        anonymised: false,
    })
}

/// Inflates a deflated data set, refusing to produce more than `limit` bytes (deflate bombs).
fn inflate_bounded(data: &[u8], limit: u64) -> Result<Vec<u8>, DicomError> {
    let mut out = Vec::new();
    let mut decoder = flate2::read::DeflateDecoder::new(data).take(limit.saturating_add(1));
    decoder
        .read_to_end(&mut out)
        .map_err(|e| DicomError::Malformed {
            offset: 0,
            reason: format!("deflated data set cannot be inflated: {e}"),
        })?;
    if out.len() as u64 > limit {
        return Err(DicomError::FileTooLarge {
            bytes: out.len() as u64,
            limit,
        });
    }
    Ok(out)
}

#[derive(Clone, Copy)]
struct Encoding {
    explicit: bool,
    big_endian: bool,
}

impl Encoding {
    const EXPLICIT_LE: Encoding = Encoding {
        explicit: true,
        big_endian: false,
    };
    const IMPLICIT_LE: Encoding = Encoding {
        explicit: false,
        big_endian: false,
    };
    const EXPLICIT_BE: Encoding = Encoding {
        explicit: true,
        big_endian: true,
    };
}

/// A bounds-checked reader over one encoding; `base` maps positions back to file offsets.
struct Scanner<'a> {
    data: &'a [u8],
    enc: Encoding,
    base: usize,
    root: RootState,
}

/// Where a root-level Pixel Data value of defined length lies in the data set.
#[derive(Debug, Clone, Copy)]
struct PixelDataSpan {
    /// As written in explicit VR; blank in implicit VR.
    vr: [u8; 2],
    value_at: usize,
    value_end: usize,
}

/// What the walk learns about the root data set on its way.
#[derive(Default)]
struct RootState {
    /// The last root-level tag seen, as `group << 16 | element`.
    last_tag: Cell<Option<u32>>,
    /// A root-level tag did not follow the one before it in ascending order.
    out_of_order: Cell<bool>,
    pixel_data: Cell<Option<PixelDataSpan>>,
}

impl RootState {
    fn see(&self, h: &Header, value_at: usize, value_end: usize) {
        let tag = u32::from(h.group) << 16 | u32::from(h.element);
        if self.last_tag.get().is_some_and(|last| last >= tag) {
            self.out_of_order.set(true);
        }
        self.last_tag.set(Some(tag));
        if tag == 0x7FE0_0010 && h.length != UNDEFINED {
            self.pixel_data.set(Some(PixelDataSpan {
                vr: h.vr,
                value_at,
                value_end,
            }));
        }
    }
}

/// The end of the root data set's last element (before any zero padding), and its Pixel Data
/// when that has a defined length and the root elements are in ascending order.
struct RootScan {
    end: usize,
    pixel_data: Option<PixelDataSpan>,
}

struct Header {
    group: u16,
    element: u16,
    vr: [u8; 2],
    length: u32,
    /// Offset of the header in `data`.
    at: usize,
}

impl Scanner<'_> {
    fn u16_at(&self, pos: usize) -> Result<u16, DicomError> {
        let b = self.bytes(pos, 2)?;
        let b = [b[0], b[1]];
        Ok(if self.enc.big_endian {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        })
    }

    fn u32_at(&self, pos: usize) -> Result<u32, DicomError> {
        let b = self.bytes(pos, 4)?;
        let b = [b[0], b[1], b[2], b[3]];
        Ok(if self.enc.big_endian {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    }

    fn bytes(&self, pos: usize, n: usize) -> Result<&[u8], DicomError> {
        pos.checked_add(n)
            .and_then(|end| self.data.get(pos..end))
            .ok_or_else(|| {
                DicomError::Truncated(format!(
                    "data ends inside an element header at byte {}",
                    self.base + pos
                ))
            })
    }

    fn header(&self, pos: usize) -> Result<(Header, usize), DicomError> {
        let group = self.u16_at(pos)?;
        let element = self.u16_at(pos + 2)?;
        // Items and delimiters never carry a VR, whatever the encoding.
        if group == 0xFFFE || !self.enc.explicit {
            let length = self.u32_at(pos + 4)?;
            return Ok((
                Header {
                    group,
                    element,
                    vr: *b"  ",
                    length,
                    at: pos,
                },
                pos + 8,
            ));
        }
        let vr_bytes = self.bytes(pos + 4, 2)?;
        let vr = [vr_bytes[0], vr_bytes[1]];
        if !vr.iter().all(u8::is_ascii_uppercase) {
            return Err(DicomError::Malformed {
                offset: self.base + pos,
                reason: format!(
                    "element ({group:04X},{element:04X}) has an invalid value representation"
                ),
            });
        }
        if matches!(
            &vr,
            b"OB"
                | b"OD"
                | b"OF"
                | b"OL"
                | b"OV"
                | b"OW"
                | b"SQ"
                | b"SV"
                | b"UC"
                | b"UN"
                | b"UR"
                | b"UT"
                | b"UV"
        ) {
            let length = self.u32_at(pos + 8)?;
            Ok((
                Header {
                    group,
                    element,
                    vr,
                    length,
                    at: pos,
                },
                pos + 12,
            ))
        } else {
            let length = u32::from(self.u16_at(pos + 6)?);
            Ok((
                Header {
                    group,
                    element,
                    vr,
                    length,
                    at: pos,
                },
                pos + 8,
            ))
        }
    }

    /// Checks that a defined length fits between `pos` and `end`; returns the value's end.
    fn value_end(&self, h: &Header, pos: usize, end: usize) -> Result<usize, DicomError> {
        let available = end.saturating_sub(pos);
        let length = h.length as usize;
        if length > available {
            return Err(DicomError::ElementLength {
                group: h.group,
                element: h.element,
                offset: self.base + h.at,
                length: u64::from(h.length),
                available: available as u64,
            });
        }
        Ok(pos + length)
    }

    fn starts_with_item(&self, pos: usize, end: usize) -> bool {
        end.saturating_sub(pos) >= 8
            && self.data.get(pos..pos + 4) == Some(&[0xFE, 0xFF, 0x00, 0xE0][..])
    }

    fn malformed(&self, at: usize, reason: String) -> DicomError {
        DicomError::Malformed {
            offset: self.base + at,
            reason,
        }
    }

    /// Walks data set elements from `pos` to `end`. With `in_undefined_item`, stops after the
    /// item delimiter and returns the position after it.
    fn dataset(
        &self,
        mut pos: usize,
        end: usize,
        in_undefined_item: bool,
        depth: usize,
    ) -> Result<usize, DicomError> {
        if depth > MAX_DEPTH {
            return Err(self.malformed(pos, "sequences nested too deeply".to_string()));
        }
        while pos < end {
            // Some writers pad the file with zeros after the last element; that is the end.
            if depth == 0 && !in_undefined_item && self.data[pos..end].iter().all(|&b| b == 0) {
                return Ok(pos);
            }
            let (h, value_pos) = self.header(pos)?;
            if h.group == 0xFFFE {
                if h.element == 0xE00D && in_undefined_item {
                    return Ok(value_pos);
                }
                return Err(self.malformed(
                    pos,
                    format!(
                        "unexpected item tag (FFFE,{:04X}) among data elements",
                        h.element
                    ),
                ));
            }
            let is_sequence = &h.vr == b"SQ";
            pos = if h.length == UNDEFINED {
                if h.group == 0x7FE0 && h.element == 0x0010 && self.enc.explicit && !is_sequence {
                    self.fragments(value_pos, end)?
                } else if is_sequence || !self.enc.explicit {
                    self.sequence(value_pos, end, None, depth + 1)?
                } else if &h.vr == b"UN" {
                    // dicom-rs 0.10 takes minutes over some of these (pydicom's
                    // UN_sequence.dcm): refused rather than let one file stall an import.
                    return Err(DicomError::UnsupportedImage(format!(
                        "element ({:04X},{:04X}) is a UN sequence of undefined length",
                        h.group, h.element
                    )));
                } else {
                    return Err(self.malformed(
                        pos,
                        format!(
                            "element ({:04X},{:04X}) has an undefined length",
                            h.group, h.element
                        ),
                    ));
                }
            } else {
                let value_end = self.value_end(&h, value_pos, end)?;
                if is_sequence || (!self.enc.explicit && dictionary_says_sequence(&h)) {
                    self.sequence(value_pos, value_end, Some(value_end), depth + 1)?;
                } else if &h.vr == b"UN" && self.starts_with_item(value_pos, value_end) {
                    // dicom-rs may reinterpret a UN sequence in implicit VR little endian.
                    let inner = Scanner {
                        data: self.data,
                        enc: Encoding::IMPLICIT_LE,
                        base: self.base,
                        root: RootState::default(),
                    };
                    inner.sequence(value_pos, value_end, Some(value_end), depth + 1)?;
                }
                value_end
            };
            if depth == 0 && !in_undefined_item {
                self.root.see(&h, value_pos, pos);
            }
        }
        if in_undefined_item {
            return Err(DicomError::Truncated(
                "data ends inside a sequence item".to_string(),
            ));
        }
        Ok(pos)
    }

    /// Walks sequence items. `defined_end` is the end of a sequence of defined length.
    fn sequence(
        &self,
        mut pos: usize,
        end: usize,
        defined_end: Option<usize>,
        depth: usize,
    ) -> Result<usize, DicomError> {
        loop {
            if defined_end == Some(pos) {
                return Ok(pos);
            }
            let (h, value_pos) = self.header(pos)?;
            match (h.group, h.element) {
                (0xFFFE, 0xE0DD) if defined_end.is_none() => return Ok(value_pos),
                (0xFFFE, 0xE000) if h.length == UNDEFINED => {
                    pos = self.dataset(value_pos, end, true, depth)?;
                }
                (0xFFFE, 0xE000) => {
                    let item_end = self.value_end(&h, value_pos, end)?;
                    self.dataset(value_pos, item_end, false, depth)?;
                    pos = item_end;
                }
                (group, element) => {
                    return Err(self.malformed(
                        pos,
                        format!("expected a sequence item, found ({group:04X},{element:04X})"),
                    ));
                }
            }
        }
    }

    /// Walks the fragments of encapsulated pixel data, up to the sequence delimiter.
    fn fragments(&self, mut pos: usize, end: usize) -> Result<usize, DicomError> {
        loop {
            let (h, value_pos) = self.header(pos)?;
            match (h.group, h.element) {
                (0xFFFE, 0xE0DD) => return Ok(value_pos),
                (0xFFFE, 0xE000) if h.length != UNDEFINED => {
                    pos = self.value_end(&h, value_pos, end)?;
                }
                (group, element) => {
                    return Err(self.malformed(
                        pos,
                        format!(
                            "expected a pixel data fragment, found ({group:04X},{element:04X})"
                        ),
                    ));
                }
            }
        }
    }
}

/// In implicit VR, dicom-rs reads an element as a sequence when the dictionary says so.
fn dictionary_says_sequence(h: &Header) -> bool {
    StandardDataDictionary
        .by_tag(Tag(h.group, h.element))
        .is_some_and(|entry| entry.vr == VirtualVr::Exact(VR::SQ))
}

/// Walks the whole data set.
fn scan_dataset_root(data: &[u8], enc: Encoding, base: usize) -> Result<RootScan, DicomError> {
    let scanner = Scanner {
        data,
        enc,
        base,
        root: RootState::default(),
    };
    let end = scanner.dataset(0, data.len(), false, 0)?;
    let pixel_data = scanner
        .root
        .pixel_data
        .get()
        .filter(|_| !scanner.root.out_of_order.get());
    Ok(RootScan { end, pixel_data })
}

/// Walks the file meta group (explicit VR little endian, after "DICM"); returns the transfer
/// syntax UID and where the data set starts (relative to the magic code).
fn scan_meta(file: &[u8]) -> Result<(String, usize), DicomError> {
    let scanner = Scanner {
        data: file,
        enc: Encoding::EXPLICIT_LE,
        base: 0,
        root: RootState::default(),
    };
    let mut pos = 4;
    let mut ts = None;
    // The data set that follows may be in another encoding: look at the group before the VR.
    while pos < file.len() && scanner.u16_at(pos)? == 0x0002 {
        let (h, value_pos) = scanner.header(pos)?;
        if h.length == UNDEFINED {
            return Err(scanner.malformed(pos, "file meta element of undefined length".into()));
        }
        let value_end = scanner.value_end(&h, value_pos, file.len())?;
        if h.element == 0x0010 {
            let raw = String::from_utf8_lossy(&file[value_pos..value_end]);
            ts = Some(
                raw.trim_end_matches(['\0', ' '])
                    .trim_start_matches(' ')
                    .to_string(),
            );
        }
        pos = value_end;
    }
    let ts = ts.ok_or(DicomError::MissingAttribute(
        "Transfer Syntax UID (0002,0010)",
    ))?;
    Ok((ts, pos))
}
