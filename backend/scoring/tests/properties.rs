//! Properties of scoring that hold for every report and truth, checked on random ones.
//!
//! What does *not* hold, and why the order properties are stated as they are: the greedy
//! assignment breaks distance ties by report order and takes sector pairs in report order, so
//! the order in which a reader lists lesions can change which lesion gets a contested target,
//! and even how many hits there are (report {A, B} then {A} against targets {A} and {B} gives
//! one hit; listed the other way round, two — see the table tests). So:
//! - the case-level result (positive, correct, targets, positive lesions, overall category)
//!   never depends on order;
//! - the matching itself does not depend on order when every pair is decided by distance and no
//!   two candidate distances are equal.

use proptest::prelude::*;
use readroom_domain::{MarkedPoint, Report, ReportedLesion, Sector, TruthLesion, Zone};
use readroom_scoring::{ReportedOutcome, Score, ScoringSettings, TruthOutcome, score};

/// A few sectors, so that random lesions share them often.
fn sector_pool() -> Vec<Sector> {
    [
        "mid-left-PZpl",
        "mid-left-PZpm",
        "base-right-TZa",
        "apex-left-AS",
    ]
    .iter()
    .map(|name| name.parse().expect("a sector of the map"))
    .collect()
}

fn sectors() -> impl Strategy<Value = Vec<Sector>> {
    prop::sample::subsequence(sector_pool(), 0..=3)
}

/// Points in a 30 mm cube, so that pairs fall on both sides of the match limits.
fn point() -> impl Strategy<Value = [f64; 3]> {
    [-15.0..15.0f64, -15.0..15.0f64, -15.0..15.0f64]
}

fn marked(lps_mm: [f64; 3]) -> MarkedPoint {
    MarkedPoint {
        lps_mm,
        series_uid: "1.2.3".into(),
        slice: 0,
    }
}

fn reported_lesion(
    point: impl Strategy<Value = Option<[f64; 3]>>,
) -> impl Strategy<Value = ReportedLesion> {
    (1u8..=5, point, sectors()).prop_map(|(category, point, sectors)| ReportedLesion {
        sectors,
        point: point.map(marked),
        category: Some(category),
        ..ReportedLesion::default()
    })
}

fn truth_lesion(
    centre: impl Strategy<Value = Option<[f64; 3]>>,
) -> impl Strategy<Value = TruthLesion> {
    (
        1u8..=5,
        centre,
        prop::option::of(1.0..8.0f64),
        prop::sample::subsequence(sector_pool(), 1..=2),
    )
        .prop_map(
            |(isup_grade_group, centre_lps_mm, radius_mm, sectors)| TruthLesion {
                isup_grade_group,
                sectors,
                centre_lps_mm,
                radius_mm,
                zone: Zone::PZ,
                index: false,
            },
        )
}

fn report_of(lesions: Vec<ReportedLesion>) -> Report {
    Report {
        overall_category: lesions.is_empty().then_some(2),
        lesions,
        comment: String::new(),
    }
}

/// Reports and truths where points are sometimes missing on either side.
fn any_case() -> impl Strategy<Value = (Report, Vec<TruthLesion>)> {
    (
        prop::collection::vec(reported_lesion(prop::option::weighted(0.7, point())), 0..=4),
        prop::collection::vec(truth_lesion(prop::option::weighted(0.7, point())), 0..=5),
    )
        .prop_map(|(lesions, truth)| (report_of(lesions), truth))
}

/// Reports and truths where every lesion has a point, so every pair is decided by distance.
fn case_with_points() -> impl Strategy<Value = (Report, Vec<TruthLesion>)> {
    (
        prop::collection::vec(reported_lesion(point().prop_map(Some)), 0..=4),
        prop::collection::vec(truth_lesion(point().prop_map(Some)), 0..=5),
    )
        .prop_map(|(lesions, truth)| (report_of(lesions), truth))
}

/// The candidate rule, transcribed from the brief independently of the crate.
fn is_candidate(lesion: &ReportedLesion, truth: &TruthLesion, settings: &ScoringSettings) -> bool {
    match (&lesion.point, truth.centre_lps_mm) {
        (Some(point), Some(centre)) => {
            distance(point.lps_mm, centre)
                <= truth
                    .radius_mm
                    .map_or(settings.match_distance_without_radius_mm, |radius| {
                        radius + settings.match_margin_mm
                    })
        }
        _ => lesion
            .sectors
            .iter()
            .any(|sector| truth.sectors.contains(sector)),
    }
}

fn distance(a: [f64; 3], b: [f64; 3]) -> f64 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt()
}

fn is_positive(lesion: &ReportedLesion, settings: &ScoringSettings) -> bool {
    lesion
        .category
        .is_some_and(|category| category >= settings.positive_from_category)
}

/// The matched pairs as (reported index, truth index), sorted.
fn matching(score: &Score) -> Vec<(usize, usize)> {
    let mut pairs: Vec<(usize, usize)> = score
        .reported
        .iter()
        .enumerate()
        .filter_map(|(r, outcome)| match outcome {
            ReportedOutcome::Hit { truth_index, .. } => Some((r, *truth_index)),
            _ => None,
        })
        .collect();
    pairs.sort_unstable();
    pairs
}

/// A permutation of `0..n`, as the new position's old index.
fn permutation(n: usize) -> impl Strategy<Value = Vec<usize>> {
    Just((0..n).collect::<Vec<usize>>()).prop_shuffle()
}

fn permuted<T: Clone>(items: &[T], order: &[usize]) -> Vec<T> {
    order.iter().map(|&old| items[old].clone()).collect()
}

fn case_level(score: &Score) -> (bool, bool, u32, u32, u8) {
    (
        score.case_positive,
        score.correct,
        score.targets,
        score.hits + score.false_positives,
        score.overall_category,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn the_matching_is_one_to_one_between_candidates_and_leaves_no_candidate_pair_unmatched(
        (report, truth) in any_case()
    ) {
        let settings = ScoringSettings::default();
        let score = score(&report, &truth, &settings);
        prop_assert_eq!(score.reported.len(), report.lesions.len());
        prop_assert_eq!(score.truth.len(), truth.len());
        for (r, t) in matching(&score) {
            prop_assert!(is_positive(&report.lesions[r], &settings));
            prop_assert!(truth[t].is_significant(settings.significant_from_isup));
            prop_assert!(is_candidate(&report.lesions[r], &truth[t], &settings));
            prop_assert_eq!(&score.truth[t], &TruthOutcome::Hit { reported_index: r });
        }
        // Greedy leaves no unmatched positive lesion and missed target that could be paired.
        for (r, outcome) in score.reported.iter().enumerate() {
            if let ReportedOutcome::FalsePositive { non_significant_truth_index } = outcome {
                for (t, truth_outcome) in score.truth.iter().enumerate() {
                    if *truth_outcome == TruthOutcome::Missed {
                        prop_assert!(!is_candidate(&report.lesions[r], &truth[t], &settings));
                    }
                }
                if let Some(t) = non_significant_truth_index {
                    prop_assert!(!truth[*t].is_significant(settings.significant_from_isup));
                    prop_assert!(is_candidate(&report.lesions[r], &truth[*t], &settings));
                }
            }
        }
        let positives = report.lesions.iter().filter(|l| is_positive(l, &settings)).count();
        prop_assert_eq!((score.hits + score.false_positives) as usize, positives);
        prop_assert_eq!(score.hits + score.misses, score.targets);
    }

    #[test]
    fn a_positive_case_is_read_correctly_exactly_when_some_positive_lesion_is_a_candidate_for_a_target(
        (report, truth) in any_case()
    ) {
        let settings = ScoringSettings::default();
        let score = score(&report, &truth, &settings);
        let positive_lesions: Vec<&ReportedLesion> =
            report.lesions.iter().filter(|l| is_positive(l, &settings)).collect();
        let targets: Vec<&TruthLesion> = truth
            .iter()
            .filter(|t| t.is_significant(settings.significant_from_isup))
            .collect();
        let any_pair = positive_lesions
            .iter()
            .any(|lesion| targets.iter().any(|target| is_candidate(lesion, target, &settings)));
        prop_assert_eq!(score.case_positive, !targets.is_empty());
        if score.case_positive {
            prop_assert_eq!(score.correct, any_pair);
        } else {
            prop_assert_eq!(score.correct, positive_lesions.is_empty());
        }
    }

    #[test]
    fn the_case_level_result_never_depends_on_the_order_of_lesions(
        ((report, truth), report_order, truth_order) in any_case().prop_flat_map(|(report, truth)| {
            let (reported, true_lesions) = (report.lesions.len(), truth.len());
            (Just((report, truth)), permutation(reported), permutation(true_lesions))
        })
    ) {
        let settings = ScoringSettings::default();
        let original = score(&report, &truth, &settings);
        let reordered_report = report_of(permuted(&report.lesions, &report_order));
        let reordered = score(&reordered_report, &permuted(&truth, &truth_order), &settings);
        prop_assert_eq!(case_level(&original), case_level(&reordered));
    }

    #[test]
    fn with_points_everywhere_and_distinct_distances_the_matching_does_not_depend_on_order(
        ((report, truth), report_order, truth_order) in case_with_points().prop_flat_map(|(report, truth)| {
            let (reported, true_lesions) = (report.lesions.len(), truth.len());
            (Just((report, truth)), permutation(reported), permutation(true_lesions))
        })
    ) {
        let mut distances: Vec<f64> = report
            .lesions
            .iter()
            .flat_map(|lesion| {
                let point = lesion.point.as_ref().map(|p| p.lps_mm).unwrap_or_default();
                truth.iter().map(move |t| distance(point, t.centre_lps_mm.unwrap_or_default()))
            })
            .collect();
        distances.sort_by(f64::total_cmp);
        prop_assume!(distances.windows(2).all(|pair| pair[0] != pair[1]));

        let settings = ScoringSettings::default();
        let original = score(&report, &truth, &settings);
        let reordered = score(
            &report_of(permuted(&report.lesions, &report_order)),
            &permuted(&truth, &truth_order),
            &settings,
        );
        // Map the reordered matching back to the original indices.
        let mut mapped: Vec<(usize, usize)> = matching(&reordered)
            .into_iter()
            .map(|(r, t)| (report_order[r], truth_order[t]))
            .collect();
        mapped.sort_unstable();
        prop_assert_eq!(matching(&original), mapped);
        prop_assert_eq!(
            (original.hits, original.false_positives, original.misses, original.correct),
            (reordered.hits, reordered.false_positives, reordered.misses, reordered.correct)
        );
    }

    #[test]
    fn moving_a_hit_closer_to_its_truth_keeps_it_a_hit(
        (report, truth) in any_case(),
        towards in 0.01..=1.0f64,
    ) {
        let settings = ScoringSettings::default();
        let original = score(&report, &truth, &settings);
        for (r, outcome) in original.reported.iter().enumerate() {
            let ReportedOutcome::Hit { truth_index, distance_mm: Some(before) } = outcome else {
                continue;
            };
            let (Some(point), Some(centre)) =
                (&report.lesions[r].point, truth[*truth_index].centre_lps_mm)
            else {
                continue;
            };
            let mut moved = report.clone();
            let closer: [f64; 3] =
                std::array::from_fn(|axis| point.lps_mm[axis] + towards * (centre[axis] - point.lps_mm[axis]));
            if distance(closer, centre) >= *before {
                continue; // Already on the centre: nothing is closer.
            }
            moved.lesions[r].point = Some(marked(closer));
            let rescored = score(&moved, &truth, &settings);
            prop_assert!(
                matches!(rescored.reported[r], ReportedOutcome::Hit { .. }),
                "r{} moved from {} to {} mm from t{} became {:?}",
                r, before, distance(closer, centre), truth_index, rescored.reported[r]
            );
        }
    }

    #[test]
    fn adding_a_below_threshold_lesion_changes_nothing_but_possibly_the_overall_category(
        (report, truth) in any_case(),
        extra in reported_lesion(prop::option::of(point())),
        low_category in 1u8..=2,
        position in 0usize..=4,
    ) {
        let settings = ScoringSettings::default();
        let position = position.min(report.lesions.len());
        let mut added = report.clone();
        added.lesions.insert(position, ReportedLesion { category: Some(low_category), ..extra });
        let before = score(&report, &truth, &settings);
        let after = score(&added, &truth, &settings);

        prop_assert_eq!(&after.reported[position], &ReportedOutcome::BelowThreshold);
        let mut others = after.reported.clone();
        others.remove(position);
        prop_assert_eq!(others, before.reported.clone());
        // Truth outcomes name reported lesions by index: those after the new one shift by one.
        let shifted: Vec<TruthOutcome> = before
            .truth
            .iter()
            .map(|outcome| match outcome {
                TruthOutcome::Hit { reported_index } if *reported_index >= position => {
                    TruthOutcome::Hit { reported_index: reported_index + 1 }
                }
                other => other.clone(),
            })
            .collect();
        prop_assert_eq!(&after.truth, &shifted);
        prop_assert_eq!(
            (after.case_positive, after.correct, after.hits, after.false_positives, after.misses, after.targets),
            (before.case_positive, before.correct, before.hits, before.false_positives, before.misses, before.targets)
        );
        prop_assert_eq!(&after.missed_sectors, &before.missed_sectors);
        // The overall category is the highest lesion category: a low lesion can raise it only
        // on a report that had no lesion (whose stated category it replaces).
        let expected_overall = if report.lesions.is_empty() {
            low_category
        } else {
            before.overall_category.max(low_category)
        };
        prop_assert_eq!(after.overall_category, expected_overall);
    }

    #[test]
    fn relabelling_sectors_consistently_changes_nothing(
        (report, truth) in any_case(),
        relabel in Just(Sector::all()).prop_shuffle(),
    ) {
        let all = Sector::all();
        let map = |sector: &Sector| {
            let index = all.iter().position(|s| s == sector).unwrap();
            relabel[index]
        };
        let mut relabelled_report = report.clone();
        for lesion in &mut relabelled_report.lesions {
            lesion.sectors = lesion.sectors.iter().map(map).collect();
        }
        let mut relabelled_truth = truth.clone();
        for lesion in &mut relabelled_truth {
            lesion.sectors = lesion.sectors.iter().map(map).collect();
        }
        let settings = ScoringSettings::default();
        let before = score(&report, &truth, &settings);
        let after = score(&relabelled_report, &relabelled_truth, &settings);
        let expected = Score {
            missed_sectors: before.missed_sectors.iter().map(map).collect(),
            ..before
        };
        prop_assert_eq!(after, expected);
    }
}
