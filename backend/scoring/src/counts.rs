//! Reads counted by overall category and case positivity. Sensitivity and specificity at any
//! threshold, and the AUROC, follow exactly from these ten numbers, so figures over thousands of
//! reads (a cohort's) come from running totals instead of from every read.

use serde::{Deserialize, Serialize};

use crate::{BinaryFigures, wilson};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryCounts {
    /// Positive cases read at overall category 1 to 5 (index 0 is category 1).
    pub positive: [u32; 5],
    /// Negative cases read at overall category 1 to 5.
    pub negative: [u32; 5],
}

impl CategoryCounts {
    /// Counts `(overall category, case positive)` pairs. Categories outside 1–5 are clamped into
    /// it: a submitted report always has one inside.
    pub fn from_pairs(pairs: &[(u8, bool)]) -> CategoryCounts {
        let mut counts = CategoryCounts::default();
        for &(category, positive) in pairs {
            let bucket = usize::from(category.clamp(1, 5) - 1);
            let side = if positive {
                &mut counts.positive
            } else {
                &mut counts.negative
            };
            side[bucket] = side[bucket].saturating_add(1);
        }
        counts
    }

    /// Sensitivity, specificity, PPV and NPV of "overall category ≥ threshold" against "case
    /// positive".
    pub fn binary_figures(&self, threshold: u8) -> BinaryFigures {
        let split = usize::from(threshold.clamp(1, 6) - 1);
        let sum = |cells: &[u32]| cells.iter().fold(0u32, |total, n| total.saturating_add(*n));
        let (false_negatives, true_positives) =
            (sum(&self.positive[..split]), sum(&self.positive[split..]));
        let (true_negatives, false_positives) =
            (sum(&self.negative[..split]), sum(&self.negative[split..]));
        BinaryFigures {
            sensitivity: wilson(
                true_positives,
                true_positives.saturating_add(false_negatives),
            ),
            specificity: wilson(
                true_negatives,
                true_negatives.saturating_add(false_positives),
            ),
            ppv: wilson(
                true_positives,
                true_positives.saturating_add(false_positives),
            ),
            npv: wilson(
                true_negatives,
                true_negatives.saturating_add(false_negatives),
            ),
        }
    }

    /// The Mann–Whitney probability that a positive case has a higher category than a negative
    /// one, ties counting one half. `None` unless both kinds of case are present.
    pub fn auroc(&self) -> Option<f64> {
        let positives: u64 = self.positive.iter().map(|n| u64::from(*n)).sum();
        let negatives: u64 = self.negative.iter().map(|n| u64::from(*n)).sum();
        if positives == 0 || negatives == 0 {
            return None;
        }
        // Twice the U statistic, so that the ties' halves stay whole numbers.
        let mut twice_u = 0u64;
        let mut negatives_below = 0u64;
        for (positive, negative) in self.positive.iter().zip(&self.negative) {
            let (positive, negative) = (u64::from(*positive), u64::from(*negative));
            twice_u += positive * (2 * negatives_below + negative);
            negatives_below += negative;
        }
        Some(twice_u as f64 / (2.0 * positives as f64 * negatives as f64))
    }
}
