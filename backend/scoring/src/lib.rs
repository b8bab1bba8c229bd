//! Readroom's judgement of a read: scoring one submitted PI-RADS report against the histology
//! truth of its case (which reported lesions hit which true lesions, what was missed, whether
//! the case was read correctly), and the figures built from many scored reads (rolling accuracy
//! with Wilson intervals, sensitivity and specificity, AUROC, weighted kappa, the learning-curve
//! CUSUM, medians).
//!
//! This crate is pure arithmetic over `readroom-domain` types: it must never do IO, never be
//! async, and never touch a database, the clock or randomness. Callers fetch what it needs and
//! store what it returns, so that every rule here is tested exhaustively with plain unit and
//! property tests. The rules are those of the product brief ("Domain rules that must be right");
//! each threshold is a setting passed in, never a constant buried here.

pub mod counts;
pub mod metrics;
pub mod scoring;

pub use counts::CategoryCounts;
pub use metrics::{
    BinaryFigures, Cusum, CusumSettings, CusumSignal, Proportion, WAIT_BUCKETS_PER_DOUBLING,
    WILSON_Z, auroc, binary_figures, bucketed_percentile, cusum, median, percentile,
    quadratic_weighted_kappa, rolling_accuracy, wait_bucket, wait_bucket_value, wilson,
};
pub use scoring::{ReportedOutcome, Score, ScoringSettings, TruthOutcome, score};

/// A setting outside the range its rule needs, named by field.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct SettingsError {
    pub field: &'static str,
    pub message: String,
}

impl SettingsError {
    fn new(field: &'static str, message: impl Into<String>) -> SettingsError {
        SettingsError {
            field,
            message: message.into(),
        }
    }
}
