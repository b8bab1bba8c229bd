//! The web application: the static files of `app/www` (HTML, CSS, JavaScript modules), built
//! into the binary so that one file serves the whole product with nothing else installed.
//!
//! A debug build reads the files from `app/www` at run time (rust-embed's default), so editing
//! the application needs a reload, not a rebuild; a release build carries them inside.
//! Every path that is not a file is an application route (`/progress`, `/lead/…`): it gets the
//! shell, `index.html`, whose router draws the page, so that deep links and reloads work.

use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use rust_embed::Embed;

#[derive(Embed)]
#[folder = "../../app/www/"]
struct Files;

const SHELL: &str = "index.html";

/// Only what the application itself serves: no inline script, nothing from another origin,
/// never framed by another site. `'wasm-unsafe-eval'` lets the reading pages compile the
/// viewer's WebAssembly (served from `/viewer/`); it allows no JavaScript eval.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; \
     script-src 'self' 'wasm-unsafe-eval'; img-src 'self' data: blob:; \
     object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The router's fallback: everything outside `/api/` and `/viewer/`.
pub async fn serve(method: Method, uri: Uri, request_headers: HeaderMap) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            [(header::ALLOW, HeaderValue::from_static("GET, HEAD"))],
        )
            .into_response();
    }
    let path = uri.path().trim_start_matches('/');
    let file = match Files::get(path) {
        Some(file) if !path.is_empty() => file,
        // A missing script or style sheet is a 404, not the shell: HTML in its place would
        // fail far from the cause.
        _ if names_a_file(path) => {
            return (StatusCode::NOT_FOUND, "no such file").into_response();
        }
        _ => match Files::get(SHELL) {
            Some(file) => file,
            None => {
                tracing::error!("the web application's {SHELL} is missing from the build");
                return StatusCode::INTERNAL_SERVER_ERROR.into_response();
            }
        },
    };
    let etag = format!("\"{}\"", hex(&file.metadata.sha256_hash()));
    let mut headers = HeaderMap::new();
    // File names carry no content hash, so every file is revalidated; the ETag makes that a
    // 304 without a body while it is unchanged.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if let Ok(value) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, value);
    }
    let mime = file.metadata.mimetype();
    let content_type = if mime.starts_with("text/") {
        format!("{mime}; charset=utf-8")
    } else {
        mime.to_owned()
    };
    if let Ok(value) = HeaderValue::from_str(&content_type) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    if mime == "text/html" {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        );
    }
    let unchanged = request_headers
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|sent| sent.split(',').any(|tag| tag.trim() == etag));
    if unchanged {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    (headers, file.data.into_owned()).into_response()
}

/// Whether the last segment of a path has an extension (`js/app.js`), as application routes
/// never do.
fn names_a_file(path: &str) -> bool {
    path.rsplit('/')
        .next()
        .is_some_and(|last| last.contains('.'))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::names_a_file;

    #[test]
    fn paths_with_an_extension_name_files_and_routes_do_not() {
        assert!(names_a_file("js/main.js"));
        assert!(names_a_file("favicon.ico"));
        assert!(!names_a_file(""));
        assert!(!names_a_file("lead/programmes/abc"));
        assert!(!names_a_file("progress"));
    }
}
