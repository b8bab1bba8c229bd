//! Files written by dicom-object in each supported encoding decode to the values and geometry
//! that were put in.

mod common;

use common::*;
use dicom_core::VR;
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;
use readroom_dicom::{DicomError, Frame, FramePixels, Limits, read_instance};

fn expected_pixels(image: &Image, frame: usize) -> FramePixels {
    let n = image.rows as usize * image.columns as usize;
    let values = &image.values[frame * n..(frame + 1) * n];
    if image.signed {
        FramePixels::I16(values.iter().map(|&v| v as i16).collect())
    } else {
        FramePixels::U16(values.iter().map(|&v| v as u16).collect())
    }
}

fn assert_classic_geometry(frame: &Frame) {
    assert_eq!(frame.rescale_slope, 2.5);
    assert_eq!(frame.rescale_intercept, -100.0);
    assert_eq!(frame.image_position, Some([-120.5, -98.25, 33.0]));
    assert_eq!(
        frame.image_orientation,
        Some([1.0, 0.0, 0.0, 0.0, 1.0, 0.0])
    );
    assert_eq!(frame.pixel_spacing, Some([0.5, 0.625]));
    assert_eq!(frame.slice_thickness, Some(3.0));
    assert_eq!(frame.window, Some((400.0, 1200.0)));
    assert_eq!(frame.temporal_position, Some(3));
}

fn decode_file(bytes: &[u8]) -> Result<Vec<Frame>, DicomError> {
    let instance = read_instance(bytes, &Limits::default())?;
    assert_eq!(instance.study_instance_uid(), STUDY_UID);
    assert_eq!(instance.series_instance_uid(), SERIES_UID);
    assert_eq!(instance.sop_instance_uid(), SOP_UID);
    instance.decode(&Limits::default())
}

#[test]
fn classic_images_round_trip_in_every_native_encoding() {
    struct Case {
        name: &'static str,
        image: Image,
        ts: &'static str,
    }
    let mut mono1 = Image::unsigned16(6, 5);
    mono1.photometric = "MONOCHROME1";
    let mut signed8 = Image::unsigned8(4, 6);
    signed8.signed = true;
    signed8.bits_stored = 7;
    signed8.values = (0..24).map(|i| i * 5 - 64).collect();
    let cases = [
        Case {
            name: "16-bit signed, 12 stored, explicit VR LE",
            image: Image::signed16(7, 9, 1),
            ts: EXPLICIT_VR_LE,
        },
        Case {
            name: "16-bit signed, implicit VR LE",
            image: Image::signed16(7, 9, 1),
            ts: IMPLICIT_VR_LE,
        },
        Case {
            name: "16-bit signed, explicit VR big endian",
            image: Image::signed16(7, 9, 1),
            ts: EXPLICIT_VR_BE,
        },
        Case {
            name: "16-bit signed, deflated explicit VR LE",
            image: Image::signed16(7, 9, 1),
            ts: DEFLATED_EXPLICIT_VR_LE,
        },
        Case {
            name: "8-bit unsigned, explicit VR LE",
            image: Image::unsigned8(5, 8),
            ts: EXPLICIT_VR_LE,
        },
        Case {
            name: "8-bit unsigned, explicit VR big endian",
            image: Image::unsigned8(5, 8),
            ts: EXPLICIT_VR_BE,
        },
        Case {
            name: "8-bit signed, 7 stored, explicit VR LE",
            image: signed8,
            ts: EXPLICIT_VR_LE,
        },
        Case {
            name: "16-bit unsigned MONOCHROME1, explicit VR LE",
            image: mono1,
            ts: EXPLICIT_VR_LE,
        },
        Case {
            name: "multi-frame 16-bit signed, implicit VR LE",
            image: Image::signed16(4, 3, 5),
            ts: IMPLICIT_VR_LE,
        },
    ];
    for case in cases {
        let bytes = file_bytes(mr_object(&case.image), case.ts);
        let frames = decode_file(&bytes).unwrap_or_else(|e| panic!("{}: {e}", case.name));
        assert_eq!(frames.len(), case.image.frames as usize, "{}", case.name);
        for (i, frame) in frames.iter().enumerate() {
            assert_eq!(
                (frame.rows, frame.columns),
                (u32::from(case.image.rows), u32::from(case.image.columns)),
                "{}",
                case.name
            );
            assert_eq!(
                frame.pixels,
                expected_pixels(&case.image, i),
                "{}",
                case.name
            );
            assert_eq!(
                frame.monochrome1,
                case.image.photometric == "MONOCHROME1",
                "{}",
                case.name
            );
            assert_classic_geometry(frame);
        }
        let again = read_instance(&bytes, &Limits::default()).expect("read");
        assert_eq!(again.transfer_syntax(), case.ts, "{}", case.name);
    }
}

#[test]
fn file_without_preamble_is_read() {
    let bytes = file_bytes(mr_object(&Image::signed16(3, 3, 1)), EXPLICIT_VR_LE);
    let frames = decode_file(&bytes[128..]).expect("no preamble");
    assert_eq!(
        frames[0].pixels,
        expected_pixels(&Image::signed16(3, 3, 1), 0)
    );
}

#[test]
fn bits_above_high_bit_are_masked_and_signed_values_sign_extended() {
    // 12 bits stored in 16: the top nibble carries garbage (an old overlay plane, say).
    let mut image = Image::signed16(2, 2, 1);
    image.values = vec![0x0FFF, 0x0800, 0x07FF, 0x0001];
    let mut obj = mr_object(&image);
    let dirty: Vec<u16> = vec![0xFFFF, 0xA800, 0x57FF, 0xF001];
    obj.put(dicom_core::DataElement::new(
        tags::PIXEL_DATA,
        VR::OW,
        dicom_core::PrimitiveValue::U16(dirty.into_iter().collect()),
    ));
    let frames = decode_file(&file_bytes(obj, EXPLICIT_VR_LE)).expect("decode");
    assert_eq!(frames[0].pixels, FramePixels::I16(vec![-1, -2048, 2047, 1]));
}

#[test]
fn rle_lossless_round_trips_single_and_multi_frame() {
    for image in [
        Image::signed16(8, 6, 1),
        Image::signed16(5, 4, 3),
        Image::unsigned8(6, 6),
        Image::unsigned16(3, 130),
    ] {
        let mut obj = mr_object(&image);
        let fragments = (0..image.frames as usize)
            .map(|f| rle_encode_frame(&image, f))
            .collect();
        encapsulate(&mut obj, fragments);
        let frames = decode_file(&file_bytes(obj, RLE_LOSSLESS)).expect("RLE decode");
        assert_eq!(frames.len(), image.frames as usize);
        for (i, frame) in frames.iter().enumerate() {
            assert_eq!(
                frame.pixels,
                expected_pixels(&image, i),
                "frame {i} of {image:?}"
            );
        }
    }
}

#[test]
fn jpeg_baseline_decodes_close_to_the_source() {
    use dicom_pixeldata::Transcode;
    let image = Image::unsigned8(16, 16);
    let mut file = with_meta(mr_object(&image), EXPLICIT_VR_LE);
    let ts = dicom_transfer_syntax_registry::entries::JPEG_BASELINE.erased();
    file.transcode(&ts).expect("encode JPEG baseline");
    let mut bytes = Vec::new();
    file.write_all(&mut bytes).expect("write");
    let instance = read_instance(&bytes, &Limits::default()).expect("read");
    assert_eq!(instance.transfer_syntax(), JPEG_BASELINE);
    let frames = instance.decode(&Limits::default()).expect("decode JPEG");
    let FramePixels::U16(decoded) = &frames[0].pixels else {
        panic!("unsigned expected")
    };
    let mean_error = decoded
        .iter()
        .zip(&image.values)
        .map(|(&d, &s)| (i32::from(d) - s).abs())
        .sum::<i32>() as f64
        / decoded.len() as f64;
    assert!(mean_error < 24.0, "mean error {mean_error}");
}

#[test]
fn jpeg_ls_is_refused_at_decode_with_the_transfer_syntax_name() {
    let image = Image::unsigned16(4, 4);
    let mut obj = mr_object(&image);
    encapsulate(&mut obj, vec![vec![0xFF, 0xD8, 0xFF, 0xD9]]);
    let instance =
        read_instance(&file_bytes(obj, JPEG_LS_LOSSLESS), &Limits::default()).expect("read");
    let err = instance
        .decode(&Limits::default())
        .expect_err("JPEG-LS has no decoder here");
    let message = err.to_string();
    assert!(
        matches!(err, DicomError::UnsupportedTransferSyntax { .. }),
        "{message}"
    );
    assert!(
        message.contains("1.2.840.10008.1.2.4.80") && message.contains("JPEG-LS"),
        "{message}"
    );
}

#[test]
fn colour_and_32_bit_images_are_refused_with_a_reason() {
    let mut rgb = mr_object(&Image::unsigned8(2, 2));
    rgb.put(text(tags::PHOTOMETRIC_INTERPRETATION, VR::CS, "RGB"));
    rgb.put(us(tags::SAMPLES_PER_PIXEL, 3));
    let mut wide = mr_object(&Image::unsigned16(2, 2));
    wide.put(us(tags::BITS_ALLOCATED, 32));
    wide.put(us(tags::BITS_STORED, 32));
    wide.put(us(tags::HIGH_BIT, 31));
    for (name, obj, expected) in [
        ("RGB", rgb, "RGB"),
        ("32 bits allocated", wide, "32 bits allocated"),
    ] {
        let instance =
            read_instance(&file_bytes(obj, EXPLICIT_VR_LE), &Limits::default()).expect("read");
        let err = instance.decode(&Limits::default()).expect_err(name);
        assert!(
            matches!(err, DicomError::UnsupportedImage(_)),
            "{name}: {err}"
        );
        assert!(err.to_string().contains(expected), "{name}: {err}");
    }
}

fn enhanced_mr(image: &Image) -> InMemDicomObject {
    let mut obj = mr_object(image);
    for tag in [
        tags::IMAGE_POSITION_PATIENT,
        tags::IMAGE_ORIENTATION_PATIENT,
        tags::PIXEL_SPACING,
        tags::SLICE_THICKNESS,
        tags::RESCALE_SLOPE,
        tags::RESCALE_INTERCEPT,
        tags::WINDOW_CENTER,
        tags::WINDOW_WIDTH,
        tags::TEMPORAL_POSITION_IDENTIFIER,
    ] {
        obj.remove_element(tag);
    }
    obj.put(text(tags::SOP_CLASS_UID, VR::UI, ENHANCED_MR_IMAGE_STORAGE));
    let item = |elements: Vec<dicom_core::DataElement<InMemDicomObject>>| {
        InMemDicomObject::from_element_iter(elements)
    };
    let shared = item(vec![
        sequence(
            tags::PIXEL_MEASURES_SEQUENCE,
            vec![item(vec![
                decimals(tags::PIXEL_SPACING, &[0.7, 0.8]),
                decimals(tags::SLICE_THICKNESS, &[3.6]),
            ])],
        ),
        sequence(
            tags::PLANE_ORIENTATION_SEQUENCE,
            vec![item(vec![decimals(
                tags::IMAGE_ORIENTATION_PATIENT,
                &[1.0, 0.0, 0.0, 0.0, 0.0, -1.0],
            )])],
        ),
        sequence(
            tags::PIXEL_VALUE_TRANSFORMATION_SEQUENCE,
            vec![item(vec![
                decimals(tags::RESCALE_INTERCEPT, &[0.0]),
                decimals(tags::RESCALE_SLOPE, &[1.5]),
                text(tags::RESCALE_TYPE, VR::LO, "US"),
            ])],
        ),
        sequence(
            tags::MR_DIFFUSION_SEQUENCE,
            vec![item(vec![dicom_core::DataElement::new(
                tags::DIFFUSION_B_VALUE,
                VR::FD,
                dicom_core::PrimitiveValue::from(1400.0_f64),
            )])],
        ),
    ]);
    let per_frame = (0..image.frames)
        .map(|i| {
            item(vec![
                sequence(
                    tags::PLANE_POSITION_SEQUENCE,
                    vec![item(vec![decimals(
                        tags::IMAGE_POSITION_PATIENT,
                        &[-100.0, 20.0 + 3.6 * f64::from(i), 50.0],
                    )])],
                ),
                sequence(
                    tags::FRAME_CONTENT_SEQUENCE,
                    vec![item(vec![temporal_position_index(i + 1)])],
                ),
                sequence(
                    tags::FRAME_VOILUT_SEQUENCE,
                    vec![item(vec![
                        decimals(tags::WINDOW_CENTER, &[100.0 + f64::from(i)]),
                        decimals(tags::WINDOW_WIDTH, &[500.0]),
                    ])],
                ),
            ])
        })
        .collect();
    obj.put(sequence(
        tags::SHARED_FUNCTIONAL_GROUPS_SEQUENCE,
        vec![shared],
    ));
    obj.put(sequence(
        tags::PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE,
        per_frame,
    ));
    obj
}

fn temporal_position_index(index: u32) -> dicom_core::DataElement<InMemDicomObject> {
    dicom_core::DataElement::new(
        tags::TEMPORAL_POSITION_INDEX,
        VR::UL,
        dicom_core::PrimitiveValue::from(index),
    )
}

#[test]
fn enhanced_multi_frame_geometry_comes_from_the_functional_groups() {
    let image = Image::signed16(4, 5, 3);
    for ts in [EXPLICIT_VR_LE, IMPLICIT_VR_LE] {
        let bytes = file_bytes(enhanced_mr(&image), ts);
        let instance = read_instance(&bytes, &Limits::default()).expect("read");
        let info = instance.series_info();
        assert_eq!(info.b_value, Some(1400.0));
        assert_eq!(info.units.as_deref(), Some("US"));
        assert_eq!(info.number_of_frames, 3);
        let frames = instance.decode(&Limits::default()).expect("decode");
        assert_eq!(frames.len(), 3);
        for (i, frame) in frames.iter().enumerate() {
            let i32_ = i as u32;
            assert_eq!(frame.pixels, expected_pixels(&image, i), "{ts} frame {i}");
            assert_eq!(
                frame.image_position,
                Some([-100.0, 20.0 + 3.6 * f64::from(i32_), 50.0])
            );
            assert_eq!(
                frame.image_orientation,
                Some([1.0, 0.0, 0.0, 0.0, 0.0, -1.0])
            );
            assert_eq!(frame.pixel_spacing, Some([0.7, 0.8]));
            assert_eq!(frame.slice_thickness, Some(3.6));
            assert_eq!((frame.rescale_slope, frame.rescale_intercept), (1.5, 0.0));
            assert_eq!(frame.temporal_position, Some(i32_ + 1));
            assert_eq!(frame.window, Some((100.0 + f64::from(i32_), 500.0)));
            assert_eq!(frame.units.as_deref(), Some("US"));
        }
    }
}

#[test]
fn series_info_reports_what_the_importer_classifies_by() {
    let mut obj = mr_object(&Image::signed16(2, 2, 1));
    obj.put(text(
        tags::IMAGE_TYPE,
        VR::CS,
        "DERIVED\\PRIMARY\\DIFFUSION\\ADC",
    ));
    // Siemens private b-value, found through its private creator.
    obj.put(text(
        dicom_core::Tag(0x0019, 0x0010),
        VR::LO,
        "SIEMENS MR HEADER",
    ));
    obj.put(text(dicom_core::Tag(0x0019, 0x100C), VR::IS, "800"));
    let instance =
        read_instance(&file_bytes(obj, IMPLICIT_VR_LE), &Limits::default()).expect("read");
    let info = instance.series_info();
    assert_eq!(info.modality.as_deref(), Some("MR"));
    assert_eq!(info.series_description.as_deref(), Some("t2_tse_tra"));
    assert_eq!(info.series_number, Some(5));
    assert_eq!(info.body_part.as_deref(), Some("PROSTATE"));
    assert_eq!(info.b_value, Some(800.0));
    assert_eq!(info.image_type, ["DERIVED", "PRIMARY", "DIFFUSION", "ADC"]);
    assert_eq!((info.rows, info.columns, info.number_of_frames), (2, 2, 1));
}

#[test]
fn to_file_bytes_reads_back_to_the_same_frames() {
    for ts in [
        EXPLICIT_VR_LE,
        IMPLICIT_VR_LE,
        EXPLICIT_VR_BE,
        DEFLATED_EXPLICIT_VR_LE,
    ] {
        let instance = read_instance(
            &file_bytes(mr_object(&Image::signed16(3, 4, 2)), ts),
            &Limits::default(),
        )
        .expect("read");
        let bytes = instance.to_file_bytes().expect("write");
        assert_eq!(&bytes[128..132], b"DICM");
        let again = read_instance(&bytes, &Limits::default()).expect("read back");
        assert_eq!(again.transfer_syntax(), ts);
        assert_eq!(
            again.decode(&Limits::default()).expect("decode"),
            instance.decode(&Limits::default()).expect("decode")
        );
    }
}
