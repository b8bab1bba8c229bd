//! The HTTP layer: translates between HTTP and the store, and nothing else.
//!
//! Every `/api/` endpoint but signing in requires a session (the [`session::CurrentUser`]
//! extractor). No handler here holds SQL or touches DICOM, and no response carries a case's
//! truth: that leaves the server only for a submitted attempt (a later part of the API).

mod cases;
mod error;
mod images;
mod session;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use readroom_store::{ObjectStorage, Store};
use tower_http::compression::CompressionLayer;
use tower_http::trace::TraceLayer;

pub use error::ApiError;
pub use session::CurrentUser;

#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Store,
    pub objects: ObjectStorage,
    /// Mark the session cookie Secure: set when Readroom is served over TLS.
    pub secure_cookies: bool,
}

pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route(
            "/session",
            get(session::current)
                .post(session::sign_in)
                .delete(session::sign_out),
        )
        .route("/cases", get(cases::list))
        .route("/cases/{id}", get(cases::detail))
        .route("/series/{uid}", get(images::series))
        .route("/series/{uid}/voxels", get(images::voxels))
        .route("/series/{uid}/frames/{index}", get(images::frame))
        .route("/series/{uid}/thumbnail.png", get(images::thumbnail))
        .fallback(|| async { ApiError::NotFound("endpoint") });
    Router::new()
        .route("/", get(index))
        .nest("/api", api)
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// The sign-in page; once signed in, it lists the cases.
async fn index() -> impl IntoResponse {
    (
        [(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"))],
        Html(include_str!("../assets/index.html")),
    )
}
