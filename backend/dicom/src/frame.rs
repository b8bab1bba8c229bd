//! Geometry and display attributes of each frame, and what identifies a series.
//! Classic images carry them at the top level; enhanced multi-frame images in the Shared and
//! Per-frame Functional Groups, which take precedence (per-frame first).

use dicom_core::header::Header;
use dicom_core::{Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;

use crate::{Frame, FramePixels, SeriesInfo, string_of};

pub(crate) struct FrameShape {
    pub rows: u32,
    pub columns: u32,
    pub monochrome1: bool,
}

/// Looks attributes up for one frame: per-frame functional group, shared functional group, then
/// the top level.
pub(crate) struct FrameAttributes<'a> {
    top: &'a InMemDicomObject,
    shared: Option<&'a InMemDicomObject>,
    per_frame: &'a [InMemDicomObject],
}

fn first_item(obj: &InMemDicomObject, tag: Tag) -> Option<&InMemDicomObject> {
    obj.get(tag)?.items()?.first()
}

fn floats(obj: &InMemDicomObject, tag: Tag) -> Option<Vec<f64>> {
    let values = obj.get(tag)?.to_multi_float64().ok()?;
    (!values.is_empty() && values.iter().all(|v| v.is_finite())).then_some(values)
}

fn float(obj: &InMemDicomObject, tag: Tag) -> Option<f64> {
    floats(obj, tag)?.first().copied()
}

fn uint(obj: &InMemDicomObject, tag: Tag) -> Option<u32> {
    obj.get(tag)?.to_int::<u32>().ok()
}

fn array<const N: usize>(values: Option<Vec<f64>>) -> Option<[f64; N]> {
    values?.get(..N)?.try_into().ok()
}

impl<'a> FrameAttributes<'a> {
    pub(crate) fn of(top: &'a InMemDicomObject) -> Self {
        let shared = first_item(top, tags::SHARED_FUNCTIONAL_GROUPS_SEQUENCE);
        let per_frame = top
            .get(tags::PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE)
            .and_then(|e| e.items())
            .unwrap_or(&[]);
        FrameAttributes {
            top,
            shared,
            per_frame,
        }
    }

    /// The first value found for `get` in the frame's macro `macro_tag`, per-frame then shared,
    /// else at the top level.
    fn lookup<T>(
        &self,
        index: u32,
        macro_tag: Tag,
        get: impl Fn(&InMemDicomObject) -> Option<T>,
    ) -> Option<T> {
        let groups = self
            .per_frame
            .get(index as usize)
            .into_iter()
            .chain(self.shared);
        for group in groups {
            if let Some(found) = first_item(group, macro_tag).and_then(&get) {
                return Some(found);
            }
        }
        get(self.top)
    }

    pub(crate) fn frame(&self, index: u32, shape: &FrameShape, pixels: FramePixels) -> Frame {
        let transform = tags::PIXEL_VALUE_TRANSFORMATION_SEQUENCE;
        let measures = tags::PIXEL_MEASURES_SEQUENCE;
        let units = self
            .lookup(index, transform, |o| string_of(o, tags::RESCALE_TYPE))
            .or_else(|| string_of(self.top, tags::UNITS));
        let window = self.lookup(index, tags::FRAME_VOILUT_SEQUENCE, |o| {
            Some((
                float(o, tags::WINDOW_CENTER)?,
                float(o, tags::WINDOW_WIDTH)?,
            ))
        });
        Frame {
            rows: shape.rows,
            columns: shape.columns,
            pixels,
            rescale_slope: self
                .lookup(index, transform, |o| float(o, tags::RESCALE_SLOPE))
                .filter(|s| *s != 0.0)
                .unwrap_or(1.0),
            rescale_intercept: self
                .lookup(index, transform, |o| float(o, tags::RESCALE_INTERCEPT))
                .unwrap_or(0.0),
            monochrome1: shape.monochrome1,
            image_position: self.lookup(index, tags::PLANE_POSITION_SEQUENCE, |o| {
                array(floats(o, tags::IMAGE_POSITION_PATIENT))
            }),
            image_orientation: self.lookup(index, tags::PLANE_ORIENTATION_SEQUENCE, |o| {
                array(floats(o, tags::IMAGE_ORIENTATION_PATIENT))
            }),
            pixel_spacing: self.lookup(index, measures, |o| array(floats(o, tags::PIXEL_SPACING))),
            slice_thickness: self.lookup(index, measures, |o| float(o, tags::SLICE_THICKNESS)),
            temporal_position: self
                .lookup(index, tags::FRAME_CONTENT_SEQUENCE, |o| {
                    uint(o, tags::TEMPORAL_POSITION_INDEX)
                })
                .or_else(|| uint(self.top, tags::TEMPORAL_POSITION_IDENTIFIER)),
            window,
            units,
        }
    }
}

pub(crate) fn series_info(obj: &InMemDicomObject) -> SeriesInfo {
    let attributes = FrameAttributes::of(obj);
    let b_value = attributes
        .lookup(0, tags::MR_DIFFUSION_SEQUENCE, |o| {
            float(o, tags::DIFFUSION_B_VALUE)
        })
        .or_else(|| vendor_b_value(obj));
    let units = attributes
        .lookup(0, tags::PIXEL_VALUE_TRANSFORMATION_SEQUENCE, |o| {
            string_of(o, tags::RESCALE_TYPE)
        })
        .or_else(|| string_of(obj, tags::UNITS));
    SeriesInfo {
        modality: string_of(obj, tags::MODALITY),
        series_description: string_of(obj, tags::SERIES_DESCRIPTION),
        protocol_name: string_of(obj, tags::PROTOCOL_NAME),
        series_number: obj
            .get(tags::SERIES_NUMBER)
            .and_then(|e| e.to_int::<i32>().ok()),
        body_part: string_of(obj, tags::BODY_PART_EXAMINED),
        b_value,
        units,
        image_type: obj
            .get(tags::IMAGE_TYPE)
            .and_then(|e| e.to_multi_str().ok())
            .map(|values| values.iter().map(|v| v.trim().to_string()).collect())
            .unwrap_or_default(),
        sop_class_uid: string_of(obj, tags::SOP_CLASS_UID),
        frame_of_reference_uid: string_of(obj, tags::FRAME_OF_REFERENCE_UID),
        rows: uint(obj, tags::ROWS).unwrap_or(0),
        columns: uint(obj, tags::COLUMNS).unwrap_or(0),
        number_of_frames: uint(obj, tags::NUMBER_OF_FRAMES).unwrap_or(1),
    }
}

/// Private b-value attributes of the three main MR vendors, found through their private creator.
fn vendor_b_value(obj: &InMemDicomObject) -> Option<f64> {
    // Siemens: (0019,xx0C) under "SIEMENS MR HEADER".
    if let Some(b) = private_float(obj, 0x0019, "SIEMENS MR HEADER", 0x0C) {
        return Some(b);
    }
    // GE: (0043,xx39) under "GEMS_PARM_01"; the first value may carry 10^9 × a flag.
    if let Some(b) = private_float(obj, 0x0043, "GEMS_PARM_01", 0x39) {
        return Some(b % 1_000_000_000.0);
    }
    // Philips: (2001,xx03) under "Philips Imaging DD 001".
    private_float(obj, 0x2001, "Philips Imaging DD 001", 0x03)
}

fn private_float(obj: &InMemDicomObject, group: u16, creator: &str, offset: u16) -> Option<f64> {
    // The creators of the group's blocks are (gggg,0010) to (gggg,00FF): one pass over the
    // elements, in tag order, finds the first that names `creator` (rather than 240 lookups).
    let block = obj
        .iter()
        .map(|element| element.tag())
        .skip_while(|tag| *tag < Tag(group, 0x10))
        .take_while(|tag| *tag <= Tag(group, 0xFF))
        .find(|tag| string_of(obj, *tag).is_some_and(|c| c.eq_ignore_ascii_case(creator)))?
        .element();
    let element = obj.get(Tag(group, (block << 8) | offset))?;
    let typed = match element.vr() {
        VR::UN | VR::OB => None,
        _ => element.to_multi_float64().ok(),
    };
    typed
        .and_then(|v| v.first().copied())
        .or_else(|| {
            // In implicit VR files private values arrive as UN bytes: text (IS, DS) or
            // little-endian binary (Philips stores an FL).
            let bytes = element.to_bytes().ok()?;
            let text = std::str::from_utf8(&bytes).ok().and_then(|t| {
                t.split('\\')
                    .next()?
                    .trim_matches(|c: char| c == '\0' || c.is_whitespace())
                    .parse::<f64>()
                    .ok()
            });
            text.or_else(|| match bytes.len() {
                4 => Some(f64::from(f32::from_le_bytes(bytes[..4].try_into().ok()?))),
                8 => Some(f64::from_le_bytes(bytes[..8].try_into().ok()?)),
                _ => None,
            })
        })
        .filter(|b| b.is_finite() && *b >= 0.0)
}
