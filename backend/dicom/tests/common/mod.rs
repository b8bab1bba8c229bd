//! Builders of synthetic DICOM files for the tests: dicom-object writes them, this crate reads them.
#![allow(dead_code)]

use dicom_core::value::{PixelFragmentSequence, PrimitiveValue, Value};
use dicom_core::{DataElement, Length, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::meta::FileMetaTableBuilder;
use dicom_object::{DefaultDicomObject, InMemDicomObject};

pub const MR_IMAGE_STORAGE: &str = "1.2.840.10008.5.1.4.1.1.4";
pub const ENHANCED_MR_IMAGE_STORAGE: &str = "1.2.840.10008.5.1.4.1.1.4.1";
pub const EXPLICIT_VR_LE: &str = "1.2.840.10008.1.2.1";
pub const IMPLICIT_VR_LE: &str = "1.2.840.10008.1.2";
pub const EXPLICIT_VR_BE: &str = "1.2.840.10008.1.2.2";
pub const DEFLATED_EXPLICIT_VR_LE: &str = "1.2.840.10008.1.2.1.99";
pub const RLE_LOSSLESS: &str = "1.2.840.10008.1.2.5";
pub const JPEG_BASELINE: &str = "1.2.840.10008.1.2.4.50";
pub const JPEG_LS_LOSSLESS: &str = "1.2.840.10008.1.2.4.80";

pub const STUDY_UID: &str = "1.2.826.0.1.3680043.2.1125.1.1";
pub const SERIES_UID: &str = "1.2.826.0.1.3680043.2.1125.1.2";
pub const SOP_UID: &str = "1.2.826.0.1.3680043.2.1125.1.3";

pub fn text(tag: Tag, vr: VR, value: &str) -> DataElement<InMemDicomObject> {
    DataElement::new(tag, vr, PrimitiveValue::from(value))
}

pub fn decimals(tag: Tag, values: &[f64]) -> DataElement<InMemDicomObject> {
    let joined: Vec<String> = values.iter().map(|v| v.to_string()).collect();
    text(tag, VR::DS, &joined.join("\\"))
}

pub fn us(tag: Tag, value: u16) -> DataElement<InMemDicomObject> {
    DataElement::new(tag, VR::US, PrimitiveValue::from(value))
}

pub fn sequence(tag: Tag, items: Vec<InMemDicomObject>) -> DataElement<InMemDicomObject> {
    DataElement::new(tag, VR::SQ, Value::new_sequence(items, Length::UNDEFINED))
}

/// What the pixels of a test image are and how they are stored.
#[derive(Debug, Clone)]
pub struct Image {
    pub rows: u16,
    pub columns: u16,
    pub frames: u32,
    pub bits_allocated: u16,
    pub bits_stored: u16,
    pub signed: bool,
    pub photometric: &'static str,
    /// Stored values, frame after frame, row by row.
    pub values: Vec<i32>,
}

impl Image {
    /// A 16-bit signed image whose values span the negative and positive range of 12 bits.
    pub fn signed16(rows: u16, columns: u16, frames: u32) -> Image {
        let n = rows as usize * columns as usize * frames as usize;
        Image {
            rows,
            columns,
            frames,
            bits_allocated: 16,
            bits_stored: 12,
            signed: true,
            photometric: "MONOCHROME2",
            values: (0..n).map(|i| ((i * 37) % 4096) as i32 - 2048).collect(),
        }
    }

    pub fn unsigned8(rows: u16, columns: u16) -> Image {
        let n = rows as usize * columns as usize;
        Image {
            rows,
            columns,
            frames: 1,
            bits_allocated: 8,
            bits_stored: 8,
            signed: false,
            photometric: "MONOCHROME2",
            values: (0..n).map(|i| ((i * 13) % 256) as i32).collect(),
        }
    }

    pub fn unsigned16(rows: u16, columns: u16) -> Image {
        let n = rows as usize * columns as usize;
        Image {
            rows,
            columns,
            frames: 1,
            bits_allocated: 16,
            bits_stored: 16,
            signed: false,
            photometric: "MONOCHROME2",
            values: (0..n).map(|i| ((i * 611) % 65536) as i32).collect(),
        }
    }

    /// Little-endian bytes of the stored values, as in native or decoded pixel data.
    pub fn le_bytes(&self) -> Vec<u8> {
        if self.bits_allocated == 8 {
            self.values.iter().map(|&v| v as u8).collect()
        } else {
            self.values
                .iter()
                .flat_map(|&v| (v as u16).to_le_bytes())
                .collect()
        }
    }

    pub fn native_pixel_data(&self) -> DataElement<InMemDicomObject> {
        if self.bits_allocated == 8 {
            let bytes: Vec<u8> = self.values.iter().map(|&v| v as u8).collect();
            DataElement::new(tags::PIXEL_DATA, VR::OB, PrimitiveValue::from(bytes))
        } else {
            let words: Vec<u16> = self.values.iter().map(|&v| v as u16).collect();
            DataElement::new(
                tags::PIXEL_DATA,
                VR::OW,
                PrimitiveValue::U16(words.into_iter().collect()),
            )
        }
    }

    pub fn pixel_module(&self) -> Vec<DataElement<InMemDicomObject>> {
        let mut elements = vec![
            us(tags::SAMPLES_PER_PIXEL, 1),
            text(tags::PHOTOMETRIC_INTERPRETATION, VR::CS, self.photometric),
            us(tags::ROWS, self.rows),
            us(tags::COLUMNS, self.columns),
            us(tags::BITS_ALLOCATED, self.bits_allocated),
            us(tags::BITS_STORED, self.bits_stored),
            us(tags::HIGH_BIT, self.bits_stored - 1),
            us(tags::PIXEL_REPRESENTATION, u16::from(self.signed)),
        ];
        if self.frames > 1 {
            elements.push(text(
                tags::NUMBER_OF_FRAMES,
                VR::IS,
                &self.frames.to_string(),
            ));
        }
        elements
    }
}

/// A classic MR image object with geometry, rescale and window, and native pixel data.
pub fn mr_object(image: &Image) -> InMemDicomObject {
    let mut obj = InMemDicomObject::from_element_iter([
        text(tags::SOP_CLASS_UID, VR::UI, MR_IMAGE_STORAGE),
        text(tags::SOP_INSTANCE_UID, VR::UI, SOP_UID),
        text(tags::STUDY_INSTANCE_UID, VR::UI, STUDY_UID),
        text(tags::SERIES_INSTANCE_UID, VR::UI, SERIES_UID),
        text(tags::MODALITY, VR::CS, "MR"),
        text(tags::SERIES_DESCRIPTION, VR::LO, "t2_tse_tra"),
        text(tags::SERIES_NUMBER, VR::IS, "5"),
        text(tags::BODY_PART_EXAMINED, VR::CS, "PROSTATE"),
        text(tags::PATIENT_NAME, VR::PN, "Doe^John"),
        text(tags::PATIENT_ID, VR::LO, "PID-12345"),
        text(tags::STUDY_DATE, VR::DA, "20200115"),
        text(tags::STUDY_TIME, VR::TM, "101500"),
        decimals(tags::IMAGE_POSITION_PATIENT, &[-120.5, -98.25, 33.0]),
        decimals(
            tags::IMAGE_ORIENTATION_PATIENT,
            &[1.0, 0.0, 0.0, 0.0, 1.0, 0.0],
        ),
        decimals(tags::PIXEL_SPACING, &[0.5, 0.625]),
        decimals(tags::SLICE_THICKNESS, &[3.0]),
        decimals(tags::RESCALE_SLOPE, &[2.5]),
        decimals(tags::RESCALE_INTERCEPT, &[-100.0]),
        decimals(tags::WINDOW_CENTER, &[400.0, 300.0]),
        decimals(tags::WINDOW_WIDTH, &[1200.0, 800.0]),
        text(tags::TEMPORAL_POSITION_IDENTIFIER, VR::IS, "3"),
    ]);
    for element in image.pixel_module() {
        obj.put(element);
    }
    obj.put(image.native_pixel_data());
    obj
}

pub fn with_meta(obj: InMemDicomObject, ts: &str) -> DefaultDicomObject {
    let sop_class = obj
        .get(tags::SOP_CLASS_UID)
        .and_then(|e| e.to_str().ok())
        .map(|s| s.to_string())
        .unwrap_or_else(|| MR_IMAGE_STORAGE.to_string());
    let sop_uid = obj
        .get(tags::SOP_INSTANCE_UID)
        .and_then(|e| e.to_str().ok())
        .map(|s| s.to_string())
        .unwrap_or_else(|| SOP_UID.to_string());
    obj.with_meta(
        FileMetaTableBuilder::new()
            .media_storage_sop_class_uid(sop_class)
            .media_storage_sop_instance_uid(sop_uid)
            .transfer_syntax(ts)
            .implementation_class_uid("1.2.826.0.1.3680043.2.1125.99"),
    )
    .expect("file meta table")
}

/// The Part 10 bytes (with preamble) of `obj` in transfer syntax `ts`.
pub fn file_bytes(obj: InMemDicomObject, ts: &str) -> Vec<u8> {
    let file = with_meta(obj, ts);
    let mut out = Vec::new();
    file.write_all(&mut out).expect("write test file");
    out
}

/// RLE Lossless (PS3.5 G) of one frame: one PackBits segment per byte plane, most significant
/// byte first.
pub fn rle_encode_frame(image: &Image, frame: usize) -> Vec<u8> {
    let pixels = image.rows as usize * image.columns as usize;
    let values = &image.values[frame * pixels..(frame + 1) * pixels];
    let planes: Vec<Vec<u8>> = if image.bits_allocated == 8 {
        vec![values.iter().map(|&v| v as u8).collect()]
    } else {
        vec![
            values.iter().map(|&v| ((v as u16) >> 8) as u8).collect(),
            values.iter().map(|&v| (v as u16) as u8).collect(),
        ]
    };
    let mut header = [0u32; 16];
    header[0] = planes.len() as u32;
    let mut body = Vec::new();
    for (i, plane) in planes.iter().enumerate() {
        header[i + 1] = 64 + body.len() as u32;
        body.extend(packbits(plane));
        if body.len() % 2 == 1 {
            body.push(0);
        }
    }
    let mut out: Vec<u8> = header.iter().flat_map(|h| h.to_le_bytes()).collect();
    out.extend(body);
    out
}

fn packbits(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < data.len() {
        let mut run = 1;
        while i + run < data.len() && data[i + run] == data[i] && run < 128 {
            run += 1;
        }
        if run >= 3 {
            out.push((1i16 - run as i16) as i8 as u8);
            out.push(data[i]);
            i += run;
            continue;
        }
        let start = i;
        while i < data.len() && i - start < 128 {
            if i + 2 < data.len() && data[i] == data[i + 1] && data[i] == data[i + 2] {
                break;
            }
            i += 1;
        }
        out.push((i - start - 1) as u8);
        out.extend_from_slice(&data[start..i]);
    }
    out
}

/// Replaces native pixel data by encapsulated fragments, one per frame.
pub fn encapsulate(obj: &mut InMemDicomObject, frames: Vec<Vec<u8>>) {
    let fragments: Vec<Vec<u8>> = frames
        .into_iter()
        .map(|mut f| {
            if f.len() % 2 == 1 {
                f.push(0);
            }
            f
        })
        .collect();
    obj.put(DataElement::new(
        tags::PIXEL_DATA,
        VR::OB,
        Value::PixelSequence(PixelFragmentSequence::new(Vec::<u32>::new(), fragments)),
    ));
}
