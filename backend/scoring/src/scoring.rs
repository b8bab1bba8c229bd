//! Scoring one submitted report against the histology truth of its case.
//!
//! The rules, as the brief states them (each threshold is a [`ScoringSettings`] field):
//!
//! - A reported lesion is *positive* when its PI-RADS category is at least
//!   `positive_from_category` (3). Only positive lesions are matched; the others are kept in the
//!   report but are neither hits nor false positives ([`ReportedOutcome::BelowThreshold`]).
//! - A true lesion is a *target* when it is clinically significant: ISUP grade group at least
//!   `significant_from_isup` (2; a setting of the case collection, so the caller passes the
//!   case's own definition).
//! - A positive reported lesion and a true lesion are a *candidate pair* when both have points
//!   and the distance between them is at most the true lesion's radius + `match_margin_mm` (5),
//!   or at most `match_distance_without_radius_mm` (10) when it has no radius; when either has
//!   no point, when their sector sets intersect. Both limits are inclusive.
//! - Pairs of positive lesions and targets are assigned one-to-one, greedily: pairs with a
//!   distance first, shortest first (equal distances in report order, then truth order); then
//!   the pairs matched by sectors, in report order and then truth order. A pair is taken when
//!   neither side is taken yet.
//! - Hits are the matched reported lesions, false positives the unmatched positive ones, misses
//!   the unmatched targets. A false positive that is a candidate (same rule) for a
//!   non-significant true lesion is shown with that lesion.
//! - A case is positive when it has at least one target. A positive case is read correctly when
//!   there is at least one hit; a negative case when no reported lesion is positive.
//!
//! Because the sector pairs are taken in report order, which reported lesion gets a contested
//! target — and in rare layouts how many hits there are — can depend on the order in which the
//! reader listed the lesions. That is the rule as specified; the property tests state exactly
//! what does not depend on order.

use readroom_domain::{Report, ReportedLesion, Sector, TruthLesion};
use serde::{Deserialize, Serialize};

use crate::SettingsError;

/// The thresholds of the scoring rules. The defaults are the brief's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScoringSettings {
    /// The PI-RADS category from which a reported lesion is positive (and matched).
    pub positive_from_category: u8,
    /// The ISUP grade group from which a true lesion is clinically significant (a target).
    /// Each case collection has its own: pass the case's `significant_from_isup`.
    pub significant_from_isup: u8,
    /// Added to a true lesion's radius to give the greatest distance that still matches.
    pub match_margin_mm: f64,
    /// The greatest distance that still matches a true lesion that has no radius.
    pub match_distance_without_radius_mm: f64,
}

impl Default for ScoringSettings {
    fn default() -> Self {
        ScoringSettings {
            positive_from_category: 3,
            significant_from_isup: 2,
            match_margin_mm: 5.0,
            match_distance_without_radius_mm: 10.0,
        }
    }
}

impl ScoringSettings {
    /// Checks the settings before they are saved: [`score`] accepts any values, but outside
    /// these ranges its results mean nothing.
    pub fn validate(&self) -> Result<(), SettingsError> {
        if !(1..=5).contains(&self.positive_from_category) {
            return Err(SettingsError::new(
                "positive_from_category",
                "must be a PI-RADS category, 1 to 5",
            ));
        }
        if !(1..=5).contains(&self.significant_from_isup) {
            return Err(SettingsError::new(
                "significant_from_isup",
                "must be an ISUP grade group, 1 to 5",
            ));
        }
        for (field, value) in [
            ("match_margin_mm", self.match_margin_mm),
            (
                "match_distance_without_radius_mm",
                self.match_distance_without_radius_mm,
            ),
        ] {
            if !(value.is_finite() && (0.0..=100.0).contains(&value)) {
                return Err(SettingsError::new(field, "must be 0 to 100 mm"));
            }
        }
        Ok(())
    }
}

/// The outcome of one scored report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Score {
    /// The case has at least one target.
    pub case_positive: bool,
    /// The case was read correctly: a positive case with at least one hit, or a negative case
    /// with no positive reported lesion.
    pub correct: bool,
    /// The report's overall category: the highest category of its lesions, or the stated one
    /// (1 or 2) when it has none. A report with neither can only be an incomplete draft, which
    /// is never submitted; it counts as 1, like a report that found nothing (it has no positive
    /// lesion either).
    pub overall_category: u8,
    /// One per reported lesion, in report order.
    pub reported: Vec<ReportedOutcome>,
    /// One per true lesion, in truth order.
    pub truth: Vec<TruthOutcome>,
    /// Matched reported lesions (equally, matched targets).
    pub hits: u32,
    /// Positive reported lesions left unmatched.
    pub false_positives: u32,
    /// Targets left unmatched.
    pub misses: u32,
    /// Clinically significant true lesions.
    pub targets: u32,
    /// The sectors of every missed target, in truth order: a sector appears once per missed
    /// target that lies in it, ready for counting misses by sector.
    pub missed_sectors: Vec<Sector>,
}

/// What became of one reported lesion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ReportedOutcome {
    /// Matched to the target at `truth_index`; `distance_mm` when matched by distance, `None`
    /// when matched by sectors.
    Hit {
        truth_index: usize,
        distance_mm: Option<f64>,
    },
    /// Positive but matched to no target. When it is a candidate for a non-significant true
    /// lesion, that lesion (the nearest by distance, else the first by sectors in truth order),
    /// so that the reader sees the histology they reported.
    FalsePositive {
        non_significant_truth_index: Option<usize>,
    },
    /// Below the positive category (or, only in an incomplete draft, without a category):
    /// neither a hit nor a false positive.
    BelowThreshold,
}

/// What became of one true lesion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TruthOutcome {
    /// A target matched by the reported lesion at `reported_index`.
    Hit { reported_index: usize },
    /// A target no positive reported lesion was matched to.
    Missed,
    /// Not clinically significant, so never to be found.
    NotTarget,
}

/// Why a reported lesion and a true lesion may be paired.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Candidate {
    /// Both have points, this far apart, within the limit.
    Distance(f64),
    /// One of them has no point and their sectors intersect.
    Sectors,
}

fn candidate(
    lesion: &ReportedLesion,
    truth: &TruthLesion,
    settings: &ScoringSettings,
) -> Option<Candidate> {
    match (&lesion.point, truth.centre_lps_mm) {
        (Some(point), Some(centre)) => {
            let distance = distance_mm(point.lps_mm, centre);
            let limit = match truth.radius_mm {
                Some(radius) => radius + settings.match_margin_mm,
                None => settings.match_distance_without_radius_mm,
            };
            // A NaN (never in validated input) fails this comparison and matches nothing.
            (distance <= limit).then_some(Candidate::Distance(distance))
        }
        _ => lesion
            .sectors
            .iter()
            .any(|sector| truth.sectors.contains(sector))
            .then_some(Candidate::Sectors),
    }
}

fn distance_mm(a: [f64; 3], b: [f64; 3]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(a, b)| (a - b) * (a - b))
        .sum::<f64>()
        .sqrt()
}

/// Scores `report` against the true lesions of its case. Pure and total: any report and truth
/// give a score (use [`ScoringSettings::validate`] on settings before saving them).
pub fn score(report: &Report, truth: &[TruthLesion], settings: &ScoringSettings) -> Score {
    let positive: Vec<bool> = report
        .lesions
        .iter()
        .map(|lesion| {
            lesion
                .category
                .is_some_and(|category| category >= settings.positive_from_category)
        })
        .collect();
    let target: Vec<bool> = truth
        .iter()
        .map(|lesion| lesion.is_significant(settings.significant_from_isup))
        .collect();

    // Built in report order then truth order, which is the order sector pairs are taken in.
    let mut distance_pairs = Vec::new();
    let mut sector_pairs = Vec::new();
    for (r, lesion) in report.lesions.iter().enumerate() {
        if !positive[r] {
            continue;
        }
        for (t, truth_lesion) in truth.iter().enumerate() {
            if !target[t] {
                continue;
            }
            match candidate(lesion, truth_lesion, settings) {
                Some(Candidate::Distance(distance)) => distance_pairs.push((distance, r, t)),
                Some(Candidate::Sectors) => sector_pairs.push((r, t)),
                None => {}
            }
        }
    }
    // A stable sort keeps report-then-truth order among equal distances.
    distance_pairs.sort_by(|a, b| a.0.total_cmp(&b.0));

    let mut reported_match: Vec<Option<(usize, Option<f64>)>> = vec![None; report.lesions.len()];
    let mut truth_match: Vec<Option<usize>> = vec![None; truth.len()];
    let pairs = distance_pairs
        .into_iter()
        .map(|(distance, r, t)| (r, t, Some(distance)))
        .chain(sector_pairs.into_iter().map(|(r, t)| (r, t, None)));
    for (r, t, distance) in pairs {
        if reported_match[r].is_none() && truth_match[t].is_none() {
            reported_match[r] = Some((t, distance));
            truth_match[t] = Some(r);
        }
    }

    let reported: Vec<ReportedOutcome> = report
        .lesions
        .iter()
        .enumerate()
        .map(|(r, lesion)| match reported_match[r] {
            Some((truth_index, distance_mm)) => ReportedOutcome::Hit {
                truth_index,
                distance_mm,
            },
            None if positive[r] => ReportedOutcome::FalsePositive {
                non_significant_truth_index: landed_on_non_significant(
                    lesion, truth, &target, settings,
                ),
            },
            None => ReportedOutcome::BelowThreshold,
        })
        .collect();
    let truth_outcomes: Vec<TruthOutcome> = truth_match
        .iter()
        .zip(&target)
        .map(|(matched, &is_target)| match matched {
            Some(reported_index) => TruthOutcome::Hit {
                reported_index: *reported_index,
            },
            None if is_target => TruthOutcome::Missed,
            None => TruthOutcome::NotTarget,
        })
        .collect();

    let targets = count_true(target.iter().copied());
    let positives = count_true(positive.iter().copied());
    let hits = count_true(truth_match.iter().map(Option::is_some));
    let missed_sectors = truth
        .iter()
        .zip(&truth_outcomes)
        .filter(|(_, outcome)| **outcome == TruthOutcome::Missed)
        .flat_map(|(lesion, _)| lesion.sectors.iter().copied())
        .collect();
    let case_positive = targets > 0;
    Score {
        case_positive,
        correct: if case_positive {
            hits > 0
        } else {
            positives == 0
        },
        overall_category: report.overall_category().unwrap_or(1),
        reported,
        truth: truth_outcomes,
        hits,
        false_positives: positives - hits,
        misses: targets - hits,
        targets,
        missed_sectors,
    }
}

fn count_true(flags: impl Iterator<Item = bool>) -> u32 {
    // A report holds at most four lesions and a case at most sixteen: no truncation.
    flags.filter(|&flag| flag).count() as u32
}

/// The non-significant true lesion an unmatched positive lesion is a candidate for: the nearest
/// by distance (the first in truth order among equals), else the first by sectors.
fn landed_on_non_significant(
    lesion: &ReportedLesion,
    truth: &[TruthLesion],
    target: &[bool],
    settings: &ScoringSettings,
) -> Option<usize> {
    let mut nearest: Option<(f64, usize)> = None;
    let mut by_sectors = None;
    for (t, truth_lesion) in truth.iter().enumerate() {
        if target[t] {
            continue;
        }
        match candidate(lesion, truth_lesion, settings) {
            Some(Candidate::Distance(distance))
                if nearest.is_none_or(|(best, _)| distance < best) =>
            {
                nearest = Some((distance, t));
            }
            Some(Candidate::Sectors) => {
                by_sectors.get_or_insert(t);
            }
            Some(Candidate::Distance(_)) | None => {}
        }
    }
    nearest.map(|(_, t)| t).or(by_sectors)
}

#[cfg(test)]
mod tests;
