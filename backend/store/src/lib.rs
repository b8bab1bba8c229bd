//! The store: the only crate that contains SQL, and the one interface to stored images.
//!
//! [`Store`] runs on SQLite (embedded, the default) or PostgreSQL (for several servers), picked
//! by the database URL; both run the same migrations and the same queries, and a behaviour
//! that differs between them is a bug. [`ObjectStorage`] holds DICOM files, prepared voxels and
//! thumbnails on the local filesystem, or any other `object_store` backend.
//!
//! The store never sees source identifiers: what it is given has already been anonymised.

mod accounts;
mod attempts;
mod audit;
mod cases;
mod dashboards;
mod feedback;
mod imports;
mod objects;
mod programmes;

use std::time::{SystemTime, UNIX_EPOCH};

use sqlx::AnyPool;
use sqlx::any::AnyPoolOptions;

pub use accounts::{
    NewSession, NewUser, PasswordCheck, Session, SessionToken, SignInLimits, UserAccount,
};
pub use attempts::{
    Attempt, CaseTruth, ROLLING_WINDOWS, ReferenceRead, ScoredReport, SubmissionContext,
    TraineeFigures,
};
pub use audit::AuditEntry;
pub use cases::{
    CaseDetail, CaseSummary, NewCase, NewInstance, NewSeries, NewStudy, SeriesSummary, StoredSeries,
};
pub use dashboards::{DashboardRow, Group, TrendPeriod, WEEK_MS, week_start};
pub use feedback::{Message, MessageKind, PinnedMark, QueueItem};
pub use imports::{ImportCounts, ImportRefusal, ImportRun, ImportStatus};
pub use objects::ObjectStorage;
pub use programmes::{
    AssignedCase, Assignment, AssignmentStatus, CaseSet, Cohort, Member, Programme,
    TraineeAssignment,
};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations");

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("image storage error: {0}")]
    Objects(#[from] object_store::Error),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Invalid(String),
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Which database a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, Clone)]
pub struct Store {
    /// For reads.
    pool: AnyPool,
    /// For everything that writes. On SQLite, one connection: SQLite lets one writer in at a
    /// time, and writers that meet the lock wait in its busy handler, which sleeps 1, 2, 5,
    /// 10, … ms between tries, so that under load some waited hundreds of milliseconds while
    /// others went first. Queued for the one connection, writers go in the order they came,
    /// and none sleeps. On PostgreSQL, the same pool as reads.
    writer: AnyPool,
}

/// The version of the derived data the code keeps beside what users entered (the trainees'
/// running figures, the feedback-wait histograms): when the stored version differs, opening
/// the store rebuilds them, so that data a migration could not compute in portable SQL is
/// right from the first request.
const DERIVED_VERSION: &str = "4";

impl Store {
    /// Connects to `sqlite://…` or `postgres://…`, creating an SQLite file when missing, and
    /// brings the schema up to date.
    pub async fn connect(url: &str) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(StoreError::Invalid(format!(
                "unsupported database URL `{}`: use sqlite://PATH or postgres://…",
                url.split(':').next().unwrap_or_default()
            )));
        };
        let store = match backend {
            Backend::Sqlite => {
                // WAL lets readers go on during an import; the file is created on first start.
                let url = if url.contains('?') {
                    url.to_owned()
                } else {
                    format!("{url}?mode=rwc")
                };
                let writer = sqlite_pool(1).connect(&url).await?;
                // Migrate before the readers open, so that they see the schema.
                MIGRATOR.run(&writer).await?;
                Store {
                    pool: sqlite_pool(8).connect(&url).await?,
                    writer,
                }
            }
            Backend::Postgres => {
                let pool = AnyPoolOptions::new()
                    .max_connections(16)
                    // sqlx checks a connection with a round trip to the server both when it
                    // is taken from the pool and when it is given back; the second check alone
                    // closes a connection the server dropped (after that connection's failed
                    // query), and the first doubled the round trips of every short request.
                    .test_before_acquire(false)
                    .connect(url)
                    .await?;
                MIGRATOR.run(&pool).await?;
                Store {
                    writer: pool.clone(),
                    pool,
                }
            }
        };
        if store.setting("derived_version").await?.as_deref() != Some(DERIVED_VERSION) {
            store.rebuild_derived().await?;
            store
                .set_setting("derived_version", DERIVED_VERSION)
                .await?;
        }
        Ok(store)
    }

    /// A per-installation value, created with `make` on first use. Two servers racing to
    /// create it both end up with the stored one.
    pub async fn installation_value(
        &self,
        key: &str,
        make: impl FnOnce() -> String,
    ) -> Result<String> {
        if let Some(value) = self.setting(key).await? {
            return Ok(value);
        }
        sqlx::query(
            "INSERT INTO installation (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
        )
        .bind(key)
        .bind(make())
        .execute(&self.writer)
        .await?;
        self.setting(key)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("installation value `{key}` vanished")))
    }

    pub async fn setting(&self, key: &str) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT value FROM installation WHERE key = $1")
                .bind(key)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    pub async fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO installation (key, value) VALUES ($1, $2) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
        self.writer.close().await;
    }
}

/// SQLite connections as every pool of the store opens them.
fn sqlite_pool(connections: u32) -> AnyPoolOptions {
    AnyPoolOptions::new()
        .max_connections(connections)
        // The check before each use is a round trip to the connection's worker thread, and
        // there is nothing to check: the database is a local file, not a server that can go.
        .test_before_acquire(false)
        .after_connect(|connection, _| {
            Box::pin(async move {
                sqlx::raw_sql(
                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;",
                )
                .execute(connection)
                .await?;
                Ok(())
            })
        })
}

/// A new random identifier for a stored row.
fn new_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_millis() as i64)
        .unwrap_or_default()
}
