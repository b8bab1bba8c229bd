//! The one error type of the API, and the one JSON shape every error has:
//! `{"error": {"code": "not_found", "message": "…", "fields": {"field": "message"}}}`.

use std::collections::BTreeMap;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use readroom_store::StoreError;
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 401: no valid session, or wrong credentials.
    #[error("{0}")]
    Unauthenticated(&'static str),
    /// 403: signed in, but this role may not do that.
    #[error("you may not do that")]
    Forbidden,
    /// 403: a state-changing request without the session's CSRF token in `X-CSRF-Token`.
    #[error("{0}")]
    CsrfTokenRejected(&'static str),
    /// 404: nothing by that name (or nothing this user may see).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// 409: the request conflicts with what is stored.
    #[error("{0}")]
    Conflict(String),
    /// 422: the request is malformed; names each wrong field.
    #[error("{message}")]
    Invalid {
        message: String,
        fields: BTreeMap<String, String>,
    },
    /// 429: too many failed sign-ins; says when to try again.
    #[error("{0}")]
    TooManyRequests(String),
    /// 415: a body sent as anything but `application/json`.
    #[error("send the body as JSON, with `Content-Type: application/json`")]
    NotJson,
    /// 500: logged in full; the body says nothing internal.
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    pub fn invalid(field: &str, message: impl Into<String>) -> ApiError {
        let message = message.into();
        ApiError::Invalid {
            message: format!("{field}: {message}"),
            fields: BTreeMap::from([(field.to_owned(), message)]),
        }
    }

    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::Unauthenticated(_) => (StatusCode::UNAUTHORIZED, "unauthenticated"),
            ApiError::Forbidden => (StatusCode::FORBIDDEN, "forbidden"),
            ApiError::CsrfTokenRejected(_) => (StatusCode::FORBIDDEN, "csrf_token_rejected"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            ApiError::Invalid { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
            ApiError::TooManyRequests(_) => (StatusCode::TOO_MANY_REQUESTS, "too_many_attempts"),
            ApiError::NotJson => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> ApiError {
        match err {
            StoreError::Conflict(message) => ApiError::Conflict(message),
            StoreError::Invalid(message) => ApiError::Invalid {
                fields: message
                    .split_once(':')
                    .map(|(field, text)| {
                        BTreeMap::from([(field.to_owned(), text.trim().to_owned())])
                    })
                    .unwrap_or_default(),
                message,
            },
            other => ApiError::Internal(other.to_string()),
        }
    }
}

#[derive(Serialize)]
struct Body<'a> {
    error: Detail<'a>,
}

#[derive(Serialize)]
struct Detail<'a> {
    code: &'static str,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    fields: Option<&'a BTreeMap<String, String>>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        if let ApiError::Internal(detail) = &self {
            tracing::error!("{detail}");
        }
        let fields = match &self {
            ApiError::Invalid { fields, .. } => Some(fields),
            _ => None,
        };
        let body = Body {
            error: Detail {
                code,
                message: self.to_string(),
                fields,
            },
        };
        (status, Json(body)).into_response()
    }
}
