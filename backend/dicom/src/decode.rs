//! Pixel decoding to stored values: checks the image description and the limits first, then
//! reads native samples in place or lets dicom-pixeldata undo a compressed transfer syntax's
//! encoding, and never renders (no VOI, no 8-bit image).

use dicom_core::Tag;
use dicom_core::header::HasLength;
use dicom_core::value::{PrimitiveValue, Value};
use dicom_dictionary_std::tags;
use dicom_encoding::TransferSyntaxIndex;
use dicom_object::mem::InMemElement;
use dicom_object::{DefaultDicomObject, InMemDicomObject};
use dicom_pixeldata::PixelDecoder;
use dicom_transfer_syntax_registry::TransferSyntaxRegistry;

use crate::native::NativePixelData;
use crate::{DicomError, Frame, FramePixels, Limits, frame, string_of};

/// The attributes of the Image Pixel module that decide how samples are laid out.
#[derive(Debug, Clone, Copy)]
struct PixelLayout {
    rows: u32,
    columns: u32,
    frames: u32,
    bits_allocated: u16,
    bits_stored: u16,
    high_bit: u16,
    signed: bool,
    monochrome1: bool,
}

fn required_u32(
    obj: &InMemDicomObject,
    tag: dicom_core::Tag,
    name: &'static str,
) -> Result<u32, DicomError> {
    let element = obj.get(tag).ok_or(DicomError::MissingAttribute(name))?;
    element
        .to_int::<u32>()
        .map_err(|e| DicomError::InvalidAttribute {
            attribute: name,
            reason: e.to_string(),
        })
}

fn number_of_frames(obj: &InMemDicomObject) -> Result<u32, DicomError> {
    match obj.get(tags::NUMBER_OF_FRAMES) {
        None => Ok(1),
        Some(_) if string_of(obj, tags::NUMBER_OF_FRAMES).is_none() => Ok(1),
        Some(e) => {
            let n = e
                .to_int::<i64>()
                .map_err(|err| DicomError::InvalidAttribute {
                    attribute: "Number of Frames (0028,0008)",
                    reason: err.to_string(),
                })?;
            u32::try_from(n)
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| DicomError::InvalidAttribute {
                    attribute: "Number of Frames (0028,0008)",
                    reason: format!("{n} is not a positive number of frames"),
                })
        }
    }
}

/// Rows, columns and frames against the limits. Called at read time and again before decoding.
pub(crate) fn check_dimensions(
    obj: &InMemDicomObject,
    limits: &Limits,
) -> Result<(u32, u32, u32), DicomError> {
    let rows = required_u32(obj, tags::ROWS, "Rows (0028,0010)")?;
    let columns = required_u32(obj, tags::COLUMNS, "Columns (0028,0011)")?;
    let frames = number_of_frames(obj)?;
    if rows == 0 || columns == 0 {
        return Err(DicomError::InvalidAttribute {
            attribute: "Rows/Columns",
            reason: format!("an image of {rows}×{columns} pixels is empty"),
        });
    }
    let frame_pixels = u64::from(rows) * u64::from(columns);
    if frame_pixels > limits.max_frame_pixels {
        return Err(DicomError::FrameTooLarge {
            rows,
            columns,
            limit: limits.max_frame_pixels,
        });
    }
    if frames > limits.max_frames {
        return Err(DicomError::TooManyFrames {
            frames: u64::from(frames),
            limit: limits.max_frames,
        });
    }
    let total = frame_pixels * u64::from(frames);
    if total > limits.max_total_pixels {
        return Err(DicomError::TooManyPixels {
            total,
            limit: limits.max_total_pixels,
        });
    }
    Ok((rows, columns, frames))
}

fn layout(obj: &InMemDicomObject, limits: &Limits) -> Result<PixelLayout, DicomError> {
    let (rows, columns, frames) = check_dimensions(obj, limits)?;
    let samples = obj
        .get(tags::SAMPLES_PER_PIXEL)
        .map(|e| e.to_int::<u16>())
        .transpose()
        .map_err(|e| DicomError::InvalidAttribute {
            attribute: "Samples per Pixel (0028,0002)",
            reason: e.to_string(),
        })?
        .unwrap_or(1);
    let photometric = string_of(obj, tags::PHOTOMETRIC_INTERPRETATION).ok_or(
        DicomError::MissingAttribute("Photometric Interpretation (0028,0004)"),
    )?;
    let monochrome1 = match photometric.as_str() {
        "MONOCHROME1" => true,
        "MONOCHROME2" => false,
        other => {
            return Err(DicomError::UnsupportedImage(format!(
                "photometric interpretation {other}: only greyscale (MONOCHROME1/2) images are supported"
            )));
        }
    };
    if samples != 1 {
        return Err(DicomError::UnsupportedImage(format!(
            "{samples} samples per pixel: only greyscale images are supported"
        )));
    }
    let bits_allocated = required_u32(obj, tags::BITS_ALLOCATED, "Bits Allocated (0028,0100)")?;
    if bits_allocated != 8 && bits_allocated != 16 {
        return Err(DicomError::UnsupportedImage(format!(
            "{bits_allocated} bits allocated: only 8 and 16 are supported"
        )));
    }
    let bits_stored = match obj.get(tags::BITS_STORED) {
        Some(_) => required_u32(obj, tags::BITS_STORED, "Bits Stored (0028,0101)")?,
        None => bits_allocated,
    };
    if bits_stored == 0 || bits_stored > bits_allocated {
        return Err(DicomError::InvalidAttribute {
            attribute: "Bits Stored (0028,0101)",
            reason: format!("{bits_stored} bits stored in {bits_allocated} bits allocated"),
        });
    }
    let high_bit = match obj.get(tags::HIGH_BIT) {
        Some(_) => required_u32(obj, tags::HIGH_BIT, "High Bit (0028,0102)")?,
        None => bits_stored - 1,
    };
    if high_bit + 1 < bits_stored || high_bit >= bits_allocated {
        return Err(DicomError::InvalidAttribute {
            attribute: "High Bit (0028,0102)",
            reason: format!("high bit {high_bit} with {bits_stored} of {bits_allocated} bits"),
        });
    }
    let signed = match obj.get(tags::PIXEL_REPRESENTATION) {
        Some(_) => {
            required_u32(
                obj,
                tags::PIXEL_REPRESENTATION,
                "Pixel Representation (0028,0103)",
            )? == 1
        }
        None => false,
    };
    // The range checks above make these conversions lossless.
    Ok(PixelLayout {
        rows,
        columns,
        frames,
        bits_allocated: bits_allocated as u16,
        bits_stored: bits_stored as u16,
        high_bit: high_bit as u16,
        signed,
        monochrome1,
    })
}

pub(crate) fn decode(
    obj: &DefaultDicomObject,
    native: Option<&NativePixelData>,
    limits: &Limits,
) -> Result<Vec<Frame>, DicomError> {
    let layout = layout(obj, limits)?;
    let ts_uid = obj.meta().transfer_syntax();
    let ts = TransferSyntaxRegistry.get(ts_uid).ok_or_else(|| {
        DicomError::UnsupportedTransferSyntax {
            uid: ts_uid.to_string(),
            name: "unknown".to_string(),
        }
    })?;
    if !ts.can_decode_all() {
        return Err(DicomError::UnsupportedTransferSyntax {
            uid: ts_uid.to_string(),
            name: ts.name().to_string(),
        });
    }

    let bytes_per_sample = usize::from(layout.bits_allocated / 8);
    let frame_len = layout.rows as usize * layout.columns as usize * bytes_per_sample;
    let geometry = frame::FrameAttributes::of(obj);
    let shape = layout_frame(&layout);

    let mut frames = Vec::with_capacity(layout.frames as usize);
    if ts.is_encapsulated_pixel_data() {
        // Frame by frame, so that at most one frame's decoded bytes exist besides the result.
        for index in 0..layout.frames {
            let decoded = obj
                .decode_pixel_data_frame(index)
                .map_err(|e| DicomError::Decode(format!("frame {}: {e}", index + 1)))?;
            let data = decoded.data();
            let bytes = data.get(..frame_len).ok_or_else(|| {
                DicomError::Decode(format!(
                    "frame {} decoded to {} bytes, {frame_len} expected",
                    index + 1,
                    data.len()
                ))
            })?;
            frames.push(geometry.frame(index, &shape, samples_le(bytes, &layout)));
        }
        return Ok(frames);
    }

    // Native pixel data: the samples are read where they are, without dicom-pixeldata (which
    // would copy them twice), after the same checks it makes.
    let words_as_bytes;
    let source = match native {
        Some(native) => NativeSamples::LittleEndian(native.value().as_ref()),
        None => match obj.get(tags::PIXEL_DATA).map(|e| e.value()) {
            None => return Err(DicomError::NoPixelData),
            Some(Value::Primitive(PrimitiveValue::U16(words))) if layout.bits_allocated == 16 => {
                NativeSamples::Words(words)
            }
            // 8-bit samples in an OW value, and anything unusual, as the value's bytes in the
            // order dicom-pixeldata reads them.
            Some(Value::Primitive(value)) => {
                words_as_bytes = value_bytes(value);
                NativeSamples::LittleEndian(&words_as_bytes)
            }
            // Not a primitive value (a sequence or fragments in a native transfer syntax).
            Some(_) => NativeSamples::LittleEndian(&[]),
        },
    };
    let needed = frame_len * layout.frames as usize;
    let available = source.byte_len();
    if available < needed {
        return Err(DicomError::Truncated(format!(
            "Pixel Data holds {available} bytes, {needed} needed for {} frames of {}×{}",
            layout.frames, layout.rows, layout.columns
        )));
    }
    check_as_dicom_pixeldata(obj)?;
    let frame_samples = layout.rows as usize * layout.columns as usize;
    for index in 0..layout.frames {
        let first = index as usize * frame_samples;
        let pixels = match source {
            NativeSamples::LittleEndian(bytes) => {
                let start = index as usize * frame_len;
                samples_le(&bytes[start..start + frame_len], &layout)
            }
            NativeSamples::Words(words) => {
                stored_values(&words[first..first + frame_samples], &layout, |&w| w)
            }
        };
        frames.push(geometry.frame(index, &shape, pixels));
    }
    Ok(frames)
}

/// Where native samples are read from.
#[derive(Clone, Copy)]
enum NativeSamples<'a> {
    /// Bytes in little-endian order: 8-bit samples, or 16-bit ones low byte first.
    LittleEndian(&'a [u8]),
    /// 16-bit samples as dicom-rs read them (from a big-endian or deflated file).
    Words(&'a [u16]),
}

impl NativeSamples<'_> {
    fn byte_len(self) -> usize {
        match self {
            NativeSamples::LittleEndian(bytes) => bytes.len(),
            NativeSamples::Words(words) => words.len() * 2,
        }
    }
}

/// The bytes of a primitive value with multi-byte numbers low byte first: what
/// dicom-pixeldata decodes native pixel data to on a little-endian machine.
fn value_bytes(value: &PrimitiveValue) -> Vec<u8> {
    fn le<const N: usize, T: Copy>(values: &[T], to_le: fn(T) -> [u8; N]) -> Vec<u8> {
        values.iter().flat_map(|&v| to_le(v)).collect()
    }
    match value {
        PrimitiveValue::U16(v) => le(v, u16::to_le_bytes),
        PrimitiveValue::I16(v) => le(v, i16::to_le_bytes),
        PrimitiveValue::U32(v) => le(v, u32::to_le_bytes),
        PrimitiveValue::I32(v) => le(v, i32::to_le_bytes),
        PrimitiveValue::U64(v) => le(v, u64::to_le_bytes),
        PrimitiveValue::I64(v) => le(v, i64::to_le_bytes),
        PrimitiveValue::F32(v) => le(v, f32::to_le_bytes),
        PrimitiveValue::F64(v) => le(v, f64::to_le_bytes),
        other => other.to_bytes().into_owned(),
    }
}

fn layout_frame(layout: &PixelLayout) -> frame::FrameShape {
    frame::FrameShape {
        rows: layout.rows,
        columns: layout.columns,
        monochrome1: layout.monochrome1,
    }
}

/// Stored values from little-endian samples (8 or 16 bits allocated).
fn samples_le(bytes: &[u8], layout: &PixelLayout) -> FramePixels {
    if layout.bits_allocated == 8 {
        stored_values(bytes, layout, |&b| u16::from(b))
    } else {
        stored_values(bytes.as_chunks::<2>().0, layout, |&pair| {
            u16::from_le_bytes(pair)
        })
    }
}

/// Stored values from raw samples: bits above High Bit are masked off (they may hold
/// overlays) and signed values are sign-extended from Bits Stored. A map from one slice into a
/// vector of its length, which the compiler vectorises: this runs over every pixel of every
/// import.
fn stored_values<T>(raw: &[T], layout: &PixelLayout, word: impl Fn(&T) -> u16) -> FramePixels {
    let shift = u32::from(layout.high_bit + 1 - layout.bits_stored);
    let bits = u32::from(layout.bits_stored);
    let mask = ((1u32 << bits) - 1) as u16;
    if layout.signed {
        let sign_shift = 16 - bits;
        // Bits Stored ≤ 16, so the sign-extended value fits in i16.
        FramePixels::I16(
            raw.iter()
                .map(|raw| ((((word(raw) >> shift) & mask) << sign_shift) as i16) >> sign_shift)
                .collect(),
        )
    } else {
        FramePixels::U16(raw.iter().map(|raw| (word(raw) >> shift) & mask).collect())
    }
}

/// What dicom-pixeldata requires of the image attributes before it decodes anything, checked
/// the same way, so that native pixel data read without it is refused exactly when it would
/// have refused it. (Its own lookups of absent attributes cost a captured backtrace each.)
fn check_as_dicom_pixeldata(obj: &InMemDicomObject) -> Result<(), DicomError> {
    let refuse = |what: String| Err(DicomError::Decode(what));
    let required = |tag, name: &str| match obj.get(tag) {
        None => Err(DicomError::Decode(format!(
            "Missing required attribute `{name}`"
        ))),
        Some(element) => Ok(element),
    };
    let unsigned = |tag, name: &str| {
        required(tag, name)?
            .uint16()
            .map_err(|_| DicomError::Decode(format!("Could not get attribute `{name}`")))
    };
    unsigned(tags::COLUMNS, "Columns")?;
    unsigned(tags::ROWS, "Rows")?;
    if required(
        tags::PHOTOMETRIC_INTERPRETATION,
        "PhotometricInterpretation",
    )?
    .string()
    .is_err()
    {
        return refuse("Could not get attribute `PhotometricInterpretation`".into());
    }
    unsigned(tags::SAMPLES_PER_PIXEL, "SamplesPerPixel")?;
    if let Some(planar) = obj.get(tags::PLANAR_CONFIGURATION) {
        match planar.to_int::<i16>() {
            Ok(0 | 1) => {}
            Ok(value) => {
                return refuse(format!(
                    "Semantically invalid value `{value}` for attribute `PlanarConfiguration`"
                ));
            }
            Err(_) => return refuse("Could not convert attribute `PlanarConfiguration`".into()),
        }
    }
    unsigned(tags::BITS_ALLOCATED, "BitsAllocated")?;
    unsigned(tags::BITS_STORED, "BitsStored")?;
    unsigned(tags::HIGH_BIT, "HighBit")?;
    let representation = unsigned(tags::PIXEL_REPRESENTATION, "PixelRepresentation")?;
    if representation > 1 {
        return refuse(format!(
            "Semantically invalid value `{representation}` for attribute `PixelRepresentation`"
        ));
    }
    if let Some(frames) = obj.get(tags::NUMBER_OF_FRAMES).filter(|e| !e.is_empty()) {
        match frames.to_int::<i32>() {
            Ok(n) if n > 0 => {}
            Ok(n) => {
                return refuse(format!(
                    "Semantically invalid value `{n}` for attribute `NumberOfFrames`"
                ));
            }
            Err(_) => return refuse("Could not convert attribute `NumberOfFrames`".into()),
        }
    }
    let voi_functions: Vec<&InMemElement> = match obj.get(tags::VOILUT_FUNCTION) {
        Some(top) => vec![top],
        None => shared_attribute(obj, tags::FRAME_VOILUT_SEQUENCE, tags::VOILUT_FUNCTION)
            .map(|shared| vec![shared])
            .unwrap_or_else(|| {
                per_frame_attributes(obj, tags::FRAME_VOILUT_SEQUENCE, tags::VOILUT_FUNCTION)
            }),
    };
    if voi_functions.iter().any(|e| e.string().is_err()) {
        return refuse("Could not get attribute `VOILUTFunction`".into());
    }
    let transform = tags::PIXEL_VALUE_TRANSFORMATION_SEQUENCE;
    let intercepts = float_count(obj, transform, tags::RESCALE_INTERCEPT).unwrap_or(1);
    let slopes = float_count(obj, transform, tags::RESCALE_SLOPE).unwrap_or(1);
    if intercepts != slopes {
        return refuse(format!(
            "Value multiplicity of Rescale Slope/Intercept must match. Found `{slopes}` (slope), `{intercepts}` (intercept)"
        ));
    }
    let voi = tags::FRAME_VOILUT_SEQUENCE;
    if let (Some(centers), Some(widths)) = (
        float_count(obj, voi, tags::WINDOW_CENTER),
        float_count(obj, voi, tags::WINDOW_WIDTH),
    ) && centers != widths
    {
        return refuse(format!(
            "Value multiplicity of Window Center/Width must match. Found `{centers}` (center), `{widths}` (width)"
        ));
    }
    Ok(())
}

/// How many values dicom-pixeldata gathers for a rescale or window attribute: one from the top
/// level, else one per frame that has it in its functional groups, else one from the shared
/// functional groups; each must be a finite number, or that source is passed over.
fn float_count(obj: &InMemDicomObject, macro_tag: Tag, tag: Tag) -> Option<usize> {
    let finite = |e: &&InMemElement| e.to_finite_float64().is_ok();
    if obj.get(tag).is_some_and(|e| finite(&e)) {
        return Some(1);
    }
    let per_frame = per_frame_attributes(obj, macro_tag, tag);
    if !per_frame.is_empty() && per_frame.iter().all(finite) {
        return Some(per_frame.len());
    }
    shared_attribute(obj, macro_tag, tag)
        .filter(finite)
        .map(|_| 1)
}

/// An attribute of the shared functional groups, in its macro or (as some writers put it)
/// directly in the group.
fn shared_attribute(obj: &InMemDicomObject, macro_tag: Tag, tag: Tag) -> Option<&InMemElement> {
    let group = obj
        .get(tags::SHARED_FUNCTIONAL_GROUPS_SEQUENCE)?
        .items()?
        .first()?;
    group
        .get(macro_tag)
        .and_then(|m| m.items()?.first()?.get(tag))
        .or_else(|| group.get(tag))
}

/// An attribute in the macro of each per-frame functional group that has it.
fn per_frame_attributes(obj: &InMemDicomObject, macro_tag: Tag, tag: Tag) -> Vec<&InMemElement> {
    obj.get(tags::PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE)
        .and_then(|e| e.items())
        .unwrap_or_default()
        .iter()
        .filter_map(|group| group.get(macro_tag)?.items()?.first()?.get(tag))
        .collect()
}
