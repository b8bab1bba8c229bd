//! Uncompressed pixel data left in the file's bytes (little-endian files whose Pixel Data ends
//! the data set) reads and writes exactly as through dicom-rs: the same frames, and the same
//! Part 10 bytes as dicom-object writes for the object it parses.

mod common;

use std::sync::Arc;

use common::*;
use dicom_core::value::PrimitiveValue;
use dicom_core::{DataElement, Tag, VR};
use dicom_object::OpenFileOptions;
use dicom_object::file::ReadPreamble;
use readroom_dicom::{Anonymiser, Limits, read_instance, read_shared_instance};

/// What dicom-object writes for the object it reads from `bytes` (a file with a preamble).
fn written_by_dicom_object(bytes: &[u8]) -> Vec<u8> {
    let obj = OpenFileOptions::new()
        .read_preamble(ReadPreamble::Never)
        .from_reader(&bytes[128..])
        .expect("dicom-object reads the test file");
    let mut out = Vec::new();
    obj.write_all(&mut out).expect("dicom-object writes it");
    out
}

/// Test files in every native encoding, 8 and 16 bits, with and without an element after
/// Pixel Data (Data Set Trailing Padding, which keeps the pixel data inside the dicom-rs
/// object), and whether their pixel data is expected to be kept apart.
fn files() -> Vec<(String, Image, Vec<u8>, bool)> {
    let mut files = Vec::new();
    for ts in [
        EXPLICIT_VR_LE,
        IMPLICIT_VR_LE,
        EXPLICIT_VR_BE,
        DEFLATED_EXPLICIT_VR_LE,
    ] {
        for image in [Image::signed16(5, 6, 3), Image::unsigned8(4, 6)] {
            for padded in [false, true] {
                let mut obj = mr_object(&image);
                if padded {
                    obj.put(DataElement::new(
                        Tag(0xFFFC, 0xFFFC),
                        VR::OB,
                        PrimitiveValue::from(vec![0_u8; 6]),
                    ));
                }
                let name = format!("{ts}, {} bits, padded: {padded}", image.bits_allocated);
                let kept_apart = !padded && (ts == EXPLICIT_VR_LE || ts == IMPLICIT_VR_LE);
                files.push((name, image.clone(), file_bytes(obj, ts), kept_apart));
            }
        }
    }
    files
}

#[test]
fn files_are_written_back_byte_for_byte_as_dicom_object_writes_them() {
    for (name, _, bytes, kept_apart) in files() {
        let expected = written_by_dicom_object(&bytes);
        let copied = read_instance(&bytes, &Limits::default()).expect("read");
        assert!(copied.to_file_bytes().expect("write") == expected, "{name}");
        let shared =
            read_shared_instance(&Arc::new(bytes.clone()), &Limits::default()).expect("read");
        assert!(shared.to_file_bytes().expect("write") == expected, "{name}");
        let parts = shared.to_file_parts().expect("write");
        assert_eq!(parts.pixel_data.is_some(), kept_apart, "{name}");
        let mut joined = parts.head.clone();
        if let Some(pixel_data) = &parts.pixel_data {
            joined.extend_from_slice(pixel_data.as_ref());
        }
        assert_eq!(parts.len(), expected.len(), "{name}");
        assert!(joined == expected, "{name}");
    }
}

#[test]
fn shared_and_copied_files_decode_and_anonymise_alike() {
    let anonymiser = Anonymiser::new([9; 32]);
    for (name, image, bytes, _) in files() {
        let mut copied = read_instance(&bytes, &Limits::default()).expect("read");
        let mut shared =
            read_shared_instance(&Arc::new(bytes.clone()), &Limits::default()).expect("read");
        let frames = copied.decode(&Limits::default()).expect("decode");
        assert_eq!(
            frames,
            shared.decode(&Limits::default()).expect("decode"),
            "{name}"
        );
        assert_eq!(frames.len(), image.frames as usize, "{name}");
        copied.anonymise(&anonymiser).expect("anonymise");
        shared.anonymise(&anonymiser).expect("anonymise");
        let written = copied.to_file_bytes().expect("write");
        assert!(written == shared.to_file_bytes().expect("write"), "{name}");
        // And it reads back to the same frames.
        let again = read_instance(&written, &Limits::default()).expect("read back");
        assert_eq!(
            again.decode(&Limits::default()).expect("decode"),
            frames,
            "{name}"
        );
    }
}
