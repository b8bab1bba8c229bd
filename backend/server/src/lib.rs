//! The HTTP layer: translates between HTTP and the store, and nothing else.
//!
//! Every `/api/` endpoint but signing in and the API's OpenAPI description requires a session
//! (the [`session::CurrentUser`] extractor). No handler here holds SQL or touches DICOM, and no
//! response carries a case's truth but for a submitted attempt. Everything outside `/api/`
//! (and `/viewer/`) is the web application, built into the binary (`web_app`).

mod access;
mod analytics;
mod attempts;
mod cases;
mod clock;
mod error;
mod extract;
mod feedback;
mod images;
mod imports;
mod openapi;
mod preferences;
mod programmes;
mod records;
mod session;
mod settings;
mod users;
mod web_app;

use axum::Router;
use axum::routing::{get, post, put};
use readroom_store::{ObjectStorage, Store};
use tower_http::compression::CompressionLayer;
use tower_http::trace::TraceLayer;

pub use attempts::rescore_all;
pub use clock::Clock;
pub use error::ApiError;
pub use session::{ClientAddress, CurrentSession, CurrentUser};
pub use settings::ProgrammeSettings;

#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Store,
    pub objects: ObjectStorage,
    /// Mark the session cookie Secure: set when Readroom is served over TLS.
    pub secure_cookies: bool,
    pub clock: Clock,
}

pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route(
            "/session",
            get(session::current)
                .post(session::sign_in)
                .delete(session::sign_out),
        )
        .route("/session/password", put(session::change_password))
        .route("/preferences", get(preferences::get).put(preferences::put))
        .route("/users", get(users::list).post(users::create))
        .route("/users/{id}/roles", put(users::set_roles))
        .route("/users/{id}/disabled", put(users::set_disabled))
        .route("/audit", get(users::audit))
        .route("/studies", get(cases::studies))
        .route("/imports", get(imports::list))
        .route("/imports/{id}", get(imports::detail))
        .route("/cases", get(cases::list))
        .route("/cases/{id}", get(cases::detail))
        .route("/cases/{id}/truth", get(attempts::case_truth))
        .route(
            "/cases/{id}/reference-reads",
            get(attempts::reference_reads),
        )
        .route(
            "/cases/{id}/reference-read",
            put(attempts::file_reference_read),
        )
        .route(
            "/programmes",
            get(programmes::list).post(programmes::create),
        )
        .route("/programmes/{id}", get(programmes::detail))
        .route("/programmes/{id}/settings", put(programmes::set_settings))
        .route("/programmes/{id}/members", post(programmes::add_member))
        .route("/programmes/{id}/cohorts", post(programmes::create_cohort))
        .route(
            "/programmes/{id}/case-sets",
            post(programmes::create_case_set),
        )
        .route(
            "/programmes/{id}/assignments",
            post(programmes::create_assignment),
        )
        .route("/programmes/{id}/dashboard", get(analytics::programme))
        .route("/programmes/{id}/trend", get(analytics::programme_trend))
        .route(
            "/programmes/{id}/export/attempts.csv",
            get(analytics::export_attempts),
        )
        .route(
            "/programmes/{id}/export/trainees.csv",
            get(analytics::export_trainees),
        )
        .route("/cohorts/{id}/members", post(programmes::add_cohort_member))
        .route("/cohorts/{id}/dashboard", get(analytics::cohort))
        .route("/cohorts/{id}/trend", get(analytics::cohort_trend))
        .route("/assignments", get(programmes::my_assignments))
        .route("/rereads", get(attempts::rereads))
        .route("/attempts", get(attempts::list).post(attempts::start))
        .route("/attempts/{id}", get(attempts::detail))
        .route("/attempts/{id}/report", put(attempts::save_draft))
        .route("/attempts/{id}/submit", post(attempts::submit))
        .route("/attempts/{id}/messages", post(feedback::post))
        .route("/attempts/{id}/read", post(feedback::mark_read))
        .route("/unread", get(feedback::unread))
        .route("/review-queue", get(feedback::review_queue))
        .route("/trainees/{id}/rolling", get(analytics::rolling))
        .route("/trainees/{id}/analytics", get(analytics::trainee))
        .route("/trainees/{id}/record", get(records::record))
        .route("/trainees/{id}/record/verify", get(records::verify))
        .route("/series/{uid}", get(images::series))
        .route("/series/{uid}/voxels", get(images::voxels))
        .route("/series/{uid}/frames/{index}", get(images::frame))
        .route("/series/{uid}/thumbnail.png", get(images::thumbnail))
        .route("/openapi.json", get(openapi::document))
        .fallback(|| async { ApiError::NotFound("endpoint") });
    Router::new()
        .nest("/api", api)
        .fallback(web_app::serve)
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Adds the image viewer's files (what `cargo xtask web` builds) under `/viewer/`. The
/// WebAssembly and JavaScript are served precompressed when `.zst` or `.gz` copies exist.
pub fn with_viewer(router: Router, web_dir: &std::path::Path) -> Router {
    let files = tower_http::services::ServeDir::new(web_dir)
        .precompressed_zstd()
        .precompressed_gzip();
    router.nest_service("/viewer", files)
}
