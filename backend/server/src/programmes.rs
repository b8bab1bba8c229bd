//! Programmes as a lead builds them: members, cohorts, case sets and assignments; and what a
//! trainee has been given.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use readroom_domain::Role;
use readroom_store::{Assignment, CaseSet, Cohort, Member, Programme, TraineeAssignment};
use serde::{Deserialize, Serialize};

use crate::access::{self, ProgrammeAccess};
use crate::extract::{JsonBody, PathParams};
use crate::session::CurrentUser;
use crate::settings::ProgrammeSettings;
use crate::{ApiError, AppState};

/// Every programme for an admin; for everyone else those they take part in.
pub async fn list(
    user: CurrentUser,
    State(state): State<AppState>,
) -> Result<Json<Vec<Programme>>, ApiError> {
    let member = (!user.has(Role::Admin)).then_some(user.0.id.as_str());
    Ok(Json(state.store.programmes(member).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewProgramme {
    name: String,
    #[serde(default)]
    settings: ProgrammeSettings,
}

pub async fn create(
    user: CurrentUser,
    State(state): State<AppState>,
    JsonBody(new): JsonBody<NewProgramme>,
) -> Result<(StatusCode, Json<Programme>), ApiError> {
    user.require(Role::Lead)?;
    new.settings.validate()?;
    let settings =
        serde_json::to_value(&new.settings).map_err(|err| ApiError::Internal(err.to_string()))?;
    let programme = state
        .store
        .create_programme(&new.name, &settings, &user.0.id)
        .await?;
    Ok((StatusCode::CREATED, Json(programme)))
}

/// A programme as its leads and experts see it.
#[derive(Serialize)]
pub struct ProgrammeDetail {
    #[serde(flatten)]
    programme: Programme,
    settings_in_force: ProgrammeSettings,
    members: Vec<Member>,
    cohorts: Vec<Cohort>,
    case_sets: Vec<CaseSet>,
    assignments: Vec<Assignment>,
}

pub async fn detail(
    user: CurrentUser,
    State(state): State<AppState>,
    PathParams(id): PathParams<String>,
) -> Result<Json<ProgrammeDetail>, ApiError> {
    let programme = access::programme(&state, &user, &id, ProgrammeAccess::Follow).await?;
    Ok(Json(ProgrammeDetail {
        settings_in_force: ProgrammeSettings::from_stored(&programme.settings),
        members: state.store.members(&id).await?,
        cohorts: state.store.cohorts(&id).await?,
        case_sets: state.store.case_sets(&id).await?,
        assignments: state.store.programme_assignments(&id).await?,
        programme,
    }))
}

/// Changes the settings; scores already stored change only when the rescore command runs.
pub async fn set_settings(
    user: CurrentUser,
    State(state): State<AppState>,
    PathParams(id): PathParams<String>,
    JsonBody(settings): JsonBody<ProgrammeSettings>,
) -> Result<Json<ProgrammeSettings>, ApiError> {
    access::programme(&state, &user, &id, ProgrammeAccess::Lead).await?;
    settings.validate()?;
    let value =
        serde_json::to_value(&settings).map_err(|err| ApiError::Internal(err.to_string()))?;
    state.store.set_programme_settings(&id, &value).await?;
    Ok(Json(settings))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewMember {
    user_id: String,
    role: Role,
}

pub async fn add_member(
    user: CurrentUser,
    State(state): State<AppState>,
    PathParams(id): PathParams<String>,
    JsonBody(new): JsonBody<NewMember>,
) -> Result<(StatusCode, Json<Vec<Member>>), ApiError> {
    access::programme(&state, &user, &id, ProgrammeAccess::Lead).await?;
    state.store.add_member(&id, &new.user_id, new.role).await?;
    Ok((StatusCode::CREATED, Json(state.store.members(&id).await?)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Named {
    name: String,
}

pub async fn create_cohort(
    user: CurrentUser,
    State(state): State<AppState>,
    PathParams(id): PathParams<String>,
    JsonBody(new): JsonBody<Named>,
) -> Result<(StatusCode, Json<Cohort>), ApiError> {
    access::programme(&state, &user, &id, ProgrammeAccess::Lead).await?;
    let cohort = state.store.create_cohort(&id, &new.name).await?;
    Ok((StatusCode::CREATED, Json(cohort)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewCohortMember {
    user_id: String,
}

pub async fn add_cohort_member(
    user: CurrentUser,
    State(state): State<AppState>,
    PathParams(cohort_id): PathParams<String>,
    JsonBody(new): JsonBody<NewCohortMember>,
) -> Result<(StatusCode, Json<Cohort>), ApiError> {
    let cohort = cohort_to_lead(&state, &user, &cohort_id).await?;
    state.store.add_cohort_member(&cohort, &new.user_id).await?;
    let cohort = state
        .store
        .cohort(&cohort_id)
        .await?
        .ok_or(ApiError::NotFound("cohort"))?;
    Ok((StatusCode::CREATED, Json(cohort)))
}

/// A cohort whose programme `user` leads.
async fn cohort_to_lead(
    state: &AppState,
    user: &CurrentUser,
    cohort_id: &str,
) -> Result<Cohort, ApiError> {
    let cohort = state
        .store
        .cohort(cohort_id)
        .await?
        .ok_or(ApiError::NotFound("cohort"))?;
    access::programme(state, user, &cohort.programme_id, ProgrammeAccess::Lead).await?;
    Ok(cohort)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewCaseSet {
    name: String,
    case_ids: Vec<String>,
}

pub async fn create_case_set(
    user: CurrentUser,
    State(state): State<AppState>,
    PathParams(id): PathParams<String>,
    JsonBody(new): JsonBody<NewCaseSet>,
) -> Result<(StatusCode, Json<CaseSet>), ApiError> {
    access::programme(&state, &user, &id, ProgrammeAccess::Lead).await?;
    let set = state
        .store
        .create_case_set(&id, &new.name, &new.case_ids)
        .await?;
    Ok((StatusCode::CREATED, Json(set)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewAssignment {
    case_set_id: String,
    cohort_id: String,
    /// Unix milliseconds.
    opens_at: i64,
    due_at: i64,
}

pub async fn create_assignment(
    user: CurrentUser,
    State(state): State<AppState>,
    PathParams(id): PathParams<String>,
    JsonBody(new): JsonBody<NewAssignment>,
) -> Result<(StatusCode, Json<Assignment>), ApiError> {
    access::programme(&state, &user, &id, ProgrammeAccess::Lead).await?;
    let assignment = state
        .store
        .create_assignment(
            &id,
            &new.case_set_id,
            &new.cohort_id,
            new.opens_at,
            new.due_at,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(assignment)))
}

/// What the signed-in trainee has been given, with open and due dates and progress.
pub async fn my_assignments(
    user: CurrentUser,
    State(state): State<AppState>,
) -> Result<Json<Vec<TraineeAssignment>>, ApiError> {
    user.require(Role::Trainee)?;
    Ok(Json(
        state
            .store
            .trainee_assignments(&user.0.id, state.clock.now())
            .await?,
    ))
}
