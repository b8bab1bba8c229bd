//! The case list and a case's series. Neither ever includes the truth: that leaves the server
//! only with a submitted attempt.

use axum::Json;
use axum::extract::{Path, State};
use readroom_store::{CaseDetail, CaseSummary};

use crate::session::CurrentUser;
use crate::{ApiError, AppState};

pub async fn list(
    _: CurrentUser,
    State(state): State<AppState>,
) -> Result<Json<Vec<CaseSummary>>, ApiError> {
    Ok(Json(state.store.list_cases().await?))
}

pub async fn detail(
    _: CurrentUser,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<CaseDetail>, ApiError> {
    state
        .store
        .case_detail(&id)
        .await?
        .map(Json)
        .ok_or(ApiError::NotFound("case"))
}
