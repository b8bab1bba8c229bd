//! Every scoring rule and edge, as a table: each case names the rule it pins down, builds a
//! report and a truth, and states the whole outcome in one line (see `describe`).

use readroom_domain::{MarkedPoint, Report, ReportedLesion, Sector, TruthLesion, Zone};

use super::*;

fn sectors(names: &[&str]) -> Vec<Sector> {
    names.iter().map(|name| name.parse().unwrap()).collect()
}

/// A reported lesion of `category`, marked at `point` when there is one.
fn rep(category: u8, point: Option<[f64; 3]>, sector_names: &[&str]) -> ReportedLesion {
    ReportedLesion {
        sectors: sectors(sector_names),
        point: point.map(|lps_mm| MarkedPoint {
            lps_mm,
            series_uid: "1.2.3".into(),
            slice: 0,
        }),
        category: Some(category),
        ..ReportedLesion::default()
    }
}

/// A true lesion of ISUP grade group `isup`.
fn truth(
    isup: u8,
    centre: Option<[f64; 3]>,
    radius: Option<f64>,
    sector_names: &[&str],
) -> TruthLesion {
    TruthLesion {
        isup_grade_group: isup,
        sectors: sectors(sector_names),
        centre_lps_mm: centre,
        radius_mm: radius,
        zone: Zone::PZ,
        index: false,
    }
}

fn report(lesions: Vec<ReportedLesion>) -> Report {
    Report {
        overall_category: lesions.is_empty().then_some(1),
        lesions,
        comment: String::new(),
    }
}

const A: &str = "mid-left-PZpl";
const B: &str = "mid-left-PZpm";
const C: &str = "apex-right-TZa";

/// The whole score on one line:
/// `r: <outcome per reported lesion> ; t: <outcome per true lesion> ; <counts> ; <case>`.
fn describe(score: &Score) -> String {
    let reported: Vec<String> = score
        .reported
        .iter()
        .map(|outcome| match outcome {
            ReportedOutcome::Hit {
                truth_index,
                distance_mm: Some(distance),
            } => format!("hit t{truth_index} at {distance}mm"),
            ReportedOutcome::Hit {
                truth_index,
                distance_mm: None,
            } => format!("hit t{truth_index} by sectors"),
            ReportedOutcome::FalsePositive {
                non_significant_truth_index: Some(index),
            } => format!("fp on t{index}"),
            ReportedOutcome::FalsePositive {
                non_significant_truth_index: None,
            } => "fp".into(),
            ReportedOutcome::BelowThreshold => "below".into(),
        })
        .collect();
    let truth: Vec<String> = score
        .truth
        .iter()
        .map(|outcome| match outcome {
            TruthOutcome::Hit { reported_index } => format!("hit by r{reported_index}"),
            TruthOutcome::Missed => "missed".into(),
            TruthOutcome::NotTarget => "not target".into(),
        })
        .collect();
    format!(
        "r: {} ; t: {} ; hits {}, fp {}, misses {}, targets {} ; {}, {}",
        reported.join(", "),
        truth.join(", "),
        score.hits,
        score.false_positives,
        score.misses,
        score.targets,
        if score.case_positive {
            "positive"
        } else {
            "negative"
        },
        if score.correct { "correct" } else { "wrong" },
    )
}

/// The counts must agree with the outcomes they summarise.
fn assert_consistent(name: &str, score: &Score) {
    let hits = score
        .reported
        .iter()
        .filter(|outcome| matches!(outcome, ReportedOutcome::Hit { .. }))
        .count() as u32;
    let false_positives = score
        .reported
        .iter()
        .filter(|outcome| matches!(outcome, ReportedOutcome::FalsePositive { .. }))
        .count() as u32;
    let misses = score
        .truth
        .iter()
        .filter(|outcome| **outcome == TruthOutcome::Missed)
        .count() as u32;
    assert_eq!(hits, score.hits, "{name}: hits");
    assert_eq!(false_positives, score.false_positives, "{name}: fp");
    assert_eq!(misses, score.misses, "{name}: misses");
    assert_eq!(score.hits + score.misses, score.targets, "{name}: targets");
    for (r, outcome) in score.reported.iter().enumerate() {
        if let ReportedOutcome::Hit { truth_index, .. } = outcome {
            assert_eq!(
                score.truth[*truth_index],
                TruthOutcome::Hit { reported_index: r },
                "{name}: hit r{r} is not mirrored"
            );
        }
    }
}

struct Case {
    rule: &'static str,
    settings: ScoringSettings,
    report: Vec<ReportedLesion>,
    truth: Vec<TruthLesion>,
    expected: &'static str,
}

fn case(
    rule: &'static str,
    report: Vec<ReportedLesion>,
    truth: Vec<TruthLesion>,
    expected: &'static str,
) -> Case {
    Case {
        rule,
        settings: ScoringSettings::default(),
        report,
        truth,
        expected,
    }
}

fn check(cases: Vec<Case>) {
    let mut failures = Vec::new();
    for case in cases {
        let score = score(&report(case.report), &case.truth, &case.settings);
        assert_consistent(case.rule, &score);
        let actual = describe(&score);
        if actual != case.expected {
            failures.push(format!(
                "{}\n  expected {}\n  actual   {}",
                case.rule, case.expected, actual
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

const O: [f64; 3] = [0.0, 0.0, 0.0];

fn x(mm: f64) -> Option<[f64; 3]> {
    Some([mm, 0.0, 0.0])
}

#[test]
fn empty_reports_and_empty_truth() {
    check(vec![
        case(
            "nothing reported on a case with no lesion is a correct negative read",
            vec![],
            vec![],
            "r:  ; t:  ; hits 0, fp 0, misses 0, targets 0 ; negative, correct",
        ),
        case(
            "nothing reported on a positive case misses its target",
            vec![],
            vec![truth(3, Some(O), Some(5.0), &[A])],
            "r:  ; t: missed ; hits 0, fp 0, misses 1, targets 1 ; positive, wrong",
        ),
        case(
            "nothing reported on a case with only an ISUP 1 lesion is a correct negative read",
            vec![],
            vec![truth(1, Some(O), Some(5.0), &[A])],
            "r:  ; t: not target ; hits 0, fp 0, misses 0, targets 0 ; negative, correct",
        ),
        case(
            "a positive lesion on a case with no lesion is a false positive",
            vec![rep(4, Some(O), &[A])],
            vec![],
            "r: fp ; t:  ; hits 0, fp 1, misses 0, targets 0 ; negative, wrong",
        ),
    ]);
}

#[test]
fn matching_by_distance() {
    check(vec![
        case(
            "a positive lesion within radius + 5 mm hits",
            vec![rep(4, x(3.0), &[A])],
            vec![truth(3, Some(O), Some(2.0), &[A])],
            "r: hit t0 at 3mm ; t: hit by r0 ; hits 1, fp 0, misses 0, targets 1 ; positive, correct",
        ),
        case(
            "exactly radius + 5 mm still hits (6-8-10 triangle, radius 5)",
            vec![rep(3, Some([6.0, 8.0, 0.0]), &[A])],
            vec![truth(2, Some(O), Some(5.0), &[A])],
            "r: hit t0 at 10mm ; t: hit by r0 ; hits 1, fp 0, misses 0, targets 1 ; positive, correct",
        ),
        case(
            "just beyond radius + 5 mm does not hit, even in the same sector",
            vec![rep(3, Some([6.0, 8.0, 0.0]), &[A])],
            vec![truth(2, Some(O), Some(4.999), &[A])],
            "r: fp ; t: missed ; hits 0, fp 1, misses 1, targets 1 ; positive, wrong",
        ),
        case(
            "without a radius, exactly 10 mm still hits",
            vec![rep(3, Some([0.0, 6.0, -8.0]), &[A])],
            vec![truth(2, Some(O), None, &[A])],
            "r: hit t0 at 10mm ; t: hit by r0 ; hits 1, fp 0, misses 0, targets 1 ; positive, correct",
        ),
        case(
            "without a radius, just beyond 10 mm does not hit",
            vec![rep(3, x(10.001), &[A])],
            vec![truth(2, Some(O), None, &[A])],
            "r: fp ; t: missed ; hits 0, fp 1, misses 1, targets 1 ; positive, wrong",
        ),
        case(
            "a large radius reaches further than 10 mm",
            vec![rep(5, x(24.0), &[A])],
            vec![truth(4, Some(O), Some(20.0), &[A])],
            "r: hit t0 at 24mm ; t: hit by r0 ; hits 1, fp 0, misses 0, targets 1 ; positive, correct",
        ),
        case(
            "when both have points, sectors do not matter: disjoint sectors still hit",
            vec![rep(4, x(1.0), &[B])],
            vec![truth(3, Some(O), Some(5.0), &[A])],
            "r: hit t0 at 1mm ; t: hit by r0 ; hits 1, fp 0, misses 0, targets 1 ; positive, correct",
        ),
        case(
            "when both have points, sectors do not matter: shared sectors do not rescue a far point",
            vec![rep(4, x(30.0), &[A])],
            vec![truth(3, Some(O), Some(5.0), &[A])],
            "r: fp ; t: missed ; hits 0, fp 1, misses 1, targets 1 ; positive, wrong",
        ),
    ]);
}

#[test]
fn matching_by_sectors_when_a_point_is_missing() {
    check(vec![
        case(
            "a reported lesion without a point hits a target it shares a sector with",
            vec![rep(4, None, &[B, A])],
            vec![truth(3, Some(O), Some(5.0), &[A])],
            "r: hit t0 by sectors ; t: hit by r0 ; hits 1, fp 0, misses 0, targets 1 ; positive, correct",
        ),
        case(
            "a target without a centre is hit by a point in a shared sector, however far",
            vec![rep(4, x(80.0), &[A])],
            vec![truth(3, None, Some(5.0), &[A, C])],
            "r: hit t0 by sectors ; t: hit by r0 ; hits 1, fp 0, misses 0, targets 1 ; positive, correct",
        ),
        case(
            "neither has a point: shared sector hits",
            vec![rep(3, None, &[C])],
            vec![truth(2, None, None, &[C])],
            "r: hit t0 by sectors ; t: hit by r0 ; hits 1, fp 0, misses 0, targets 1 ; positive, correct",
        ),
        case(
            "a missing point and disjoint sectors do not hit",
            vec![rep(4, None, &[B])],
            vec![truth(3, Some(O), Some(5.0), &[A])],
            "r: fp ; t: missed ; hits 0, fp 1, misses 1, targets 1 ; positive, wrong",
        ),
        case(
            "a missing centre and disjoint sectors do not hit, however close the point",
            vec![rep(4, Some(O), &[B])],
            vec![truth(3, None, None, &[A])],
            "r: fp ; t: missed ; hits 0, fp 1, misses 1, targets 1 ; positive, wrong",
        ),
        case(
            "a reported lesion with no sectors and no point hits nothing",
            vec![rep(4, None, &[])],
            vec![truth(3, None, None, &[A])],
            "r: fp ; t: missed ; hits 0, fp 1, misses 1, targets 1 ; positive, wrong",
        ),
    ]);
}

#[test]
fn one_to_one_greedy_assignment() {
    check(vec![
        case(
            "two lesions on one target: the nearer hits, the other is a false positive",
            vec![rep(4, x(4.0), &[A]), rep(4, x(2.0), &[A])],
            vec![truth(3, Some(O), Some(5.0), &[A])],
            "r: fp, hit t0 at 2mm ; t: hit by r1 ; hits 1, fp 1, misses 0, targets 1 ; positive, correct",
        ),
        case(
            "two lesions at the same distance from one target: the first in report order hits",
            vec![rep(4, x(-3.0), &[A]), rep(4, x(3.0), &[A])],
            vec![truth(3, Some(O), Some(5.0), &[A])],
            "r: hit t0 at 3mm, fp ; t: hit by r0 ; hits 1, fp 1, misses 0, targets 1 ; positive, correct",
        ),
        case(
            "one lesion at the same distance from two targets: the first in truth order is hit",
            vec![rep(4, Some(O), &[A])],
            vec![
                truth(3, x(-3.0), Some(5.0), &[A]),
                truth(3, x(3.0), Some(5.0), &[A]),
            ],
            "r: hit t0 at 3mm ; t: hit by r0, missed ; hits 1, fp 0, misses 1, targets 2 ; positive, correct",
        ),
        case(
            "shortest distance first: a later lesion that is nearer takes the target",
            vec![rep(5, x(6.0), &[A]), rep(3, x(1.0), &[A])],
            vec![
                truth(3, Some(O), Some(5.0), &[A]),
                truth(3, x(12.0), Some(5.0), &[A]),
            ],
            "r: hit t1 at 6mm, hit t0 at 1mm ; t: hit by r1, hit by r0 ; hits 2, fp 0, misses 0, targets 2 ; positive, correct",
        ),
        case(
            "greedy, not maximum: the shortest pair is taken even when it leaves a target missed",
            vec![rep(4, x(1.0), &[A]), rep(4, x(-2.0), &[A])],
            vec![
                truth(3, Some(O), None, &[A]),
                truth(3, x(4.0), Some(0.5), &[A]),
            ],
            "r: hit t0 at 1mm, fp ; t: hit by r0, missed ; hits 1, fp 1, misses 1, targets 2 ; positive, correct",
        ),
        case(
            "distance pairs come before sector pairs, whatever the report order",
            vec![rep(4, None, &[A]), rep(4, x(9.0), &[B])],
            vec![truth(3, Some(O), Some(5.0), &[A])],
            "r: fp, hit t0 at 9mm ; t: hit by r1 ; hits 1, fp 1, misses 0, targets 1 ; positive, correct",
        ),
        case(
            "a lesion taken by distance is not offered again by sectors",
            vec![rep(4, x(1.0), &[A, B]), rep(4, None, &[B])],
            vec![
                truth(3, Some(O), Some(5.0), &[A]),
                truth(3, None, None, &[B]),
            ],
            "r: hit t0 at 1mm, hit t1 by sectors ; t: hit by r0, hit by r1 ; hits 2, fp 0, misses 0, targets 2 ; positive, correct",
        ),
        case(
            "sector pairs in report order: the first lesion takes the first target it shares",
            vec![rep(4, None, &[A, B]), rep(4, None, &[A])],
            vec![truth(3, None, None, &[A]), truth(3, None, None, &[B])],
            "r: hit t0 by sectors, fp ; t: hit by r0, missed ; hits 1, fp 1, misses 1, targets 2 ; positive, correct",
        ),
        case(
            "sector pairs in report order: listed the other way round, both hit",
            vec![rep(4, None, &[A]), rep(4, None, &[A, B])],
            vec![truth(3, None, None, &[A]), truth(3, None, None, &[B])],
            "r: hit t0 by sectors, hit t1 by sectors ; t: hit by r0, hit by r1 ; hits 2, fp 0, misses 0, targets 2 ; positive, correct",
        ),
        case(
            "sector pairs in truth order within one reported lesion",
            vec![rep(4, None, &[A, B])],
            vec![truth(3, None, None, &[B]), truth(3, None, None, &[A])],
            "r: hit t0 by sectors ; t: hit by r0, missed ; hits 1, fp 0, misses 1, targets 2 ; positive, correct",
        ),
        case(
            "a positive case with one hit and one miss is read correctly",
            vec![rep(4, Some(O), &[A])],
            vec![
                truth(4, x(1.0), Some(3.0), &[A]),
                truth(2, None, None, &[C]),
            ],
            "r: hit t0 at 1mm ; t: hit by r0, missed ; hits 1, fp 0, misses 1, targets 2 ; positive, correct",
        ),
    ]);
}

#[test]
fn below_threshold_lesions_are_neither_hits_nor_false_positives() {
    let mut uncategorised = rep(4, Some(O), &[A]);
    uncategorised.category = None;
    check(vec![
        case(
            "a PI-RADS 2 lesion on a target does not hit it",
            vec![rep(2, Some(O), &[A])],
            vec![truth(3, Some(O), Some(5.0), &[A])],
            "r: below ; t: missed ; hits 0, fp 0, misses 1, targets 1 ; positive, wrong",
        ),
        case(
            "a PI-RADS 2 lesion on a negative case is not a false positive",
            vec![rep(2, Some(O), &[A]), rep(1, None, &[B])],
            vec![truth(1, Some(O), Some(5.0), &[A])],
            "r: below, below ; t: not target ; hits 0, fp 0, misses 0, targets 0 ; negative, correct",
        ),
        case(
            "a below-threshold lesion nearer the target does not take it from a positive one",
            vec![rep(2, x(0.5), &[A]), rep(3, x(4.0), &[A])],
            vec![truth(3, Some(O), Some(5.0), &[A])],
            "r: below, hit t0 at 4mm ; t: hit by r1 ; hits 1, fp 0, misses 0, targets 1 ; positive, correct",
        ),
        case(
            "a lesion without a category (only in a draft) is below the threshold",
            vec![uncategorised],
            vec![truth(3, Some(O), Some(5.0), &[A])],
            "r: below ; t: missed ; hits 0, fp 0, misses 1, targets 1 ; positive, wrong",
        ),
    ]);
}

#[test]
fn false_positives_show_the_non_significant_lesion_they_landed_on() {
    check(vec![
        case(
            "a positive lesion on an ISUP 1 lesion is a false positive on it",
            vec![rep(4, x(2.0), &[A])],
            vec![truth(1, Some(O), Some(5.0), &[A])],
            "r: fp on t0 ; t: not target ; hits 0, fp 1, misses 0, targets 0 ; negative, wrong",
        ),
        case(
            "the ISUP 1 lesion beside a hit target is shown on the other false positive",
            vec![rep(4, Some(O), &[A]), rep(3, x(30.0), &[C])],
            vec![
                truth(3, Some(O), Some(5.0), &[A]),
                truth(1, x(32.0), Some(3.0), &[C]),
            ],
            "r: hit t0 at 0mm, fp on t1 ; t: hit by r0, not target ; hits 1, fp 1, misses 0, targets 1 ; positive, correct",
        ),
        case(
            "a non-significant lesion never takes a hit from a target",
            vec![rep(4, x(1.0), &[A])],
            vec![
                truth(1, x(1.0), Some(5.0), &[A]),
                truth(2, Some(O), Some(5.0), &[A]),
            ],
            "r: hit t1 at 1mm ; t: not target, hit by r0 ; hits 1, fp 0, misses 0, targets 1 ; positive, correct",
        ),
        case(
            "a lesion that lost its target to a nearer one is still shown on an ISUP 1 lesion",
            vec![rep(4, x(1.0), &[A]), rep(4, x(3.0), &[A])],
            vec![
                truth(3, Some(O), Some(5.0), &[A]),
                truth(1, x(4.0), None, &[A]),
            ],
            "r: hit t0 at 1mm, fp on t1 ; t: hit by r0, not target ; hits 1, fp 1, misses 0, targets 1 ; positive, correct",
        ),
        case(
            "of two ISUP 1 lesions in range, the nearer is shown",
            vec![rep(4, x(6.0), &[A])],
            vec![truth(1, Some(O), None, &[A]), truth(1, x(8.0), None, &[A])],
            "r: fp on t1 ; t: not target, not target ; hits 0, fp 1, misses 0, targets 0 ; negative, wrong",
        ),
        case(
            "an ISUP 1 lesion matched by distance is preferred to one matched by sectors",
            vec![rep(4, x(6.0), &[A])],
            vec![truth(1, None, None, &[A]), truth(1, x(8.0), None, &[B])],
            "r: fp on t1 ; t: not target, not target ; hits 0, fp 1, misses 0, targets 0 ; negative, wrong",
        ),
        case(
            "an ISUP 1 lesion is found by sectors when a point is missing",
            vec![rep(3, None, &[B])],
            vec![
                truth(1, Some(O), None, &[A]),
                truth(1, Some(O), None, &[B, C]),
            ],
            "r: fp on t1 ; t: not target, not target ; hits 0, fp 1, misses 0, targets 0 ; negative, wrong",
        ),
        case(
            "a positive lesion near nothing is a plain false positive",
            vec![rep(5, x(50.0), &[C])],
            vec![truth(1, Some(O), Some(5.0), &[A])],
            "r: fp ; t: not target ; hits 0, fp 1, misses 0, targets 0 ; negative, wrong",
        ),
    ]);
}

#[test]
fn thresholds_are_settings() {
    let strict_category = ScoringSettings {
        positive_from_category: 4,
        ..ScoringSettings::default()
    };
    let isup_3 = ScoringSettings {
        significant_from_isup: 3,
        ..ScoringSettings::default()
    };
    let wide = ScoringSettings {
        match_margin_mm: 10.0,
        match_distance_without_radius_mm: 20.0,
        ..ScoringSettings::default()
    };
    check(vec![
        Case {
            settings: strict_category,
            ..case(
                "with positive from 4, a PI-RADS 3 lesion is below the threshold",
                vec![rep(3, Some(O), &[A]), rep(4, x(40.0), &[C])],
                vec![truth(3, Some(O), Some(5.0), &[A])],
                "r: below, fp ; t: missed ; hits 0, fp 1, misses 1, targets 1 ; positive, wrong",
            )
        },
        Case {
            settings: isup_3,
            ..case(
                "with significance from ISUP 3, an ISUP 2 lesion is not a target",
                vec![rep(4, Some(O), &[A])],
                vec![truth(2, Some(O), Some(5.0), &[A])],
                "r: fp on t0 ; t: not target ; hits 0, fp 1, misses 0, targets 0 ; negative, wrong",
            )
        },
        Case {
            settings: wide,
            ..case(
                "the margins are settings",
                vec![rep(4, x(15.0), &[A]), rep(4, x(-20.0), &[A])],
                vec![
                    truth(3, Some(O), Some(5.0), &[A]),
                    truth(3, x(-40.0), None, &[A]),
                ],
                "r: hit t0 at 15mm, hit t1 at 20mm ; t: hit by r0, hit by r1 ; hits 2, fp 0, misses 0, targets 2 ; positive, correct",
            )
        },
    ]);
}

#[test]
fn missed_sectors_list_each_missed_target_s_sectors_in_truth_order() {
    let lesions = [
        truth(3, Some(O), Some(5.0), &[A, B]),
        truth(3, x(40.0), Some(5.0), &[C]),
        truth(1, x(80.0), Some(5.0), &[A]),
        truth(4, x(-40.0), None, &[B]),
    ];
    let score = score(
        &report(vec![rep(4, x(40.0), &[C])]),
        &lesions,
        &ScoringSettings::default(),
    );
    assert_eq!(score.missed_sectors, sectors(&[A, B, B]));
}

#[test]
fn the_overall_category_is_the_highest_lesion_category_or_the_stated_one() {
    let settings = ScoringSettings::default();
    let with_lesions = Report {
        lesions: vec![rep(2, None, &[A]), rep(4, None, &[B]), rep(3, None, &[C])],
        overall_category: None,
        comment: String::new(),
    };
    assert_eq!(score(&with_lesions, &[], &settings).overall_category, 4);
    let stated = Report {
        lesions: vec![],
        overall_category: Some(2),
        comment: String::new(),
    };
    assert_eq!(score(&stated, &[], &settings).overall_category, 2);
    // Validation refuses a stated category that disagrees with the lesions; were one to slip
    // through, the lesions decide, as `Report::overall_category` says.
    let disagreeing = Report {
        overall_category: Some(1),
        ..with_lesions
    };
    assert_eq!(score(&disagreeing, &[], &settings).overall_category, 4);
    assert_eq!(
        score(&Report::default(), &[], &settings).overall_category,
        1,
        "an incomplete draft with no category counts as 1"
    );
}

#[test]
fn default_settings_are_the_brief_s() {
    assert_eq!(
        ScoringSettings::default(),
        ScoringSettings {
            positive_from_category: 3,
            significant_from_isup: 2,
            match_margin_mm: 5.0,
            match_distance_without_radius_mm: 10.0,
        }
    );
    assert_eq!(ScoringSettings::default().validate(), Ok(()));
    let partial: ScoringSettings =
        serde_json::from_str(r#"{"positive_from_category": 4}"#).unwrap();
    assert_eq!(partial.positive_from_category, 4);
    assert_eq!(partial.match_margin_mm, 5.0);
    assert!(serde_json::from_str::<ScoringSettings>(r#"{"margin": 4}"#).is_err());
}

#[test]
fn out_of_range_settings_are_named() {
    let cases = [
        (
            ScoringSettings {
                positive_from_category: 0,
                ..ScoringSettings::default()
            },
            "positive_from_category",
        ),
        (
            ScoringSettings {
                significant_from_isup: 6,
                ..ScoringSettings::default()
            },
            "significant_from_isup",
        ),
        (
            ScoringSettings {
                match_margin_mm: -1.0,
                ..ScoringSettings::default()
            },
            "match_margin_mm",
        ),
        (
            ScoringSettings {
                match_distance_without_radius_mm: f64::NAN,
                ..ScoringSettings::default()
            },
            "match_distance_without_radius_mm",
        ),
    ];
    for (settings, field) in cases {
        assert_eq!(settings.validate().unwrap_err().field, field);
    }
}

#[test]
fn outcomes_serialise_as_tagged_snake_case() {
    let hit = ReportedOutcome::Hit {
        truth_index: 1,
        distance_mm: Some(2.5),
    };
    assert_eq!(
        serde_json::to_string(&hit).unwrap(),
        r#"{"kind":"hit","truth_index":1,"distance_mm":2.5}"#
    );
    assert_eq!(
        serde_json::to_string(&ReportedOutcome::FalsePositive {
            non_significant_truth_index: None
        })
        .unwrap(),
        r#"{"kind":"false_positive","non_significant_truth_index":null}"#
    );
    assert_eq!(
        serde_json::to_string(&ReportedOutcome::BelowThreshold).unwrap(),
        r#"{"kind":"below_threshold"}"#
    );
    assert_eq!(
        serde_json::to_string(&TruthOutcome::NotTarget).unwrap(),
        r#"{"kind":"not_target"}"#
    );
    let score = score(
        &report(vec![rep(4, Some(O), &[A])]),
        &[truth(3, Some(O), Some(5.0), &[A])],
        &ScoringSettings::default(),
    );
    let json = serde_json::to_string(&score).unwrap();
    assert_eq!(serde_json::from_str::<Score>(&json).unwrap(), score);
}
