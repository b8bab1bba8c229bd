//! A cohort's or a programme's dashboard, from the running figures kept at submission: one row
//! per trainee with only what the table shows, and the group's totals summed by the database.
//!
//! On 1,000 trainees the cost is per value read (sqlx copies and converts each one), not per
//! history: the table reads 13 values a trainee, and the totals come back as one row.
//! The weekly trend, asked for apart from the dashboard, is the exception: it counts the
//! group's first reads since a given time from the attempts, and returns one row a week.

use sqlx::{AssertSqlSafe, Row};

use crate::attempts::{FIGURE_COLUMNS, figures_from_row};
use crate::{Result, Store, StoreError, TraineeFigures};

/// Whose trainees a dashboard shows.
#[derive(Debug, Clone, Copy)]
pub enum Group<'a> {
    Cohort(&'a str),
    Programme(&'a str),
}

impl Group<'_> {
    /// A subquery of the group's trainees' ids, for `$1` bound to [`Group::id`].
    fn members(self) -> &'static str {
        match self {
            Group::Cohort(_) => "SELECT user_id FROM cohort_members WHERE cohort_id = $1",
            Group::Programme(_) => {
                "SELECT user_id FROM programme_members WHERE programme_id = $1 AND role = 'trainee'"
            }
        }
    }

    fn id(self) -> String {
        match self {
            Group::Cohort(id) | Group::Programme(id) => id.to_owned(),
        }
    }
}

/// One trainee's line of a dashboard table; counts are 0 for a trainee who has read nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DashboardRow {
    pub trainee_id: String,
    pub username: String,
    pub display_name: String,
    pub first_reads: i64,
    pub rolling20_correct: i64,
    pub rolling20_n: i64,
    pub rolling50_correct: i64,
    pub rolling50_n: i64,
    /// Positive cases read at the table's threshold category or above, of `positives`.
    pub true_positives: i64,
    pub positives: i64,
    /// Negative cases read below the threshold, of `negatives`.
    pub true_negatives: i64,
    pub negatives: i64,
    pub last_activity: Option<i64>,
}

/// One period of a group's trend: its trainees' scored first reads submitted in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrendPeriod {
    /// Unix milliseconds at which the period starts.
    pub start: i64,
    pub reads: i64,
    /// Reads judged correct, by the rule of the rolling accuracy (the attempt's `correct`).
    pub correct: i64,
    /// Trainees with at least one first read in the period.
    pub trainees: i64,
}

/// A week, the trend's period, in milliseconds.
pub const WEEK_MS: i64 = 7 * 24 * 60 * 60 * 1000;
/// Weeks start on Monday 00:00 UTC: the Unix epoch was a Thursday, so the first Monday is
/// four days after it.
pub const WEEK_ORIGIN_MS: i64 = 4 * 24 * 60 * 60 * 1000;

/// The start of the week that holds `at` (Unix milliseconds, at or after the origin).
pub fn week_start(at: i64) -> i64 {
    WEEK_ORIGIN_MS + (at - WEEK_ORIGIN_MS).div_euclid(WEEK_MS) * WEEK_MS
}

/// A sum of `positive_categoryN` (or `negative_…`) columns over the categories in `range`.
fn category_sum(kind: &str, range: std::ops::RangeInclusive<u8>) -> String {
    let terms: Vec<String> = range
        .map(|category| format!("f.{kind}_category{category}"))
        .collect();
    if terms.is_empty() {
        "0".into()
    } else {
        terms.join(" + ")
    }
}

impl Store {
    /// The group's trainees, by display name, with their rolling accuracy and their
    /// sensitivity and specificity at overall category `threshold` (1–5).
    pub async fn dashboard_rows(
        &self,
        group: Group<'_>,
        threshold: u8,
    ) -> Result<Vec<DashboardRow>> {
        if !(1..=5).contains(&threshold) {
            return Err(StoreError::Invalid(format!(
                "category threshold {threshold} is not 1 to 5"
            )));
        }
        let sql = format!(
            "SELECT u.id, u.username, u.display_name, f.first_reads, \
             f.rolling20_correct, f.rolling20_n, f.rolling50_correct, f.rolling50_n, \
             {} AS true_positives, {} AS positives, {} AS true_negatives, {} AS negatives, \
             f.last_activity \
             FROM users u LEFT JOIN trainee_figures f ON f.trainee_id = u.id \
             WHERE u.id IN ({}) ORDER BY u.display_name, u.id",
            category_sum("positive", threshold..=5),
            category_sum("positive", 1..=5),
            category_sum("negative", 1..=threshold - 1),
            category_sum("negative", 1..=5),
            group.members(),
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(group.id())
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                // A trainee without a figures row has NULLs here: nothing read yet.
                let count = |column: &str| -> Result<i64> {
                    Ok(row.try_get::<Option<i64>, _>(column)?.unwrap_or(0))
                };
                let first_reads = count("first_reads")?;
                Ok(DashboardRow {
                    trainee_id: row.try_get("id")?,
                    username: row.try_get("username")?,
                    display_name: row.try_get("display_name")?,
                    first_reads,
                    rolling20_correct: count("rolling20_correct")?,
                    rolling20_n: count("rolling20_n")?,
                    rolling50_correct: count("rolling50_correct")?,
                    rolling50_n: count("rolling50_n")?,
                    true_positives: count("true_positives")?,
                    positives: count("positives")?,
                    true_negatives: count("true_negatives")?,
                    negatives: count("negatives")?,
                    last_activity: row
                        .try_get::<Option<i64>, _>("last_activity")?
                        .filter(|_| first_reads > 0),
                })
            })
            .collect()
    }

    /// How many trainees the group has, and their figures summed: every count added up, misses
    /// by sector merged, the latest activity (the rolling windows and last outcomes are per
    /// trainee and are left empty).
    pub async fn dashboard_totals(&self, group: Group<'_>) -> Result<(usize, TraineeFigures)> {
        let sums: Vec<String> = FIGURE_COLUMNS
            .iter()
            .map(|column| {
                let total = if *column == "last_activity" {
                    "MAX"
                } else {
                    "SUM"
                };
                // PostgreSQL sums BIGINTs as NUMERIC: cast back.
                format!("CAST(COALESCE({total}(f.{column}), 0) AS BIGINT) AS {column}")
            })
            .collect();
        let sql = format!(
            "SELECT COUNT(*) AS trainees, {}, '' AS recent_outcomes, \
             COALESCE(string_agg(NULLIF(f.missed_sectors, ''), ','), '') AS missed_sectors \
             FROM users u LEFT JOIN trainee_figures f ON f.trainee_id = u.id \
             WHERE u.id IN ({})",
            sums.join(", "),
            group.members(),
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(group.id())
            .fetch_one(&self.pool)
            .await?;
        let trainees: i64 = row.try_get("trainees")?;
        let trainees = usize::try_from(trainees)
            .map_err(|_| StoreError::Corrupt("negative trainee count".into()))?;
        Ok((trainees, figures_from_row(&row)?))
    }

    /// The group's scored first reads submitted at or after `since`, counted by week (Monday
    /// 00:00 UTC), oldest first; weeks without a read are left out. The same reads as the
    /// rolling accuracy (first reads, submitted), counted correct by the same `correct`
    /// flag. Unlike the rest of the dashboard this reads attempts, not running totals, so
    /// `since` bounds its cost: each trainee's reads since then are one range of
    /// `attempts_by_trainee`.
    pub async fn dashboard_trend(&self, group: Group<'_>, since: i64) -> Result<Vec<TrendPeriod>> {
        let since = week_start(since.max(WEEK_ORIGIN_MS));
        // Integer division of non-negative BIGINTs truncates on both databases.
        let sql = format!(
            "SELECT (a.submitted_at - {WEEK_ORIGIN_MS}) / {WEEK_MS} AS week, \
             COUNT(*) AS reads, \
             CAST(COALESCE(SUM(CASE WHEN a.correct = 1 THEN 1 ELSE 0 END), 0) AS BIGINT) AS correct, \
             COUNT(DISTINCT a.trainee_id) AS trainees \
             FROM attempts a WHERE a.trainee_id IN ({}) AND a.reread_number = 0 \
             AND a.submitted_at IS NOT NULL AND a.submitted_at >= $2 \
             GROUP BY (a.submitted_at - {WEEK_ORIGIN_MS}) / {WEEK_MS} ORDER BY week",
            group.members(),
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(group.id())
            .bind(since)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                Ok(TrendPeriod {
                    start: WEEK_ORIGIN_MS + row.try_get::<i64, _>("week")? * WEEK_MS,
                    reads: row.try_get("reads")?,
                    correct: row.try_get("correct")?,
                    trainees: row.try_get("trainees")?,
                })
            })
            .collect()
    }
}
