//! The audit log: who did what, when and from where. Append only: nothing here changes or
//! removes an entry.
//!
//! Actions are snake_case verbs named by the code that records them: `sign_in`,
//! `sign_in_failed`, `sign_in_throttled`, `sign_in_disabled`, `sign_out`, `password_change`,
//! `user_create`, `role_change`, `user_disable`, `user_enable`, and those of the training loop
//! (submissions, feedback, exports).

use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;
use sqlx::Row;

use crate::{Result, Store, now_millis};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub id: String,
    /// Milliseconds since the Unix epoch.
    pub at: i64,
    /// `None` for what nobody signed in did, such as a failed sign-in.
    pub actor_id: Option<String>,
    /// The actor's username as it is now (`None` without an actor).
    pub actor_username: Option<String>,
    pub action: String,
    /// What the action was done to, in words a reader of the log understands: a username,
    /// an attempt id.
    pub subject: String,
    /// The client's IP address, or `unknown`.
    pub address: String,
}

/// Counts the entries this process records, so that their ids sort in the order they were
/// recorded even within one millisecond.
static RECORDED: AtomicU64 = AtomicU64::new(0);

/// An id that sorts as the entry's time, then (within a millisecond, on one server) the order
/// of recording; the random end keeps ids from several servers apart.
fn entry_id(at: i64) -> String {
    let sequence = RECORDED.fetch_add(1, Ordering::Relaxed);
    let random = uuid::Uuid::new_v4().simple().to_string();
    format!("{at:013}-{sequence:016x}-{}", &random[..12])
}

impl Store {
    pub async fn record_audit(
        &self,
        actor_id: Option<&str>,
        action: &str,
        subject: &str,
        address: &str,
    ) -> Result<()> {
        insert_audit(&self.writer, actor_id, action, subject, address).await
    }

    /// The newest `limit` entries, newest first (in recording order within a millisecond).
    pub async fn audit_log(&self, limit: i64) -> Result<Vec<AuditEntry>> {
        let rows = sqlx::query(
            "SELECT a.id, a.at, a.actor_id, u.username AS actor_username, a.action, a.subject, \
             a.address FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id \
             ORDER BY a.at DESC, a.id DESC LIMIT $1",
        )
        .bind(limit.max(0))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(AuditEntry {
                    id: row.try_get("id")?,
                    at: row.try_get("at")?,
                    actor_id: row.try_get("actor_id")?,
                    actor_username: row.try_get("actor_username")?,
                    action: row.try_get("action")?,
                    subject: row.try_get("subject")?,
                    address: row.try_get("address")?,
                })
            })
            .collect()
    }
}

/// Records an entry through `executor`: the store's writer, or the transaction of the change
/// the entry records, so that the change and its entry are stored together.
pub(crate) async fn insert_audit<'e>(
    executor: impl sqlx::Executor<'e, Database = sqlx::Any>,
    actor_id: Option<&str>,
    action: &str,
    subject: &str,
    address: &str,
) -> Result<()> {
    let at = now_millis();
    sqlx::query(
        "INSERT INTO audit_log (id, at, actor_id, action, subject, address) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(entry_id(at))
    .bind(at)
    .bind(actor_id)
    .bind(action)
    .bind(subject)
    .bind(address)
    .execute(executor)
    .await?;
    Ok(())
}
