//! Import runs and their refusals: what each run of the importer did, kept for the
//! administrator. A run is begun when an import starts and ended once: finished with its counts
//! and refusals, or failed with its error.
//!
//! Refusals name the paths the importer was given and say why; like everything the store holds,
//! they carry no source identifier.

use serde::Serialize;
use sqlx::AssertSqlSafe;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::cases::insert_rows_sql;
use crate::{Result, Store, StoreError, new_id, now_millis};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportStatus {
    Running,
    Finished,
    Failed,
}

impl ImportStatus {
    fn as_str(self) -> &'static str {
        match self {
            ImportStatus::Running => "running",
            ImportStatus::Finished => "finished",
            ImportStatus::Failed => "failed",
        }
    }

    fn parse(text: &str) -> Result<ImportStatus> {
        match text {
            "running" => Ok(ImportStatus::Running),
            "finished" => Ok(ImportStatus::Finished),
            "failed" => Ok(ImportStatus::Failed),
            other => Err(StoreError::Corrupt(format!("import status `{other}`"))),
        }
    }
}

/// What a finished run imported.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ImportCounts {
    pub studies: i64,
    pub series: i64,
    pub images: i64,
    /// Studies that became cases (truth attached).
    pub cases: i64,
    /// Studies that were stored already: importing them again changed nothing.
    pub unchanged_studies: i64,
    /// Bytes of DICOM read.
    pub bytes_read: i64,
}

/// A file (or a truth manifest's entry) that a run did not import, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportRefusal {
    /// The path as the importer was given it.
    pub path: String,
    pub reason: String,
}

impl ImportRefusal {
    pub fn new(path: impl std::fmt::Display, reason: impl Into<String>) -> ImportRefusal {
        ImportRefusal {
            path: path.to_string(),
            reason: reason.into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportRun {
    pub id: String,
    /// Milliseconds since the Unix epoch.
    pub started_at: i64,
    /// `None` while the run goes on.
    pub finished_at: Option<i64>,
    pub status: ImportStatus,
    /// What was imported, in a line.
    pub sources: String,
    /// `None` unless the run finished: a failed run does not know what it had done.
    pub counts: Option<ImportCounts>,
    /// How many refusals the run recorded (none before it finishes).
    pub refused: i64,
    /// Why a failed run failed.
    pub error: Option<String>,
}

/// Refusals to a statement: each statement is a round trip, and a folder of stray files can
/// give thousands.
const REFUSALS_PER_INSERT: usize = 300;

const RUN_SELECT: &str = "SELECT i.id, i.started_at, i.finished_at, i.status, i.sources, \
     i.studies, i.series, i.images, i.cases, i.unchanged_studies, i.bytes_read, i.error, \
     (SELECT COUNT(*) FROM import_refusals r WHERE r.import_id = i.id) AS refused \
     FROM imports i";

impl Store {
    /// Records that an import of `sources` (described in a line) starts now; returns the run's
    /// id, for [`Store::finish_import`] or [`Store::fail_import`].
    pub async fn begin_import(&self, sources: &str) -> Result<String> {
        let id = new_id();
        sqlx::query(
            "INSERT INTO imports (id, started_at, status, sources) VALUES ($1, $2, $3, $4)",
        )
        .bind(&id)
        .bind(now_millis())
        .bind(ImportStatus::Running.as_str())
        .bind(sources)
        .execute(&self.writer)
        .await?;
        Ok(id)
    }

    /// Ends a run as finished, with its counts and refusals (kept in the order given), in one
    /// transaction. A run marked failed meanwhile (see [`Store::fail_unfinished_imports`]) is
    /// finished all the same, since it did finish; a run finished already, or unknown, is an
    /// error and nothing changes.
    pub async fn finish_import(
        &self,
        id: &str,
        counts: &ImportCounts,
        refusals: &[ImportRefusal],
    ) -> Result<()> {
        let mut tx = self.writer.begin().await?;
        let updated = sqlx::query(
            "UPDATE imports SET status = $1, finished_at = $2, studies = $3, series = $4, \
             images = $5, cases = $6, unchanged_studies = $7, bytes_read = $8, error = NULL \
             WHERE id = $9 AND status <> $1",
        )
        .bind(ImportStatus::Finished.as_str())
        .bind(now_millis())
        .bind(counts.studies)
        .bind(counts.series)
        .bind(counts.images)
        .bind(counts.cases)
        .bind(counts.unchanged_studies)
        .bind(counts.bytes_read)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() == 0 {
            return Err(StoreError::Conflict(format!(
                "import run {id} is unknown or finished already"
            )));
        }
        for (chunk, refusals) in refusals.chunks(REFUSALS_PER_INSERT).enumerate() {
            let sql = insert_rows_sql(
                "INSERT INTO import_refusals (import_id, position, path, reason)",
                4,
                refusals.len(),
            );
            // Only numbered placeholders are added to a fixed statement: nothing from input.
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for (index, refusal) in refusals.iter().enumerate() {
                let position = chunk * REFUSALS_PER_INSERT + index;
                query = query
                    .bind(id)
                    .bind(i64::try_from(position).unwrap_or(i64::MAX))
                    .bind(&refusal.path)
                    .bind(&refusal.reason);
            }
            query.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Ends a running run as failed, with its error. A run that has ended already is left as
    /// it is: returns whether this call ended it.
    pub async fn fail_import(&self, id: &str, error: &str) -> Result<bool> {
        let updated = sqlx::query(
            "UPDATE imports SET status = $1, finished_at = $2, error = $3 \
             WHERE id = $4 AND status = $5",
        )
        .bind(ImportStatus::Failed.as_str())
        .bind(now_millis())
        .bind(error)
        .bind(id)
        .bind(ImportStatus::Running.as_str())
        .execute(&self.writer)
        .await?;
        Ok(updated.rows_affected() > 0)
    }

    /// Marks every run still running as failed with `error`: for a start after a crash, when no
    /// import can be running. Returns how many there were.
    pub async fn fail_unfinished_imports(&self, error: &str) -> Result<u64> {
        let updated = sqlx::query(
            "UPDATE imports SET status = $1, finished_at = $2, error = $3 WHERE status = $4",
        )
        .bind(ImportStatus::Failed.as_str())
        .bind(now_millis())
        .bind(error)
        .bind(ImportStatus::Running.as_str())
        .execute(&self.writer)
        .await?;
        Ok(updated.rows_affected())
    }

    /// The newest `limit` runs, newest first, each with its number of refusals.
    pub async fn import_runs(&self, limit: i64) -> Result<Vec<ImportRun>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "{RUN_SELECT} ORDER BY i.started_at DESC, i.id DESC LIMIT $1"
        )))
        .bind(limit.max(0))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(run_from_row).collect()
    }

    pub async fn import_run(&self, id: &str) -> Result<Option<ImportRun>> {
        let row = sqlx::query(AssertSqlSafe(format!("{RUN_SELECT} WHERE i.id = $1")))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(run_from_row).transpose()
    }

    /// A run's refusals in the order they were recorded: `limit` of them from the `offset`th.
    pub async fn import_refusals(
        &self,
        id: &str,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<ImportRefusal>> {
        let rows = sqlx::query(
            "SELECT path, reason FROM import_refusals WHERE import_id = $1 \
             ORDER BY position LIMIT $2 OFFSET $3",
        )
        .bind(id)
        .bind(limit.max(0))
        .bind(offset.max(0))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(ImportRefusal {
                    path: row.try_get("path")?,
                    reason: row.try_get("reason")?,
                })
            })
            .collect()
    }
}

fn run_from_row(row: &AnyRow) -> Result<ImportRun> {
    let status = ImportStatus::parse(row.try_get("status")?)?;
    let counts = match status {
        ImportStatus::Finished => Some(ImportCounts {
            studies: row.try_get("studies")?,
            series: row.try_get("series")?,
            images: row.try_get("images")?,
            cases: row.try_get("cases")?,
            unchanged_studies: row.try_get("unchanged_studies")?,
            bytes_read: row.try_get("bytes_read")?,
        }),
        ImportStatus::Running | ImportStatus::Failed => None,
    };
    Ok(ImportRun {
        id: row.try_get("id")?,
        started_at: row.try_get("started_at")?,
        finished_at: row.try_get("finished_at")?,
        status,
        sources: row.try_get("sources")?,
        counts,
        refused: row.try_get("refused")?,
        error: row.try_get("error")?,
    })
}
