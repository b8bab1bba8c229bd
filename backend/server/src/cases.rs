//! The case list and a case's series. Neither ever includes the truth: that leaves the server
//! only with a submitted attempt. A trainee sees only the cases given to them.

use axum::Json;
use axum::extract::State;
use readroom_store::{CaseDetail, CaseSummary};

use crate::access;
use crate::extract::PathParams;
use crate::session::CurrentUser;
use crate::{ApiError, AppState};

pub async fn list(
    user: CurrentUser,
    State(state): State<AppState>,
) -> Result<Json<Vec<CaseSummary>>, ApiError> {
    let mut cases = state.store.list_cases().await?;
    if access::reads_as_trainee(&user) {
        let mut given = Vec::new();
        for case in cases {
            if state
                .store
                .trainee_may_see_case(&user.0.id, &case.id, state.clock.now())
                .await?
            {
                given.push(case);
            }
        }
        cases = given;
    }
    Ok(Json(cases))
}

pub async fn detail(
    user: CurrentUser,
    State(state): State<AppState>,
    PathParams(id): PathParams<String>,
) -> Result<Json<CaseDetail>, ApiError> {
    let detail = state
        .store
        .case_detail(&id)
        .await?
        .ok_or(ApiError::NotFound("case"))?;
    access::case_images(&state, &user, &id).await?;
    Ok(Json(detail))
}
