//! Signing in and out, password changes, and the extractors every API handler builds on:
//! [`CurrentUser`] (a session, and its CSRF token on anything that changes state) and
//! [`ClientAddress`].
//!
//! CSRF: signing in returns a random token kept with the session; every request other than
//! GET, HEAD and OPTIONS must send it back in `X-CSRF-Token`. A cross-site page can make the
//! browser send the cookie (were SameSite to fail) but cannot read the token. Signing in itself
//! takes only `application/json`, which a cross-site form cannot send.

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use axum::Json;
use axum::extract::{ConnectInfo, FromRef, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use axum::response::IntoResponse;
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use readroom_domain::{Role, User};
use readroom_store::{PasswordCheck, SessionToken, SignInLimits};
use serde::{Deserialize, Serialize};

use crate::extract::JsonBody;
use crate::{ApiError, AppState};

const COOKIE: &str = "readroom_session";

/// The header a page sends its session's CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The signed-in session: its user, and the cookie's token (to end it, or to keep it when the
/// others end). Refuses anonymous requests with 401, and state-changing requests without the
/// session's CSRF token with 403.
#[derive(Debug, Clone)]
pub struct CurrentSession {
    pub user: User,
    pub token: SessionToken,
    pub csrf_token: String,
}

impl<S> FromRequestParts<S> for CurrentSession
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
        let session = state
            .store
            .session(&token)
            .await?
            .ok_or(ApiError::Unauthenticated(
                "your session has ended: sign in again",
            ))?;
        let changes_state = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if changes_state {
            let sent = parts
                .headers
                .get(CSRF_HEADER)
                .ok_or(ApiError::CsrfTokenRejected(
                    "missing X-CSRF-Token header: send the csrf_token given at sign-in",
                ))?;
            // A session from before CSRF tokens has an empty one, which nothing may match.
            if session.csrf_token.is_empty()
                || !same_secret(sent.as_bytes(), session.csrf_token.as_bytes())
            {
                return Err(ApiError::CsrfTokenRejected(
                    "wrong X-CSRF-Token header: send the csrf_token of this session \
                     (GET /api/session gives it; sign in again if it has none)",
                ));
            }
        }
        Ok(CurrentSession {
            user: session.user,
            token,
            csrf_token: session.csrf_token,
        })
    }
}

/// Compares in time that depends only on the lengths, so the token cannot be guessed byte by
/// byte from response times.
fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
}

/// The signed-in user. Any handler taking this refuses anonymous requests with 401 and,
/// for every method but GET, HEAD and OPTIONS, requests without the session's CSRF token
/// with 403: a state-changing handler is protected by taking it.
#[derive(Debug, Clone)]
pub struct CurrentUser(pub User);

impl CurrentUser {
    pub fn has(&self, role: Role) -> bool {
        self.0.roles.contains(&role)
    }

    /// 403 unless the user holds `role`.
    pub fn require(&self, role: Role) -> Result<(), ApiError> {
        self.require_any(&[role])
    }

    /// 403 unless the user holds at least one of `roles`.
    pub fn require_any(&self, roles: &[Role]) -> Result<(), ApiError> {
        if roles.iter().any(|role| self.has(*role)) {
            Ok(())
        } else {
            Err(ApiError::Forbidden)
        }
    }
}

impl<S> FromRequestParts<S> for CurrentUser
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let session = CurrentSession::from_request_parts(parts, state).await?;
        Ok(CurrentUser(session.user))
    }
}

/// The client's IP address, for throttling and the audit log; `unknown` when the server was
/// not started with connection info (as in tests that call the router directly).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientAddress(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let address = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(address)| address.ip().to_canonical().to_string());
        Ok(ClientAddress(address.unwrap_or_else(|| "unknown".into())))
    }
}

/// The address a client's failed sign-ins are counted under: an IPv6 client usually holds a
/// whole /64, so it is counted as one.
fn throttled_address(address: &str) -> String {
    match address.parse::<IpAddr>() {
        Ok(IpAddr::V6(ip)) => {
            let [a, b, c, d, ..] = ip.segments();
            format!("{a:x}:{b:x}:{c:x}:{d:x}::/64")
        }
        _ => address.to_owned(),
    }
}

/// What signing in and `GET /api/session` return: the user, and the token the page sends in
/// `X-CSRF-Token` with every state-changing request.
#[derive(Serialize)]
pub struct SessionReply {
    user: User,
    csrf_token: String,
}

#[derive(Deserialize)]
pub struct Credentials {
    username: String,
    password: String,
}

/// The attempted username as the audit log keeps it: short enough that nobody can flood
/// the log with one huge name.
fn attempted_username(username: &str) -> String {
    username.chars().take(64).collect()
}

/// A wait in whole minutes, rounded up: "1 minute", "15 minutes".
fn in_minutes(wait: Duration) -> String {
    let minutes = wait.as_secs().div_ceil(60).max(1);
    format!("{minutes} minute{}", if minutes == 1 { "" } else { "s" })
}

/// `Json` (not a form) is deliberate: a cross-site form cannot post `application/json`, so
/// it cannot sign a browser into an account of the attacker's choosing.
pub async fn sign_in(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    jar: CookieJar,
    JsonBody(credentials): JsonBody<Credentials>,
) -> Result<impl IntoResponse, ApiError> {
    let store = &state.store;
    let limits = SignInLimits::default();
    let attempted = attempted_username(&credentials.username);
    let counted_address = throttled_address(&address);
    if let Some(wait) = store
        .sign_in_blocked_for(&limits, &attempted, &counted_address)
        .await?
    {
        store
            .record_audit(None, "sign_in_throttled", &attempted, &address)
            .await?;
        return Err(ApiError::TooManyRequests(format!(
            "too many failed sign-ins: try again in {}",
            in_minutes(wait)
        )));
    }
    let user = match store
        .check_password(&credentials.username, &credentials.password)
        .await?
    {
        PasswordCheck::Accepted(user) => user,
        PasswordCheck::Disabled(user) => {
            store
                .record_audit(Some(&user.id), "sign_in_disabled", &user.username, &address)
                .await?;
            return Err(ApiError::Unauthenticated("this account is disabled"));
        }
        PasswordCheck::Refused => {
            store
                .record_sign_in_failure(&limits, &attempted, &counted_address)
                .await?;
            store
                .record_audit(None, "sign_in_failed", &attempted, &address)
                .await?;
            return Err(ApiError::Unauthenticated("wrong username or password"));
        }
    };
    store.clear_sign_in_failures(&user.username).await?;
    let session = store.create_session(&user.id).await?;
    store
        .record_audit(Some(&user.id), "sign_in", &user.username, &address)
        .await?;
    let cookie = Cookie::build((COOKIE, session.token.0))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.secure_cookies)
        .build();
    Ok((
        jar.add(cookie),
        Json(SessionReply {
            user,
            csrf_token: session.csrf_token,
        }),
    ))
}

/// Who is signed in, with the session's CSRF token, so that a reloaded page can go on.
pub async fn current(session: CurrentSession) -> Json<SessionReply> {
    Json(SessionReply {
        user: session.user,
        csrf_token: session.csrf_token,
    })
}

/// Needs the session's CSRF token like any other change: otherwise any site could sign a
/// reader out.
pub async fn sign_out(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    session: CurrentSession,
    jar: CookieJar,
) -> Result<impl IntoResponse, ApiError> {
    state.store.end_session(&session.token).await?;
    state
        .store
        .record_audit(
            Some(&session.user.id),
            "sign_out",
            &session.user.username,
            &address,
        )
        .await?;
    Ok((
        jar.remove(Cookie::build(COOKIE).path("/")),
        StatusCode::NO_CONTENT,
    ))
}

#[derive(Deserialize)]
pub struct PasswordChange {
    current_password: String,
    new_password: String,
}

/// Changes the signed-in user's password and ends their other sessions. A wrong current
/// password counts as a failed sign-in: a borrowed session must not become a way to guess it.
pub async fn change_password(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    session: CurrentSession,
    JsonBody(change): JsonBody<PasswordChange>,
) -> Result<StatusCode, ApiError> {
    let store = &state.store;
    let user = &session.user;
    let limits = SignInLimits::default();
    let counted_address = throttled_address(&address);
    if let Some(wait) = store
        .sign_in_blocked_for(&limits, &user.username, &counted_address)
        .await?
    {
        return Err(ApiError::TooManyRequests(format!(
            "too many wrong passwords: try again in {}",
            in_minutes(wait)
        )));
    }
    if !store
        .password_is(&user.id, &change.current_password)
        .await?
    {
        store
            .record_sign_in_failure(&limits, &user.username, &counted_address)
            .await?;
        return Err(ApiError::invalid(
            "current_password",
            "this is not your current password",
        ));
    }
    store
        .set_password(&user.id, &change.new_password, &session.token)
        .await?;
    store
        .record_audit(Some(&user.id), "password_change", &user.username, &address)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
