//! The case list and a case's series. Neither ever includes the truth: that leaves the server
//! only with a submitted attempt. A trainee sees only the cases given to them. Administrators
//! also list the stored studies, with and without truth.

use axum::Json;
use axum::extract::State;
use readroom_domain::Role;
use readroom_store::{CaseDetail, CaseSummary};
use serde::Serialize;

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

/// A stored study, and the case made of it once its truth was attached.
#[derive(Serialize)]
pub struct StudyEntry {
    uid: String,
    /// `None` while the study has no truth: it is stored but cannot be read or assigned.
    case_id: Option<String>,
}

/// `GET /api/studies` (admins): every imported study, so that those still lacking truth show.
/// One look-up per study: the case bank is an administrator's page, not a hot path.
pub async fn studies(
    user: CurrentUser,
    State(state): State<AppState>,
) -> Result<Json<Vec<StudyEntry>>, ApiError> {
    user.require(Role::Admin)?;
    let mut entries = Vec::new();
    for uid in state.store.study_uids().await? {
        let case_id = state.store.case_of_study(&uid).await?;
        entries.push(StudyEntry { uid, case_id });
    }
    Ok(Json(entries))
}
