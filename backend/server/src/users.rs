//! Managing accounts (admins; leads may list people to enrol them) and reading the audit log
//! (admins). Every change is recorded in the audit log under the username it concerns.

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use readroom_domain::Role;
use readroom_store::{AuditEntry, NewUser, UserAccount};
use serde::Deserialize;

use crate::extract::PathParams;
use crate::session::{ClientAddress, CurrentUser};
use crate::{ApiError, AppState};

/// The request's JSON body, read only after the role check, so that whoever may not call an
/// endpoint gets 403 whatever they send.
fn json_body<T>(body: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    body.map(|Json(value)| value).map_err(ApiError::from)
}

/// `GET /api/users`: admins, and leads, who need to find people to enrol.
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Vec<UserAccount>>, ApiError> {
    user.require_any(&[Role::Admin, Role::Lead])?;
    Ok(Json(state.store.users().await?))
}

#[derive(Deserialize)]
pub struct NewAccount {
    username: String,
    /// The username when left out.
    display_name: Option<String>,
    password: String,
    roles: Vec<Role>,
}

/// `POST /api/users` (admin): 201 with the account.
pub async fn create(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    admin: CurrentUser,
    body: Result<Json<NewAccount>, JsonRejection>,
) -> Result<(StatusCode, Json<UserAccount>), ApiError> {
    admin.require(Role::Admin)?;
    let account = json_body(body)?;
    let user = state
        .store
        .create_user(&NewUser {
            display_name: account
                .display_name
                .unwrap_or_else(|| account.username.clone()),
            username: account.username,
            password: account.password,
            roles: account.roles,
        })
        .await?;
    state
        .store
        .record_audit(Some(&admin.0.id), "user_create", &user.username, &address)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(UserAccount {
            id: user.id,
            username: user.username,
            display_name: user.display_name,
            roles: user.roles,
            disabled: false,
        }),
    ))
}

#[derive(Deserialize)]
pub struct Roles {
    roles: Vec<Role>,
}

/// `PUT /api/users/{id}/roles` (admin). An admin cannot take away their own admin role, so
/// that an installation is never left without one by mistake.
pub async fn set_roles(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    admin: CurrentUser,
    PathParams(id): PathParams<String>,
    body: Result<Json<Roles>, JsonRejection>,
) -> Result<Json<UserAccount>, ApiError> {
    admin.require(Role::Admin)?;
    let Roles { roles } = json_body(body)?;
    if id == admin.0.id && !roles.contains(&Role::Admin) {
        return Err(ApiError::Conflict(
            "you cannot remove your own admin role: ask another admin".into(),
        ));
    }
    let account = state
        .store
        .set_roles(&id, &roles)
        .await?
        .ok_or(ApiError::NotFound("user"))?;
    let roles: Vec<&str> = account.roles.iter().map(|role| role.as_str()).collect();
    state
        .store
        .record_audit(
            Some(&admin.0.id),
            "role_change",
            &format!("{}: {}", account.username, roles.join(", ")),
            &address,
        )
        .await?;
    Ok(Json(account))
}

#[derive(Deserialize)]
pub struct Disabled {
    disabled: bool,
}

/// `PUT /api/users/{id}/disabled` (admin). Disabling ends the user's sessions at once. An
/// admin cannot disable themself: another admin must.
pub async fn set_disabled(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    admin: CurrentUser,
    PathParams(id): PathParams<String>,
    body: Result<Json<Disabled>, JsonRejection>,
) -> Result<Json<UserAccount>, ApiError> {
    admin.require(Role::Admin)?;
    let Disabled { disabled } = json_body(body)?;
    if id == admin.0.id && disabled {
        return Err(ApiError::Conflict(
            "you cannot disable your own account: ask another admin".into(),
        ));
    }
    let account = state
        .store
        .set_disabled(&id, disabled)
        .await?
        .ok_or(ApiError::NotFound("user"))?;
    let action = if disabled {
        "user_disable"
    } else {
        "user_enable"
    };
    state
        .store
        .record_audit(Some(&admin.0.id), action, &account.username, &address)
        .await?;
    Ok(Json(account))
}

#[derive(Deserialize)]
pub struct AuditQuery {
    limit: Option<i64>,
}

const DEFAULT_AUDIT_ENTRIES: i64 = 100;
const MAX_AUDIT_ENTRIES: i64 = 1000;

/// `GET /api/audit?limit=N` (admin): the newest entries first, 100 unless asked for up to
/// 1,000.
pub async fn audit(
    State(state): State<AppState>,
    admin: CurrentUser,
    query: Result<Query<AuditQuery>, QueryRejection>,
) -> Result<Json<Vec<AuditEntry>>, ApiError> {
    admin.require(Role::Admin)?;
    let limit_message = format!("a whole number from 1 to {MAX_AUDIT_ENTRIES}");
    let Query(AuditQuery { limit }) =
        query.map_err(|_| ApiError::invalid("limit", limit_message.clone()))?;
    let limit = limit.unwrap_or(DEFAULT_AUDIT_ENTRIES);
    if !(1..=MAX_AUDIT_ENTRIES).contains(&limit) {
        return Err(ApiError::invalid("limit", limit_message));
    }
    Ok(Json(state.store.audit_log(limit).await?))
}
