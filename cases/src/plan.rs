//! The plan of one case: its anatomy, lesions, patient and clinical context, drawn from the
//! seed. Cheap (no pixels), so a manifest can be had without rendering the images.

use dicom_core::chrono::{Days, Months, NaiveDate};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use readroom_domain::{CaseManifest, ClinicalContext, TruthLesion, Zone};

use crate::anatomy::{Anatomy, LesionModel, Nodule, Pelvis, Props, Prostate, Region, tissue};
use crate::ids::{UidKind, mix, uid};

/// Slice thickness and spacing of every series, mm.
pub(crate) const SLICE_MM: f64 = 3.0;

/// Where the slices are: all series share the slice positions and the field of view centre.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Geometry {
    /// Centre of the field of view in x and y, LPS mm.
    pub centre_xy: [f64; 2],
    /// z of the first (most inferior) slice.
    pub z0: f64,
    pub slices: usize,
}

impl Geometry {
    pub fn slice_z(&self, slice: usize) -> f64 {
        self.z0 + SLICE_MM * slice as f64
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Patient {
    pub name: String,
    pub id: String,
    pub age: u16,
    pub birth_date: String,
    pub study_date: String,
    /// Minutes after midnight at which the study starts.
    pub study_minute: u32,
}

/// Everything about one case except its pixels.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CasePlan {
    pub seed: u64,
    pub index: usize,
    /// The case's number as users see it: index + 1.
    pub number: usize,
    /// Seed of everything random in this case.
    pub case_seed: u64,
    pub anatomy: Anatomy,
    pub geometry: Geometry,
    pub patient: Patient,
    pub manifest: CaseManifest,
}

impl CasePlan {
    pub fn study_uid(&self) -> String {
        uid(UidKind::Study, &[self.seed, self.index as u64])
    }

    pub fn frame_of_reference_uid(&self) -> String {
        uid(UidKind::FrameOfReference, &[self.seed, self.index as u64])
    }
}

/// A lesion the plan asks for: its zone (`None`: either) and the range of its ISUP grade group.
#[derive(Debug, Clone, Copy)]
struct Want(Option<Zone>, u8, u8);

const PZ: Option<Zone> = Some(Zone::PZ);
const TZ: Option<Zone> = Some(Zone::TZ);

/// Each block of ten consecutive cases holds these ten kinds, in an order drawn from the seed:
/// four negative (two without lesions, two with only an ISUP 1 trap) and six positive, with
/// lesions in both zones, some cases with two or three lesions.
const KINDS: [&[Want]; 10] = [
    &[],
    &[],
    &[Want(PZ, 1, 1)],
    &[Want(TZ, 1, 1)],
    &[Want(PZ, 2, 3)],
    &[Want(PZ, 3, 5)],
    &[Want(TZ, 2, 4)],
    &[Want(PZ, 2, 4), Want(None, 1, 1)],
    &[Want(PZ, 2, 5), Want(None, 2, 3)],
    &[Want(TZ, 3, 5), Want(PZ, 2, 2), Want(PZ, 1, 1)],
];

fn kind_of(seed: u64, index: usize) -> &'static [Want] {
    let block = (index / KINDS.len()) as u64;
    let mut rng = ChaCha8Rng::seed_from_u64(mix(&[seed, block, 0xB10C]));
    let mut order: Vec<usize> = (0..KINDS.len()).collect();
    for i in (1..order.len()).rev() {
        order.swap(i, rng.random_range(0..=i));
    }
    KINDS[order[index % KINDS.len()]]
}

/// `x` rounded to `decimals` decimal places, as the nearest f64 to that decimal (so that it
/// prints as the short decimal in manifests).
fn round_to(x: f64, decimals: i32) -> f64 {
    let scale = 10_f64.powi(decimals);
    (x * scale).round() / scale
}

pub(crate) fn plan_case(seed: u64, index: usize) -> CasePlan {
    let case_seed = mix(&[seed, index as u64]);
    let mut rng = ChaCha8Rng::seed_from_u64(case_seed);
    let number = index + 1;

    let semi = [
        round_to(rng.random_range(20.0..30.0), 1),
        round_to(rng.random_range(15.0..22.0), 1),
        round_to(rng.random_range(16.0..24.0), 1),
    ];
    let centre = [
        round_to(rng.random_range(-4.0..4.0), 1),
        round_to(rng.random_range(-5.0..15.0), 1),
        round_to(rng.random_range(-10.0..10.0), 1),
    ];
    let mut prostate = Prostate {
        centre,
        semi,
        tz_size: 0.0,
        nodules: Vec::new(),
    };
    // Bigger glands are bigger because of BPH: a larger, more nodular TZ.
    let bulk = ((prostate.volume_ml() - 20.0) / 40.0).clamp(0.0, 1.0);
    prostate.tz_size = 0.55 + 0.2 * bulk + rng.random_range(-0.02..0.02);
    let nodule_count = 4 + (bulk * 5.0).round() as usize + rng.random_range(0..3);
    for _ in 0..nodule_count {
        let s = prostate.tz_size * 0.8;
        let centre = prostate.point(
            rng.random_range(-s..s),
            -0.2 + rng.random_range(-0.8 * s..0.8 * s),
            0.15 + rng.random_range(-s..s),
        );
        prostate.nodules.push(Nodule {
            centre,
            radius_mm: rng.random_range(3.5..8.0),
            t2_factor: if rng.random_bool(0.5) {
                rng.random_range(0.72..0.9)
            } else {
                rng.random_range(1.15..1.4)
            },
            adc_factor: rng.random_range(0.92..1.1),
            fast: rng.random_range(0.0..0.5),
        });
    }

    let pelvis = Pelvis {
        rectal_gel: rng.random_bool(0.3),
        rectum_shift: rng.random_range(-4.0..4.0),
        bladder_fill_mm: rng.random_range(24.0..34.0),
    };

    let mut lesions: Vec<(LesionModel, u8)> = Vec::new();
    let mut last_side = if rng.random_bool(0.5) { 1.0 } else { -1.0 };
    for want in kind_of(seed, index) {
        let zone = want.0.unwrap_or(if rng.random_bool(0.5) {
            Zone::PZ
        } else {
            Zone::TZ
        });
        let isup = rng.random_range(want.1..=want.2);
        let side = if lesions.is_empty() || rng.random_bool(0.3) {
            if rng.random_bool(0.5) { 1.0 } else { -1.0 }
        } else {
            -last_side
        };
        last_side = side;
        let lesion = place_lesion(&mut rng, &prostate, &lesions, zone, isup, side);
        lesions.push((lesion, isup));
    }

    // The index lesion first: the highest grade, then the largest.
    lesions.sort_by(|(a, ga), (b, gb)| {
        gb.cmp(ga)
            .then(b.semi[0].total_cmp(&a.semi[0]))
            .then(a.centre[0].total_cmp(&b.centre[0]))
    });
    let truth: Vec<TruthLesion> = lesions
        .iter()
        .enumerate()
        .map(|(i, (model, isup))| {
            let region = prostate.region_at(model.centre).unwrap_or(Region::PZ);
            TruthLesion {
                isup_grade_group: *isup,
                sectors: crate::anatomy::lesion_sectors(&prostate, model),
                centre_lps_mm: Some(model.centre),
                radius_mm: Some(round_to(
                    (model.semi[0] + model.semi[1] + model.semi[2]) / 3.0,
                    1,
                )),
                zone: region.zone(),
                index: i == 0,
            }
        })
        .collect();

    // Cover from just below the apex to the seminal vesicles above the base.
    let slices = ((2.0 * semi[2] + 20.0) / SLICE_MM)
        .round()
        .clamp(20.0, 21.0) as usize;
    let geometry = Geometry {
        centre_xy: [
            round_to(centre[0] + rng.random_range(-6.0..6.0), 1),
            round_to(centre[1] + rng.random_range(-6.0..6.0), 1),
        ],
        z0: round_to(centre[2] - semi[2] - 4.0 + rng.random_range(-1.5..1.5), 1),
        slices,
    };

    let volume = round_to(prostate.volume_ml(), 1);
    let highest = truth.iter().map(|l| l.isup_grade_group).max().unwrap_or(0);
    let density = match highest {
        0 => rng.random_range(0.05..0.14),
        1 => rng.random_range(0.08..0.18),
        g => 0.1 + 0.04 * f64::from(g) + rng.random_range(0.0..0.12),
    };
    let psa = round_to((density * volume).max(0.8), 1);
    let age: u16 = rng.random_range(50..=78);
    let (indication, prior_biopsy) = INDICATIONS[rng.random_range(0..INDICATIONS.len())];
    let clinical = ClinicalContext {
        age: Some(age),
        psa_ng_ml: Some(psa),
        psa_density: Some(round_to(psa / volume, 2)),
        prostate_volume_ml: Some(volume),
        indication: Some(indication.to_owned()),
        prior_biopsy: Some(prior_biopsy.to_owned()),
    };

    let study = NaiveDate::from_ymd_opt(2024, 1, 8)
        .unwrap_or_default()
        .checked_add_days(Days::new(index as u64 * 5 + rng.random_range(0..4)))
        .unwrap_or_default();
    let birth = study
        .checked_sub_months(Months::new(u32::from(age) * 12))
        .and_then(|d| d.checked_sub_days(Days::new(rng.random_range(1..360))))
        .unwrap_or_default();
    let patient = Patient {
        name: format!("SYNTHETIC^PHANTOM-{number:03}"),
        id: format!("SYNTH-{number:03}"),
        age,
        birth_date: birth.format("%Y%m%d").to_string(),
        study_date: study.format("%Y%m%d").to_string(),
        study_minute: 8 * 60 + rng.random_range(0..9 * 60),
    };

    let anatomy = Anatomy {
        prostate,
        pelvis,
        lesions: lesions.into_iter().map(|(model, _)| model).collect(),
    };
    let teaching_notes = teaching_notes(&anatomy, &truth);
    let mut plan = CasePlan {
        seed,
        index,
        number,
        case_seed,
        anatomy,
        geometry,
        patient,
        manifest: CaseManifest {
            study_instance_uid: String::new(),
            // The title is seen before the read, so it says nothing about the findings.
            title: format!("Synthetic case {number:02}: {age} y, PSA {psa:.1} ng/ml"),
            synthetic: true,
            significant_from_isup: 2,
            clinical,
            lesions: truth,
            teaching_notes: Some(teaching_notes),
        },
    };
    plan.manifest.study_instance_uid = plan.study_uid();
    plan
}

const INDICATIONS: [(&str, &str); 5] = [
    ("Raised PSA, no prior biopsy", "none"),
    (
        "Raised PSA after a negative systematic biopsy",
        "negative 12-core systematic TRUS biopsy two years ago",
    ),
    (
        "Rising PSA on active surveillance",
        "ISUP 1 in 2 of 12 systematic cores three years ago",
    ),
    ("Abnormal digital rectal examination", "none"),
    ("Raised PSA, family history of prostate cancer", "none"),
];

/// Places a lesion of the given zone and grade: its centre in that zone, at a level and on a
/// side drawn at random, not touching the lesions already placed.
fn place_lesion(
    rng: &mut ChaCha8Rng,
    prostate: &Prostate,
    placed: &[(LesionModel, u8)],
    zone: Zone,
    isup: u8,
    side: f64,
) -> LesionModel {
    let (lo, hi): (f64, f64) = match isup {
        1 => (3.5, 5.5),
        2 => (4.5, 7.0),
        3 => (6.0, 9.0),
        _ => (7.5, 11.0),
    };
    // Large lesions still fit the gland they are drawn in.
    let smallest_semi_axis = prostate.semi.iter().fold(f64::MAX, |a, &b| a.min(b));
    let radius: f64 = (rng.random_range(lo..hi) + if zone == Zone::TZ { 0.5 } else { 0.0 })
        .min(0.45 * smallest_semi_axis);
    let semi = [
        round_to(radius * rng.random_range(0.85..1.15), 1),
        round_to(radius * rng.random_range(0.85..1.15), 1),
        round_to(radius * rng.random_range(0.8..1.1), 1),
    ];
    let want_region = if zone == Zone::TZ {
        Region::TZ
    } else {
        Region::PZ
    };
    // The TZ is small at the apex: TZ lesions sit at the mid gland or base.
    let levels: &[(f64, f64)] = if zone == Zone::TZ {
        &[(-0.3, 0.3), (0.36, 0.75)]
    } else {
        &[(-0.8, -0.36), (-0.3, 0.3), (0.36, 0.8)]
    };
    let (nw_lo, nw_hi) = levels[rng.random_range(0..levels.len())];
    let fits = |p: [f64; 3]| {
        let l = prostate.local(p);
        prostate.region(&l) == Some(want_region)
            && prostate.gland_depth(&l) >= (0.5 * radius).min(4.0)
            && placed.iter().all(|(other, _)| {
                let d: f64 = (0..3)
                    .map(|i| (p[i] - other.centre[i]).powi(2))
                    .sum::<f64>()
                    .sqrt();
                d > radius + other.semi[0].max(other.semi[1]) + 3.0
            })
    };
    let mut centre = None;
    // Relax the level, then the side, when the wanted place is full.
    for attempt in 0..900 {
        let (w_lo, w_hi) = if attempt < 300 {
            (nw_lo, nw_hi)
        } else {
            (-0.8, 0.8)
        };
        let s = if attempt < 600 {
            side
        } else if rng.random_bool(0.5) {
            1.0
        } else {
            -1.0
        };
        let p = prostate.point(
            s * rng.random_range(0.08..0.9),
            rng.random_range(-0.95..0.95),
            rng.random_range(w_lo..w_hi),
        );
        let p = p.map(|c| round_to(c, 1));
        if fits(p) {
            centre = Some(p);
            break;
        }
    }
    let centre = centre.unwrap_or_else(|| {
        let p = if zone == Zone::TZ {
            prostate.point(side * 0.3, -0.3, 0.1)
        } else {
            prostate.point(side * 0.5, 0.55, 0.0)
        };
        p.map(|c| round_to(c, 1))
    });
    LesionModel {
        centre,
        semi,
        irregularity: if isup >= 3 {
            rng.random_range(0.08..0.18)
        } else {
            rng.random_range(0.02..0.08)
        },
        lobe_phase: rng.random_range(0.0..std::f64::consts::TAU),
        look: lesion_look(rng, zone, isup),
    }
}

/// How a lesion looks: lower T2 and ADC, so brighter at high b-value, and (when significant)
/// early enhancement with washout. ISUP 1 lesions are subtler on every series.
fn lesion_look(rng: &mut ChaCha8Rng, zone: Zone, isup: u8) -> Props {
    let significant = isup >= 2;
    let adc = match (isup, zone) {
        (1, Zone::TZ) => rng.random_range(1000.0..1080.0),
        (1, _) => rng.random_range(1150.0..1280.0),
        (2, _) => rng.random_range(820.0..920.0),
        (3, _) => rng.random_range(760.0..860.0),
        (4, _) => rng.random_range(700.0..800.0),
        _ => rng.random_range(640.0..740.0),
    };
    let t2 = match (zone, significant) {
        (Zone::TZ, true) => rng.random_range(520.0..620.0),
        (Zone::TZ, false) => rng.random_range(650.0..740.0),
        (_, true) => tissue::PZ.t2 * rng.random_range(0.38..0.5),
        (_, false) => tissue::PZ.t2 * rng.random_range(0.6..0.72),
    };
    let (slow, fast) = if significant {
        (
            0.3,
            1.1 + 0.15 * f32::from(isup) + rng.random_range(0.0..0.3),
        )
    } else {
        (0.7, rng.random_range(0.15..0.4))
    };
    Props {
        t2,
        pd: 1.0,
        adc,
        t1: 380.0,
        slow,
        fast,
        art: 0.0,
    }
}

fn side_name(x: f64, centre_x: f64) -> &'static str {
    // LPS: +x is the patient's left.
    if x >= centre_x { "left" } else { "right" }
}

fn teaching_notes(anatomy: &Anatomy, truth: &[TruthLesion]) -> String {
    let mut notes = String::from("SYNTHETIC phantom, not patient data. ");
    let significant = truth.iter().filter(|l| l.isup_grade_group >= 2).count();
    if truth.is_empty() {
        notes.push_str(
            "No lesion: a negative study. The TZ is heterogeneous with encapsulated BPH \
             nodules, some of which enhance early on DCE; that alone is not suspicious. The \
             symmetric low T2 signal at the posterior base is the normal central zone.",
        );
        return notes;
    }
    if significant == 0 {
        notes.push_str(
            "No clinically significant cancer (only ISUP 1, below the ISUP ≥ 2 threshold): \
             a negative case. ",
        );
    }
    for (lesion, model) in truth.iter().zip(&anatomy.lesions) {
        let sectors: Vec<String> = lesion.sectors.iter().map(ToString::to_string).collect();
        let diameter = 2.0 * lesion.radius_mm.unwrap_or(0.0);
        let zone = match lesion.zone {
            Zone::TZ => "TZ",
            Zone::PZ => "PZ",
            Zone::CZ => "CZ",
            Zone::AS => "AS",
        };
        notes.push_str(&format!(
            "{}ISUP {} lesion, {} {}, about {:.0} mm ({}). ",
            if lesion.index { "Index lesion: " } else { "" },
            lesion.isup_grade_group,
            side_name(model.centre[0], anatomy.prostate.centre[0]),
            zone,
            diameter,
            sectors.join(", "),
        ));
        let look = match (lesion.zone, lesion.isup_grade_group >= 2) {
            (Zone::TZ, true) => format!(
                "Homogeneous, moderately low T2 signal with blurred margins (\"erased \
                 charcoal\"), ADC about {:.0} × 10⁻⁶ mm²/s, bright at b1400, early enhancement \
                 with washout. ",
                model.look.adc
            ),
            (Zone::TZ, false) => format!(
                "Subtle: only mildly low T2 signal among BPH nodules, ADC about {:.0}, \
                 faint at b1400, no early enhancement. ",
                model.look.adc
            ),
            (_, true) => format!(
                "Markedly low T2 signal in the bright PZ, ADC about {:.0} × 10⁻⁶ mm²/s and \
                 clearly bright at b1400, early focal enhancement with washout. ",
                model.look.adc
            ),
            (_, false) => format!(
                "Subtle: mildly low T2 and ADC (about {:.0}), mildly bright at b1400, no \
                 early enhancement. ",
                model.look.adc
            ),
        };
        notes.push_str(&look);
        let category = match (lesion.isup_grade_group >= 2, diameter >= 15.0) {
            (true, true) => "5",
            (true, false) => "4",
            (false, _) => "2 or 3",
        };
        notes.push_str(&format!("Most readers would score it PI-RADS {category}. "));
    }
    notes.trim_end().to_owned()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // In tests a panic is the failure report.
mod tests {
    use super::*;

    #[test]
    fn every_block_of_ten_has_four_negative_and_six_positive_kinds() {
        for seed in [0, 1, 42, crate::DEFAULT_SEED] {
            let positive = (0..10)
                .filter(|&i| kind_of(seed, i).iter().any(|w| w.1 >= 2))
                .count();
            assert_eq!(positive, 6, "seed {seed}");
        }
    }

    #[test]
    fn lesion_centres_lie_in_their_zone_and_sectors_include_the_centre() {
        for index in 0..30 {
            let plan = plan_case(7, index);
            for (truth, model) in plan.manifest.lesions.iter().zip(&plan.anatomy.lesions) {
                let region = plan.anatomy.prostate.region_at(model.centre);
                assert_eq!(region.map(Region::zone), Some(truth.zone));
                let centre_sector = plan.anatomy.prostate.sector_at(model.centre);
                assert!(centre_sector.is_some_and(|s| truth.sectors.contains(&s)));
            }
        }
    }

    #[test]
    fn psa_density_is_psa_over_the_gland_volume() {
        for index in 0..10 {
            let c = plan_case(3, index).manifest.clinical;
            let (Some(psa), Some(density), Some(volume)) =
                (c.psa_ng_ml, c.psa_density, c.prostate_volume_ml)
            else {
                panic!("case {index} lacks PSA, density or volume");
            };
            assert!(
                (density - psa / volume).abs() <= 0.006,
                "{psa} / {volume} vs {density}"
            );
            assert!((15.0..90.0).contains(&volume), "{volume}");
        }
    }
}
