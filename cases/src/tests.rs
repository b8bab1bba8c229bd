//! Tests of whole generated cases: the files parse back as the DICOM they claim to be, the
//! lesions look like lesions, and the bank has the promised mix.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use dicom_dictionary_std::{tags, uids};
use dicom_object::{DefaultDicomObject, FileDicomObject, InMemDicomObject};
use readroom_domain::{Level, Sector, Side, TruthManifest, Zone};

use super::*;
use crate::anatomy::Region;

/// The case of the default bank with the most lesions, in both zones (rendering a case is the
/// slow part of these tests, so they share it).
fn rich_index() -> usize {
    (0..DEFAULT_CASE_COUNT)
        .max_by_key(|&i| {
            let m = case_manifest(DEFAULT_SEED, i);
            let zones: BTreeSet<_> = m.lesions.iter().map(|l| format!("{:?}", l.zone)).collect();
            (zones.len(), m.lesions.len(), std::cmp::Reverse(i))
        })
        .unwrap_or(0)
}

fn rich_case() -> &'static DemoCase {
    static CASE: OnceLock<DemoCase> = OnceLock::new();
    CASE.get_or_init(|| generate_case(DEFAULT_SEED, rich_index()))
}

fn parse(file: &DemoFile) -> DefaultDicomObject {
    FileDicomObject::<InMemDicomObject>::from_reader(&file.bytes[..])
        .unwrap_or_else(|err| panic!("{} does not parse: {err}", file.name))
}

fn text(obj: &DefaultDicomObject, tag: dicom_core::Tag) -> String {
    obj.element(tag)
        .unwrap_or_else(|_| panic!("missing {tag}"))
        .to_str()
        .unwrap()
        .trim()
        .to_owned()
}

fn int(obj: &DefaultDicomObject, tag: dicom_core::Tag) -> i64 {
    obj.element(tag).unwrap().to_int::<i64>().unwrap()
}

fn floats(obj: &DefaultDicomObject, tag: dicom_core::Tag) -> Vec<f64> {
    obj.element(tag).unwrap().to_multi_float64().unwrap()
}

#[test]
fn the_same_seed_and_index_give_identical_bytes() {
    let again = generate_case(DEFAULT_SEED, rich_index());
    assert_eq!(&again, rich_case());
}

#[test]
fn different_indices_give_different_studies_and_the_manifest_path_agrees() {
    let uids: BTreeSet<String> = (0..DEFAULT_CASE_COUNT)
        .map(|i| case_manifest(DEFAULT_SEED, i).study_instance_uid)
        .collect();
    assert_eq!(uids.len(), DEFAULT_CASE_COUNT);
    assert_ne!(
        case_manifest(1, 0).study_instance_uid,
        case_manifest(2, 0).study_instance_uid
    );
    assert_eq!(
        case_manifest(DEFAULT_SEED, rich_index()),
        rich_case().manifest
    );
}

#[test]
fn every_file_parses_back_as_the_mr_image_it_declares() {
    let case = rich_case();
    let mut frames = BTreeSet::new();
    let mut series_uids = BTreeMap::new();
    let mut sop_uids = BTreeSet::new();
    let mut dce_phases: BTreeMap<String, BTreeSet<i64>> = BTreeMap::new();
    let mut dce_times: BTreeMap<i64, f64> = BTreeMap::new();
    let mut slice_z: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &case.files {
        let obj = parse(file);
        assert_eq!(
            obj.meta().transfer_syntax(),
            uids::EXPLICIT_VR_LITTLE_ENDIAN
        );
        assert_eq!(text(&obj, tags::SOP_CLASS_UID), uids::MR_IMAGE_STORAGE);
        assert_eq!(
            obj.meta().media_storage_sop_instance_uid(),
            text(&obj, tags::SOP_INSTANCE_UID)
        );
        assert_eq!(text(&obj, tags::MODALITY), "MR");
        assert_eq!(
            text(&obj, tags::STUDY_DESCRIPTION),
            dicom::STUDY_DESCRIPTION
        );
        assert_eq!(text(&obj, tags::IMAGE_COMMENTS), dicom::IMAGE_COMMENTS);
        assert!(text(&obj, tags::PATIENT_NAME).starts_with("SYNTHETIC^PHANTOM-"));
        assert_eq!(text(&obj, tags::BURNED_IN_ANNOTATION), "NO");
        assert_eq!(
            text(&obj, tags::STUDY_INSTANCE_UID),
            case.manifest.study_instance_uid
        );
        assert_eq!(
            floats(&obj, tags::IMAGE_ORIENTATION_PATIENT),
            [1., 0., 0., 0., 1., 0.]
        );
        assert!(
            sop_uids.insert(text(&obj, tags::SOP_INSTANCE_UID)),
            "duplicate SOP UID"
        );

        let rows = int(&obj, tags::ROWS) as usize;
        let columns = int(&obj, tags::COLUMNS) as usize;
        let pixel_bytes = obj.element(tags::PIXEL_DATA).unwrap().to_bytes().unwrap();
        assert_eq!(pixel_bytes.len(), rows * columns * 2, "{}", file.name);
        assert_eq!(int(&obj, tags::BITS_ALLOCATED), 16);
        assert_eq!(int(&obj, tags::BITS_STORED), 12);
        let spacing = floats(&obj, tags::PIXEL_SPACING)[0];
        // Every series covers the same field of view.
        assert!(
            (rows as f64 * spacing - 179.2).abs() < 1e-6,
            "{}",
            file.name
        );

        let description = text(&obj, tags::SERIES_DESCRIPTION);
        frames.insert(text(&obj, tags::FRAME_OF_REFERENCE_UID));
        series_uids
            .entry(description.clone())
            .or_insert_with(BTreeSet::new)
            .insert(text(&obj, tags::SERIES_INSTANCE_UID));
        let z = format!("{:.2}", floats(&obj, tags::IMAGE_POSITION_PATIENT)[2]);
        slice_z
            .entry(description.clone())
            .or_default()
            .insert(z.clone());
        match description.as_str() {
            "T2W TSE ax" => assert_eq!((rows, columns), (256, 256)),
            "DWI b1400" => {
                assert_eq!(rows, 128);
                assert_eq!(floats(&obj, tags::DIFFUSION_B_VALUE), [1400.0]);
            }
            "ADC" => assert_eq!(rows, 128),
            "DCE" => {
                assert_eq!(rows, 128);
                let phase = int(&obj, tags::TEMPORAL_POSITION_IDENTIFIER);
                assert_eq!(int(&obj, tags::NUMBER_OF_TEMPORAL_POSITIONS), 8);
                dce_phases.entry(z).or_default().insert(phase);
                let trigger = floats(&obj, tags::TRIGGER_TIME)[0];
                let previous = dce_times.insert(phase, trigger);
                assert!(previous.is_none_or(|t| t == trigger));
            }
            other => panic!("unexpected series {other}"),
        }
    }
    assert_eq!(frames.len(), 1, "one frame of reference per case");
    assert_eq!(series_uids.len(), 4);
    assert!(series_uids.values().all(|uids| uids.len() == 1));
    let slices = &slice_z["T2W TSE ax"];
    assert!((20..=24).contains(&slices.len()));
    assert!(
        slice_z.values().all(|z| z == slices),
        "same slice positions in every series"
    );
    assert_eq!(dce_phases.len(), slices.len());
    assert!(
        dce_phases
            .values()
            .all(|phases| phases.len() >= 8 && phases.contains(&1))
    );
    let times: Vec<f64> = dce_times.values().copied().collect();
    assert!(
        times.windows(2).all(|w| w[1] > w[0]),
        "trigger times rise: {times:?}"
    );
}

#[test]
fn a_case_stays_under_ten_megabytes() {
    let bytes: usize = rich_case().files.iter().map(|f| f.bytes.len()).sum();
    assert!(bytes < 10_500_000, "{bytes} bytes");
}

/// One slice of one series, as read back from its file.
struct Slice {
    pixels: Vec<u16>,
    size: usize,
    origin: [f64; 2],
    spacing: f64,
}

impl Slice {
    /// `prefix` is the series folder and, for DCE, the phase: `T2W/`, `DCE/phase-03-`.
    fn read(case: &DemoCase, prefix: &str, slice: usize) -> Slice {
        let name = format!("/{prefix}slice-{:03}.dcm", slice + 1);
        let file = case.files.iter().find(|f| f.name.ends_with(&name)).unwrap();
        let obj = parse(file);
        let bytes = obj.element(tags::PIXEL_DATA).unwrap().to_bytes().unwrap();
        let ipp = floats(&obj, tags::IMAGE_POSITION_PATIENT);
        Slice {
            pixels: bytes
                .chunks_exact(2)
                .map(|b| u16::from_le_bytes([b[0], b[1]]))
                .collect(),
            size: int(&obj, tags::ROWS) as usize,
            origin: [ipp[0], ipp[1]],
            spacing: floats(&obj, tags::PIXEL_SPACING)[0],
        }
    }

    fn position(&self, row: usize, col: usize) -> (f64, f64) {
        (
            self.origin[0] + col as f64 * self.spacing,
            self.origin[1] + row as f64 * self.spacing,
        )
    }

    /// Mean of the 3×3 pixels around a point.
    fn at(&self, x: f64, y: f64) -> f64 {
        let col = ((x - self.origin[0]) / self.spacing).round() as usize;
        let row = ((y - self.origin[1]) / self.spacing).round() as usize;
        let mut sum = 0.0;
        for r in row - 1..=row + 1 {
            for c in col - 1..=col + 1 {
                sum += f64::from(self.pixels[r * self.size + c]);
            }
        }
        sum / 9.0
    }

    /// Sum and count of the pixels where `keep` holds.
    fn sum_where(&self, keep: impl Fn(f64, f64) -> bool) -> (f64, usize) {
        let (mut sum, mut n) = (0.0, 0usize);
        for row in 0..self.size {
            for col in 0..self.size {
                let (x, y) = self.position(row, col);
                if keep(x, y) {
                    sum += f64::from(self.pixels[row * self.size + col]);
                    n += 1;
                }
            }
        }
        (sum, n)
    }
}

#[test]
fn lesions_are_dark_on_t2_and_adc_and_bright_on_dwi_against_their_zone() {
    assert!(rich_case().manifest.lesions.len() >= 2);
    check_lesion_contrast(rich_case(), &plan::plan_case(DEFAULT_SEED, rich_index()));
}

/// At each lesion's centre, T2 and ADC are lower and DWI higher than in normal tissue of the
/// same zone nearby.
fn check_lesion_contrast(case: &DemoCase, plan: &plan::CasePlan) {
    let anatomy = &plan.anatomy;
    for (lesion, model) in case.manifest.lesions.iter().zip(&anatomy.lesions) {
        let [x, y, z] = lesion.centre_lps_mm.unwrap();
        let slice = ((z - plan.geometry.z0) / plan::SLICE_MM).round() as usize;
        let region = match lesion.zone {
            Zone::TZ => Region::TZ,
            _ => Region::PZ,
        };
        // Normal tissue of the same zone on nearby slices, away from every lesion and from
        // the zone's edges.
        let normal = |px: f64, py: f64, pz: f64| {
            let p = [px, py, pz];
            let same = |dx: f64, dy: f64| {
                anatomy.prostate.region_at([px + dx, py + dy, pz]) == Some(region)
            };
            same(0.0, 0.0)
                && same(2.0, 0.0)
                && same(-2.0, 0.0)
                && same(0.0, 2.0)
                && same(0.0, -2.0)
                && anatomy.lesions.iter().all(|other| other.depth(p) < -3.0)
        };
        let nearby: Vec<usize> = (slice.saturating_sub(3)..=slice + 3)
            .filter(|&s| s < plan.geometry.slices)
            .collect();
        let mut looks = Vec::new();
        for folder in ["T2W/", "ADC/", "DWI/"] {
            let centre = Slice::read(case, folder, slice).at(x, y);
            let (mut sum, mut n) = (0.0, 0);
            for &s in &nearby {
                let z = plan.geometry.slice_z(s);
                let (add, count) = Slice::read(case, folder, s).sum_where(|x, y| normal(x, y, z));
                sum += add;
                n += count;
            }
            assert!(n >= 30, "too few normal {folder} pixels around lesion: {n}");
            looks.push((folder, centre, sum / n as f64));
        }
        let report = format!(
            "ISUP {} {:?} at {:?}: {looks:?}",
            lesion.isup_grade_group, lesion.zone, model.centre
        );
        let [
            (_, t2, t2_normal),
            (_, adc, adc_normal),
            (_, dwi, dwi_normal),
        ] = looks[..]
        else {
            unreachable!()
        };
        assert!(t2 < 0.92 * t2_normal, "T2 not darker: {report}");
        assert!(adc < adc_normal - 100.0, "ADC not lower: {report}");
        assert!(dwi > 1.2 * dwi_normal, "DWI not brighter: {report}");
        if lesion.isup_grade_group >= 2 {
            assert!(
                (600.0..=950.0).contains(&adc),
                "significant tumour ADC: {report}"
            );
        }
    }
}

#[test]
fn a_significant_lesion_enhances_early_and_washes_out() {
    let case = rich_case();
    let plan = plan::plan_case(DEFAULT_SEED, rich_index());
    let lesion = &case.manifest.lesions[0];
    assert!(lesion.isup_grade_group >= 2);
    let [x, y, z] = lesion.centre_lps_mm.unwrap();
    let slice = ((z - plan.geometry.z0) / plan::SLICE_MM).round() as usize;
    let curve: Vec<f64> = (0..render::DCE_PHASES)
        .map(|phase| Slice::read(case, &format!("DCE/phase-{:02}-", phase + 1), slice).at(x, y))
        .collect();
    let peak = curve.iter().cloned().fold(0.0, f64::max);
    let peak_phase = curve.iter().position(|&v| v == peak).unwrap();
    assert!(peak_phase <= 3, "peak by phase 2–4: {curve:?}");
    assert!(curve[2] > 1.6 * curve[0], "wash-in: {curve:?}");
    assert!(curve[7] < 0.9 * peak, "washout: {curve:?}");
}

#[test]
fn the_default_bank_has_the_promised_mix() {
    let manifests: Vec<_> = (0..DEFAULT_CASE_COUNT)
        .map(|i| case_manifest(DEFAULT_SEED, i))
        .collect();
    let positive = manifests.iter().filter(|m| m.is_positive()).count();
    let negative = manifests.len() - positive;
    assert!(negative * 10 >= manifests.len() * 3, "{negative} negative");
    assert!(positive * 10 >= manifests.len() * 4, "{positive} positive");
    let lesions: Vec<_> = manifests.iter().flat_map(|m| &m.lesions).collect();
    for zone in [Zone::PZ, Zone::TZ] {
        assert!(
            lesions
                .iter()
                .any(|l| l.zone == zone && l.isup_grade_group >= 2)
        );
    }
    assert!(lesions.iter().any(|l| l.isup_grade_group == 1));
    assert!(manifests.iter().any(|m| m.lesions.len() >= 2));
    let sectors: Vec<Sector> = lesions.iter().flat_map(|l| l.sectors.clone()).collect();
    for level in [Level::Base, Level::Mid, Level::Apex] {
        assert!(
            sectors
                .iter()
                .any(|s| matches!(s, Sector::Gland(l, ..) if *l == level))
        );
    }
    for side in [Side::Left, Side::Right] {
        assert!(
            sectors
                .iter()
                .any(|s| matches!(s, Sector::Gland(_, d, _) if *d == side))
        );
    }
    for m in &manifests {
        assert!(
            m.synthetic && m.title.starts_with("Synthetic"),
            "{}",
            m.title
        );
        assert_eq!(m.significant_from_isup, 2);
        assert!((50..=78).contains(&m.clinical.age.unwrap()));
        assert!(
            m.teaching_notes
                .as_deref()
                .unwrap()
                .starts_with("SYNTHETIC")
        );
        assert_eq!(
            m.lesions.iter().filter(|l| l.index).count(),
            m.lesions.len().min(1)
        );
    }
    // The domain's validation accepts the bank as a truth manifest.
    let bank = TruthManifest { cases: manifests };
    let read = TruthManifest::from_toml(&bank.to_toml(), "bank.toml").unwrap();
    assert_eq!(read, bank);
}
