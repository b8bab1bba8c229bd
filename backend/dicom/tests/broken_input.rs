//! Hostile and broken files give an error naming what is wrong, never a panic, and never make us
//! allocate what a header merely claims.

mod common;

use common::*;
use dicom_core::VR;
use dicom_dictionary_std::tags;
use readroom_dicom::{DicomError, Limits, read_instance};

/// Deterministic bytes (xorshift), so that failures reproduce.
fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

fn valid_files() -> Vec<(&'static str, Vec<u8>)> {
    let image = Image::signed16(6, 5, 2);
    let mut rle = mr_object(&image);
    encapsulate(
        &mut rle,
        (0..2).map(|f| rle_encode_frame(&image, f)).collect(),
    );
    let mut nested = mr_object(&image);
    nested.put(sequence(
        tags::REFERENCED_SERIES_SEQUENCE,
        vec![dicom_object::InMemDicomObject::from_element_iter([text(
            tags::SERIES_INSTANCE_UID,
            VR::UI,
            "1.2.3.4",
        )])],
    ));
    vec![
        (
            "explicit VR LE",
            file_bytes(mr_object(&image), EXPLICIT_VR_LE),
        ),
        (
            "implicit VR LE with a sequence",
            file_bytes(nested, IMPLICIT_VR_LE),
        ),
        (
            "explicit VR BE",
            file_bytes(mr_object(&image), EXPLICIT_VR_BE),
        ),
        (
            "deflated",
            file_bytes(mr_object(&image), DEFLATED_EXPLICIT_VR_LE),
        ),
        ("RLE", file_bytes(rle, RLE_LOSSLESS)),
    ]
}

#[test]
fn files_truncated_anywhere_are_refused_without_panicking() {
    for (name, bytes) in valid_files() {
        read_instance(&bytes, &Limits::default())
            .and_then(|i| i.decode(&Limits::default()))
            .unwrap_or_else(|e| panic!("{name}: the whole file must decode: {e}"));
        for cut in (0..bytes.len())
            .step_by(97)
            .chain([bytes.len() - 1, bytes.len() - 2])
        {
            let result = read_instance(&bytes[..cut], &Limits::default())
                .and_then(|i| i.decode(&Limits::default()));
            assert!(
                result.is_err(),
                "{name} truncated at byte {cut} of {} was accepted",
                bytes.len()
            );
        }
    }
}

#[test]
fn empty_and_random_input_are_refused() {
    let mut inputs: Vec<(String, Vec<u8>)> = vec![
        ("empty".into(), vec![]),
        ("three bytes".into(), b"DIC".to_vec()),
        ("magic only".into(), b"DICM".to_vec()),
        (
            "preamble and magic only".into(),
            [vec![0; 128], b"DICM".to_vec()].concat(),
        ),
    ];
    for seed in 1..40u64 {
        let len = (seed as usize * 211) % 3000;
        inputs.push((format!("noise seed {seed}"), noise(seed, len)));
        // Past the magic code, so that the parser proper meets the noise.
        inputs.push((
            format!("magic then noise seed {seed}"),
            [vec![0; 128], b"DICM".to_vec(), noise(seed, len)].concat(),
        ));
        let mut meta_then_noise = file_bytes(mr_object(&Image::signed16(2, 2, 1)), EXPLICIT_VR_LE);
        meta_then_noise.truncate(300);
        meta_then_noise.extend(noise(seed, len));
        inputs.push((
            format!("valid start then noise seed {seed}"),
            meta_then_noise,
        ));
    }
    for (name, bytes) in inputs {
        let result =
            read_instance(&bytes, &Limits::default()).and_then(|i| i.decode(&Limits::default()));
        assert!(result.is_err(), "{name} was accepted");
    }
    assert!(matches!(
        read_instance(&[], &Limits::default()),
        Err(DicomError::NotDicom(_))
    ));
}

/// A valid file without pixel data, to which a crafted element is appended.
fn file_without_pixel_data(ts: &str) -> Vec<u8> {
    let mut obj = mr_object(&Image::signed16(2, 2, 1));
    obj.remove_element(tags::PIXEL_DATA);
    file_bytes(obj, ts)
}

#[test]
fn absurd_element_lengths_are_refused_before_anything_is_allocated() {
    let huge = 0xFFFF_FFF0u32.to_le_bytes();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "explicit OB pixel data of 4 GiB",
            [
                file_without_pixel_data(EXPLICIT_VR_LE),
                vec![0xE0, 0x7F, 0x10, 0x00, b'O', b'B', 0, 0],
                huge.to_vec(),
                vec![0; 64],
            ]
            .concat(),
        ),
        (
            "explicit UT of 4 GiB",
            [
                file_without_pixel_data(EXPLICIT_VR_LE),
                vec![0x10, 0x00, 0x00, 0x40, b'U', b'T', 0, 0],
                huge.to_vec(),
                vec![b'x'; 64],
            ]
            .concat(),
        ),
        (
            "implicit element of 4 GiB",
            [
                file_without_pixel_data(IMPLICIT_VR_LE),
                vec![0xE0, 0x7F, 0x10, 0x00],
                huge.to_vec(),
                vec![0; 64],
            ]
            .concat(),
        ),
        (
            "item of 4 GiB inside a sequence",
            [
                file_without_pixel_data(EXPLICIT_VR_LE),
                vec![
                    0x08, 0x00, 0x15, 0x11, b'S', b'Q', 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE, 0xFF,
                    0x00, 0xE0,
                ],
                huge.to_vec(),
                vec![0; 64],
            ]
            .concat(),
        ),
        (
            "pixel fragment of 4 GiB",
            [
                file_without_pixel_data(EXPLICIT_VR_LE),
                vec![
                    0xE0, 0x7F, 0x10, 0x00, b'O', b'B', 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE, 0xFF,
                    0x00, 0xE0, 0, 0, 0, 0, 0xFE, 0xFF, 0x00, 0xE0,
                ],
                huge.to_vec(),
                vec![0; 64],
            ]
            .concat(),
        ),
    ];
    for (name, bytes) in cases {
        match read_instance(&bytes, &Limits::default()) {
            Err(DicomError::ElementLength { length, .. }) => {
                assert_eq!(length, 0xFFFF_FFF0, "{name}")
            }
            other => panic!("{name}: expected an element length error, got {other:?}"),
        }
    }
}

#[test]
fn images_that_the_case_bank_must_not_hold_are_refused_with_the_reason() {
    let image = Image::signed16(2, 2, 1);
    let edit = |f: &dyn Fn(&mut dicom_object::InMemDicomObject)| {
        let mut obj = mr_object(&image);
        f(&mut obj);
        file_bytes(obj, EXPLICIT_VR_LE)
    };
    let cases: Vec<(&str, Vec<u8>, Limits, &str)> = vec![
        (
            "60000×60000 pixels",
            edit(&|o| {
                o.put(us(tags::ROWS, 60000));
                o.put(us(tags::COLUMNS, 60000));
            }),
            Limits::default(),
            "image of 60000×60000 pixels exceeds the limit of 16777216",
        ),
        (
            "too many frames",
            edit(&|o| {
                o.put(text(tags::NUMBER_OF_FRAMES, VR::IS, "5000"));
            }),
            Limits::default(),
            "5000 frames exceed the limit of 4096",
        ),
        (
            "too many pixels in all",
            edit(&|o| {
                o.put(text(tags::NUMBER_OF_FRAMES, VR::IS, "3"));
            }),
            Limits {
                max_total_pixels: 10,
                ..Limits::default()
            },
            "12 pixels in all frames exceed the limit of 10",
        ),
        (
            "burned-in annotation",
            edit(&|o| {
                o.put(text(tags::BURNED_IN_ANNOTATION, VR::CS, "YES"));
            }),
            Limits::default(),
            "Burned In Annotation = YES",
        ),
        (
            "no pixel data",
            edit(&|o| {
                o.remove_element(tags::PIXEL_DATA);
            }),
            Limits::default(),
            "no Pixel Data",
        ),
        (
            "no study UID",
            edit(&|o| {
                o.remove_element(tags::STUDY_INSTANCE_UID);
            }),
            Limits::default(),
            "Study Instance UID",
        ),
        (
            "no series UID",
            edit(&|o| {
                o.remove_element(tags::SERIES_INSTANCE_UID);
            }),
            Limits::default(),
            "Series Instance UID",
        ),
        (
            "no SOP instance UID",
            edit(&|o| {
                o.remove_element(tags::SOP_INSTANCE_UID);
            }),
            Limits::default(),
            "SOP Instance UID",
        ),
        (
            "file too large",
            edit(&|_| {}),
            Limits {
                max_file_bytes: 100,
                ..Limits::default()
            },
            "exceeds the limit of 100 bytes",
        ),
    ];
    for (name, bytes, limits, reason) in cases {
        let err = read_instance(&bytes, &limits).expect_err(name);
        assert!(err.to_string().contains(reason), "{name}: {err}");
    }
    let burned = edit(&|o| {
        o.put(text(tags::BURNED_IN_ANNOTATION, VR::CS, "YES"));
    });
    assert!(matches!(
        read_instance(&burned, &Limits::default()),
        Err(DicomError::BurnedInAnnotation)
    ));
    let not_burned = edit(&|o| {
        o.put(text(tags::BURNED_IN_ANNOTATION, VR::CS, "NO"));
    });
    assert!(read_instance(&not_burned, &Limits::default()).is_ok());
}

#[test]
fn decode_checks_its_own_limits_before_decoding() {
    let bytes = file_bytes(mr_object(&Image::signed16(4, 4, 1)), EXPLICIT_VR_LE);
    let instance = read_instance(&bytes, &Limits::default()).expect("read");
    let err = instance
        .decode(&Limits {
            max_frame_pixels: 8,
            ..Limits::default()
        })
        .expect_err("limit");
    assert!(
        matches!(
            err,
            DicomError::FrameTooLarge {
                rows: 4,
                columns: 4,
                limit: 8
            }
        ),
        "{err}"
    );
}

#[test]
fn deflated_data_set_that_inflates_beyond_the_limit_is_refused() {
    let mut image = Image::unsigned16(1000, 1000);
    image.values = vec![0; 1_000_000];
    let bytes = file_bytes(mr_object(&image), DEFLATED_EXPLICIT_VR_LE);
    assert!(
        bytes.len() < 100_000,
        "zeros deflate well: {} bytes",
        bytes.len()
    );
    let limits = Limits {
        max_file_bytes: 1_000_000,
        ..Limits::default()
    };
    let err = read_instance(&bytes, &limits).expect_err("inflates to 2 MB");
    assert!(matches!(err, DicomError::FileTooLarge { .. }), "{err}");
}

#[test]
fn native_pixel_data_shorter_than_the_frames_is_refused_at_decode() {
    let mut obj = mr_object(&Image::signed16(4, 4, 1));
    obj.put(text(tags::NUMBER_OF_FRAMES, VR::IS, "2"));
    let instance =
        read_instance(&file_bytes(obj, EXPLICIT_VR_LE), &Limits::default()).expect("read");
    let err = instance
        .decode(&Limits::default())
        .expect_err("one frame short");
    assert!(err.to_string().contains("64 needed"), "{err}");
}
