//! What each import did (admins): the runs of `readroom import` and of the demo bank's import,
//! with their counts, and each run's refusals with their reasons.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use readroom_domain::Role;
use readroom_store::{ImportRefusal, ImportRun};
use serde::{Deserialize, Serialize};

use crate::extract::PathParams;
use crate::session::CurrentUser;
use crate::{ApiError, AppState};

const DEFAULT_RUNS: i64 = 50;
const MAX_RUNS: i64 = 1000;
const DEFAULT_REFUSALS: i64 = 100;
const MAX_REFUSALS: i64 = 1000;

#[derive(Deserialize)]
pub struct RunsQuery {
    limit: Option<i64>,
}

/// `GET /api/imports?limit=N` (admin): the newest runs first, each with its number of
/// refusals; 50 unless asked for up to 1,000.
pub async fn list(
    State(state): State<AppState>,
    admin: CurrentUser,
    query: Result<Query<RunsQuery>, QueryRejection>,
) -> Result<Json<Vec<ImportRun>>, ApiError> {
    admin.require(Role::Admin)?;
    let Query(RunsQuery { limit }) = query?;
    let limit = within("limit", limit.unwrap_or(DEFAULT_RUNS), 1, MAX_RUNS)?;
    Ok(Json(state.store.import_runs(limit).await?))
}

#[derive(Deserialize)]
pub struct RefusalsQuery {
    offset: Option<i64>,
    limit: Option<i64>,
}

/// A run and a page of its refusals.
#[derive(Serialize)]
pub struct ImportRunDetail {
    run: ImportRun,
    /// The run's refusals from the `offset`th, in the order the importer gave them; the run's
    /// `refused` says how many there are in all.
    refusals: Vec<ImportRefusal>,
    offset: i64,
}

/// `GET /api/imports/{id}?offset=N&limit=M` (admin): the run, and `limit` of its refusals (100
/// unless asked for up to 1,000) from the `offset`th (0).
pub async fn detail(
    State(state): State<AppState>,
    admin: CurrentUser,
    PathParams(id): PathParams<String>,
    query: Result<Query<RefusalsQuery>, QueryRejection>,
) -> Result<Json<ImportRunDetail>, ApiError> {
    admin.require(Role::Admin)?;
    let Query(RefusalsQuery { offset, limit }) = query?;
    let offset = within("offset", offset.unwrap_or(0), 0, i64::MAX)?;
    let limit = within("limit", limit.unwrap_or(DEFAULT_REFUSALS), 1, MAX_REFUSALS)?;
    let run = state
        .store
        .import_run(&id)
        .await?
        .ok_or(ApiError::NotFound("import run"))?;
    let refusals = state.store.import_refusals(&id, offset, limit).await?;
    Ok(Json(ImportRunDetail {
        run,
        refusals,
        offset,
    }))
}

/// `value`, or a 422 naming `field` when it is outside `minimum..=maximum`.
fn within(field: &str, value: i64, minimum: i64, maximum: i64) -> Result<i64, ApiError> {
    if (minimum..=maximum).contains(&value) {
        return Ok(value);
    }
    let message = if maximum == i64::MAX {
        format!("a whole number from {minimum}")
    } else {
        format!("a whole number from {minimum} to {maximum}")
    };
    Err(ApiError::invalid(field, message))
}
