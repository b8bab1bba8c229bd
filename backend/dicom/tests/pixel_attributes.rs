//! Uncompressed pixel data is decoded without dicom-pixeldata, after the checks it makes of the
//! image attributes: what it refused is still refused, whichever way the file is read.

mod common;

use common::*;
use dicom_core::value::{PrimitiveValue, Value};
use dicom_core::{DataElement, Length, VR};
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;
use readroom_dicom::{DicomError, Limits, read_instance};

/// Native transfer syntaxes: the first two keep pixel data apart from dicom-rs, the others not.
const NATIVE: [&str; 4] = [
    EXPLICIT_VR_LE,
    IMPLICIT_VR_LE,
    EXPLICIT_VR_BE,
    DEFLATED_EXPLICIT_VR_LE,
];

fn decode_error(obj: InMemDicomObject, ts: &str) -> String {
    let instance = read_instance(&file_bytes(obj, ts), &Limits::default()).expect("read");
    match instance.decode(&Limits::default()) {
        Err(DicomError::Decode(reason)) => reason,
        other => panic!("{ts}: expected a decoding refusal, got {other:?}"),
    }
}

/// A two-frame image whose per-frame functional groups hold `attributes` in `macro_tag`.
fn with_per_frame(
    mut obj: InMemDicomObject,
    macro_tag: dicom_core::Tag,
    attributes: &[dicom_core::Tag],
) -> InMemDicomObject {
    let group = |value: f64| {
        let item = attributes.iter().map(|tag| decimals(*tag, &[value]));
        InMemDicomObject::from_element_iter([sequence(
            macro_tag,
            vec![InMemDicomObject::from_element_iter(item)],
        )])
    };
    obj.put(sequence(
        tags::PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE,
        vec![group(1.0), group(2.0)],
    ));
    obj
}

#[test]
fn missing_or_invalid_pixel_description_is_refused_in_every_native_encoding() {
    for ts in NATIVE {
        let mut obj = mr_object(&Image::signed16(3, 4, 1));
        obj.remove_element(tags::SAMPLES_PER_PIXEL);
        let reason = decode_error(obj, ts);
        assert!(reason.contains("SamplesPerPixel"), "{ts}: {reason}");

        let mut obj = mr_object(&Image::signed16(3, 4, 1));
        obj.put(us(tags::PIXEL_REPRESENTATION, 2));
        let reason = decode_error(obj, ts);
        assert!(reason.contains("PixelRepresentation"), "{ts}: {reason}");

        let mut obj = mr_object(&Image::signed16(3, 4, 1));
        obj.put(DataElement::new(
            tags::PLANAR_CONFIGURATION,
            VR::US,
            PrimitiveValue::from(3_u16),
        ));
        let reason = decode_error(obj, ts);
        assert!(reason.contains("PlanarConfiguration"), "{ts}: {reason}");
    }
}

#[test]
fn rescale_and_window_values_that_do_not_pair_up_are_refused() {
    for ts in NATIVE {
        // One slope at the top level, an intercept for each of the two frames.
        let mut obj = mr_object(&Image::signed16(3, 4, 2));
        obj.remove_element(tags::RESCALE_INTERCEPT);
        let obj = with_per_frame(
            obj,
            tags::PIXEL_VALUE_TRANSFORMATION_SEQUENCE,
            &[tags::RESCALE_INTERCEPT],
        );
        let reason = decode_error(obj, ts);
        assert!(reason.contains("Rescale Slope/Intercept"), "{ts}: {reason}");

        // One window centre at the top level, a width for each of the two frames.
        let mut obj = mr_object(&Image::signed16(3, 4, 2));
        obj.remove_element(tags::WINDOW_WIDTH);
        let obj = with_per_frame(obj, tags::FRAME_VOILUT_SEQUENCE, &[tags::WINDOW_WIDTH]);
        let reason = decode_error(obj, ts);
        assert!(reason.contains("Window Center/Width"), "{ts}: {reason}");

        // A centre and a width for each frame: accepted.
        let mut obj = mr_object(&Image::signed16(3, 4, 2));
        obj.remove_element(tags::WINDOW_WIDTH);
        obj.remove_element(tags::WINDOW_CENTER);
        let obj = with_per_frame(
            obj,
            tags::FRAME_VOILUT_SEQUENCE,
            &[tags::WINDOW_CENTER, tags::WINDOW_WIDTH],
        );
        let instance = read_instance(&file_bytes(obj, ts), &Limits::default()).expect("read");
        assert_eq!(
            instance.decode(&Limits::default()).expect("decode").len(),
            2
        );
    }
}

#[test]
fn a_sequence_where_pixel_data_should_be_is_refused() {
    for ts in [IMPLICIT_VR_LE, EXPLICIT_VR_LE] {
        let mut obj = mr_object(&Image::signed16(3, 4, 1));
        obj.put(DataElement::new(
            tags::PIXEL_DATA,
            VR::SQ,
            Value::new_sequence(Vec::<InMemDicomObject>::new(), Length::UNDEFINED),
        ));
        let bytes = file_bytes(obj, ts);
        let refused = read_instance(&bytes, &Limits::default())
            .and_then(|instance| instance.decode(&Limits::default()));
        assert!(refused.is_err(), "{ts}: {refused:?}");
    }
}
