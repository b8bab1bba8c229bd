//! Series metadata, voxels and thumbnails.
//!
//! Voxels are stored as one zstd frame per image, back to back, so a browser that offers zstd
//! (all current ones) gets the stored bytes as they are, for the whole series or for one
//! image, and nothing is decoded or compressed per request. Other clients get them decoded.
//! Everything here is immutable once imported: served with a content ETag and cached forever.

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use readroom_domain::PreparedSeries;
use readroom_store::{ObjectStorage, StoredSeries};

use crate::access;
use crate::extract::PathParams;
use crate::session::CurrentUser;
use crate::{ApiError, AppState};

const IMMUTABLE: &str = "private, max-age=31536000, immutable";

pub async fn series(
    user: CurrentUser,
    State(state): State<AppState>,
    PathParams(uid): PathParams<String>,
) -> Result<Json<PreparedSeries>, ApiError> {
    Ok(Json(find(&state, &user, &uid).await?.prepared))
}

/// All frames of a series, phase by phase, slice by slice.
pub async fn voxels(
    user: CurrentUser,
    State(state): State<AppState>,
    PathParams(uid): PathParams<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let series = find(&state, &user, &uid).await?;
    let etag = format!("\"{}\"", series.prepared.voxels_hash);
    if let Some(unchanged) = not_modified(&headers, &etag) {
        return Ok(unchanged);
    }
    let key = ObjectStorage::voxels_key(&series.study_uid, &series.prepared);
    let stored = state.objects.get(&key).await?;
    voxel_response(stored, &headers, &etag)
}

/// One frame: `index` counts phase by phase, slice by slice (`phase * slices + slice`).
pub async fn frame(
    user: CurrentUser,
    State(state): State<AppState>,
    PathParams((uid, index)): PathParams<(String, usize)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let series = find(&state, &user, &uid).await?;
    let frame = series
        .prepared
        .frames
        .get(index)
        .ok_or(ApiError::NotFound("frame"))?;
    let etag = format!("\"{}-{index}\"", series.prepared.voxels_hash);
    if let Some(unchanged) = not_modified(&headers, &etag) {
        return Ok(unchanged);
    }
    let key = ObjectStorage::voxels_key(&series.study_uid, &series.prepared);
    let stored = state
        .objects
        .get_range(&key, frame.offset..frame.offset + frame.length)
        .await?;
    voxel_response(stored, &headers, &etag)
}

pub async fn thumbnail(
    user: CurrentUser,
    State(state): State<AppState>,
    PathParams(uid): PathParams<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let series = find(&state, &user, &uid).await?;
    let etag = format!("\"{}-thumbnail\"", series.prepared.voxels_hash);
    if let Some(unchanged) = not_modified(&headers, &etag) {
        return Ok(unchanged);
    }
    let png = state
        .objects
        .get(&ObjectStorage::thumbnail_key(
            &series.study_uid,
            &series.prepared,
        ))
        .await?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("image/png")),
            (header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE)),
            (header::ETAG, header_value(&etag)?),
        ],
        png,
    )
        .into_response())
}

/// A series the user may see: a trainee only those of the cases given to them.
async fn find(state: &AppState, user: &CurrentUser, uid: &str) -> Result<StoredSeries, ApiError> {
    let series = state
        .store
        .series(uid)
        .await?
        .ok_or(ApiError::NotFound("series"))?;
    if access::reads_as_trainee(user) {
        let case_id = state
            .store
            .case_of_study(&series.study_uid)
            .await?
            .ok_or(ApiError::Forbidden)?;
        access::case_images(state, user, &case_id).await?;
    }
    Ok(series)
}

fn voxel_response(stored: Bytes, headers: &HeaderMap, etag: &str) -> Result<Response, ApiError> {
    let zstd = accepts(headers, "zstd");
    let body =
        if zstd {
            stored
        } else {
            Bytes::from(zstd::stream::decode_all(stored.as_ref()).map_err(|err| {
                ApiError::Internal(format!("stored voxels are unreadable: {err}"))
            })?)
        };
    let mut response = Response::new(Body::from(body));
    let response_headers = response.headers_mut();
    response_headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    response_headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE));
    response_headers.insert(header::ETAG, header_value(etag)?);
    response_headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if zstd {
        response_headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("zstd"));
    }
    Ok(response)
}

/// 304 Not Modified when the client already holds `etag`.
fn not_modified(headers: &HeaderMap, etag: &str) -> Option<Response> {
    if !matches_etag(headers, etag) {
        return None;
    }
    let mut response = StatusCode::NOT_MODIFIED.into_response();
    if let Ok(value) = HeaderValue::from_str(etag) {
        response.headers_mut().insert(header::ETAG, value);
    }
    Some(response)
}

fn header_value(text: &str) -> Result<HeaderValue, ApiError> {
    HeaderValue::from_str(text).map_err(|err| ApiError::Internal(format!("header value: {err}")))
}

fn matches_etag(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|candidate| {
            let candidate = candidate.trim();
            candidate == "*" || candidate.trim_start_matches("W/") == etag
        })
}

/// Whether Accept-Encoding offers `coding` with a non-zero quality.
fn accepts(headers: &HeaderMap, coding: &str) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|offer| {
            let mut parts = offer.split(';').map(str::trim);
            let name = parts.next().unwrap_or_default();
            let zero_quality = parts.any(|param| {
                param
                    .strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q == 0.0)
            });
            name.eq_ignore_ascii_case(coding) && !zero_quality
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_encoding_is_read_as_browsers_send_it() {
        let cases = [
            ("gzip, deflate, br, zstd", true),
            ("gzip, deflate, br", false),
            ("zstd;q=0", false),
            ("ZSTD;q=0.5", true),
            ("", false),
        ];
        for (offer, expected) in cases {
            let mut headers = HeaderMap::new();
            headers.insert(header::ACCEPT_ENCODING, HeaderValue::from_static(offer));
            assert_eq!(accepts(&headers, "zstd"), expected, "{offer}");
        }
    }
}
