//! No planted identifier survives anonymisation, and replacements are consistent.

mod common;

use common::*;
use dicom_core::dictionary::{DataDictionary, VirtualVr};
use dicom_core::value::PrimitiveValue;
use dicom_core::{DataElement, Tag, VR};
use dicom_dictionary_std::{StandardDataDictionary, tags};
use dicom_object::meta::FileMetaTableBuilder;
use dicom_object::{DefaultDicomObject, InMemDicomObject, OpenFileOptions};
use readroom_dicom::{Action, Anonymiser, BASIC_PROFILE, Limits, read_instance};

const SECRET: [u8; 32] = [42; 32];

/// Kept on purpose: the Retain Patient Characteristics option.
const RETAINED: [Tag; 4] = [
    tags::PATIENT_AGE,
    tags::PATIENT_SEX,
    tags::PATIENT_SIZE,
    tags::PATIENT_WEIGHT,
];

fn parse(bytes: &[u8]) -> DefaultDicomObject {
    OpenFileOptions::new()
        .from_reader(&bytes[128..])
        .expect("anonymised output parses")
}

fn text_of(obj: &InMemDicomObject, tag: Tag) -> Option<String> {
    obj.get(tag)
        .and_then(|e| e.to_str().ok())
        .map(|s| s.trim_end_matches(['\0', ' ']).to_string())
}

/// Dates 4000 days apart: a shift of at most 3650 days cannot turn one marker into another.
fn date_marker(i: usize) -> String {
    let base = 1650 * 365;
    let days = base + i * 4000;
    let (y, rest) = (days / 365, days % 365);
    format!("{y:04}{:02}{:02}", rest / 31 % 12 + 1, rest % 28 + 1)
}

/// A marker that is valid for the VR and unique to entry `i`; `None` for VRs that carry no text.
fn marker(vr: VR, i: usize) -> Option<String> {
    Some(match vr {
        VR::UI => format!("1.2.826.0.1.999.{i:04}"),
        VR::DA => date_marker(i),
        VR::DT => format!("{}120000", date_marker(i)),
        VR::IS | VR::DS => format!("98765{i:04}"),
        VR::AE | VR::CS | VR::LO | VR::LT | VR::PN | VR::SH | VR::ST | VR::UC | VR::UT | VR::UR => {
            format!("MK{i:04}")
        }
        _ => return None,
    })
}

/// Plants markers in every text, date and UID attribute of the profile (except times, which the
/// temporal option keeps, and the retained patient characteristics), in a nested item, in private
/// attributes and in the file meta. Returns the object and the markers.
fn planted_instance() -> (Vec<u8>, Vec<(String, String)>) {
    let mut obj = mr_object(&Image::signed16(4, 4, 1));
    let mut markers = Vec::new();
    let nested_item = |i: usize, markers: &mut Vec<(String, String)>| {
        let name = format!("MKN{i:03}");
        let uid = format!("1.2.826.0.1.998.{i:04}");
        markers.push((format!("nested name {i}"), name.clone()));
        markers.push((format!("nested UID {i}"), uid.clone()));
        InMemDicomObject::from_element_iter([
            text(tags::PATIENT_NAME, VR::PN, &name),
            text(tags::REFERENCED_SOP_INSTANCE_UID, VR::UI, &uid),
            text(tags::REFERENCED_SOP_CLASS_UID, VR::UI, MR_IMAGE_STORAGE),
            text(Tag(0x0029, 0x0010), VR::LO, "ACME NESTED"),
            text(Tag(0x0029, 0x1001), VR::LO, &format!("MKP{i:03}")),
        ])
    };
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
            continue;
        }
        if vr == VR::TM {
            continue;
        }
        if let Some(value) = marker(vr, i) {
            markers.push((entry.name.to_string(), value.clone()));
            obj.put(text(tag, vr, &value));
        }
    }
    // A sequence the profile does not list: kept, but cleaned inside.
    obj.put(sequence(
        tags::REFERENCED_SERIES_SEQUENCE,
        vec![nested_item(9001, &mut markers)],
    ));
    // Private attributes at the top level.
    obj.put(text(Tag(0x0009, 0x0010), VR::LO, "ACME PRIVATE"));
    obj.put(text(Tag(0x0009, 0x1001), VR::LO, "MKPRIV1"));
    obj.put(DataElement::new(
        Tag(0x0009, 0x1002),
        VR::UN,
        PrimitiveValue::from(b"MKPRIV2!".to_vec()),
    ));
    markers.push(("private LO".into(), "MKPRIV1".into()));
    markers.push(("private UN".into(), "MKPRIV2".into()));
    markers.push(("private creator".into(), "ACME".into()));

    let sop_uid = text_of(&obj, tags::SOP_INSTANCE_UID).expect("planted SOP UID");
    let file = obj
        .with_meta(
            FileMetaTableBuilder::new()
                .media_storage_sop_class_uid(MR_IMAGE_STORAGE)
                .media_storage_sop_instance_uid(sop_uid)
                .transfer_syntax(EXPLICIT_VR_LE)
                .implementation_class_uid("1.2.826.0.1.3680043.2.1125.99")
                .source_application_entity_title("MKAESOURCE")
                .sending_application_entity_title("MKAESENDING"),
        )
        .expect("meta");
    markers.push(("source AE title".into(), "MKAESOURCE".into()));
    markers.push(("sending AE title".into(), "MKAESENDING".into()));
    let mut bytes = Vec::new();
    file.write_all(&mut bytes).expect("write");
    (bytes, markers)
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[test]
fn no_planted_identifier_survives_anonymisation() {
    let (source, markers) = planted_instance();
    assert!(
        markers.len() > 250,
        "only {} markers planted",
        markers.len()
    );
    for (name, marker) in &markers {
        assert!(
            contains(&source, marker),
            "{name}: marker {marker} was not planted"
        );
    }
    let mut instance = read_instance(&source, &Limits::default()).expect("read");
    instance
        .anonymise(&Anonymiser::new(SECRET))
        .expect("anonymise");
    let output = instance.to_file_bytes().expect("write");
    let survivors: Vec<_> = markers
        .iter()
        .filter(|(_, m)| contains(&output, m))
        .collect();
    assert!(survivors.is_empty(), "identifiers survived: {survivors:?}");

    let obj = parse(&output);
    assert_eq!(
        text_of(&obj, tags::PATIENT_IDENTITY_REMOVED).as_deref(),
        Some("YES")
    );
    let codes: Vec<String> = obj
        .get(tags::DEIDENTIFICATION_METHOD_CODE_SEQUENCE)
        .and_then(|e| e.items())
        .expect("method codes")
        .iter()
        .filter_map(|item| text_of(item, tags::CODE_VALUE))
        .collect();
    assert_eq!(codes, ["113100", "113107", "113108"]);
    assert!(text_of(&obj, tags::DEIDENTIFICATION_METHOD).is_some());
    assert_eq!(
        obj.meta()
            .media_storage_sop_instance_uid()
            .trim_end_matches('\0'),
        instance.sop_instance_uid()
    );
    assert!(
        obj.tags().all(|t| t.group() % 2 == 0),
        "a private attribute survived"
    );
    // The image itself is untouched and still decodes.
    let again = read_instance(&output, &Limits::default()).expect("read anonymised");
    assert_eq!(again.decode(&Limits::default()).expect("decode").len(), 1);
}

fn anonymised(
    obj: InMemDicomObject,
    secret: [u8; 32],
) -> (readroom_dicom::Instance, DefaultDicomObject) {
    let mut instance =
        read_instance(&file_bytes(obj, EXPLICIT_VR_LE), &Limits::default()).expect("read");
    instance
        .anonymise(&Anonymiser::new(secret))
        .expect("anonymise");
    let parsed = parse(&instance.to_file_bytes().expect("write"));
    (instance, parsed)
}

#[test]
fn the_same_source_uid_maps_to_the_same_new_uid_across_instances() {
    let first = mr_object(&Image::signed16(2, 2, 1));
    let mut second = mr_object(&Image::signed16(2, 2, 1));
    second.put(text(
        tags::SOP_INSTANCE_UID,
        VR::UI,
        "1.2.826.0.1.3680043.2.1125.1.4",
    ));
    let (a, a_obj) = anonymised(first, SECRET);
    let (b, b_obj) = anonymised(second, SECRET);
    assert_eq!(a.study_instance_uid(), b.study_instance_uid());
    assert_eq!(a.series_instance_uid(), b.series_instance_uid());
    assert_ne!(a.sop_instance_uid(), b.sop_instance_uid());
    assert_ne!(a.study_instance_uid(), STUDY_UID);
    assert_eq!(
        text_of(&a_obj, tags::STUDY_INSTANCE_UID).as_deref(),
        Some(a.study_instance_uid())
    );
    assert_eq!(
        text_of(&a_obj, tags::PATIENT_ID),
        text_of(&b_obj, tags::PATIENT_ID),
        "same patient, same pseudonym"
    );
    assert_eq!(
        a.study_instance_uid(),
        Anonymiser::new(SECRET).replace_uid(STUDY_UID)
    );
    // The SOP class is a class UID, not an identifier.
    assert_eq!(
        text_of(&a_obj, tags::SOP_CLASS_UID).as_deref(),
        Some(MR_IMAGE_STORAGE)
    );
}

#[test]
fn different_secrets_give_different_uids_and_valid_uid_syntax() {
    let one = Anonymiser::new(SECRET);
    let other = Anonymiser::new([7; 32]);
    for uid in [STUDY_UID, SERIES_UID, "1.2.3", "1.2.3\0"] {
        let new = one.replace_uid(uid);
        assert_ne!(new, other.replace_uid(uid));
        assert_eq!(new, one.replace_uid(uid));
        assert!(new.starts_with("2.25.") && new.len() <= 64, "{new}");
        let number = &new[5..];
        assert!(
            number.bytes().all(|b| b.is_ascii_digit())
                && (number == "0" || !number.starts_with('0')),
            "{new}"
        );
    }
    assert_eq!(
        one.replace_uid("1.2.3"),
        one.replace_uid("1.2.3\0"),
        "padding is not part of the UID"
    );
}

#[test]
fn dates_are_shifted_by_the_study_offset_and_times_kept() {
    let offset = Anonymiser::new(SECRET).date_offset_days(STUDY_UID);
    assert!((-3650..=-365).contains(&offset));
    assert_ne!(offset, Anonymiser::new([7; 32]).date_offset_days(STUDY_UID));
    let mut obj = mr_object(&Image::signed16(2, 2, 1));
    obj.put(text(tags::SERIES_DATE, VR::DA, "20200116"));
    obj.put(text(
        tags::ACQUISITION_DATE_TIME,
        VR::DT,
        "20200117083000.25",
    ));
    obj.put(text(tags::PATIENT_BIRTH_DATE, VR::DA, "19500601"));
    obj.put(text(tags::SERIES_TIME, VR::TM, "101600"));
    let (_, out) = anonymised(obj, SECRET);
    let shifted = |date: &str| -> String {
        // Independent of the crate's own arithmetic: count days with a naive calendar walk.
        let (mut y, mut m, mut d) = (
            date[..4].parse::<i32>().expect("year"),
            date[4..6].parse::<u32>().expect("month"),
            date[6..8].parse::<u32>().expect("day"),
        );
        for _ in 0..(-offset) {
            if d > 1 {
                d -= 1;
            } else {
                m = if m == 1 {
                    y -= 1;
                    12
                } else {
                    m - 1
                };
                let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
                d = [
                    31,
                    if leap { 29 } else { 28 },
                    31,
                    30,
                    31,
                    30,
                    31,
                    31,
                    30,
                    31,
                    30,
                    31,
                ][m as usize - 1];
            }
        }
        format!("{y:04}{m:02}{d:02}")
    };
    assert_eq!(text_of(&out, tags::STUDY_DATE), Some(shifted("20200115")));
    assert_eq!(text_of(&out, tags::SERIES_DATE), Some(shifted("20200116")));
    assert_eq!(
        text_of(&out, tags::ACQUISITION_DATE_TIME),
        Some(format!("{}083000.25", shifted("20200117")))
    );
    assert_eq!(text_of(&out, tags::STUDY_TIME).as_deref(), Some("101500"));
    assert_eq!(text_of(&out, tags::SERIES_TIME).as_deref(), Some("101600"));
    assert_eq!(text_of(&out, tags::PATIENT_BIRTH_DATE).as_deref(), Some(""));
    // Age derived from the birth date before it went: 69 on 2020-01-15.
    assert_eq!(text_of(&out, tags::PATIENT_AGE).as_deref(), Some("069Y"));
    assert_eq!(
        text_of(&out, tags::LONGITUDINAL_TEMPORAL_INFORMATION_MODIFIED).as_deref(),
        Some("MODIFIED")
    );
}

#[test]
fn anonymising_twice_is_refused() {
    let mut instance = read_instance(
        &file_bytes(mr_object(&Image::signed16(2, 2, 1)), EXPLICIT_VR_LE),
        &Limits::default(),
    )
    .expect("read");
    let anonymiser = Anonymiser::new(SECRET);
    instance.anonymise(&anonymiser).expect("first");
    assert!(instance.anonymise(&anonymiser).is_err());
}
