//! Threads on submitted attempts: expert feedback with pinned marks, trainee questions and
//! expert answers; unread counts; the expert review queue.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use readroom_domain::Role;
use readroom_store::{Message, MessageKind, PinnedMark, QueueItem};
use serde::{Deserialize, Serialize};

use crate::access::{self, AttemptView};
use crate::extract::{JsonBody, PathParams};
use crate::session::{ClientAddress, CurrentUser};
use crate::{ApiError, AppState};

const MAX_BODY_CHARS: usize = 5000;
const MAX_MARKS: usize = 20;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewMessage {
    kind: MessageKind,
    body: String,
    #[serde(default)]
    marks: Vec<PinnedMark>,
}

/// Posts to an attempt's thread: its trainee asks questions; the experts of its programme
/// give feedback and answer.
pub async fn post(
    user: CurrentUser,
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    PathParams(attempt_id): PathParams<String>,
    JsonBody(new): JsonBody<NewMessage>,
) -> Result<(StatusCode, Json<Vec<Message>>), ApiError> {
    let (attempt, view) = access::attempt(&state, &user, &attempt_id).await?;
    let allowed = match (view, new.kind) {
        (AttemptView::Reader, MessageKind::Question) => true,
        (AttemptView::Supervisor, MessageKind::Feedback | MessageKind::Answer) => state
            .store
            .programme_roles(&attempt.programme_id, &user.0.id)
            .await?
            .contains(&Role::Expert),
        _ => false,
    };
    if !allowed {
        return Err(ApiError::Forbidden);
    }
    if !attempt.is_submitted() {
        return Err(ApiError::Conflict(
            "feedback and questions come after the report is submitted".into(),
        ));
    }
    let body = new.body.trim();
    if body.is_empty() || body.chars().count() > MAX_BODY_CHARS {
        return Err(ApiError::invalid(
            "body",
            format!("1 to {MAX_BODY_CHARS} characters"),
        ));
    }
    if new.marks.len() > MAX_MARKS {
        return Err(ApiError::invalid(
            "marks",
            format!("at most {MAX_MARKS} marks"),
        ));
    }
    for (index, mark) in new.marks.iter().enumerate() {
        if mark.lps_mm.iter().any(|value| !value.is_finite()) {
            return Err(ApiError::invalid(
                &format!("marks[{index}].lps_mm"),
                "must be three finite numbers (mm)",
            ));
        }
        if mark.series_uid.trim().is_empty() || mark.label.chars().count() > 200 {
            return Err(ApiError::invalid(
                &format!("marks[{index}]"),
                "name the series, and keep the label under 200 characters",
            ));
        }
    }
    state
        .store
        .add_message(
            &attempt.id,
            &user.0.id,
            new.kind,
            body,
            &new.marks,
            state.clock.now(),
        )
        .await?;
    let action = match new.kind {
        MessageKind::Feedback => "feedback",
        MessageKind::Question => "question",
        MessageKind::Answer => "answer",
    };
    state
        .store
        .record_audit(Some(&user.0.id), action, &attempt.id, &address)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(state.store.messages(&attempt.id).await?),
    ))
}

/// Marks an attempt's thread as read by the signed-in user.
pub async fn mark_read(
    user: CurrentUser,
    State(state): State<AppState>,
    PathParams(attempt_id): PathParams<String>,
) -> Result<StatusCode, ApiError> {
    let (attempt, _) = access::attempt(&state, &user, &attempt_id).await?;
    state
        .store
        .mark_thread_read(&attempt.id, &user.0.id, state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize)]
pub struct Unread {
    total: i64,
    /// Unread messages per attempt.
    attempts: BTreeMap<String, i64>,
}

/// What is new for the signed-in user: feedback and answers on a trainee's attempts, questions
/// for an expert.
pub async fn unread(
    user: CurrentUser,
    State(state): State<AppState>,
) -> Result<Json<Unread>, ApiError> {
    let mut attempts = BTreeMap::new();
    if user.has(Role::Trainee) {
        attempts.extend(state.store.trainee_unread(&user.0.id).await?);
    }
    if user.has(Role::Expert) {
        attempts.extend(state.store.expert_unread(&user.0.id).await?);
    }
    Ok(Json(Unread {
        total: attempts.values().sum(),
        attempts,
    }))
}

/// The signed-in expert's review queue, oldest first.
pub async fn review_queue(
    user: CurrentUser,
    State(state): State<AppState>,
) -> Result<Json<Vec<QueueItem>>, ApiError> {
    user.require(Role::Expert)?;
    Ok(Json(state.store.review_queue(&user.0.id).await?))
}
