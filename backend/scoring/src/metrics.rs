//! The figures built from many scored reads: proportions with Wilson score intervals, rolling
//! accuracy, sensitivity, specificity and predictive values, AUROC, quadratic-weighted kappa,
//! the learning-curve CUSUM, medians and percentiles.
//!
//! Every function takes plain values the caller has gathered (categories, flags, times) so that
//! each one can be checked against published or independently computed figures.

use serde::{Deserialize, Serialize};

use crate::SettingsError;

/// The normal quantile for a two-sided 95% interval, to the precision the brief fixes.
pub const WILSON_Z: f64 = 1.959964;

/// A share with its 95% Wilson score interval. `value`, `low` and `high` are `None` when `n` is
/// 0: there is nothing to show but "no cases yet".
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Proportion {
    pub successes: u32,
    pub n: u32,
    pub value: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
}

/// `successes` out of `n` with the Wilson score interval (Wilson 1927; method 3 of Newcombe
/// 1998) at z = [`WILSON_Z`], without continuity correction:
/// centre (p + z²/2n) / (1 + z²/n), half-width z √(p(1−p)/n + z²/4n²) / (1 + z²/n).
/// The exact bounds always lie in [0, p] and [p, 1]; they are clamped there against rounding,
/// so that 0 of n starts at exactly 0 and n of n ends at exactly 1. Successes above `n` count
/// as `n`.
pub fn wilson(successes: u32, n: u32) -> Proportion {
    let successes = successes.min(n);
    if n == 0 {
        return Proportion {
            successes,
            n,
            value: None,
            low: None,
            high: None,
        };
    }
    let trials = f64::from(n);
    let p = f64::from(successes) / trials;
    let z2 = WILSON_Z * WILSON_Z;
    let denominator = 1.0 + z2 / trials;
    let centre = (p + z2 / (2.0 * trials)) / denominator;
    let half_width =
        WILSON_Z * (p * (1.0 - p) / trials + z2 / (4.0 * trials * trials)).sqrt() / denominator;
    Proportion {
        successes,
        n,
        value: Some(p),
        low: Some((centre - half_width).clamp(0.0, p)),
        high: Some((centre + half_width).clamp(p, 1.0)),
    }
}

/// The share of correct reads among the last `window` (20 and 50 in the product), or among all
/// of them when there are fewer; `n` says how many it is over.
pub fn rolling_accuracy(correct_newest_last: &[bool], window: usize) -> Proportion {
    let recent = &correct_newest_last[correct_newest_last.len().saturating_sub(window)..];
    let correct = recent.iter().filter(|&&correct| correct).count();
    wilson(saturating_u32(correct), saturating_u32(recent.len()))
}

fn saturating_u32(count: usize) -> u32 {
    u32::try_from(count).unwrap_or(u32::MAX)
}

/// Sensitivity, specificity, PPV and NPV of "overall category ≥ threshold" against "case
/// positive", each with its Wilson interval (its `successes` and `n` are the confusion counts).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BinaryFigures {
    /// True positives among positive cases.
    pub sensitivity: Proportion,
    /// True negatives among negative cases.
    pub specificity: Proportion,
    /// True positives among reads called positive.
    pub ppv: Proportion,
    /// True negatives among reads called negative.
    pub npv: Proportion,
}

/// Patient-level figures from `(overall category, case positive)` pairs at `threshold` (3 and 4
/// in the product).
pub fn binary_figures(pairs: &[(u8, bool)], threshold: u8) -> BinaryFigures {
    let (mut tp, mut fp, mut tn, mut fn_) = (0u32, 0u32, 0u32, 0u32);
    for &(category, positive) in pairs {
        let called_positive = category >= threshold;
        let count = match (called_positive, positive) {
            (true, true) => &mut tp,
            (true, false) => &mut fp,
            (false, false) => &mut tn,
            (false, true) => &mut fn_,
        };
        *count = count.saturating_add(1);
    }
    BinaryFigures {
        sensitivity: wilson(tp, tp.saturating_add(fn_)),
        specificity: wilson(tn, tn.saturating_add(fp)),
        ppv: wilson(tp, tp.saturating_add(fp)),
        npv: wilson(tn, tn.saturating_add(fn_)),
    }
}

/// The area under the ROC curve of the overall category against case positivity: the
/// Mann–Whitney probability that a positive case has a higher category than a negative one,
/// ties counting one half. `None` unless both positive and negative cases are present.
pub fn auroc(pairs: &[(u8, bool)]) -> Option<f64> {
    let mut positives = [0u64; 256];
    let mut negatives = [0u64; 256];
    for &(category, positive) in pairs {
        let counts = if positive {
            &mut positives
        } else {
            &mut negatives
        };
        counts[usize::from(category)] += 1;
    }
    let positive_count: u64 = positives.iter().sum();
    let negative_count: u64 = negatives.iter().sum();
    if positive_count == 0 || negative_count == 0 {
        return None;
    }
    // Twice the U statistic, so that the ties' halves stay whole numbers.
    let mut twice_u = 0u64;
    let mut negatives_below = 0u64;
    for (positive, negative) in positives.iter().zip(&negatives) {
        twice_u += positive * (2 * negatives_below + negative);
        negatives_below += negative;
    }
    Some(twice_u as f64 / (2.0 * positive_count as f64 * negative_count as f64))
}

/// Cohen's kappa with quadratic weights over `(rater a, rater b)` pairs of PI-RADS categories
/// (labels 1–5). `None` when it is undefined: no pairs, or no disagreement to expect (every
/// pair is the same single category).
///
/// With weights w = (i − j)² / (K − 1)², κ = 1 − Σ w·observed / Σ w·expected, where expected is
/// the product of the two raters' marginals. The (K − 1)² cancels and unused labels add
/// nothing, so this is computed without a K×K table as
/// κ = 1 − n Σ(aₖ − bₖ)² / (n Σa² + n Σb² − 2 Σa Σb), in exact integers; the result is the
/// same whether the label set is taken as 1–5 or as the labels seen (as scikit-learn does).
pub fn quadratic_weighted_kappa(pairs: &[(u8, u8)]) -> Option<f64> {
    let n = i128::try_from(pairs.len()).ok()?;
    let (mut sum_a, mut sum_b, mut sum_a2, mut sum_b2, mut sum_d2) = (0i128, 0, 0, 0, 0);
    for &(a, b) in pairs {
        let (a, b) = (i128::from(a), i128::from(b));
        sum_a += a;
        sum_b += b;
        sum_a2 += a * a;
        sum_b2 += b * b;
        sum_d2 += (a - b) * (a - b);
    }
    let observed = n * sum_d2;
    let expected = n * sum_a2 + n * sum_b2 - 2 * sum_a * sum_b;
    if expected == 0 {
        return None;
    }
    Some(1.0 - observed as f64 / expected as f64)
}

/// The CUSUM's acceptable and unacceptable failure rates and its error rates. The defaults are
/// the brief's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CusumSettings {
    /// Acceptable failure rate.
    pub p0: f64,
    /// Unacceptable failure rate.
    pub p1: f64,
    /// The chance of signalling unacceptable performance when it is acceptable (type I).
    pub alpha: f64,
    /// The chance of signalling acceptable performance when it is unacceptable (type II).
    pub beta: f64,
}

impl Default for CusumSettings {
    fn default() -> Self {
        CusumSettings {
            p0: 0.15,
            p1: 0.30,
            alpha: 0.10,
            beta: 0.10,
        }
    }
}

impl CusumSettings {
    /// Checks the settings before they are saved: outside these ranges the limits are not
    /// finite or lie on the wrong side of zero.
    pub fn validate(&self) -> Result<(), SettingsError> {
        let open_unit = |value: f64| value > 0.0 && value < 1.0;
        if !open_unit(self.p0) {
            return Err(SettingsError::new("p0", "must be between 0 and 1"));
        }
        if !(open_unit(self.p1) && self.p1 > self.p0) {
            return Err(SettingsError::new("p1", "must be between p0 and 1"));
        }
        if !open_unit(self.alpha) {
            return Err(SettingsError::new("alpha", "must be between 0 and 1"));
        }
        if !(open_unit(self.beta) && self.alpha + self.beta < 1.0) {
            return Err(SettingsError::new(
                "beta",
                "must be between 0 and 1, with alpha + beta below 1",
            ));
        }
        Ok(())
    }
}

/// A learning curve: the CUSUM after each read, its step and limits, and its first signal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cusum {
    /// What each success subtracts; each failure adds 1 − s.
    pub s: f64,
    /// The lower decision limit (negative): reaching it signals acceptable performance.
    pub h0: f64,
    /// The upper decision limit (positive): reaching it signals unacceptable performance.
    pub h1: f64,
    /// The sum after each read, in order (one per read; the sum starts at 0 before the first).
    pub values: Vec<f64>,
    pub signal: CusumSignal,
}

/// The first limit the CUSUM reached, and at which read (0-based index into the reads).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CusumSignal {
    None,
    Acceptable { at: usize },
    Unacceptable { at: usize },
}

/// The CUSUM of Bolsin and Colson (2000, Int J Qual Health Care 12:433–438) over reads in order,
/// `true` for a failure (a wrong read):
/// P = ln(p1/p0), Q = ln((1−p0)/(1−p1)), s = Q/(P+Q); each failure adds 1 − s and each success
/// subtracts s, from 0; h1 = ln((1−β)/α)/(P+Q) and h0 = −ln((1−α)/β)/(P+Q). The sum is never
/// reset; a limit counts as crossed when the sum reaches it (≤ h0 or ≥ h1), and the first such
/// read is the signal. Settings that fail [`CusumSettings::validate`] give meaningless figures.
pub fn cusum(failures_in_order: &[bool], settings: &CusumSettings) -> Cusum {
    let p = (settings.p1 / settings.p0).ln();
    let q = ((1.0 - settings.p0) / (1.0 - settings.p1)).ln();
    let s = q / (p + q);
    let h1 = ((1.0 - settings.beta) / settings.alpha).ln() / (p + q);
    let h0 = -((1.0 - settings.alpha) / settings.beta).ln() / (p + q);
    let mut sum = 0.0;
    let mut signal = CusumSignal::None;
    let values = failures_in_order
        .iter()
        .enumerate()
        .map(|(at, &failure)| {
            sum += if failure { 1.0 - s } else { -s };
            if signal == CusumSignal::None {
                if sum <= h0 {
                    signal = CusumSignal::Acceptable { at };
                } else if sum >= h1 {
                    signal = CusumSignal::Unacceptable { at };
                }
            }
            sum
        })
        .collect();
    Cusum {
        s,
        h0,
        h1,
        values,
        signal,
    }
}

/// The median: [`percentile`] 50, so the mean of the middle two of an even count. Sorts
/// `values` in place. `None` when empty or when any value is NaN.
pub fn median(values: &mut [f64]) -> Option<f64> {
    percentile(values, 50.0)
}

/// The `p`th percentile (0 to 100) by linear interpolation between closest ranks: the value at
/// rank p/100 × (n − 1) of the sorted values, counted from 0 (Hyndman and Fan's type 7, numpy's
/// default `linear` method, R's default). Sorts `values` in place. `None` when empty, when `p`
/// is outside 0–100, or when any value is NaN.
pub fn percentile(values: &mut [f64], p: f64) -> Option<f64> {
    if values.is_empty() || !(0.0..=100.0).contains(&p) || values.iter().any(|v| v.is_nan()) {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let rank = p / 100.0 * (values.len() - 1) as f64;
    // rank lies in 0..=n−1, so both indices are in bounds.
    let below = rank.floor() as usize;
    let above = rank.ceil() as usize;
    if below == above {
        return Some(values[below]);
    }
    let fraction = rank - below as f64;
    Some(values[below] + (values[above] - values[below]) * fraction)
}

/// How many log-spaced buckets each doubling of a wait is split into: a bucket spans a ratio of
/// 2^(1/8) ≈ 1.09, so its middle is within 4.5% of anything in it.
pub const WAIT_BUCKETS_PER_DOUBLING: f64 = 8.0;

/// The bucket a wait (ms) is counted in, for waits kept as a histogram rather than one by one
/// (a programme's feedback turnaround): bucket 0 holds everything under a second (and negative
/// waits from clocks that disagree); bucket b ≥ 1 holds [1 s × 2^((b−1)/8), 1 s × 2^(b/8)).
/// A year's wait is bucket 200, so a histogram has at most a few hundred buckets.
pub fn wait_bucket(ms: i64) -> i64 {
    if ms < 1000 {
        return 0;
    }
    1 + (WAIT_BUCKETS_PER_DOUBLING * (ms as f64 / 1000.0).log2()).floor() as i64
}

/// The wait (ms) a bucket stands for: its geometric middle; half a second for bucket 0.
pub fn wait_bucket_value(bucket: i64) -> f64 {
    if bucket <= 0 {
        return 500.0;
    }
    1000.0 * ((bucket as f64 - 0.5) / WAIT_BUCKETS_PER_DOUBLING).exp2()
}

/// The `p`th percentile of waits kept as (bucket, count) pairs: exactly [`percentile`] of the
/// waits with each replaced by its bucket's [`wait_bucket_value`], computed without expanding
/// them. For waits of a second or more it is within 4.5% of the percentile of the exact waits.
/// `None` when there are no waits or `p` is outside 0–100.
pub fn bucketed_percentile(buckets: &[(i64, u64)], p: f64) -> Option<f64> {
    let n: u64 = buckets.iter().map(|(_, count)| count).sum();
    if n == 0 || !(0.0..=100.0).contains(&p) {
        return None;
    }
    let mut sorted = buckets.to_vec();
    sorted.sort_by_key(|(bucket, _)| *bucket);
    // The value at 0-based rank `k` of the sorted waits.
    let value_at = |k: u64| {
        let mut seen = 0;
        for (bucket, count) in &sorted {
            seen += count;
            if k < seen {
                return wait_bucket_value(*bucket);
            }
        }
        wait_bucket_value(sorted.last().map_or(0, |(bucket, _)| *bucket))
    };
    let rank = p / 100.0 * (n - 1) as f64;
    let (below, above) = (value_at(rank.floor() as u64), value_at(rank.ceil() as u64));
    Some(below + (above - below) * rank.fract())
}

#[cfg(test)]
mod tests;
