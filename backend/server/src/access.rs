//! Who may see what. Every handler asks here before it reads: a trainee sees their own
//! attempts, an expert the trainees of the programmes they review, a lead the trainees of the
//! programmes they lead, an administrator everything but the training itself.
//!
//! A signed-in user who may not see something gets 403 (it is theirs to know that it exists:
//! ids are random), and an id that names nothing gets 404.

use readroom_domain::{Role, User};
use readroom_store::{Attempt, Programme};

use crate::session::CurrentUser;
use crate::{ApiError, AppState};

/// What a user wants to do with a programme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgrammeAccess {
    /// See its members, cohorts, case sets and figures: its leads and experts, and admins.
    Follow,
    /// Change it: its leads.
    Lead,
}

pub async fn programme(
    state: &AppState,
    user: &CurrentUser,
    programme_id: &str,
    access: ProgrammeAccess,
) -> Result<Programme, ApiError> {
    let programme = state
        .store
        .programme(programme_id)
        .await?
        .ok_or(ApiError::NotFound("programme"))?;
    let roles = state
        .store
        .programme_roles(programme_id, &user.0.id)
        .await?;
    let allowed = match access {
        ProgrammeAccess::Follow => {
            roles.contains(&Role::Lead) || roles.contains(&Role::Expert) || user.has(Role::Admin)
        }
        ProgrammeAccess::Lead => roles.contains(&Role::Lead),
    };
    if allowed {
        Ok(programme)
    } else {
        Err(ApiError::Forbidden)
    }
}

/// Whether `user` may follow a trainee's reading: the trainee themself, the experts and leads
/// of a programme the trainee is in, and admins.
pub async fn may_follow_trainee(
    state: &AppState,
    user: &CurrentUser,
    trainee_id: &str,
) -> Result<bool, ApiError> {
    if may_follow_trainee_sharing(user, trainee_id, &[]) {
        return Ok(true);
    }
    for role in [Role::Expert, Role::Lead] {
        if user.has(role)
            && state
                .store
                .shares_programme_with_trainee(&user.0.id, role, trainee_id)
                .await?
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The trainee `user` asks about: 404 when there is none, 403 when `user` may not follow them.
pub async fn followed_trainee(
    state: &AppState,
    user: &CurrentUser,
    trainee_id: &str,
) -> Result<User, ApiError> {
    let trainee = state
        .store
        .user(trainee_id)
        .await?
        .ok_or(ApiError::NotFound("trainee"))?;
    if !may_follow_trainee(state, user, trainee_id).await? {
        return Err(ApiError::Forbidden);
    }
    Ok(trainee)
}

/// The rule of [`may_follow_trainee`], given `shared_roles`: the roles `user` holds in the
/// programmes where the trainee is a trainee (read with the trainee's figures).
pub fn may_follow_trainee_sharing(
    user: &CurrentUser,
    trainee_id: &str,
    shared_roles: &[Role],
) -> bool {
    user.0.id == trainee_id
        || user.has(Role::Admin)
        || [Role::Expert, Role::Lead]
            .into_iter()
            .any(|role| user.has(role) && shared_roles.contains(&role))
}

/// How a user sees an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptView {
    /// The trainee who reads it: the truth only once it is submitted.
    Reader,
    /// An expert or lead of its programme, or an admin.
    Supervisor,
}

pub async fn attempt(
    state: &AppState,
    user: &CurrentUser,
    attempt_id: &str,
) -> Result<(Attempt, AttemptView), ApiError> {
    let attempt = state
        .store
        .attempt(attempt_id)
        .await?
        .ok_or(ApiError::NotFound("attempt"))?;
    if attempt.trainee_id == user.0.id {
        return Ok((attempt, AttemptView::Reader));
    }
    if user.has(Role::Admin) {
        return Ok((attempt, AttemptView::Supervisor));
    }
    let roles = state
        .store
        .programme_roles(&attempt.programme_id, &user.0.id)
        .await?;
    if roles.contains(&Role::Expert) || roles.contains(&Role::Lead) {
        Ok((attempt, AttemptView::Supervisor))
    } else {
        Err(ApiError::Forbidden)
    }
}

/// Whether `user` reads the case bank as a trainee: only the cases given to them. A user who
/// is also an expert, lead or admin sees the whole bank.
pub fn reads_as_trainee(user: &CurrentUser) -> bool {
    !(user.has(Role::Expert) || user.has(Role::Lead) || user.has(Role::Admin))
}

/// Refuses a trainee a case that is not in one of their open assignments (or read already).
pub async fn case_images(
    state: &AppState,
    user: &CurrentUser,
    case_id: &str,
) -> Result<(), ApiError> {
    if reads_as_trainee(user)
        && !state
            .store
            .trainee_may_see_case(&user.0.id, case_id, state.clock.now())
            .await?
    {
        return Err(ApiError::Forbidden);
    }
    Ok(())
}

/// Whether a user may see a case's truth and reference reads outside an attempt: supervisors
/// always, a trainee once they have submitted a first read of it.
pub async fn case_truth(
    state: &AppState,
    user: &CurrentUser,
    case_id: &str,
) -> Result<(), ApiError> {
    if !reads_as_trainee(user) {
        return Ok(());
    }
    let read = state.store.attempts_on_case(&user.0.id, case_id).await?;
    if read
        .iter()
        .any(|attempt| attempt.reread_number == 0 && attempt.is_submitted())
    {
        Ok(())
    } else {
        Err(ApiError::Forbidden)
    }
}
