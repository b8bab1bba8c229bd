//! De-identification by the PS3.15 Annex E Basic Application Level Confidentiality Profile
//! ([`crate::profile`]), with two options recorded in the output:
//! - Retain Longitudinal Temporal Information with Modified Dates (113107): dates and date-times
//!   are shifted by a whole number of days per study instead of being emptied, so intervals
//!   between series and DCE phases survive; times of day are therefore unchanged. The few
//!   acquisition timing attributes that the Basic Profile removes (frame acquisition date-times,
//!   contrast start/stop times) are retained, modified.
//! - Retain Patient Characteristics (113108): age, sex, size and weight are kept; a missing
//!   Patient's Age is derived from the birth date and study date before the birth date goes.
//!
//! Private attributes are removed everywhere. UIDs are replaced by keyed hashes, so that the same
//! source UID always maps to the same new UID within one installation (one secret).

use dicom_core::header::Header;
use dicom_core::value::{PrimitiveValue, Value};
use dicom_core::{DataElement, Length, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::mem::InMemElement;
use dicom_object::{DefaultDicomObject, InMemDicomObject};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::profile::{Action, action_for};
use crate::{DicomError, string_of};

type HmacSha256 = Hmac<Sha256>;

/// Domain separation: a study's public new UID is HMAC(secret, uid), so its date offset must come
/// from a different message, or publishing the UID would publish the offset.
const DATE_OFFSET_DOMAIN: &[u8] = b"readroom/date-offset/v1\0";
const PATIENT_ID_DOMAIN: &[u8] = b"readroom/patient-id/v1\0";

/// Keyed, deterministic replacements for one installation. Holds a 32-byte secret.
#[derive(Clone)]
pub struct Anonymiser {
    /// HMAC-SHA256 keyed with the secret, ready for a message: keying costs two SHA-256
    /// blocks, and every UID of every file is replaced through it.
    keyed: HmacSha256,
}

impl std::fmt::Debug for Anonymiser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Anonymiser { secret: <redacted> }")
    }
}

impl Anonymiser {
    pub fn new(secret: [u8; 32]) -> Self {
        // HMAC zero-pads keys shorter than its block, so this equals keying with the secret.
        let mut key = [0u8; 64];
        key[..32].copy_from_slice(&secret);
        Anonymiser {
            keyed: HmacSha256::new(&key.into()),
        }
    }

    fn mac(&self, domain: &[u8], message: &[u8]) -> [u8; 32] {
        let mut mac = self.keyed.clone();
        mac.update(domain);
        mac.update(message);
        mac.finalize().into_bytes().into()
    }

    /// Same source UID → same new UID; different secrets → different UIDs.
    /// Form "2.25.<decimal of the first 128 bits of HMAC-SHA256(secret, uid)>": at most 44
    /// characters, a valid UID (PS3.5 B.2). Trailing NUL/space padding of the source is ignored.
    pub fn replace_uid(&self, source_uid: &str) -> String {
        let uid = trim_uid(source_uid);
        let digest = self.mac(b"", uid.as_bytes());
        let mut first = [0u8; 16];
        first.copy_from_slice(&digest[..16]);
        format!("2.25.{}", u128::from_be_bytes(first))
    }

    /// Per-study date shift in whole days, in -3650..=-365.
    pub fn date_offset_days(&self, source_study_uid: &str) -> i64 {
        let uid = trim_uid(source_study_uid);
        let digest = self.mac(DATE_OFFSET_DOMAIN, uid.as_bytes());
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        let spread = u64::from_be_bytes(first) % (3650 - 365 + 1);
        // `spread` < 3286, so the conversion is exact.
        -(365 + spread as i64)
    }

    /// A stable pseudonym for a source Patient ID: same patient, same pseudonym.
    pub fn patient_pseudonym(&self, source_patient_id: &str) -> String {
        let digest = self.mac(PATIENT_ID_DOMAIN, source_patient_id.trim().as_bytes());
        let hex: String = digest[..10].iter().map(|b| format!("{b:02X}")).collect();
        format!("ANON-{hex}")
    }
}

fn trim_uid(uid: &str) -> &str {
    uid.trim_matches(|c: char| c == '\0' || c.is_whitespace())
}

/// Attributes kept under the Retain Patient Characteristics Option.
const PATIENT_CHARACTERISTICS: [Tag; 4] = [
    tags::PATIENT_AGE,
    tags::PATIENT_SEX,
    tags::PATIENT_SIZE,
    tags::PATIENT_WEIGHT,
];

/// Timing of the acquisition that the Basic Profile removes but the temporal option retains
/// (modified): DCE analysis needs them.
const ACQUISITION_TIMING: [Tag; 6] = [
    tags::FRAME_ACQUISITION_DATE_TIME,
    tags::FRAME_REFERENCE_DATE_TIME,
    tags::START_ACQUISITION_DATE_TIME,
    tags::END_ACQUISITION_DATE_TIME,
    tags::CONTRAST_BOLUS_START_TIME,
    tags::CONTRAST_BOLUS_STOP_TIME,
];

/// UI attributes that hold class or syntax UIDs, not instance UIDs; they identify no one.
const CLASS_UID_TAGS: [Tag; 13] = [
    tags::SOP_CLASS_UID,
    tags::REFERENCED_SOP_CLASS_UID,
    tags::AFFECTED_SOP_CLASS_UID,
    tags::REQUESTED_SOP_CLASS_UID,
    tags::MEDIA_STORAGE_SOP_CLASS_UID,
    tags::TRANSFER_SYNTAX_UID,
    tags::IMPLEMENTATION_CLASS_UID,
    tags::REFERENCED_SOP_CLASS_UID_IN_FILE,
    tags::REFERENCED_TRANSFER_SYNTAX_UID_IN_FILE,
    tags::RELATED_GENERAL_SOP_CLASS_UID,
    tags::ORIGINAL_SPECIALIZED_SOP_CLASS_UID,
    tags::CODING_SCHEME_UID,
    tags::PRIVATE_INFORMATION_CREATOR_UID,
];

/// UIDs registered by the standard itself (classes, transfer syntaxes, well-known frames).
const STANDARD_UID_ROOT: &str = "1.2.840.10008.";

/// Deep enough for any real data set; deeper nesting is refused rather than recursed into.
const MAX_DEPTH: usize = 32;

struct Context<'a> {
    anonymiser: &'a Anonymiser,
    days: i64,
}

pub(crate) fn anonymise(
    obj: &mut DefaultDicomObject,
    anonymiser: &Anonymiser,
    source_study_uid: &str,
) -> Result<(), DicomError> {
    let ctx = Context {
        anonymiser,
        days: anonymiser.date_offset_days(source_study_uid),
    };

    // Read what the replacements are derived from before the source values go.
    let pseudonym = match string_of(obj, tags::PATIENT_ID) {
        Some(id) => anonymiser.patient_pseudonym(&id),
        // Without an ID, do not link patients: each study gets its own pseudonym.
        None => anonymiser.patient_pseudonym(&format!("study:{}", trim_uid(source_study_uid))),
    };
    let derived_age = if string_of(obj, tags::PATIENT_AGE).is_none() {
        derive_age(obj)
    } else {
        None
    };

    clean_dataset(obj, &ctx, 0)?;

    let text = |tag: Tag, vr: VR, value: &str| {
        DataElement::new(tag, vr, PrimitiveValue::from(value.to_string()))
    };
    if let Some(age) = derived_age {
        obj.put(text(tags::PATIENT_AGE, VR::AS, &age));
    }
    obj.put(text(tags::PATIENT_NAME, VR::PN, &pseudonym));
    obj.put(text(tags::PATIENT_ID, VR::LO, &pseudonym));
    obj.put(DataElement::empty(tags::PATIENT_BIRTH_DATE, VR::DA));
    obj.put(text(tags::PATIENT_IDENTITY_REMOVED, VR::CS, "YES"));
    obj.put(DataElement::new(
        tags::DEIDENTIFICATION_METHOD,
        VR::LO,
        PrimitiveValue::Strs(
            [
                "DICOM PS3.15 Annex E Basic Application Confidentiality Profile",
                "Retain Longitudinal Temporal Information Modified Dates Option",
                "Retain Patient Characteristics Option",
                "Readroom; private attributes removed; UIDs keyed-hash replaced",
            ]
            .into_iter()
            .map(String::from)
            .collect(),
        ),
    ));
    let code = |value: &str, meaning: &str| {
        InMemDicomObject::from_element_iter([
            text(tags::CODE_VALUE, VR::SH, value),
            text(tags::CODING_SCHEME_DESIGNATOR, VR::SH, "DCM"),
            text(tags::CODE_MEANING, VR::LO, meaning),
        ])
    };
    obj.put(DataElement::new(
        tags::DEIDENTIFICATION_METHOD_CODE_SEQUENCE,
        VR::SQ,
        Value::new_sequence(
            vec![
                code("113100", "Basic Application Confidentiality Profile"),
                code(
                    "113107",
                    "Retain Longitudinal Temporal Information Modified Dates Option",
                ),
                code("113108", "Retain Patient Characteristics Option"),
            ],
            Length::UNDEFINED,
        ),
    ));
    obj.put(text(
        tags::LONGITUDINAL_TEMPORAL_INFORMATION_MODIFIED,
        VR::CS,
        "MODIFIED",
    ));

    let new_media_uid = anonymiser.replace_uid(obj.meta().media_storage_sop_instance_uid());
    obj.update_meta(|meta| {
        meta.media_storage_sop_instance_uid = new_media_uid;
        meta.source_application_entity_title = None;
        meta.sending_application_entity_title = None;
        meta.receiving_application_entity_title = None;
        meta.private_information_creator_uid = None;
        meta.private_information = None;
    });
    Ok(())
}

fn clean_dataset(
    obj: &mut InMemDicomObject,
    ctx: &Context,
    depth: usize,
) -> Result<(), DicomError> {
    if depth > MAX_DEPTH {
        return Err(DicomError::Malformed {
            offset: 0,
            reason: "sequences nested too deeply to anonymise".to_string(),
        });
    }
    let tags: Vec<Tag> = obj.tags().collect();
    for tag in tags {
        let Some(element) = obj.take(tag) else {
            continue;
        };
        // Private attributes (odd groups, creators included) go, wherever they are.
        if tag.group() % 2 == 1 {
            continue;
        }
        if let Some(cleaned) = clean_element(element, ctx, depth)? {
            obj.put(cleaned);
        }
    }
    Ok(())
}

/// What becomes of one element: `None` removes it.
fn clean_element(
    element: InMemElement,
    ctx: &Context,
    depth: usize,
) -> Result<Option<InMemElement>, DicomError> {
    let tag = element.tag();
    let vr = element.vr();
    if PATIENT_CHARACTERISTICS.contains(&tag) {
        return Ok(Some(element));
    }
    let action = action_for(tag);
    let timing = ACQUISITION_TIMING.contains(&tag);
    if action == Some(Action::X) && !timing || action == Some(Action::C) {
        // Cleaning free text reliably is not possible here; the profile allows removal instead.
        return Ok(None);
    }
    if tag == tags::PATIENT_BIRTH_DATE {
        return Ok(Some(DataElement::empty(tag, vr)));
    }
    match vr {
        VR::DA | VR::DT => return Ok(Some(shift_dates(element, ctx.days))),
        // Shifting by whole days leaves times of day as they were.
        VR::TM if action.is_some() => return Ok(Some(element)),
        _ => {}
    }
    let element = match action {
        Some(Action::K) => match vr {
            VR::SQ => clean_sequence(element, ctx, depth)?,
            _ => element,
        },
        // Not listed: keep, but still look inside sequences and at instance UIDs.
        // XZU (Referenced Image Sequence): keep, replacing the UIDs it holds.
        None | Some(Action::XZU) => match vr {
            VR::SQ => clean_sequence(element, ctx, depth)?,
            VR::UI if is_class_uid(&element) => element,
            VR::UI => replace_uids(element, ctx),
            _ => element,
        },
        Some(Action::U) => match vr {
            VR::SQ => clean_sequence(element, ctx, depth)?,
            _ => replace_uids(element, ctx),
        },
        // A dummy sequence could still carry unlisted free text (a graphic annotation's text):
        // an empty one is the safe dummy.
        Some(Action::Z | Action::ZD | Action::XZ | Action::XZD) | Some(Action::D)
            if vr == VR::SQ =>
        {
            DataElement::new(tag, vr, Value::new_sequence(Vec::new(), Length::UNDEFINED))
        }
        Some(Action::Z | Action::ZD | Action::XZ | Action::XZD) => DataElement::empty(tag, vr),
        Some(Action::D) => match vr {
            VR::UI => replace_uids(element, ctx),
            _ => dummy(tag, vr),
        },
        // Acquisition timing was dealt with above (dates shifted, times kept).
        Some(Action::X | Action::XD | Action::C) => return Ok(None),
    };
    Ok(Some(element))
}

fn clean_sequence(
    element: InMemElement,
    ctx: &Context,
    depth: usize,
) -> Result<InMemElement, DicomError> {
    let tag = element.tag();
    let vr = element.vr();
    let Some(items) = element.into_value().into_items() else {
        return Ok(DataElement::empty(tag, vr));
    };
    let mut cleaned = Vec::with_capacity(items.len());
    for mut item in items {
        clean_dataset(&mut item, ctx, depth + 1)?;
        cleaned.push(item);
    }
    // Contents changed, so any recorded sequence length is stale: write it undefined.
    Ok(DataElement::new(
        tag,
        vr,
        Value::new_sequence(cleaned, Length::UNDEFINED),
    ))
}

fn uid_values(element: &InMemElement) -> Vec<String> {
    element
        .to_multi_str()
        .map(|values| {
            values
                .iter()
                .map(|v| trim_uid(v).to_string())
                .filter(|v| !v.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

fn is_class_uid(element: &InMemElement) -> bool {
    if CLASS_UID_TAGS.contains(&element.tag()) {
        return true;
    }
    let values = uid_values(element);
    !values.is_empty() && values.iter().all(|v| v.starts_with(STANDARD_UID_ROOT))
}

fn replace_uids(element: InMemElement, ctx: &Context) -> InMemElement {
    let tag = element.tag();
    let new: Vec<String> = uid_values(&element)
        .iter()
        .map(|uid| ctx.anonymiser.replace_uid(uid))
        .collect();
    if new.is_empty() {
        return DataElement::empty(tag, VR::UI);
    }
    DataElement::new(tag, VR::UI, PrimitiveValue::Strs(new.into_iter().collect()))
}

fn dummy(tag: Tag, vr: VR) -> InMemElement {
    let value = match vr {
        VR::AE | VR::CS | VR::LO | VR::LT | VR::PN | VR::SH | VR::ST | VR::UC | VR::UT => {
            "ANONYMISED"
        }
        VR::IS | VR::DS => "0",
        _ => return DataElement::empty(tag, vr),
    };
    DataElement::new(tag, vr, PrimitiveValue::from(value))
}

/// Shifts every DA or DT value by `days`; a value that is not a full date cannot be shifted
/// exactly and is dropped.
fn shift_dates(element: InMemElement, days: i64) -> InMemElement {
    let tag = element.tag();
    let vr = element.vr();
    let values: Vec<String> = element
        .to_multi_str()
        .map(|values| {
            values
                .iter()
                .filter_map(|v| shift_date_value(v, days))
                .collect()
        })
        .unwrap_or_default();
    if values.is_empty() {
        return DataElement::empty(tag, vr);
    }
    DataElement::new(tag, vr, PrimitiveValue::Strs(values.into_iter().collect()))
}

/// "YYYYMMDD…" (DA, or DT with anything after the date, kept as is), or ACR-NEMA "YYYY.MM.DD".
fn shift_date_value(value: &str, days: i64) -> Option<String> {
    let value = value.trim_matches(|c: char| c == '\0' || c.is_whitespace());
    let (date, rest) = if value.len() >= 10 && value.as_bytes().get(4) == Some(&b'.') {
        (value.get(..10)?.replace('.', ""), value.get(10..)?)
    } else {
        (value.get(..8)?.to_string(), value.get(8..)?)
    };
    let (y, m, d) = parse_ymd(&date)?;
    let (y, m, d) = civil_from_days(days_from_civil(y, m, d) + days);
    (0..=9999)
        .contains(&y)
        .then(|| format!("{y:04}{m:02}{d:02}{rest}"))
}

fn parse_ymd(date: &str) -> Option<(i64, u32, u32)> {
    if date.len() != 8 || !date.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let y: i64 = date.get(..4)?.parse().ok()?;
    let m: u32 = date.get(4..6)?.parse().ok()?;
    let d: u32 = date.get(6..8)?.parse().ok()?;
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let month_days = [
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
    ];
    let max = *month_days.get(m.checked_sub(1)? as usize)?;
    (1..=max).contains(&d).then_some((y, m, d))
}

/// Days since 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Whole years between Patient's Birth Date and the study (or series, acquisition, content) date,
/// as an AS value.
fn derive_age(obj: &InMemDicomObject) -> Option<String> {
    let birth = parse_ymd(&string_of(obj, tags::PATIENT_BIRTH_DATE)?)?;
    let on = [
        tags::STUDY_DATE,
        tags::SERIES_DATE,
        tags::ACQUISITION_DATE,
        tags::CONTENT_DATE,
    ]
    .into_iter()
    .find_map(|tag| parse_ymd(&string_of(obj, tag)?))?;
    let mut years = on.0 - birth.0;
    if (on.1, on.2) < (birth.1, birth.2) {
        years -= 1;
    }
    (0..=999).contains(&years).then(|| format!("{years:03}Y"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_arithmetic_round_trips_and_crosses_leap_days() {
        for (y, m, d) in [
            (1970, 1, 1),
            (2000, 2, 29),
            (1900, 3, 1),
            (2024, 12, 31),
            (1, 1, 1),
        ] {
            assert_eq!(civil_from_days(days_from_civil(y, m, d)), (y, m, d));
        }
        assert_eq!(
            shift_date_value("20000301", -1).as_deref(),
            Some("20000229")
        );
        assert_eq!(
            shift_date_value("2000.03.01", -1).as_deref(),
            Some("20000229")
        );
        assert_eq!(
            shift_date_value("20240101120000.5+0100", -365).as_deref(),
            Some("20230101120000.5+0100")
        );
    }

    #[test]
    fn partial_or_invalid_dates_are_dropped_not_kept() {
        for value in ["2024", "202401", "20241301", "20230229", "hello", ""] {
            assert_eq!(shift_date_value(value, -400), None, "{value}");
        }
    }

    #[test]
    fn date_offset_stays_in_range() {
        let a = Anonymiser::new([7; 32]);
        for i in 0..2000 {
            let days = a.date_offset_days(&format!("1.2.3.{i}"));
            assert!((-3650..=-365).contains(&days), "{days}");
        }
    }
}
