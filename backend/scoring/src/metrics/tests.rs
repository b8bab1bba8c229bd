//! Each figure against values from a named source. Where the source is a library, the values
//! were computed with scikit-learn 1.9.1, statsmodels 0.15.0 and numpy on Python 3.11, with the
//! call written beside them.

use proptest::prelude::*;

use super::*;

fn close(actual: f64, expected: f64, tolerance: f64) -> bool {
    (actual - expected).abs() <= tolerance
}

#[track_caller]
fn assert_close(actual: Option<f64>, expected: f64, tolerance: f64) {
    let actual = actual.unwrap_or_else(|| panic!("expected {expected}, got None"));
    assert!(
        close(actual, expected, tolerance),
        "expected {expected}, got {actual}"
    );
}

#[test]
fn wilson_intervals_match_newcombe_1998_and_statsmodels() {
    // Newcombe RG (1998), Two-sided confidence intervals for the single proportion: comparison
    // of seven methods, Stat Med 17:857–872, Table II, method 3 (score, no continuity
    // correction), to 4 places: 81/263 0.2553–0.3662, 15/148 0.0624–0.1605, 0/20 0–0.1611,
    // 1/29 0.0061–0.1718. Full precision: statsmodels
    // `proportion_confint(x, n, alpha=0.05, method='wilson')`, whose z is the exact quantile
    // 1.959963984540054; ours is the brief's 1.959964, which moves the bounds by under 1e-8.
    let table = [
        (81, 263, 0.2552885198782742, 0.36620957698280004),
        (15, 148, 0.06238639953073628, 0.16048724172330803),
        (0, 20, 0.0, 0.1611251580528194),
        (1, 29, 0.006113214292762667, 0.17175521879320294),
        (17, 20, 0.639581135259243, 0.9476312541037833),
        (7, 10, 0.39677814746114537, 0.8922087325936989),
        (20, 20, 0.8388748419471804, 1.0),
        (1, 1, 0.2065493143772374, 1.0),
    ];
    for (successes, n, low, high) in table {
        let proportion = wilson(successes, n);
        assert_eq!((proportion.successes, proportion.n), (successes, n));
        assert_close(proportion.value, f64::from(successes) / f64::from(n), 1e-15);
        assert_close(proportion.low, low, 1e-7);
        assert_close(proportion.high, high, 1e-7);
    }
    // Newcombe's 4-place figures, independently of statsmodels.
    let newcombe = wilson(81, 263);
    assert_close(newcombe.low, 0.2553, 5e-5);
    assert_close(newcombe.high, 0.3662, 5e-5);
}

#[test]
fn wilson_bounds_stay_within_zero_and_one() {
    let none = wilson(0, 20);
    assert_eq!(none.low, Some(0.0));
    let all = wilson(20, 20);
    assert_eq!(all.high, Some(1.0));
    for n in 1..=60 {
        for successes in 0..=n {
            let p = wilson(successes, n);
            let (low, value, high) = (p.low.unwrap(), p.value.unwrap(), p.high.unwrap());
            assert!(
                (0.0..=value).contains(&low) && (value..=1.0).contains(&high),
                "{successes}/{n}"
            );
        }
    }
}

#[test]
fn no_trials_give_no_figure() {
    assert_eq!(
        wilson(0, 0),
        Proportion {
            successes: 0,
            n: 0,
            value: None,
            low: None,
            high: None
        }
    );
    assert_eq!(wilson(5, 3), wilson(3, 3), "successes above n count as n");
}

#[test]
fn rolling_accuracy_uses_the_last_reads_or_all_when_fewer() {
    // Five wrong reads, then 17 right out of 20: the last 20 are 17/20.
    let mut reads = vec![false; 5];
    reads.extend([true; 17]);
    reads.extend([false; 3]);
    let last_20 = rolling_accuracy(&reads, 20);
    assert_eq!((last_20.successes, last_20.n), (17, 20));
    assert_eq!(last_20, wilson(17, 20));
    assert_close(last_20.low, 0.639581135259243, 1e-7);
    // The last 50 are all 25, labelled with n = 25.
    let last_50 = rolling_accuracy(&reads, 50);
    assert_eq!((last_50.successes, last_50.n), (17, 25));
    // The newest read is last: a window of 3 sees the three wrong ones.
    assert_eq!(rolling_accuracy(&reads, 3).successes, 0);
    assert_eq!(rolling_accuracy(&[], 20).n, 0);
    assert_eq!(rolling_accuracy(&reads, 0).value, None);
}

#[test]
fn binary_figures_count_the_confusion_table() {
    let pairs = [
        (5, true),
        (4, true),
        (3, true),
        (2, true),
        (1, true),
        (4, false),
        (3, false),
        (2, false),
        (2, false),
        (1, false),
        (1, false),
    ];
    let counts = |p: Proportion| (p.successes, p.n);
    // At ≥ 3: TP 3, FN 2, FP 2, TN 4.
    let at_3 = binary_figures(&pairs, 3);
    assert_eq!(counts(at_3.sensitivity), (3, 5));
    assert_eq!(counts(at_3.specificity), (4, 6));
    assert_eq!(counts(at_3.ppv), (3, 5));
    assert_eq!(counts(at_3.npv), (4, 6));
    assert_eq!(at_3.sensitivity, wilson(3, 5));
    // At ≥ 4: TP 2, FN 3, FP 1, TN 5.
    let at_4 = binary_figures(&pairs, 4);
    assert_eq!(counts(at_4.sensitivity), (2, 5));
    assert_eq!(counts(at_4.specificity), (5, 6));
    assert_eq!(counts(at_4.ppv), (2, 3));
    assert_eq!(counts(at_4.npv), (5, 8));
    // No positive case: sensitivity has no figure, specificity does.
    let negatives_only = binary_figures(&[(1, false), (4, false)], 3);
    assert_eq!(negatives_only.sensitivity.value, None);
    assert_eq!(counts(negatives_only.specificity), (1, 2));
}

#[test]
fn auroc_matches_scikit_learn_with_ties() {
    // sklearn.metrics.roc_auc_score(
    //     [0, 0, 1, 0, 1, 0, 1, 1, 1, 0, 0, 1], [1, 2, 2, 3, 3, 3, 4, 4, 5, 5, 2, 3])
    //   = 0.7083333333333334  (U = 25.5 of 6 × 6 pairs)
    let categories = [1, 2, 2, 3, 3, 3, 4, 4, 5, 5, 2, 3];
    let positive = [0, 0, 1, 0, 1, 0, 1, 1, 1, 0, 0, 1];
    let pairs: Vec<(u8, bool)> = categories
        .iter()
        .zip(positive)
        .map(|(&category, positive)| (category, positive == 1))
        .collect();
    assert_close(auroc(&pairs), 0.7083333333333334, 1e-12);
    assert_close(auroc(&pairs), 25.5 / 36.0, 1e-12);
    // roc_auc_score([1, 0, 1, 0], [3, 3, 3, 3]) = 0.5: every pair a tie.
    assert_eq!(
        auroc(&[(3, true), (3, false), (3, true), (3, false)]),
        Some(0.5)
    );
    assert_eq!(auroc(&[(4, true), (5, true), (1, false)]), Some(1.0));
    assert_eq!(auroc(&[(1, true), (5, false)]), Some(0.0));
}

#[test]
fn auroc_needs_both_classes() {
    assert_eq!(auroc(&[]), None);
    assert_eq!(auroc(&[(3, true), (5, true)]), None);
    assert_eq!(auroc(&[(3, false)]), None);
}

#[test]
fn quadratic_weighted_kappa_matches_scikit_learn() {
    // sklearn.metrics.cohen_kappa_score(a, b, weights='quadratic'); the same with
    // labels=[1, 2, 3, 4, 5].
    let table: [(&[u8], &[u8], f64); 3] = [
        (
            &[1, 2, 3, 4, 5, 3, 4, 2, 5, 1, 3, 4],
            &[1, 3, 3, 5, 5, 2, 4, 2, 4, 2, 3, 3],
            0.8414096916299559,
        ),
        (&[2, 3, 4, 4, 5], &[4, 3, 2, 2, 1], -0.5909090909090908),
        // One rater constant: agreement no better than chance.
        (&[3, 3, 4], &[5, 5, 5], 0.0),
    ];
    for (a, b, expected) in table {
        let pairs: Vec<(u8, u8)> = a.iter().copied().zip(b.iter().copied()).collect();
        assert_close(quadratic_weighted_kappa(&pairs), expected, 1e-12);
    }
    assert_eq!(
        quadratic_weighted_kappa(&[(1, 1), (3, 3), (5, 5)]),
        Some(1.0)
    );
}

#[test]
fn quadratic_weighted_kappa_is_undefined_without_expected_disagreement() {
    assert_eq!(quadratic_weighted_kappa(&[]), None);
    // scikit-learn returns NaN here (with a warning).
    assert_eq!(quadratic_weighted_kappa(&[(3, 3), (3, 3)]), None);
}

/// The textbook definition over the 5×5 table, weights (i − j)² / 16.
fn kappa_from_table(pairs: &[(u8, u8)]) -> Option<f64> {
    let n = pairs.len() as f64;
    let mut observed = [[0.0; 5]; 5];
    let mut rows = [0.0; 5];
    let mut columns = [0.0; 5];
    for &(a, b) in pairs {
        let (i, j) = (usize::from(a - 1), usize::from(b - 1));
        observed[i][j] += 1.0 / n;
        rows[i] += 1.0 / n;
        columns[j] += 1.0 / n;
    }
    let (mut weighted_observed, mut weighted_expected) = (0.0, 0.0);
    for i in 0..5 {
        for j in 0..5 {
            let weight = ((i as f64) - (j as f64)).powi(2) / 16.0;
            weighted_observed += weight * observed[i][j];
            weighted_expected += weight * rows[i] * columns[j];
        }
    }
    (weighted_expected > 1e-12).then(|| 1.0 - weighted_observed / weighted_expected)
}

proptest! {
    #[test]
    fn kappa_equals_the_textbook_table_definition(
        pairs in prop::collection::vec((1u8..=5, 1u8..=5), 1..60)
    ) {
        let fast = quadratic_weighted_kappa(&pairs);
        let table = kappa_from_table(&pairs);
        prop_assert_eq!(fast.is_some(), table.is_some());
        if let (Some(fast), Some(table)) = (fast, table) {
            prop_assert!(close(fast, table, 1e-9), "{} vs {}", fast, table);
        }
    }

    #[test]
    fn auroc_equals_the_share_of_ordered_pairs(
        pairs in prop::collection::vec((1u8..=5, any::<bool>()), 0..60)
    ) {
        let mut wins = 0.0;
        let mut total = 0.0;
        for &(positive, _) in pairs.iter().filter(|pair| pair.1) {
            for &(negative, _) in pairs.iter().filter(|pair| !pair.1) {
                total += 1.0;
                wins += match positive.cmp(&negative) {
                    std::cmp::Ordering::Greater => 1.0,
                    std::cmp::Ordering::Equal => 0.5,
                    std::cmp::Ordering::Less => 0.0,
                };
            }
        }
        let brute = (total > 0.0).then(|| wins / total);
        match (auroc(&pairs), brute) {
            (Some(fast), Some(brute)) => prop_assert!(close(fast, brute, 1e-12)),
            (fast, brute) => prop_assert_eq!(fast, brute),
        }
    }
}

#[test]
fn cusum_limits_for_the_default_settings() {
    // By hand, p0 = 0.15, p1 = 0.30, α = β = 0.10:
    //   P = ln(0.30 / 0.15) = ln 2 = 0.693147
    //   Q = ln(0.85 / 0.70) = 0.194156
    //   s = Q / (P + Q) = 0.194156 / 0.887303 = 0.218816
    //   h1 = ln(0.9 / 0.1) / (P + Q) = 2.197225 / 0.887303 = 2.476295, h0 = −h1 as α = β.
    let chart = cusum(&[], &CusumSettings::default());
    assert!(close(chart.s, 0.218816, 5e-7), "s = {}", chart.s);
    assert!(close(chart.h1, 2.476295, 5e-7), "h1 = {}", chart.h1);
    assert!(close(chart.h0, -2.476295, 5e-7), "h0 = {}", chart.h0);
    // The same in full (Python's math.log).
    assert!(close(chart.s, 0.21881586309486917, 1e-15));
    assert!(close(chart.h1, 2.476295126305709, 1e-14));
    assert!(close(chart.h0, -2.476295126305709, 1e-14));
    assert!(chart.values.is_empty());
    assert_eq!(chart.signal, CusumSignal::None);
}

#[test]
fn cusum_limits_for_other_settings() {
    // p0 = 0.05, p1 = 0.20, α = 0.05, β = 0.20: P = ln 4, Q = ln(0.95 / 0.80),
    // P + Q = ln 4.75 = ln((1 − α) / β), so h0 = −1 exactly.
    let settings = CusumSettings {
        p0: 0.05,
        p1: 0.20,
        alpha: 0.05,
        beta: 0.20,
    };
    let chart = cusum(&[], &settings);
    assert!(close(chart.s, 0.11029159613060063, 1e-15));
    assert!(close(chart.h0, -1.0, 1e-15));
    assert!(close(chart.h1, 1.7794168077387986, 1e-14));
}

#[test]
fn four_failures_in_a_row_signal_unacceptable_performance() {
    // 1 − s = 0.781184 per failure: 0.781184, 1.562368, 2.343552 (< h1), 3.124737 (≥ h1).
    let chart = cusum(&[true; 4], &CusumSettings::default());
    let expected = [0.781184, 1.562368, 2.343552, 3.124737];
    for (value, expected) in chart.values.iter().zip(expected) {
        assert!(close(*value, expected, 5e-7), "{value} vs {expected}");
    }
    assert_eq!(chart.signal, CusumSignal::Unacceptable { at: 3 });
}

#[test]
fn twelve_successes_in_a_row_signal_acceptable_performance() {
    // −11 s = −2.406974 is above h0; −12 s = −2.625790 is below.
    let chart = cusum(&[false; 12], &CusumSettings::default());
    assert!(close(chart.values[10], -2.406974, 5e-7));
    assert!(close(chart.values[11], -2.625790, 5e-7));
    assert_eq!(chart.signal, CusumSignal::Acceptable { at: 11 });
}

#[test]
fn a_sum_just_short_of_a_limit_does_not_signal() {
    // F S S F F S F F: after the seventh read the sum is 4 − 7s = 2.468289, just under
    // h1 = 2.476295; the eighth read takes it to 3.249473.
    let reads = [true, false, false, true, true, false, true, true];
    let chart = cusum(&reads, &CusumSettings::default());
    let expected = [
        0.7811841369051309,
        0.5623682738102618,
        0.3435524107153926,
        1.1247365476205236,
        1.9059206845256544,
        1.6871048214307853,
        2.468288958335916,
        3.249473095241047,
    ];
    assert_eq!(chart.values.len(), reads.len());
    for (value, expected) in chart.values.iter().zip(expected) {
        assert!(close(*value, expected, 1e-12), "{value} vs {expected}");
    }
    assert_eq!(chart.signal, CusumSignal::Unacceptable { at: 7 });
}

#[test]
fn the_first_signal_stands_and_the_sum_goes_on() {
    let mut reads = vec![false; 12];
    reads.extend([true; 20]);
    let chart = cusum(&reads, &CusumSettings::default());
    assert_eq!(chart.signal, CusumSignal::Acceptable { at: 11 });
    assert_eq!(chart.values.len(), 32);
    assert!(chart.values[31] > chart.h1, "never reset");
}

#[test]
fn cusum_settings_default_and_validation() {
    let defaults = CusumSettings::default();
    assert_eq!(
        (defaults.p0, defaults.p1, defaults.alpha, defaults.beta),
        (0.15, 0.30, 0.10, 0.10)
    );
    assert_eq!(defaults.validate(), Ok(()));
    let wrong = [
        (
            CusumSettings {
                p0: 0.0,
                ..defaults.clone()
            },
            "p0",
        ),
        (
            CusumSettings {
                p1: 0.15,
                ..defaults.clone()
            },
            "p1",
        ),
        (
            CusumSettings {
                p1: 1.0,
                ..defaults.clone()
            },
            "p1",
        ),
        (
            CusumSettings {
                alpha: f64::NAN,
                ..defaults.clone()
            },
            "alpha",
        ),
        (
            CusumSettings {
                alpha: 0.5,
                beta: 0.5,
                ..defaults.clone()
            },
            "beta",
        ),
    ];
    for (settings, field) in wrong {
        assert_eq!(
            settings.validate().unwrap_err().field,
            field,
            "{settings:?}"
        );
    }
    assert_eq!(
        serde_json::to_string(&CusumSignal::Acceptable { at: 11 }).unwrap(),
        r#"{"kind":"acceptable","at":11}"#
    );
}

#[test]
fn percentiles_match_numpy_linear_interpolation() {
    // numpy.percentile([15, 20, 35, 40, 50], p) for p = 0, 5, 30, 40, 50, 95, 100.
    let table = [
        (0.0, 15.0),
        (5.0, 16.0),
        (30.0, 23.0),
        (40.0, 29.0),
        (50.0, 35.0),
        (95.0, 48.0),
        (100.0, 50.0),
    ];
    for (p, expected) in table {
        let mut values = [50.0, 15.0, 40.0, 20.0, 35.0];
        assert_close(percentile(&mut values, p), expected, 1e-12);
    }
    // numpy.median / numpy.percentile(w, 90) / numpy.percentile(w, 25) on reading times (s).
    let times = [312.5, 95.0, 181.25, 240.0, 60.0, 127.5];
    assert_eq!(median(&mut times.clone()), Some(154.375));
    assert_close(percentile(&mut times.clone(), 90.0), 276.25, 1e-12);
    assert_close(percentile(&mut times.clone(), 25.0), 103.125, 1e-12);
}

#[test]
fn medians_of_odd_even_and_degenerate_inputs() {
    assert_eq!(median(&mut [3.0, 1.0, 2.0]), Some(2.0));
    assert_eq!(median(&mut [4.0, 1.0, 3.0, 2.0]), Some(2.5));
    assert_eq!(median(&mut [7.0]), Some(7.0));
    assert_eq!(percentile(&mut [7.0], 99.0), Some(7.0));
    assert_eq!(median(&mut []), None);
    assert_eq!(median(&mut [1.0, f64::NAN]), None);
    assert_eq!(percentile(&mut [1.0, 2.0], 101.0), None);
    assert_eq!(percentile(&mut [1.0, 2.0], -1.0), None);
    assert_eq!(percentile(&mut [1.0, 2.0], f64::NAN), None);
}

#[test]
fn wait_buckets_start_at_a_second_and_split_each_doubling_in_eight() {
    let table = [
        (-5, 0),
        (0, 0),
        (999, 0),
        (1000, 1),
        (1090, 1),
        (1091, 2),
        (2000, 9),
        (3_600_000, 1 + (8.0 * 3600f64.log2()).floor() as i64),
    ];
    for (ms, bucket) in table {
        assert_eq!(wait_bucket(ms), bucket, "{ms} ms");
    }
    // Every bucket's value lies in the bucket.
    for bucket in 0..300 {
        assert_eq!(wait_bucket(wait_bucket_value(bucket) as i64), bucket);
    }
}

proptest! {
    /// The bucketed percentile is the percentile of the waits moved to their buckets' values,
    /// and for waits of a second or more it is within 4.5% of the exact percentile.
    #[test]
    fn bucketed_percentiles_follow_the_exact_ones(
        waits in proptest::collection::vec(1000i64..10_000_000_000, 1..200),
        p in 0.0f64..=100.0,
    ) {
        let mut counts = std::collections::BTreeMap::<i64, u64>::new();
        for wait in &waits {
            *counts.entry(wait_bucket(*wait)).or_default() += 1;
        }
        let buckets: Vec<(i64, u64)> = counts.into_iter().collect();
        let estimate = bucketed_percentile(&buckets, p).unwrap();
        let mut moved: Vec<f64> =
            waits.iter().map(|wait| wait_bucket_value(wait_bucket(*wait))).collect();
        let expected = percentile(&mut moved, p).unwrap();
        prop_assert!(close(estimate, expected, expected * 1e-12));
        let mut exact: Vec<f64> = waits.iter().map(|wait| *wait as f64).collect();
        let exact = percentile(&mut exact, p).unwrap();
        prop_assert!((estimate / exact - 1.0).abs() <= 0.045, "{estimate} against {exact}");
    }
}

#[test]
fn bucketed_percentiles_of_nothing_are_none() {
    assert_eq!(bucketed_percentile(&[], 50.0), None);
    assert_eq!(bucketed_percentile(&[(3, 0)], 50.0), None);
    assert_eq!(bucketed_percentile(&[(3, 2)], 101.0), None);
    assert_eq!(
        bucketed_percentile(&[(3, 2)], 50.0),
        Some(wait_bucket_value(3))
    );
}
