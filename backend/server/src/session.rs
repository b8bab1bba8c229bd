//! Signing in and out, and the extractor that makes every API handler require a session.

use axum::Json;
use axum::extract::{FromRef, FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::IntoResponse;
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use readroom_domain::User;
use readroom_store::SessionToken;
use serde::Deserialize;

use crate::{ApiError, AppState};

const COOKIE: &str = "readroom_session";

/// The signed-in user. Any handler taking this refuses anonymous requests with 401.
#[derive(Debug, Clone)]
pub struct CurrentUser(pub User);

impl<S> FromRequestParts<S> for CurrentUser
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        let jar = CookieJar::from_headers(&parts.headers);
        let token = jar
            .get(COOKIE)
            .map(|cookie| SessionToken(cookie.value().to_owned()))
            .ok_or(ApiError::Unauthenticated("sign in first"))?;
        let user = state
            .store
            .session_user(&token)
            .await?
            .ok_or(ApiError::Unauthenticated(
                "your session has ended: sign in again",
            ))?;
        Ok(CurrentUser(user))
    }
}

#[derive(Deserialize)]
pub struct Credentials {
    username: String,
    password: String,
}

pub async fn sign_in(
    State(state): State<AppState>,
    jar: CookieJar,
    Json(credentials): Json<Credentials>,
) -> Result<impl IntoResponse, ApiError> {
    let user = state
        .store
        .check_password(&credentials.username, &credentials.password)
        .await?
        .ok_or(ApiError::Unauthenticated("wrong username or password"))?;
    let token = state.store.create_session(&user.id).await?;
    let cookie = Cookie::build((COOKIE, token.0))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.secure_cookies)
        .build();
    Ok((jar.add(cookie), Json(user)))
}

pub async fn current(CurrentUser(user): CurrentUser) -> Json<User> {
    Json(user)
}

pub async fn sign_out(
    State(state): State<AppState>,
    jar: CookieJar,
) -> Result<impl IntoResponse, ApiError> {
    if let Some(cookie) = jar.get(COOKIE) {
        state
            .store
            .end_session(&SessionToken(cookie.value().to_owned()))
            .await?;
    }
    Ok((
        jar.remove(Cookie::build(COOKIE).path("/")),
        StatusCode::NO_CONTENT,
    ))
}
