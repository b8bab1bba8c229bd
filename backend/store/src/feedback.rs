//! The thread on an attempt (expert feedback with pinned marks, trainee questions, expert
//! answers), what each user has read of it, and the expert review queue.

use std::collections::BTreeMap;

use readroom_scoring::wait_bucket;
use serde::{Deserialize, Serialize};
use sqlx::AssertSqlSafe;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Result, Store, StoreError, new_id};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    Feedback,
    Question,
    Answer,
}

impl MessageKind {
    fn as_str(self) -> &'static str {
        match self {
            MessageKind::Feedback => "feedback",
            MessageKind::Question => "question",
            MessageKind::Answer => "answer",
        }
    }

    fn parse(text: &str) -> Result<MessageKind> {
        match text {
            "feedback" => Ok(MessageKind::Feedback),
            "question" => Ok(MessageKind::Question),
            "answer" => Ok(MessageKind::Answer),
            other => Err(StoreError::Corrupt(format!("message kind `{other}`"))),
        }
    }
}

/// A mark pinned to an image position: the series, the slice and the point (LPS, mm).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PinnedMark {
    pub series_uid: String,
    pub slice: u32,
    pub lps_mm: [f64; 3],
    #[serde(default)]
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Message {
    pub id: String,
    pub attempt_id: String,
    pub author_id: String,
    pub author_name: String,
    pub kind: MessageKind,
    pub body: String,
    pub marks: Vec<PinnedMark>,
    pub created_at: i64,
}

/// An attempt waiting for an expert: submitted without feedback yet, or with a question
/// newer than the last feedback or answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QueueItem {
    pub attempt_id: String,
    pub trainee_id: String,
    pub trainee_name: String,
    pub case_id: String,
    pub case_title: String,
    pub reread_number: i64,
    pub submitted_at: i64,
    /// The trainee's read disagreed with histology.
    pub disagrees_with_histology: bool,
    pub awaiting_feedback: bool,
    pub open_question: bool,
    /// Since when it has waited: the submission, or the oldest unanswered question.
    pub waiting_since: i64,
}

impl Store {
    pub async fn add_message(
        &self,
        attempt_id: &str,
        author_id: &str,
        kind: MessageKind,
        body: &str,
        marks: &[PinnedMark],
        now: i64,
    ) -> Result<String> {
        let id = new_id();
        let marks = serde_json::to_string(marks)
            .map_err(|err| StoreError::Corrupt(format!("marks: {err}")))?;
        let mut tx = self.writer.begin().await?;
        sqlx::query(
            "INSERT INTO messages (id, attempt_id, author_id, kind, body, marks, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&id)
        .bind(attempt_id)
        .bind(author_id)
        .bind(kind.as_str())
        .bind(body)
        .bind(marks)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        // The author has read their own thread up to their own message.
        mark_read(&mut tx, attempt_id, author_id, now).await?;
        if kind == MessageKind::Feedback {
            count_first_feedback(&mut tx, attempt_id, now).await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    pub async fn messages(&self, attempt_id: &str) -> Result<Vec<Message>> {
        let rows = sqlx::query(
            "SELECT m.id, m.attempt_id, m.author_id, u.display_name, m.kind, m.body, m.marks, \
             m.created_at FROM messages m JOIN users u ON u.id = m.author_id \
             WHERE m.attempt_id = $1 ORDER BY m.created_at, m.id",
        )
        .bind(attempt_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(message_from_row).collect()
    }

    pub async fn mark_thread_read(&self, attempt_id: &str, user_id: &str, now: i64) -> Result<()> {
        let mut tx = self.writer.begin().await?;
        mark_read(&mut tx, attempt_id, user_id, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Unread messages for a trainee: everything others wrote on their attempts that they
    /// have not opened since.
    pub async fn trainee_unread(&self, trainee_id: &str) -> Result<Vec<(String, i64)>> {
        self.unread("a.trainee_id = $1", trainee_id).await
    }

    /// Unread messages for an expert: what trainees of the programmes they review wrote
    /// (their questions), that they have not opened since.
    pub async fn expert_unread(&self, expert_id: &str) -> Result<Vec<(String, i64)>> {
        self.unread(
            "a.programme_id IN (SELECT programme_id FROM programme_members \
             WHERE user_id = $1 AND role = 'expert') AND m.author_id = a.trainee_id",
            expert_id,
        )
        .await
    }

    /// (attempt id, unread count) per attempt with unread messages.
    async fn unread(&self, condition: &str, user_id: &str) -> Result<Vec<(String, i64)>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT a.id, COUNT(*) AS unread FROM messages m JOIN attempts a ON a.id = m.attempt_id \
             LEFT JOIN thread_reads r ON r.attempt_id = a.id AND r.user_id = $1 \
             WHERE {condition} AND m.author_id <> $1 \
             AND m.created_at > COALESCE(r.read_at, -1) GROUP BY a.id ORDER BY a.id"
        )))
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| Ok((row.try_get("id")?, row.try_get("unread")?)))
            .collect()
    }

    /// Submitted attempts of the trainees an expert reviews that wait for them, oldest first.
    pub async fn review_queue(&self, expert_id: &str) -> Result<Vec<QueueItem>> {
        let rows = sqlx::query(
            "SELECT a.id, a.trainee_id, u.display_name AS trainee_name, a.case_id, \
             c.title, a.reread_number, a.submitted_at, a.correct, \
             (SELECT MIN(created_at) FROM messages f WHERE f.attempt_id = a.id \
              AND f.kind = 'feedback') AS first_feedback, \
             (SELECT MAX(created_at) FROM messages r WHERE r.attempt_id = a.id \
              AND r.kind <> 'question') AS last_reply, \
             (SELECT MAX(created_at) FROM messages q WHERE q.attempt_id = a.id \
              AND q.kind = 'question') AS last_question \
             FROM attempts a JOIN users u ON u.id = a.trainee_id JOIN cases c ON c.id = a.case_id \
             WHERE a.submitted_at IS NOT NULL AND a.programme_id IN \
             (SELECT programme_id FROM programme_members WHERE user_id = $1 AND role = 'expert') \
             ORDER BY a.submitted_at, a.id",
        )
        .bind(expert_id)
        .fetch_all(&self.pool)
        .await?;
        let mut queue = Vec::new();
        for row in &rows {
            let attempt_id: String = row.try_get("id")?;
            let submitted_at: i64 = row.try_get("submitted_at")?;
            let first_feedback: Option<i64> = row.try_get("first_feedback")?;
            let last_reply: Option<i64> = row.try_get("last_reply")?;
            let last_question: Option<i64> = row.try_get("last_question")?;
            let awaiting_feedback = first_feedback.is_none();
            let open_question =
                last_question.is_some_and(|asked| last_reply.is_none_or(|at| at < asked));
            if !awaiting_feedback && !open_question {
                continue;
            }
            let waiting_since = if awaiting_feedback {
                submitted_at
            } else {
                // The oldest question asked after the last reply.
                let since: Option<i64> = sqlx::query_scalar(
                    "SELECT MIN(created_at) FROM messages WHERE attempt_id = $1 \
                     AND kind = 'question' AND created_at > $2",
                )
                .bind(&attempt_id)
                .bind(last_reply.unwrap_or(-1))
                .fetch_one(&self.pool)
                .await?;
                since.unwrap_or(submitted_at)
            };
            queue.push(QueueItem {
                attempt_id,
                trainee_id: row.try_get("trainee_id")?,
                trainee_name: row.try_get("trainee_name")?,
                case_id: row.try_get("case_id")?,
                case_title: row.try_get("title")?,
                reread_number: row.try_get("reread_number")?,
                submitted_at,
                disagrees_with_histology: row.try_get::<Option<i64>, _>("correct")? == Some(0),
                awaiting_feedback,
                open_question,
                waiting_since,
            });
        }
        queue.sort_by_key(|item| (item.waiting_since, item.attempt_id.clone()));
        Ok(queue)
    }

    /// A programme's waits from submission to first feedback, as (bucket, attempts) pairs of
    /// the histogram kept as feedback is posted (`readroom_scoring::wait_bucket`); attempts
    /// still waiting are left out.
    pub async fn feedback_waits(&self, programme_id: &str) -> Result<Vec<(i64, u64)>> {
        let rows = sqlx::query(
            "SELECT bucket, attempts FROM feedback_waits WHERE programme_id = $1 ORDER BY bucket",
        )
        .bind(programme_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let attempts: i64 = row.try_get("attempts")?;
                Ok((
                    row.try_get("bucket")?,
                    u64::try_from(attempts)
                        .map_err(|_| StoreError::Corrupt("negative feedback wait count".into()))?,
                ))
            })
            .collect()
    }
}

/// Counts an attempt's first feedback, posted at `now`, in its programme's histogram of waits.
/// Setting `first_feedback_at` only where it is unset tells whether this is the first: of two
/// experts posting at once, the second waits for the first's row lock and then sets nothing.
async fn count_first_feedback(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    attempt_id: &str,
    now: i64,
) -> Result<()> {
    let first = sqlx::query(
        "UPDATE attempts SET first_feedback_at = $1 WHERE id = $2 \
         AND first_feedback_at IS NULL AND submitted_at IS NOT NULL \
         RETURNING programme_id, submitted_at",
    )
    .bind(now)
    .bind(attempt_id)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(first) = first else { return Ok(()) };
    let submitted_at: i64 = first.try_get("submitted_at")?;
    sqlx::query(
        "INSERT INTO feedback_waits (programme_id, bucket, attempts) VALUES ($1, $2, 1) \
         ON CONFLICT (programme_id, bucket) DO UPDATE SET attempts = feedback_waits.attempts + 1",
    )
    .bind(first.try_get::<String, _>("programme_id")?)
    .bind(wait_bucket(now - submitted_at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Rebuilds every programme's histogram of feedback waits from its attempts.
pub(crate) async fn rebuild_feedback_waits(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
) -> Result<()> {
    sqlx::query("DELETE FROM feedback_waits")
        .execute(&mut **tx)
        .await?;
    let rows = sqlx::query(
        "SELECT programme_id, submitted_at, first_feedback_at FROM attempts \
         WHERE first_feedback_at IS NOT NULL AND submitted_at IS NOT NULL",
    )
    .fetch_all(&mut **tx)
    .await?;
    let mut histogram = BTreeMap::<(String, i64), i64>::new();
    for row in &rows {
        let wait =
            row.try_get::<i64, _>("first_feedback_at")? - row.try_get::<i64, _>("submitted_at")?;
        *histogram
            .entry((row.try_get("programme_id")?, wait_bucket(wait)))
            .or_default() += 1;
    }
    for ((programme_id, bucket), attempts) in histogram {
        sqlx::query(
            "INSERT INTO feedback_waits (programme_id, bucket, attempts) VALUES ($1, $2, $3)",
        )
        .bind(programme_id)
        .bind(bucket)
        .bind(attempts)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

async fn mark_read(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    attempt_id: &str,
    user_id: &str,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO thread_reads (attempt_id, user_id, read_at) VALUES ($1, $2, $3) \
         ON CONFLICT (attempt_id, user_id) DO UPDATE SET read_at = excluded.read_at",
    )
    .bind(attempt_id)
    .bind(user_id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn message_from_row(row: &AnyRow) -> Result<Message> {
    let marks: String = row.try_get("marks")?;
    Ok(Message {
        id: row.try_get("id")?,
        attempt_id: row.try_get("attempt_id")?,
        author_id: row.try_get("author_id")?,
        author_name: row.try_get("display_name")?,
        kind: MessageKind::parse(&row.try_get::<String, _>("kind")?)?,
        body: row.try_get("body")?,
        marks: serde_json::from_str(&marks)
            .map_err(|err| StoreError::Corrupt(format!("stored marks: {err}")))?,
        created_at: row.try_get("created_at")?,
    })
}
