//! `CategoryCounts` keeps running totals instead of every read: its figures must be exactly
//! those computed from the reads themselves.

use proptest::prelude::*;
use readroom_scoring::{CategoryCounts, auroc, binary_figures};

proptest! {
    #[test]
    fn figures_from_counts_equal_figures_from_the_reads(
        pairs in prop::collection::vec((1u8..=5, any::<bool>()), 0..80)
    ) {
        let counts = CategoryCounts::from_pairs(&pairs);
        for threshold in 1..=6 {
            prop_assert_eq!(counts.binary_figures(threshold), binary_figures(&pairs, threshold));
        }
        prop_assert_eq!(counts.auroc(), auroc(&pairs));
    }
}

#[test]
fn counts_are_kept_by_category_and_positivity() {
    let counts = CategoryCounts::from_pairs(&[(5, true), (5, true), (2, false), (3, true)]);
    assert_eq!(counts.positive, [0, 0, 1, 0, 2]);
    assert_eq!(counts.negative, [0, 1, 0, 0, 0]);
}
