//! The web application's files as the server serves them from the binary: the shell for every
//! application path (so that deep links and reloads work), the files with their types, a 404
//! for a missing file rather than the shell in its place, and revalidation by ETag.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use readroom_tests::{Backend, Installation, Reply, call};

async fn get(installation: &Installation, path: &str, etag: Option<&str>) -> Reply {
    let mut request = Request::get(path);
    if let Some(etag) = etag {
        request = request.header(header::IF_NONE_MATCH, etag);
    }
    call(
        &installation.router(),
        request.body(Body::empty()).expect("request"),
    )
    .await
}

fn header_of(reply: &Reply, name: header::HeaderName) -> &str {
    reply
        .headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
}

#[tokio::test]
async fn every_application_path_gets_the_shell_uncached_with_its_security_policy() {
    let installation = Installation::new(Backend::Sqlite).await;
    for path in [
        "/",
        "/progress",
        "/programmes/abc",
        "/trainees/x/record?y=1",
    ] {
        let reply = get(&installation, path, None).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
        assert_eq!(
            header_of(&reply, header::CONTENT_TYPE),
            "text/html; charset=utf-8"
        );
        assert_eq!(header_of(&reply, header::CACHE_CONTROL), "no-cache");
        assert!(
            header_of(&reply, header::CONTENT_SECURITY_POLICY).contains("default-src 'self'"),
            "{path}"
        );
        assert!(
            reply
                .text()
                .contains(r#"<script type="module" src="/js/main.js">"#),
            "{path}: {}",
            reply.text()
        );
    }
}

#[tokio::test]
async fn files_have_their_types_and_a_missing_file_is_a_404_not_the_shell() {
    let installation = Installation::new(Backend::Sqlite).await;
    for (path, content_type) in [
        ("/js/main.js", "text/javascript; charset=utf-8"),
        ("/js/pages/lead.js", "text/javascript; charset=utf-8"),
        ("/app.css", "text/css; charset=utf-8"),
    ] {
        let reply = get(&installation, path, None).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
        assert_eq!(header_of(&reply, header::CONTENT_TYPE), content_type);
        assert_eq!(header_of(&reply, header::CACHE_CONTROL), "no-cache");
    }
    for path in ["/js/missing.js", "/favicon.ico"] {
        let reply = get(&installation, path, None).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
    }
    // The API keeps its own JSON 404.
    let reply = get(&installation, "/api/no-such-endpoint", None).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.json()["error"]["code"], "not_found");
}

#[tokio::test]
async fn an_unchanged_file_is_revalidated_with_a_304() {
    let installation = Installation::new(Backend::Sqlite).await;
    let first = get(&installation, "/js/api.js", None).await;
    let etag = header_of(&first, header::ETAG).to_owned();
    assert!(etag.starts_with('"') && etag.len() > 10, "{etag:?}");
    let again = get(&installation, "/js/api.js", Some(&etag)).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());
    let other = get(&installation, "/js/api.js", Some("\"something else\"")).await;
    assert_eq!(other.status, StatusCode::OK);
}

#[tokio::test]
async fn changes_to_the_application_paths_are_refused() {
    let installation = Installation::new(Backend::Sqlite).await;
    let request = Request::post("/progress")
        .body(Body::empty())
        .expect("request");
    let reply = call(&installation.router(), request).await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
}
