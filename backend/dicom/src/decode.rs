//! Pixel decoding to stored values: checks the image description and the limits first, then lets
//! dicom-pixeldata undo the transfer syntax's encoding, and never renders (no VOI, no 8-bit image).

use dicom_dictionary_std::tags;
use dicom_encoding::TransferSyntaxIndex;
use dicom_object::{DefaultDicomObject, InMemDicomObject};
use dicom_pixeldata::PixelDecoder;
use dicom_transfer_syntax_registry::TransferSyntaxRegistry;

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

pub(crate) fn decode(obj: &DefaultDicomObject, limits: &Limits) -> Result<Vec<Frame>, DicomError> {
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
            frames.push(geometry.frame(index, &layout_frame(&layout), samples(bytes, &layout)));
        }
    } else {
        let pixel_data = obj.get(tags::PIXEL_DATA).ok_or(DicomError::NoPixelData)?;
        let needed = frame_len * layout.frames as usize;
        // The value's length, without converting it to bytes: that would copy every pixel.
        let available = pixel_data
            .value()
            .primitive()
            .map_or(0, |value| value.calculate_byte_len());
        if available < needed {
            return Err(DicomError::Truncated(format!(
                "Pixel Data holds {available} bytes, {needed} needed for {} frames of {}×{}",
                layout.frames, layout.rows, layout.columns
            )));
        }
        let decoded = obj
            .decode_pixel_data()
            .map_err(|e| DicomError::Decode(e.to_string()))?;
        let data = decoded.data();
        for index in 0..layout.frames {
            let start = index as usize * frame_len;
            let bytes = data.get(start..start + frame_len).ok_or_else(|| {
                DicomError::Truncated(format!("Pixel Data ends before frame {}", index + 1))
            })?;
            frames.push(geometry.frame(index, &layout_frame(&layout), samples(bytes, &layout)));
        }
    }
    Ok(frames)
}

fn layout_frame(layout: &PixelLayout) -> frame::FrameShape {
    frame::FrameShape {
        rows: layout.rows,
        columns: layout.columns,
        monochrome1: layout.monochrome1,
    }
}

/// Stored values from decoded little-endian samples: bits above High Bit are masked off (they
/// may hold overlays) and signed values are sign-extended from Bits Stored.
fn samples(bytes: &[u8], layout: &PixelLayout) -> FramePixels {
    let shift = u32::from(layout.high_bit + 1 - layout.bits_stored);
    let bits = u32::from(layout.bits_stored);
    let mask = ((1u32 << bits) - 1) as u16;
    // Monomorphic loops (no boxed iterator): this runs over every pixel of every import.
    let stored: Vec<u16> = if layout.bits_allocated == 8 {
        bytes
            .iter()
            .map(|&b| (u16::from(b) >> shift) & mask)
            .collect()
    } else {
        bytes
            .chunks_exact(2)
            .map(|c| (u16::from_le_bytes([c[0], c[1]]) >> shift) & mask)
            .collect()
    };
    if layout.signed {
        let sign_shift = 16 - bits;
        // Bits Stored ≤ 16, so the sign-extended value fits in i16.
        FramePixels::I16(
            stored
                .iter()
                .map(|&w| ((w << sign_shift) as i16) >> sign_shift)
                .collect(),
        )
    } else {
        FramePixels::U16(stored)
    }
}
