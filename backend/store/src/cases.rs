//! Studies, series, instances and cases.

use readroom_domain::{ClinicalContext, PreparedSeries, TruthLesion};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

use crate::{Result, Store, StoreError, now_millis};

/// Instances inserted by one statement: 1,000 parameters, well within what SQLite (32,766) and
/// PostgreSQL (65,535) accept.
const INSTANCES_PER_INSERT: usize = 200;

/// `insert` followed by `VALUES` with `rows` rows of `columns` numbered parameters.
pub(crate) fn insert_rows_sql(insert: &str, columns: usize, rows: usize) -> String {
    let mut sql = format!("{insert} VALUES ");
    for row in 0..rows {
        sql.push_str(if row == 0 { "(" } else { ", (" });
        for column in 0..columns {
            if column > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("${}", row * columns + column + 1));
        }
        sql.push(')');
    }
    sql
}

/// An anonymised study ready to be stored in one transaction.
#[derive(Debug, Clone)]
pub struct NewStudy {
    pub uid: String,
    pub description: String,
    pub series: Vec<NewSeries>,
    pub case: Option<NewCase>,
}

#[derive(Debug, Clone)]
pub struct NewSeries {
    pub prepared: PreparedSeries,
    pub instances: Vec<NewInstance>,
}

/// A stored anonymised DICOM instance: the Part 10 file at `offset..offset + bytes` of the
/// object `object_key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInstance {
    pub uid: String,
    pub object_key: String,
    pub offset: u64,
    pub bytes: u64,
}

/// The truth and teaching material that turn a study into a case.
#[derive(Debug, Clone)]
pub struct NewCase {
    pub title: String,
    pub synthetic: bool,
    pub significant_from_isup: u8,
    pub clinical: ClinicalContext,
    pub lesions: Vec<TruthLesion>,
    pub teaching_notes: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StoredSeries {
    pub study_uid: String,
    pub prepared: PreparedSeries,
}

/// A series as listed with its case: enough for a case list, without the frame index.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeriesSummary {
    pub uid: String,
    pub number: Option<i64>,
    pub kind: String,
    pub description: String,
}

/// A case as a reader sees it before reading: never its truth.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseSummary {
    pub id: String,
    pub title: String,
    pub synthetic: bool,
    pub clinical: ClinicalContext,
    pub series: Vec<SeriesSummary>,
}

/// A case with its prepared series, still without its truth.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseDetail {
    #[serde(flatten)]
    pub summary: CaseSummary,
    pub series_detail: Vec<PreparedSeries>,
}

impl Store {
    pub async fn study_exists(&self, uid: &str) -> Result<bool> {
        let found: Option<String> = sqlx::query_scalar("SELECT uid FROM studies WHERE uid = $1")
            .bind(uid)
            .fetch_optional(&self.pool)
            .await?;
        Ok(found.is_some())
    }

    pub async fn case_exists_for_study(&self, study_uid: &str) -> Result<bool> {
        let found: Option<String> = sqlx::query_scalar("SELECT id FROM cases WHERE study_uid = $1")
            .bind(study_uid)
            .fetch_optional(&self.pool)
            .await?;
        Ok(found.is_some())
    }

    /// Every stored study UID: what the image storage may hold.
    pub async fn study_uids(&self) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar("SELECT uid FROM studies ORDER BY uid")
            .fetch_all(&self.pool)
            .await?)
    }

    /// Stores a study, its series, its instances and its case (if any) in one transaction:
    /// all of it or none of it. A study already stored is a conflict.
    pub async fn insert_study(&self, study: &NewStudy) -> Result<()> {
        let mut tx = self.writer.begin().await?;
        // Writing first, not reading: an SQLite transaction that reads and then writes fails
        // at once ("database is locked") when another writer got in between.
        sqlx::query("INSERT INTO studies (uid, description, imported_at) VALUES ($1, $2, $3)")
            .bind(&study.uid)
            .bind(&study.description)
            .bind(now_millis())
            .execute(&mut *tx)
            .await
            .map_err(|err| {
                conflict_if_taken(err, || format!("study {} is already stored", study.uid))
            })?;
        for series in &study.series {
            let prepared = &series.prepared;
            let json = serde_json::to_string(prepared)
                .map_err(|err| StoreError::Invalid(format!("prepared series: {err}")))?;
            sqlx::query(
                "INSERT INTO series (uid, study_uid, number, kind, description, prepared) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&prepared.uid)
            .bind(&study.uid)
            .bind(prepared.number)
            .bind(prepared.kind.as_str())
            .bind(&prepared.description)
            .bind(json)
            .execute(&mut *tx)
            .await?;
            // Many rows to a statement: a series holds hundreds of instances, and each
            // statement is a round trip to the database.
            for instances in series.instances.chunks(INSTANCES_PER_INSERT) {
                let sql = insert_rows_sql(
                    "INSERT INTO instances (uid, series_uid, object_key, offset_bytes, bytes)",
                    5,
                    instances.len(),
                );
                // Only numbered placeholders are added to a fixed statement: nothing from input.
                let mut query = sqlx::query(AssertSqlSafe(sql));
                for instance in instances {
                    query = query
                        .bind(&instance.uid)
                        .bind(&prepared.uid)
                        .bind(&instance.object_key)
                        .bind(instance.offset as i64)
                        .bind(instance.bytes as i64);
                }
                query.execute(&mut *tx).await?;
            }
        }
        if let Some(case) = &study.case {
            insert_case(&mut tx, &study.uid, case).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Turns a stored study into a case. A study that already is a case is a conflict.
    pub async fn attach_case(&self, study_uid: &str, case: &NewCase) -> Result<()> {
        let mut tx = self.writer.begin().await?;
        insert_case(&mut tx, study_uid, case)
            .await
            .map_err(|err| match err {
                StoreError::Database(err) => {
                    conflict_if_taken(err, || format!("study {study_uid} already is a case"))
                }
                other => other,
            })?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn case_count(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM cases")
            .fetch_one(&self.pool)
            .await?)
    }

    /// All cases, in title order, with their series in reading order.
    pub async fn list_cases(&self) -> Result<Vec<CaseSummary>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "{SUMMARY_SELECT} ORDER BY c.title, c.id"
        )))
        .fetch_all(&self.pool)
        .await?;
        summaries_from_rows(&rows)
    }

    pub async fn case_detail(&self, id: &str) -> Result<Option<CaseDetail>> {
        let Some(summary) = self.case_summary(id).await? else {
            return Ok(None);
        };
        let prepared: Vec<String> = sqlx::query_scalar(
            "SELECT s.prepared FROM series s JOIN cases c ON c.study_uid = s.study_uid \
             WHERE c.id = $1",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        let mut series_detail = prepared
            .iter()
            .map(|json| parse_prepared(json))
            .collect::<Result<Vec<_>>>()?;
        series_detail.sort_by_key(|series| {
            (
                series.kind.reading_order(),
                series.number,
                series.uid.clone(),
            )
        });
        Ok(Some(CaseDetail {
            summary,
            series_detail,
        }))
    }

    /// A case's summary, without the prepared series that [`Store::case_detail`] adds.
    pub async fn case_summary(&self, id: &str) -> Result<Option<CaseSummary>> {
        let rows = sqlx::query(AssertSqlSafe(format!("{SUMMARY_SELECT} WHERE c.id = $1")))
            .bind(id)
            .fetch_all(&self.pool)
            .await?;
        Ok(summaries_from_rows(&rows)?.pop())
    }

    /// The prepared form of one series, with the study it belongs to.
    pub async fn series(&self, uid: &str) -> Result<Option<StoredSeries>> {
        let row = sqlx::query("SELECT study_uid, prepared FROM series WHERE uid = $1")
            .bind(uid)
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(StoredSeries {
            study_uid: row.try_get("study_uid")?,
            prepared: parse_prepared(&row.try_get::<String, _>("prepared")?)?,
        }))
    }

    /// The stored DICOM instances of a study, by series and instance UID.
    pub async fn study_instances(&self, study_uid: &str) -> Result<Vec<NewInstance>> {
        let rows = sqlx::query(
            "SELECT i.uid, i.object_key, i.offset_bytes, i.bytes FROM instances i \
             JOIN series s ON s.uid = i.series_uid WHERE s.study_uid = $1 ORDER BY s.uid, i.uid",
        )
        .bind(study_uid)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(NewInstance {
                    uid: row.try_get("uid")?,
                    object_key: row.try_get("object_key")?,
                    offset: row.try_get::<i64, _>("offset_bytes")? as u64,
                    bytes: row.try_get::<i64, _>("bytes")? as u64,
                })
            })
            .collect()
    }
}

/// Cases with their series, a row per series (one row with NULL series for a case without).
const SUMMARY_SELECT: &str = "SELECT c.id, c.title, c.synthetic, c.clinical, s.uid, s.number, \
     s.kind, s.description FROM cases c LEFT JOIN series s ON s.study_uid = c.study_uid";

/// Case summaries from [`SUMMARY_SELECT`] rows, where a case's rows are consecutive; each
/// case's series in reading order.
fn summaries_from_rows(rows: &[AnyRow]) -> Result<Vec<CaseSummary>> {
    let mut cases: Vec<CaseSummary> = Vec::new();
    for row in rows {
        let id: String = row.try_get("id")?;
        if cases.last().is_none_or(|case| case.id != id) {
            let clinical: String = row.try_get("clinical")?;
            let clinical = serde_json::from_str(&clinical).map_err(|err| {
                StoreError::Corrupt(format!("clinical context of case {id}: {err}"))
            })?;
            cases.push(CaseSummary {
                title: row.try_get("title")?,
                synthetic: row.try_get::<i64, _>("synthetic")? != 0,
                clinical,
                series: Vec::new(),
                id,
            });
        }
        if let Some(uid) = row.try_get::<Option<String>, _>("uid")? {
            let case = cases.last_mut().expect("a case was pushed above");
            case.series.push(SeriesSummary {
                uid,
                number: row.try_get("number")?,
                kind: row.try_get("kind")?,
                description: row.try_get("description")?,
            });
        }
    }
    for case in &mut cases {
        case.series
            .sort_by_key(|series| (kind_order(&series.kind), series.number, series.uid.clone()));
    }
    Ok(cases)
}

fn kind_order(kind: &str) -> u8 {
    serde_json::from_value::<readroom_domain::SeriesKind>(serde_json::Value::String(
        kind.to_owned(),
    ))
    .map(|kind| kind.reading_order())
    .unwrap_or(u8::MAX)
}

/// A unique-constraint violation as a conflict with `message`; other errors as they are.
pub(crate) fn conflict_if_taken(err: sqlx::Error, message: impl FnOnce() -> String) -> StoreError {
    match &err {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict(message()),
        _ => StoreError::Database(err),
    }
}

fn parse_prepared(json: &str) -> Result<PreparedSeries> {
    serde_json::from_str(json).map_err(|err| StoreError::Corrupt(format!("prepared series: {err}")))
}

async fn insert_case(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    study_uid: &str,
    case: &NewCase,
) -> Result<()> {
    let encode = |what: &str, value: serde_json::Result<String>| {
        value.map_err(|err| StoreError::Invalid(format!("{what}: {err}")))
    };
    sqlx::query(
        "INSERT INTO cases (id, study_uid, title, synthetic, significant_from_isup, clinical, truth, \
         teaching_notes, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(uuid::Uuid::new_v4().simple().to_string())
    .bind(study_uid)
    .bind(&case.title)
    .bind(i64::from(case.synthetic))
    .bind(i64::from(case.significant_from_isup))
    .bind(encode("clinical context", serde_json::to_string(&case.clinical))?)
    .bind(encode("truth", serde_json::to_string(&case.lesions))?)
    .bind(&case.teaching_notes)
    .bind(now_millis())
    .execute(&mut **tx)
    .await?;
    Ok(())
}
