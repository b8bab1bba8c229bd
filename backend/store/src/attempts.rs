//! Attempts (a trainee's reading of a case), their reports and scores, reference reads, a
//! case's truth, and the running figures kept per trainee.
//!
//! A submitted report is never changed: every update of a report is conditional on the attempt
//! not being submitted, and a submission writes the report, its score and the trainee's figures
//! in one transaction.

use std::collections::BTreeMap;

use readroom_domain::{Report, Role, TruthLesion};
use serde::Serialize;
use sqlx::AssertSqlSafe;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use crate::audit::insert_audit;
use crate::cases::conflict_if_taken;
use crate::{Result, Store, StoreError, new_id};

/// How many recent first reads the rolling figures cover.
pub const ROLLING_WINDOWS: [i64; 2] = [20, 50];

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attempt {
    pub id: String,
    pub trainee_id: String,
    pub case_id: String,
    pub programme_id: String,
    /// 0 for the first read; 1, 2, … for re-reads.
    pub reread_number: i64,
    pub started_at: i64,
    pub submitted_at: Option<i64>,
    pub report: Report,
    /// The score as computed at submission (or by the last rescore); JSON of the scoring crate.
    pub score: Option<serde_json::Value>,
    pub correct: Option<bool>,
    pub case_positive: Option<bool>,
    pub overall_category: Option<i64>,
}

impl Attempt {
    pub fn is_submitted(&self) -> bool {
        self.submitted_at.is_some()
    }

    /// Time from opening the case to submitting the report.
    pub fn reading_ms(&self) -> Option<i64> {
        self.submitted_at.map(|at| at - self.started_at)
    }

    /// A count of the stored score (`"targets"`, `"hits"`, `"false_positives"`): 0 before
    /// the attempt is scored.
    pub fn score_count(&self, key: &str) -> u32 {
        self.score
            .as_ref()
            .and_then(|score| score.get(key))
            .and_then(serde_json::Value::as_u64)
            .map_or(0, |n| u32::try_from(n).unwrap_or(u32::MAX))
    }
}

/// What scoring a report produced, to be stored with it.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoredReport {
    pub score: serde_json::Value,
    pub correct: bool,
    pub case_positive: bool,
    pub overall_category: u8,
    pub targets: u32,
    pub hits: u32,
    pub false_positives: u32,
    /// The sectors of the missed targets, once per missed target in each.
    pub missed_sectors: Vec<String>,
}

/// A case's histology truth and teaching notes: for the server to score with, and to show only
/// after submission.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseTruth {
    pub case_id: String,
    pub significant_from_isup: u8,
    pub lesions: Vec<TruthLesion>,
    pub teaching_notes: Option<String>,
}

/// See [`Store::submission_context`].
#[derive(Debug, Clone, PartialEq)]
pub struct SubmissionContext {
    /// The programme's settings as stored (JSON); the server reads them with defaults.
    pub settings: serde_json::Value,
    pub truth: CaseTruth,
    pub figures: Option<TraineeFigures>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReferenceRead {
    pub case_id: String,
    pub expert_id: String,
    pub expert_name: String,
    pub report: Report,
    pub overall_category: i64,
    pub submitted_at: i64,
}

/// Running totals over a trainee's scored first reads (see the `trainee_figures` table).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TraineeFigures {
    pub first_reads: i64,
    pub correct: i64,
    pub rolling20_correct: i64,
    pub rolling20_n: i64,
    pub rolling50_correct: i64,
    pub rolling50_n: i64,
    /// First reads by overall category (index 0 is category 1): of positive cases, and of
    /// negative ones.
    pub positive_by_category: [i64; 5],
    pub negative_by_category: [i64; 5],
    pub targets: i64,
    pub hits: i64,
    pub false_positives: i64,
    pub reading_ms: i64,
    pub last_activity: i64,
    /// The outcomes of the last first reads (at most the longest rolling window), newest
    /// first: '1' right, '0' wrong.
    pub recent_outcomes: String,
    /// Misses by sector (a missed lesion counts once in every sector it lies in).
    pub missed_sectors: BTreeMap<String, i64>,
}

const ATTEMPT_COLUMNS: &str = "id, trainee_id, case_id, programme_id, reread_number, started_at, \
     submitted_at, report, score, correct, case_positive, overall_category";

pub(crate) const FIGURE_COLUMNS: [&str; 21] = [
    "first_reads",
    "correct",
    "rolling20_correct",
    "rolling20_n",
    "rolling50_correct",
    "rolling50_n",
    "positive_category1",
    "positive_category2",
    "positive_category3",
    "positive_category4",
    "positive_category5",
    "negative_category1",
    "negative_category2",
    "negative_category3",
    "negative_category4",
    "negative_category5",
    "targets",
    "hits",
    "false_positives",
    "reading_ms",
    "last_activity",
];

impl Store {
    /// Opens a case for reading. Each (trainee, case, re-read number) is read once: a second
    /// start is a conflict.
    pub async fn start_attempt(
        &self,
        trainee_id: &str,
        case_id: &str,
        programme_id: &str,
        reread_number: i64,
        now: i64,
    ) -> Result<Attempt> {
        let attempt = Attempt {
            id: new_id(),
            trainee_id: trainee_id.to_owned(),
            case_id: case_id.to_owned(),
            programme_id: programme_id.to_owned(),
            reread_number,
            started_at: now,
            submitted_at: None,
            report: Report::default(),
            score: None,
            correct: None,
            case_positive: None,
            overall_category: None,
        };
        sqlx::query(
            "INSERT INTO attempts (id, trainee_id, case_id, programme_id, reread_number, \
             started_at, report) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&attempt.id)
        .bind(trainee_id)
        .bind(case_id)
        .bind(programme_id)
        .bind(reread_number)
        .bind(now)
        .bind(to_json(&attempt.report)?)
        .execute(&self.writer)
        .await
        .map_err(|err| conflict_if_taken(err, || "this reading has already been started".into()))?;
        Ok(attempt)
    }

    pub async fn attempt(&self, id: &str) -> Result<Option<Attempt>> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {ATTEMPT_COLUMNS} FROM attempts WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(attempt_from_row).transpose()
    }

    /// A trainee's readings of one case, first read first.
    pub async fn attempts_on_case(&self, trainee_id: &str, case_id: &str) -> Result<Vec<Attempt>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {ATTEMPT_COLUMNS} FROM attempts WHERE trainee_id = $1 AND case_id = $2 \
             ORDER BY reread_number"
        )))
        .bind(trainee_id)
        .bind(case_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(attempt_from_row).collect()
    }

    /// Every attempt of a trainee, oldest first.
    pub async fn trainee_attempts(&self, trainee_id: &str) -> Result<Vec<Attempt>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {ATTEMPT_COLUMNS} FROM attempts WHERE trainee_id = $1 \
             ORDER BY started_at, id"
        )))
        .bind(trainee_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(attempt_from_row).collect()
    }

    /// Every submitted attempt of a programme, oldest first (for exports).
    pub async fn programme_attempts(&self, programme_id: &str) -> Result<Vec<Attempt>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {ATTEMPT_COLUMNS} FROM attempts WHERE programme_id = $1 \
             AND submitted_at IS NOT NULL ORDER BY submitted_at, id"
        )))
        .bind(programme_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(attempt_from_row).collect()
    }

    /// Every submitted attempt: what the rescore command goes through.
    pub async fn submitted_attempts(&self) -> Result<Vec<Attempt>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {ATTEMPT_COLUMNS} FROM attempts WHERE submitted_at IS NOT NULL \
             ORDER BY submitted_at, id"
        )))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(attempt_from_row).collect()
    }

    /// Saves a draft; a submitted report cannot be changed.
    pub async fn save_draft(&self, attempt_id: &str, report: &Report) -> Result<()> {
        let updated =
            sqlx::query("UPDATE attempts SET report = $1 WHERE id = $2 AND submitted_at IS NULL")
                .bind(to_json(report)?)
                .bind(attempt_id)
                .execute(&self.writer)
                .await?;
        if updated.rows_affected() == 0 {
            return Err(already_submitted());
        }
        Ok(())
    }

    /// Freezes the report with its score, updates the trainee's figures (for a first read) and
    /// records the submission in the audit log from `address`, all in one transaction. Returns
    /// the attempt as submitted. `figures` are the trainee's figures as the caller read them
    /// (with [`Store::submission_context`]): they are written back only if unchanged since,
    /// and read again otherwise, so the read costs no round trip inside the transaction.
    pub async fn submit_attempt(
        &self,
        attempt: &Attempt,
        report: &Report,
        scored: &ScoredReport,
        mut figures: Option<TraineeFigures>,
        now: i64,
        address: &str,
    ) -> Result<Attempt> {
        // A retry only follows another submission of the same trainee's that changed their
        // figures between our read and our write (two tabs, two servers).
        let mut tries = 0;
        while !self
            .try_submit_attempt(attempt, report, scored, figures, now, address)
            .await?
        {
            tries += 1;
            if tries == 5 {
                return Err(StoreError::Conflict(
                    "the trainee's figures kept changing: submit again".into(),
                ));
            }
            figures = self.trainee_figures(&attempt.trainee_id).await?;
        }
        Ok(Attempt {
            submitted_at: Some(now),
            report: report.clone(),
            score: Some(scored.score.clone()),
            correct: Some(scored.correct),
            case_positive: Some(scored.case_positive),
            overall_category: Some(i64::from(scored.overall_category)),
            ..attempt.clone()
        })
    }

    /// One try of [`Store::submit_attempt`]: `false`, with nothing stored, when the trainee's
    /// figures are no longer `figures`.
    async fn try_submit_attempt(
        &self,
        attempt: &Attempt,
        report: &Report,
        scored: &ScoredReport,
        figures: Option<TraineeFigures>,
        now: i64,
        address: &str,
    ) -> Result<bool> {
        let mut tx = self.writer.begin().await?;
        let updated = sqlx::query(
            "UPDATE attempts SET report = $1, submitted_at = $2, score = $3, correct = $4, \
             case_positive = $5, overall_category = $6 WHERE id = $7 AND submitted_at IS NULL",
        )
        .bind(to_json(report)?)
        .bind(now)
        .bind(scored.score.to_string())
        .bind(i64::from(scored.correct))
        .bind(i64::from(scored.case_positive))
        .bind(i64::from(scored.overall_category))
        .bind(&attempt.id)
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() == 0 {
            return Err(already_submitted());
        }
        if attempt.reread_number == 0 {
            let mut figures = figures.unwrap_or_default();
            let read_before = figures.first_reads;
            figures.add(scored, now - attempt.started_at, now);
            if !store_figures(&mut tx, &attempt.trainee_id, &figures, read_before).await? {
                return Ok(false);
            }
        }
        insert_audit(
            &mut *tx,
            Some(&attempt.trainee_id),
            "submit",
            &attempt.id,
            address,
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Replaces the score of a submitted attempt (the report stays as it is).
    pub async fn rescore_attempt(&self, attempt_id: &str, scored: &ScoredReport) -> Result<()> {
        sqlx::query(
            "UPDATE attempts SET score = $1, correct = $2, case_positive = $3, \
             overall_category = $4 WHERE id = $5 AND submitted_at IS NOT NULL",
        )
        .bind(scored.score.to_string())
        .bind(i64::from(scored.correct))
        .bind(i64::from(scored.case_positive))
        .bind(i64::from(scored.overall_category))
        .bind(attempt_id)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// Rebuilds the derived data from what is stored: every trainee's figures from their
    /// stored scores (after a rescore), and each programme's feedback waits from its
    /// attempts' submission and first feedback times.
    pub async fn rebuild_derived(&self) -> Result<()> {
        let mut tx = self.writer.begin().await?;
        sqlx::query("DELETE FROM trainee_figures")
            .execute(&mut *tx)
            .await?;
        let rows = sqlx::query(
            "SELECT trainee_id, started_at, submitted_at, score, correct, case_positive, \
             overall_category FROM attempts WHERE reread_number = 0 \
             AND submitted_at IS NOT NULL ORDER BY trainee_id, submitted_at, id",
        )
        .fetch_all(&mut *tx)
        .await?;
        let mut current: Option<(String, TraineeFigures)> = None;
        for row in &rows {
            let trainee_id: String = row.try_get("trainee_id")?;
            // The rows come trainee by trainee: store each trainee's totals when the next starts.
            if let Some((id, figures)) = current.take_if(|(id, _)| *id != trainee_id) {
                store_figures(&mut tx, &id, &figures, 0).await?;
            }
            let scored = scored_from_row(row)?;
            let started_at: i64 = row.try_get("started_at")?;
            let submitted_at: i64 = row.try_get("submitted_at")?;
            let (_, figures) =
                current.get_or_insert_with(|| (trainee_id, TraineeFigures::default()));
            figures.add(&scored, submitted_at - started_at, submitted_at);
        }
        if let Some((id, figures)) = current {
            store_figures(&mut tx, &id, &figures, 0).await?;
        }
        crate::feedback::rebuild_feedback_waits(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A trainee's running figures; `None` before their first scored first read.
    pub async fn trainee_figures(&self, trainee_id: &str) -> Result<Option<TraineeFigures>> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {} FROM trainee_figures WHERE trainee_id = $1",
            figure_columns()
        )))
        .bind(trainee_id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(figures_from_row).transpose()
    }

    /// A user's running figures, with the roles `follower_id` holds in programmes where that
    /// user is a trainee (what the access check needs), in one read: `None` when there is no
    /// such user, and empty figures before their first scored first read.
    pub async fn user_figures(
        &self,
        user_id: &str,
        follower_id: &str,
    ) -> Result<Option<(TraineeFigures, Vec<Role>)>> {
        let follows_as = |role: Role| {
            format!(
                "CAST(CASE WHEN EXISTS (SELECT 1 FROM programme_members mine \
                 JOIN programme_members theirs ON theirs.programme_id = mine.programme_id \
                 WHERE mine.user_id = $2 AND mine.role = '{}' AND theirs.user_id = u.id \
                 AND theirs.role = 'trainee') THEN 1 ELSE 0 END AS BIGINT) AS follows_as_{}",
                role.as_str(),
                role.as_str()
            )
        };
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT f.*, {}, {} FROM users u LEFT JOIN trainee_figures f ON f.trainee_id = u.id \
             WHERE u.id = $1",
            follows_as(Role::Expert),
            follows_as(Role::Lead)
        )))
        .bind(user_id)
        .bind(follower_id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let mut roles = Vec::new();
        for role in [Role::Expert, Role::Lead] {
            if row.try_get::<i64, _>(format!("follows_as_{}", role.as_str()).as_str())? == 1 {
                roles.push(role);
            }
        }
        let figures = if row.try_get::<Option<String>, _>("trainee_id")?.is_none() {
            TraineeFigures::default()
        } else {
            figures_from_row(&row)?
        };
        Ok(Some((figures, roles)))
    }

    /// Whether each of a trainee's scored first reads was correct, oldest first.
    pub async fn first_read_outcomes(&self, trainee_id: &str) -> Result<Vec<Attempt>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {ATTEMPT_COLUMNS} FROM attempts WHERE trainee_id = $1 AND reread_number = 0 \
             AND submitted_at IS NOT NULL ORDER BY submitted_at, id"
        )))
        .bind(trainee_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(attempt_from_row).collect()
    }

    pub async fn case_truth(&self, case_id: &str) -> Result<Option<CaseTruth>> {
        let row = sqlx::query(
            "SELECT id, significant_from_isup, truth, teaching_notes FROM cases WHERE id = $1",
        )
        .bind(case_id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(truth_from_row).transpose()
    }

    /// What scoring a submission needs, in one read: the attempt's programme settings, its
    /// case's truth, and the trainee's running figures as they are now (`None` before their
    /// first scored first read). `None` when the programme or the case is gone.
    pub async fn submission_context(&self, attempt: &Attempt) -> Result<Option<SubmissionContext>> {
        let figures: Vec<String> = FIGURE_COLUMNS
            .iter()
            .chain(&["recent_outcomes", "missed_sectors"])
            .map(|column| format!("f.{column}"))
            .collect();
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT p.settings, c.id, c.significant_from_isup, c.truth, c.teaching_notes, \
             f.trainee_id AS figures_of, {} FROM programmes p JOIN cases c ON c.id = $2 \
             LEFT JOIN trainee_figures f ON f.trainee_id = $3 WHERE p.id = $1",
            figures.join(", ")
        )))
        .bind(&attempt.programme_id)
        .bind(&attempt.case_id)
        .bind(&attempt.trainee_id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let has_figures = row.try_get::<Option<String>, _>("figures_of")?.is_some();
        Ok(Some(SubmissionContext {
            settings: from_json(&row.try_get::<String, _>("settings")?)?,
            truth: truth_from_row(&row)?,
            figures: if has_figures {
                Some(figures_from_row(&row)?)
            } else {
                None
            },
        }))
    }

    /// Files (or replaces) an expert's reference read of a case.
    pub async fn set_reference_read(
        &self,
        case_id: &str,
        expert_id: &str,
        report: &Report,
        overall_category: u8,
        now: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO reference_reads (case_id, expert_id, report, overall_category, submitted_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (case_id, expert_id) DO UPDATE SET \
             report = excluded.report, overall_category = excluded.overall_category, \
             submitted_at = excluded.submitted_at",
        )
        .bind(case_id)
        .bind(expert_id)
        .bind(to_json(report)?)
        .bind(i64::from(overall_category))
        .bind(now)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    pub async fn reference_reads(&self, case_id: &str) -> Result<Vec<ReferenceRead>> {
        let rows = sqlx::query(
            "SELECT r.case_id, r.expert_id, u.display_name, r.report, r.overall_category, \
             r.submitted_at FROM reference_reads r JOIN users u ON u.id = r.expert_id \
             WHERE r.case_id = $1 ORDER BY r.submitted_at, r.expert_id",
        )
        .bind(case_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(ReferenceRead {
                    case_id: row.try_get("case_id")?,
                    expert_id: row.try_get("expert_id")?,
                    expert_name: row.try_get("display_name")?,
                    report: from_json(&row.try_get::<String, _>("report")?)?,
                    overall_category: row.try_get("overall_category")?,
                    submitted_at: row.try_get("submitted_at")?,
                })
            })
            .collect()
    }

    /// (trainee's overall category, expert's overall category) for every reference read of a
    /// case the trainee read first: the pairs of the weighted kappa.
    pub async fn reference_pairs(&self, trainee_id: &str) -> Result<Vec<(u8, u8)>> {
        let rows = sqlx::query(
            "SELECT a.overall_category AS mine, r.overall_category AS theirs FROM attempts a \
             JOIN reference_reads r ON r.case_id = a.case_id WHERE a.trainee_id = $1 \
             AND a.reread_number = 0 AND a.submitted_at IS NOT NULL \
             ORDER BY a.submitted_at, r.expert_id",
        )
        .bind(trainee_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let category = |column: &str| -> Result<u8> {
                    u8::try_from(row.try_get::<i64, _>(column)?)
                        .map_err(|_| StoreError::Corrupt("category out of range".into()))
                };
                Ok((category("mine")?, category("theirs")?))
            })
            .collect()
    }
}

impl TraineeFigures {
    fn add(&mut self, scored: &ScoredReport, reading_ms: i64, at: i64) {
        let bucket = usize::from(scored.overall_category.clamp(1, 5) - 1);
        self.first_reads += 1;
        self.correct += i64::from(scored.correct);
        if scored.case_positive {
            self.positive_by_category[bucket] += 1;
        } else {
            self.negative_by_category[bucket] += 1;
        }
        self.targets += i64::from(scored.targets);
        self.hits += i64::from(scored.hits);
        self.false_positives += i64::from(scored.false_positives);
        self.reading_ms += reading_ms.max(0);
        self.last_activity = self.last_activity.max(at);
        for sector in &scored.missed_sectors {
            *self.missed_sectors.entry(sector.clone()).or_default() += 1;
        }
        let [short, long] = ROLLING_WINDOWS.map(|window| window as usize);
        self.recent_outcomes
            .insert(0, if scored.correct { '1' } else { '0' });
        self.recent_outcomes.truncate(long);
        let correct_in = |window: usize| {
            self.recent_outcomes
                .chars()
                .take(window)
                .filter(|outcome| *outcome == '1')
                .count() as i64
        };
        self.rolling20_n = self.recent_outcomes.len().min(short) as i64;
        self.rolling20_correct = correct_in(short);
        self.rolling50_n = self.recent_outcomes.len() as i64;
        self.rolling50_correct = correct_in(long);
    }
}

/// Every column of a figures row but the trainee's id.
fn figure_columns() -> String {
    format!(
        "{}, recent_outcomes, missed_sectors",
        FIGURE_COLUMNS.join(", ")
    )
}

/// Writes a trainee's figures, unless their row no longer counts `read_before` first reads
/// (another submission got there first): `false` then, and nothing is written.
async fn store_figures(
    tx: &mut Transaction<'_, Any>,
    trainee_id: &str,
    figures: &TraineeFigures,
    read_before: i64,
) -> Result<bool> {
    let count = FIGURE_COLUMNS.len();
    let placeholders: Vec<String> = (2..=count + 3).map(|n| format!("${n}")).collect();
    let updates: Vec<String> = FIGURE_COLUMNS
        .iter()
        .chain(&["recent_outcomes", "missed_sectors"])
        .map(|column| format!("{column} = excluded.{column}"))
        .collect();
    let sql = format!(
        "INSERT INTO trainee_figures (trainee_id, {}) VALUES ($1, {}) \
         ON CONFLICT (trainee_id) DO UPDATE SET {} WHERE trainee_figures.first_reads = ${}",
        figure_columns(),
        placeholders.join(", "),
        updates.join(", "),
        count + 4
    );
    let mut query = sqlx::query(AssertSqlSafe(sql)).bind(trainee_id);
    for value in figures.values() {
        query = query.bind(value);
    }
    let stored = query
        .bind(&figures.recent_outcomes)
        .bind(encode_sectors(&figures.missed_sectors))
        .bind(read_before)
        .execute(&mut **tx)
        .await?;
    Ok(stored.rows_affected() == 1)
}

/// `sector:misses` pairs, comma-separated (sector names hold neither character).
fn encode_sectors(misses: &BTreeMap<String, i64>) -> String {
    misses
        .iter()
        .map(|(sector, n)| format!("{sector}:{n}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// Reads `sector:misses` pairs; a sector named twice (the pairs of several trainees joined)
/// counts the sum.
fn decode_sectors(text: &str) -> Result<BTreeMap<String, i64>> {
    let mut misses = BTreeMap::new();
    for pair in text.split(',').filter(|pair| !pair.is_empty()) {
        let (sector, n) = pair
            .rsplit_once(':')
            .and_then(|(sector, n)| Some((sector, n.parse::<i64>().ok()?)))
            .ok_or_else(|| StoreError::Corrupt(format!("missed sectors `{pair}`")))?;
        *misses.entry(sector.to_owned()).or_default() += n;
    }
    Ok(misses)
}

impl TraineeFigures {
    /// In the order of `FIGURE_COLUMNS`.
    fn values(&self) -> [i64; 21] {
        let [p1, p2, p3, p4, p5] = self.positive_by_category;
        let [n1, n2, n3, n4, n5] = self.negative_by_category;
        [
            self.first_reads,
            self.correct,
            self.rolling20_correct,
            self.rolling20_n,
            self.rolling50_correct,
            self.rolling50_n,
            p1,
            p2,
            p3,
            p4,
            p5,
            n1,
            n2,
            n3,
            n4,
            n5,
            self.targets,
            self.hits,
            self.false_positives,
            self.reading_ms,
            self.last_activity,
        ]
    }
}

fn truth_from_row(row: &AnyRow) -> Result<CaseTruth> {
    let truth: String = row.try_get("truth")?;
    Ok(CaseTruth {
        case_id: row.try_get("id")?,
        significant_from_isup: u8::try_from(row.try_get::<i64, _>("significant_from_isup")?)
            .map_err(|_| StoreError::Corrupt("significant_from_isup out of range".into()))?,
        lesions: serde_json::from_str(&truth)
            .map_err(|err| StoreError::Corrupt(format!("case truth: {err}")))?,
        teaching_notes: row.try_get("teaching_notes")?,
    })
}

pub(crate) fn figures_from_row(row: &AnyRow) -> Result<TraineeFigures> {
    let get = |column: &str| -> Result<i64> { Ok(row.try_get(column)?) };
    let mut positive_by_category = [0; 5];
    let mut negative_by_category = [0; 5];
    // Columns 6 to 15 of FIGURE_COLUMNS: positive_category1…5, then negative_category1…5.
    for bucket in 0..5 {
        positive_by_category[bucket] = get(FIGURE_COLUMNS[6 + bucket])?;
        negative_by_category[bucket] = get(FIGURE_COLUMNS[11 + bucket])?;
    }
    Ok(TraineeFigures {
        first_reads: get("first_reads")?,
        correct: get("correct")?,
        rolling20_correct: get("rolling20_correct")?,
        rolling20_n: get("rolling20_n")?,
        rolling50_correct: get("rolling50_correct")?,
        rolling50_n: get("rolling50_n")?,
        positive_by_category,
        negative_by_category,
        targets: get("targets")?,
        hits: get("hits")?,
        false_positives: get("false_positives")?,
        reading_ms: get("reading_ms")?,
        last_activity: get("last_activity")?,
        recent_outcomes: row.try_get("recent_outcomes")?,
        missed_sectors: decode_sectors(&row.try_get::<String, _>("missed_sectors")?)?,
    })
}

/// The counts the figures need, read back from a stored score.
fn scored_from_row(row: &AnyRow) -> Result<ScoredReport> {
    let score: serde_json::Value = from_json(&row.try_get::<String, _>("score")?)?;
    let count = |key: &str| {
        score
            .get(key)
            .and_then(serde_json::Value::as_u64)
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| StoreError::Corrupt(format!("stored score has no `{key}`")))
    };
    let missed_sectors = score
        .get("missed_sectors")
        .and_then(serde_json::Value::as_array)
        .ok_or_else(|| StoreError::Corrupt("stored score has no `missed_sectors`".into()))?
        .iter()
        .map(|sector| {
            sector
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| StoreError::Corrupt("a missed sector is not a name".into()))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(ScoredReport {
        missed_sectors,
        targets: count("targets")?,
        hits: count("hits")?,
        false_positives: count("false_positives")?,
        correct: row.try_get::<i64, _>("correct")? != 0,
        case_positive: row.try_get::<i64, _>("case_positive")? != 0,
        overall_category: u8::try_from(row.try_get::<i64, _>("overall_category")?)
            .map_err(|_| StoreError::Corrupt("category out of range".into()))?,
        score,
    })
}

fn attempt_from_row(row: &AnyRow) -> Result<Attempt> {
    let flag = |column: &str| -> Result<Option<bool>> {
        Ok(row
            .try_get::<Option<i64>, _>(column)?
            .map(|value| value != 0))
    };
    let score: Option<String> = row.try_get("score")?;
    Ok(Attempt {
        id: row.try_get("id")?,
        trainee_id: row.try_get("trainee_id")?,
        case_id: row.try_get("case_id")?,
        programme_id: row.try_get("programme_id")?,
        reread_number: row.try_get("reread_number")?,
        started_at: row.try_get("started_at")?,
        submitted_at: row.try_get("submitted_at")?,
        report: from_json(&row.try_get::<String, _>("report")?)?,
        score: score.as_deref().map(from_json).transpose()?,
        correct: flag("correct")?,
        case_positive: flag("case_positive")?,
        overall_category: row.try_get("overall_category")?,
    })
}

fn already_submitted() -> StoreError {
    StoreError::Conflict("this report has been submitted and can no longer be changed".into())
}

fn to_json<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|err| StoreError::Corrupt(format!("JSON: {err}")))
}

fn from_json<T: serde::de::DeserializeOwned>(json: &str) -> Result<T> {
    serde_json::from_str(json).map_err(|err| StoreError::Corrupt(format!("stored JSON: {err}")))
}
