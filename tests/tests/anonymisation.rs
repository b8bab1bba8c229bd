//! Anonymisation end to end: identity planted in every attribute of the Basic Profile, in nested
//! sequences, in private attributes and in the file meta, imported from a folder and a zip of
//! it; then no planted value may appear in any byte under the data directory nor in any
//! response of the API, and the new UIDs stay consistent across the study.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use dicom_core::dictionary::{DataDictionary, VirtualVr};
use dicom_core::value::{PrimitiveValue, Value};
use dicom_core::{DataElement, Length, Tag, VR};
use dicom_dictionary_std::{StandardDataDictionary, tags};
use dicom_object::meta::FileMetaTableBuilder;
use dicom_object::{InMemDicomObject, OpenFileOptions};
use readroom_dicom::{Action, BASIC_PROFILE};
use readroom_domain::{Role, TruthManifest};
use readroom_import::ImportSummary;
use readroom_tests::{Backend, Installation, files_under, get};

const MR_IMAGE_STORAGE: &str = "1.2.840.10008.5.1.4.1.1.4";
const EXPLICIT_VR_LE: &str = "1.2.840.10008.1.2.1";
const STUDY_UID: &str = "1.2.826.0.1.3680043.2.1125.4711.1";
const SERIES_UID: &str = "1.2.826.0.1.3680043.2.1125.4711.2";
const PATIENT_NAME: &str = "Plantedname^Patientgiven";
const PATIENT_ID: &str = "PLANTED-PID-4711";
const SLICES: usize = 3;

/// Kept on purpose: the Retain Patient Characteristics option.
const RETAINED: [Tag; 4] = [
    tags::PATIENT_AGE,
    tags::PATIENT_SEX,
    tags::PATIENT_SIZE,
    tags::PATIENT_WEIGHT,
];

fn sop_uid(slice: usize) -> String {
    format!("1.2.826.0.1.3680043.2.1125.4711.3.{}", slice + 1)
}

fn text(tag: Tag, vr: VR, value: &str) -> DataElement<InMemDicomObject> {
    DataElement::new(tag, vr, PrimitiveValue::from(value))
}

fn us(tag: Tag, value: u16) -> DataElement<InMemDicomObject> {
    DataElement::new(tag, VR::US, PrimitiveValue::from(value))
}

fn sequence(tag: Tag, items: Vec<InMemDicomObject>) -> DataElement<InMemDicomObject> {
    DataElement::new(tag, VR::SQ, Value::new_sequence(items, Length::UNDEFINED))
}

/// Dates 4000 days apart: a shift of at most 3650 days cannot turn one marker into another.
fn date_marker(i: usize) -> String {
    let days = 1650 * 365 + i * 4000;
    let (year, rest) = (days / 365, days % 365);
    format!("{year:04}{:02}{:02}", rest / 31 % 12 + 1, rest % 28 + 1)
}

/// A value valid for the VR and unique to profile entry `i`; `None` for VRs without text.
fn marker(vr: VR, i: usize) -> Option<String> {
    Some(match vr {
        VR::UI => format!("1.2.826.0.1.999.{i:04}"),
        VR::DA => date_marker(i),
        VR::DT => format!("{}120000", date_marker(i)),
        VR::IS | VR::DS => format!("98765{i:04}"),
        VR::AE | VR::CS | VR::LO | VR::LT | VR::PN | VR::SH | VR::ST | VR::UC | VR::UT | VR::UR => {
            format!("MKR{i:04}")
        }
        _ => return None,
    })
}

/// A sequence item carrying a name, a UID and a private attribute of its own.
fn nested_item(i: usize, markers: &mut Vec<String>) -> InMemDicomObject {
    let (name, uid, private) = (
        format!("MKNESTED{i:04}"),
        format!("1.2.826.0.1.998.{i:04}"),
        format!("MKNESTEDPRIVATE{i:04}"),
    );
    markers.extend([name.clone(), uid.clone(), private.clone()]);
    InMemDicomObject::from_element_iter([
        text(tags::PATIENT_NAME, VR::PN, &name),
        text(tags::REFERENCED_SOP_INSTANCE_UID, VR::UI, &uid),
        text(tags::REFERENCED_SOP_CLASS_UID, VR::UI, MR_IMAGE_STORAGE),
        text(Tag(0x0029, 0x0010), VR::LO, "MKCREATORNESTED"),
        text(Tag(0x0029, 0x1001), VR::LO, &private),
    ])
}

/// One slice of the planted study as a Part 10 file, and every value planted in it.
fn planted_slice(slice: usize, burned_in: bool) -> (Vec<u8>, Vec<String>) {
    let mut markers = Vec::new();
    let mut top_level = Vec::new();
    let mut obj = InMemDicomObject::new_empty();
    for (i, entry) in BASIC_PROFILE.iter().enumerate() {
        let tag = entry.tag();
        if entry.action == Action::K || RETAINED.contains(&tag) || entry.group == 0x0002 {
            continue;
        }
        let Some(VirtualVr::Exact(vr)) = StandardDataDictionary.by_tag(tag).map(|e| e.vr) else {
            continue;
        };
        if vr == VR::SQ {
            let item = nested_item(i, &mut markers);
            obj.put(sequence(tag, vec![item]));
        } else if vr != VR::TM
            && let Some(value) = marker(vr, i)
        {
            obj.put(text(tag, vr, &value));
            top_level.push((tag, value));
        }
    }
    // A sequence the profile does not list: kept, but cleaned inside.
    obj.put(sequence(
        tags::REFERENCED_SERIES_SEQUENCE,
        vec![nested_item(9001, &mut markers)],
    ));
    obj.put(text(Tag(0x0009, 0x0010), VR::LO, "MKCREATORTOP"));
    obj.put(text(Tag(0x0009, 0x1001), VR::LO, "MKPRIVATELO"));
    obj.put(DataElement::new(
        Tag(0x0009, 0x1002),
        VR::UN,
        PrimitiveValue::from(b"MKPRIVATEUN!".to_vec()),
    ));
    markers.extend(["MKCREATORTOP", "MKPRIVATELO", "MKPRIVATEUN"].map(String::from));

    // What makes it one image of one series, overriding the markers planted there.
    let sop = sop_uid(slice);
    let (rows, columns) = (8u16, 8u16);
    let values: Vec<u16> = (0..usize::from(rows * columns))
        .map(|p| ((p * 37 + slice * 101) % 4096) as u16)
        .collect();
    for element in [
        text(tags::SOP_CLASS_UID, VR::UI, MR_IMAGE_STORAGE),
        text(tags::SOP_INSTANCE_UID, VR::UI, &sop),
        text(tags::STUDY_INSTANCE_UID, VR::UI, STUDY_UID),
        text(tags::SERIES_INSTANCE_UID, VR::UI, SERIES_UID),
        text(tags::PATIENT_NAME, VR::PN, PATIENT_NAME),
        text(tags::PATIENT_ID, VR::LO, PATIENT_ID),
        text(tags::MODALITY, VR::CS, "MR"),
        text(tags::SERIES_NUMBER, VR::IS, "3"),
        text(
            tags::BURNED_IN_ANNOTATION,
            VR::CS,
            if burned_in { "YES" } else { "NO" },
        ),
        text(
            tags::IMAGE_POSITION_PATIENT,
            VR::DS,
            &format!("-12\\-10\\{}", slice * 3),
        ),
        text(tags::IMAGE_ORIENTATION_PATIENT, VR::DS, "1\\0\\0\\0\\1\\0"),
        text(tags::PIXEL_SPACING, VR::DS, "0.5\\0.5"),
        text(tags::SLICE_THICKNESS, VR::DS, "3"),
        us(tags::SAMPLES_PER_PIXEL, 1),
        text(tags::PHOTOMETRIC_INTERPRETATION, VR::CS, "MONOCHROME2"),
        us(tags::ROWS, rows),
        us(tags::COLUMNS, columns),
        us(tags::BITS_ALLOCATED, 16),
        us(tags::BITS_STORED, 12),
        us(tags::HIGH_BIT, 11),
        us(tags::PIXEL_REPRESENTATION, 0),
        DataElement::new(
            tags::PIXEL_DATA,
            VR::OW,
            PrimitiveValue::U16(values.into_iter().collect()),
        ),
    ] {
        obj.put(element);
    }
    // The planted values that the lines above did not replace.
    markers.extend(
        top_level
            .into_iter()
            .filter(|(tag, value)| text_of(&obj, *tag).as_deref() == Some(value.as_str()))
            .map(|(_, value)| value),
    );
    markers.extend([
        STUDY_UID.to_owned(),
        SERIES_UID.to_owned(),
        sop.clone(),
        PATIENT_NAME.to_owned(),
        "Plantedname".to_owned(),
        PATIENT_ID.to_owned(),
        "MKAESOURCE".to_owned(),
        "MKAESENDING".to_owned(),
    ]);
    let file = obj
        .with_meta(
            FileMetaTableBuilder::new()
                .media_storage_sop_class_uid(MR_IMAGE_STORAGE)
                .media_storage_sop_instance_uid(sop)
                .transfer_syntax(EXPLICIT_VR_LE)
                .implementation_class_uid("1.2.826.0.1.3680043.2.1125.99")
                .source_application_entity_title("MKAESOURCE")
                .sending_application_entity_title("MKAESENDING"),
        )
        .expect("file meta");
    let mut bytes = Vec::new();
    file.write_all(&mut bytes).expect("written");
    (bytes, markers)
}

/// The planted study in a folder, and a zip archive of the same files beside it.
struct PlantedStudy {
    _dir: tempfile::TempDir,
    folder: PathBuf,
    zip: PathBuf,
    markers: BTreeSet<String>,
}

fn planted_study() -> PlantedStudy {
    let dir = tempfile::tempdir().expect("temporary folder");
    let folder = dir.path().join("study");
    std::fs::create_dir(&folder).expect("folder");
    let zip_path = dir.path().join("study.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&zip_path).expect("zip"));
    let mut markers = BTreeSet::new();
    for slice in 0..SLICES {
        let (bytes, planted) = planted_slice(slice, false);
        for marker in &planted {
            assert!(contains(&bytes, marker), "{marker} was not planted");
        }
        markers.extend(planted);
        let name = format!("IM{slice:04}.dcm");
        std::fs::write(folder.join(&name), &bytes).expect("written");
        zip.start_file(name, zip::write::SimpleFileOptions::default())
            .expect("zip entry");
        zip.write_all(&bytes).expect("zip write");
    }
    zip.finish().expect("zip finished");
    assert!(markers.len() > 250, "only {} markers", markers.len());
    PlantedStudy {
        _dir: dir,
        folder,
        zip: zip_path,
        markers,
    }
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    // The lossy text keeps every run of ASCII bytes whole, and std's search is fast.
    String::from_utf8_lossy(haystack).contains(needle)
}

fn survivors<'a>(haystack: &[u8], markers: &'a BTreeSet<String>) -> Vec<&'a str> {
    let text = String::from_utf8_lossy(haystack);
    markers
        .iter()
        .filter(|m| text.contains(m.as_str()))
        .map(String::as_str)
        .collect()
}

fn manifest() -> TruthManifest {
    TruthManifest::from_toml(
        &format!("[[case]]\nstudy_instance_uid = \"{STUDY_UID}\"\ntitle = \"Planted\"\n"),
        "truth.toml",
    )
    .expect("valid manifest")
}

async fn import(installation: &Installation, planted: &PlantedStudy) -> ImportSummary {
    installation
        .importer
        .import_paths(
            &[planted.folder.clone(), planted.zip.clone()],
            Some(&manifest()),
            &(),
        )
        .await
        .expect("import runs")
}

/// The stored DICOM instances of every study: UID, object key and the Part 10 bytes.
async fn stored_instances(installation: &Installation) -> Vec<(String, String, bytes::Bytes)> {
    let mut instances = Vec::new();
    for study in installation.store.study_uids().await.expect("studies") {
        for instance in installation
            .store
            .study_instances(&study)
            .await
            .expect("instances")
        {
            let bytes = installation
                .objects
                .get_range(
                    &instance.object_key,
                    instance.offset..instance.offset + instance.bytes,
                )
                .await
                .expect("stored instance");
            instances.push((instance.uid, instance.object_key, bytes));
        }
    }
    instances
}

fn text_of(obj: &InMemDicomObject, tag: Tag) -> Option<String> {
    obj.get(tag)
        .and_then(|e| e.to_str().ok())
        .map(|s| s.trim_end_matches(['\0', ' ']).to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_planted_identifier_survives_in_stored_bytes_or_served_responses() {
    let planted = planted_study();
    let installation = Installation::new(Backend::Sqlite).await;
    let summary = import(&installation, &planted).await;
    assert!(summary.refused.is_empty(), "{:?}", summary.refused);
    assert_eq!(
        (
            summary.imported.studies,
            summary.imported.images,
            summary.cases
        ),
        (1, SLICES, 1),
        "the folder and the zip hold the same images, stored once"
    );

    // Every byte under the data directory: database, journal, images.
    let files = installation.stored_files();
    assert!(files.iter().any(|f| f.ends_with("readroom.db")));
    for file in &files {
        let bytes = std::fs::read(file).expect("readable");
        let found = survivors(&bytes, &planted.markers);
        assert!(found.is_empty(), "{} holds {found:?}", file.display());
    }

    // Every response about the case and its images (an expert sees the whole bank; a trainee
    // sees the same responses for the cases assigned to them).
    let router = installation.router();
    let cookie = installation.signed_in(Role::Expert).await.cookie;
    let cases = get(&router, "/api/cases", Some(&cookie), &[]).await;
    let case_id = cases.json()[0]["id"]
        .as_str()
        .expect("a case id")
        .to_owned();
    let detail = get(
        &router,
        &format!("/api/cases/{case_id}"),
        Some(&cookie),
        &[],
    )
    .await;
    let series = detail.json()["series_detail"][0]["uid"]
        .as_str()
        .expect("a series uid")
        .to_owned();
    let mut replies = vec![("/api/cases".to_owned(), cases), (case_id.clone(), detail)];
    for uri in [
        format!("/api/series/{series}"),
        format!("/api/series/{series}/voxels"),
        format!("/api/series/{series}/frames/0"),
        format!("/api/series/{series}/thumbnail.png"),
    ] {
        for encoding in ["identity", "zstd"] {
            let reply = get(
                &router,
                &uri,
                Some(&cookie),
                &[("accept-encoding", encoding)],
            )
            .await;
            replies.push((format!("{uri} ({encoding})"), reply));
        }
    }
    for (uri, reply) in &replies {
        assert_eq!(reply.status, 200, "{uri}: {}", reply.text());
        assert!(!reply.body.is_empty(), "{uri}: empty");
        let found = survivors(&reply.body, &planted.markers);
        assert!(found.is_empty(), "{uri} serves {found:?}");
    }

    // The stored instances: one new study and series, marked as de-identified.
    let instances = stored_instances(&installation).await;
    assert_eq!(instances.len(), SLICES);
    let mut studies = BTreeSet::new();
    let mut series_uids = BTreeSet::new();
    let mut frames_of_reference = BTreeSet::new();
    for (key, _, bytes) in &instances {
        let obj = OpenFileOptions::new()
            .from_reader(&bytes[128..])
            .expect("stored DICOM parses");
        studies.insert(text_of(&obj, tags::STUDY_INSTANCE_UID).expect("study UID"));
        series_uids.insert(text_of(&obj, tags::SERIES_INSTANCE_UID).expect("series UID"));
        frames_of_reference.insert(text_of(&obj, tags::FRAME_OF_REFERENCE_UID).expect("FoR UID"));
        assert_eq!(
            text_of(&obj, tags::PATIENT_IDENTITY_REMOVED).as_deref(),
            Some("YES"),
            "{key}"
        );
        let codes: Vec<String> = obj
            .get(tags::DEIDENTIFICATION_METHOD_CODE_SEQUENCE)
            .and_then(|e| e.items())
            .expect("de-identification method codes")
            .iter()
            .filter_map(|item| text_of(item, tags::CODE_VALUE))
            .collect();
        assert!(codes.iter().any(|c| c == "113100"), "{key}: {codes:?}");
    }
    assert_eq!(studies.len(), 1, "{studies:?}");
    assert_eq!(series_uids.len(), 1, "{series_uids:?}");
    assert_eq!(
        studies.iter().cloned().collect::<Vec<_>>(),
        installation.store.study_uids().await.expect("studies")
    );
    assert!(series_uids.contains(&series));
    // The viewer links series by the Frame of Reference UID as the stored files carry it.
    assert_eq!(frames_of_reference.len(), 1, "{frames_of_reference:?}");
    let served = replies
        .iter()
        .find(|(uri, _)| *uri == format!("/api/series/{series} (identity)"))
        .map(|(_, reply)| reply.json()["frame_of_reference_uid"].clone())
        .expect("the series was served");
    assert_eq!(
        served.as_str(),
        frames_of_reference.first().map(String::as_str),
        "the series' Frame of Reference is not its files'"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_installation_gives_the_same_files_other_uids() {
    let planted = planted_study();
    let mut uids = Vec::new();
    for _ in 0..2 {
        let installation = Installation::new(Backend::Sqlite).await;
        let summary = import(&installation, &planted).await;
        assert!(summary.refused.is_empty(), "{:?}", summary.refused);
        let study = installation.store.study_uids().await.expect("studies");
        let keys: BTreeSet<String> = stored_instances(&installation)
            .await
            .into_iter()
            .flat_map(|(uid, key, _)| [uid, key])
            .collect();
        assert_eq!(study.len(), 1);
        assert!(keys.len() > SLICES, "{keys:?}");
        uids.push((study, keys));
    }
    assert_ne!(uids[0].0, uids[1].0, "the same study UID in both");
    assert!(
        uids[0].1.is_disjoint(&uids[1].1),
        "the same series or instance UIDs in both: {uids:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_study_with_burned_in_annotation_is_refused_and_nothing_of_it_is_stored() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let mut origins = Vec::new();
    for slice in 0..SLICES {
        let (bytes, _) = planted_slice(slice, slice == 1);
        let path = dir.path().join(format!("IM{slice:04}.dcm"));
        std::fs::write(&path, bytes).expect("written");
        origins.push(path.display().to_string());
    }
    let installation = Installation::new(Backend::Sqlite).await;
    let summary = installation
        .importer
        .import_paths(&[dir.path().to_owned()], Some(&manifest()), &())
        .await
        .expect("import runs");
    let culprit = summary
        .refused
        .iter()
        .find(|r| r.path == origins[1])
        .unwrap_or_else(|| panic!("the burned-in image is not refused: {summary:?}"));
    assert!(
        culprit
            .reason
            .to_lowercase()
            .contains("burned-in annotation"),
        "{}",
        culprit.reason
    );
    assert_eq!(summary.imported.studies, 0, "{summary:?}");
    let refused: BTreeSet<&str> = summary.refused.iter().map(|r| r.path.as_str()).collect();
    for origin in &origins {
        assert!(refused.contains(origin.as_str()), "{origin} not refused");
    }
    assert!(
        installation
            .store
            .study_uids()
            .await
            .expect("studies")
            .is_empty()
    );
    assert_eq!(
        nothing_under(&installation.data_dir.path().join("images")),
        0
    );
}

/// The number of files under `folder` (none when it does not exist).
fn nothing_under(folder: &Path) -> usize {
    if folder.exists() {
        files_under(folder).len()
    } else {
        0
    }
}
