//! Reading a case: starting an attempt, saving drafts, submitting, and the result a trainee
//! sees only after submitting; spaced re-reads; reference reads and truth outside an attempt.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use readroom_domain::{Completeness, Report, Role};
use readroom_scoring::score;
use readroom_store::{
    Attempt, CaseSummary, CaseTruth, Message, ReferenceRead, ScoredReport, Store,
};
use serde::{Deserialize, Serialize};

use crate::access::{self, AttemptView};
use crate::extract::{JsonBody, PathParams, QueryParams};
use crate::session::{ClientAddress, CurrentUser};
use crate::settings::ProgrammeSettings;
use crate::{ApiError, AppState};

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StartReading {
    case_id: String,
}

/// Opens a case for reading: the first read of an assigned case, or the re-read that is due.
/// A reading already open is returned as it is.
pub async fn start(
    user: CurrentUser,
    State(state): State<AppState>,
    JsonBody(start): JsonBody<StartReading>,
) -> Result<(StatusCode, Json<Attempt>), ApiError> {
    user.require(Role::Trainee)?;
    let now = state.clock.now();
    let readings = state
        .store
        .attempts_on_case(&user.0.id, &start.case_id)
        .await?;
    if let Some(open) = readings.iter().find(|attempt| !attempt.is_submitted()) {
        return Ok((StatusCode::OK, Json(open.clone())));
    }
    let Some(first) = readings.first() else {
        let assignment = state
            .store
            .open_assignment_for_case(&user.0.id, &start.case_id, now)
            .await?
            .ok_or(ApiError::Forbidden)?;
        let attempt = state
            .store
            .start_attempt(&user.0.id, &start.case_id, &assignment.programme_id, 0, now)
            .await?;
        return Ok((StatusCode::CREATED, Json(attempt)));
    };
    let settings = programme_settings(&state.store, &first.programme_id).await?;
    match next_reread(&readings, &settings) {
        Some((number, due_at)) if due_at <= now => {
            let attempt = state
                .store
                .start_attempt(&user.0.id, &start.case_id, &first.programme_id, number, now)
                .await?;
            Ok((StatusCode::CREATED, Json(attempt)))
        }
        _ => Err(ApiError::Conflict(
            "you have read this case, and no re-read of it is due".into(),
        )),
    }
}

/// The next re-read of a case and when it is due: a case read wrongly at first comes back
/// after each of the programme's intervals, counted from the first read's submission. Every
/// interval is used, whatever the re-reads' outcomes: spacing, not passing, is the point.
fn next_reread(readings: &[Attempt], settings: &ProgrammeSettings) -> Option<(i64, i64)> {
    let first = readings.first()?;
    if first.correct != Some(false) || readings.iter().any(|attempt| !attempt.is_submitted()) {
        return None;
    }
    let submitted_at = first.submitted_at?;
    let number = readings.len() as i64;
    let days = settings
        .reread_intervals_days
        .get(usize::try_from(number - 1).ok()?)?;
    Some((number, submitted_at + i64::from(*days) * DAY_MS))
}

#[derive(Serialize)]
pub struct Reread {
    case_id: String,
    case_title: String,
    reread_number: i64,
    due_at: i64,
    due: bool,
}

/// The signed-in trainee's coming and due re-reads, soonest first.
pub async fn rereads(
    user: CurrentUser,
    State(state): State<AppState>,
) -> Result<Json<Vec<Reread>>, ApiError> {
    user.require(Role::Trainee)?;
    let now = state.clock.now();
    let mut by_case: BTreeMap<String, Vec<Attempt>> = BTreeMap::new();
    for attempt in state.store.trainee_attempts(&user.0.id).await? {
        by_case
            .entry(attempt.case_id.clone())
            .or_default()
            .push(attempt);
    }
    let mut settings: BTreeMap<String, ProgrammeSettings> = BTreeMap::new();
    let mut rereads = Vec::new();
    for (case_id, mut readings) in by_case {
        readings.sort_by_key(|attempt| attempt.reread_number);
        let programme_id = readings[0].programme_id.clone();
        if !settings.contains_key(&programme_id) {
            let loaded = programme_settings(&state.store, &programme_id).await?;
            settings.insert(programme_id.clone(), loaded);
        }
        let Some((reread_number, due_at)) = next_reread(&readings, &settings[&programme_id]) else {
            continue;
        };
        let case_title = state
            .store
            .case_detail(&case_id)
            .await?
            .map(|case| case.summary.title)
            .unwrap_or_default();
        rereads.push(Reread {
            case_id,
            case_title,
            reread_number,
            due_at,
            due: due_at <= now,
        });
    }
    rereads.sort_by_key(|reread| reread.due_at);
    Ok(Json(rereads))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttemptFilter {
    trainee_id: Option<String>,
}

/// A trainee's attempts (the signed-in user's by default), oldest first.
pub async fn list(
    user: CurrentUser,
    State(state): State<AppState>,
    QueryParams(filter): QueryParams<AttemptFilter>,
) -> Result<Json<Vec<Attempt>>, ApiError> {
    let trainee_id = filter.trainee_id.unwrap_or_else(|| user.0.id.clone());
    if !access::may_follow_trainee(&state, &user, &trainee_id).await? {
        return Err(ApiError::Forbidden);
    }
    Ok(Json(state.store.trainee_attempts(&trainee_id).await?))
}

/// An attempt with its case; after submission, with everything that was hidden while reading.
#[derive(Serialize)]
pub struct AttemptDetail {
    #[serde(flatten)]
    attempt: Attempt,
    case: CaseSummary,
    result: Option<AttemptResult>,
}

#[derive(Serialize)]
pub struct AttemptResult {
    truth: CaseTruth,
    reference_reads: Vec<ReferenceRead>,
    messages: Vec<Message>,
    /// For a re-read: how it compares with the first read.
    agreement_with_first_read: Option<Agreement>,
}

#[derive(Serialize)]
pub struct Agreement {
    first_attempt_id: String,
    first_overall_category: Option<i64>,
    first_correct: Option<bool>,
    same_overall_category: bool,
    same_correctness: bool,
}

pub async fn detail(
    user: CurrentUser,
    State(state): State<AppState>,
    PathParams(id): PathParams<String>,
) -> Result<Json<AttemptDetail>, ApiError> {
    let (attempt, _view) = access::attempt(&state, &user, &id).await?;
    Ok(Json(attempt_detail(&state.store, attempt).await?))
}

async fn attempt_detail(store: &Store, attempt: Attempt) -> Result<AttemptDetail, ApiError> {
    let case = case_summary(store, &attempt.case_id).await?;
    // The one place truth, reference reads and feedback leave the server for a trainee: an
    // attempt that has been submitted.
    let result = if attempt.is_submitted() {
        let truth = store
            .case_truth(&attempt.case_id)
            .await?
            .ok_or(ApiError::NotFound("case"))?;
        let messages = store.messages(&attempt.id).await?;
        Some(attempt_result(store, &attempt, truth, messages).await?)
    } else {
        None
    };
    Ok(AttemptDetail {
        attempt,
        case,
        result,
    })
}

async fn case_summary(store: &Store, case_id: &str) -> Result<CaseSummary, ApiError> {
    store
        .case_summary(case_id)
        .await?
        .ok_or(ApiError::NotFound("case"))
}

/// What a submitted attempt shows: its truth and thread as given, the reference reads, and for
/// a re-read its agreement with the first read.
async fn attempt_result(
    store: &Store,
    attempt: &Attempt,
    truth: CaseTruth,
    messages: Vec<Message>,
) -> Result<AttemptResult, ApiError> {
    let agreement_with_first_read = if attempt.reread_number > 0 {
        let readings = store
            .attempts_on_case(&attempt.trainee_id, &attempt.case_id)
            .await?;
        readings
            .into_iter()
            .find(|first| first.reread_number == 0)
            .map(|first| Agreement {
                same_overall_category: first.overall_category == attempt.overall_category,
                same_correctness: first.correct == attempt.correct,
                first_attempt_id: first.id,
                first_overall_category: first.overall_category,
                first_correct: first.correct,
            })
    } else {
        None
    };
    Ok(AttemptResult {
        truth,
        reference_reads: store.reference_reads(&attempt.case_id).await?,
        messages,
        agreement_with_first_read,
    })
}

/// The attempt a trainee is reading: theirs, and not submitted.
async fn own_open_attempt(
    state: &AppState,
    user: &CurrentUser,
    id: &str,
) -> Result<Attempt, ApiError> {
    let (attempt, view) = access::attempt(state, user, id).await?;
    if view != AttemptView::Reader {
        return Err(ApiError::Forbidden);
    }
    if attempt.is_submitted() {
        return Err(ApiError::Conflict(
            "this report has been submitted and can no longer be changed".into(),
        ));
    }
    Ok(attempt)
}

fn check(report: &Report, completeness: Completeness) -> Result<(), ApiError> {
    let errors = report.validate(completeness);
    if errors.is_empty() {
        return Ok(());
    }
    Err(ApiError::Invalid {
        message: format!(
            "the report has {} problem(s): {}",
            errors.len(),
            errors
                .iter()
                .map(|error| format!("{}: {}", error.field, error.message))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        fields: errors
            .into_iter()
            .map(|error| (error.field, error.message))
            .collect(),
    })
}

pub async fn save_draft(
    user: CurrentUser,
    State(state): State<AppState>,
    PathParams(id): PathParams<String>,
    JsonBody(report): JsonBody<Report>,
) -> Result<Json<Report>, ApiError> {
    let attempt = own_open_attempt(&state, &user, &id).await?;
    check(&report, Completeness::Draft)?;
    state.store.save_draft(&attempt.id, &report).await?;
    Ok(Json(report))
}

/// Freezes the report, scores it against histology and returns the result.
pub async fn submit(
    user: CurrentUser,
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    PathParams(id): PathParams<String>,
    JsonBody(report): JsonBody<Report>,
) -> Result<Json<AttemptDetail>, ApiError> {
    let attempt = own_open_attempt(&state, &user, &id).await?;
    check(&report, Completeness::Submission)?;
    let context = state
        .store
        .submission_context(&attempt)
        .await?
        .ok_or(ApiError::NotFound("case"))?;
    let settings = ProgrammeSettings::from_stored(&context.settings);
    let scored = scored_report(&report, &context.truth, &settings)?;
    // The answer is built from what is at hand rather than read back: the submitted attempt
    // from the store's write, the truth it was scored against.
    let submitted = state
        .store
        .submit_attempt(
            &attempt,
            &report,
            &scored,
            context.figures,
            state.clock.now(),
            &address,
        )
        .await?;
    let case = case_summary(&state.store, &submitted.case_id).await?;
    // Its thread is empty: messages are posted only on submitted attempts, and this one has
    // just been submitted.
    let result = attempt_result(&state.store, &submitted, context.truth, Vec::new()).await?;
    Ok(Json(AttemptDetail {
        attempt: submitted,
        case,
        result: Some(result),
    }))
}

async fn programme_settings(
    store: &Store,
    programme_id: &str,
) -> Result<ProgrammeSettings, ApiError> {
    let programme = store
        .programme(programme_id)
        .await?
        .ok_or(ApiError::NotFound("programme"))?;
    Ok(ProgrammeSettings::from_stored(&programme.settings))
}

/// Scores a report with its programme's settings and its case's truth (returned with the score).
async fn score_report(
    store: &Store,
    attempt: &Attempt,
    report: &Report,
) -> Result<(ScoredReport, CaseTruth), ApiError> {
    let settings = programme_settings(store, &attempt.programme_id).await?;
    let truth = store
        .case_truth(&attempt.case_id)
        .await?
        .ok_or(ApiError::NotFound("case"))?;
    Ok((scored_report(report, &truth, &settings)?, truth))
}

/// The score of a report against a truth, with what the store keeps of it.
fn scored_report(
    report: &Report,
    truth: &CaseTruth,
    settings: &ProgrammeSettings,
) -> Result<ScoredReport, ApiError> {
    let scored = score(
        report,
        &truth.lesions,
        &settings.scoring(truth.significant_from_isup),
    );
    Ok(ScoredReport {
        score: serde_json::to_value(&scored).map_err(|err| ApiError::Internal(err.to_string()))?,
        correct: scored.correct,
        case_positive: scored.case_positive,
        overall_category: scored.overall_category,
        targets: scored.targets,
        hits: scored.hits,
        false_positives: scored.false_positives,
        missed_sectors: scored
            .missed_sectors
            .iter()
            .map(ToString::to_string)
            .collect(),
    })
}

/// Scores every submitted report again from the stored report, truth and current settings,
/// and rebuilds the data derived from them (every trainee's figures): run after a setting
/// changes. Returns how many scores changed.
pub async fn rescore_all(store: &Store) -> Result<usize, ApiError> {
    let mut changed = 0;
    for attempt in store.submitted_attempts().await? {
        let (scored, _) = score_report(store, &attempt, &attempt.report).await?;
        if attempt.score.as_ref() != Some(&scored.score) {
            store.rescore_attempt(&attempt.id, &scored).await?;
            changed += 1;
        }
    }
    store.rebuild_derived().await?;
    Ok(changed)
}

/// A case's truth outside an attempt: for supervisors, and for a trainee who has read it.
pub async fn case_truth(
    user: CurrentUser,
    State(state): State<AppState>,
    PathParams(case_id): PathParams<String>,
) -> Result<Json<CaseTruth>, ApiError> {
    let truth = state
        .store
        .case_truth(&case_id)
        .await?
        .ok_or(ApiError::NotFound("case"))?;
    access::case_truth(&state, &user, &case_id).await?;
    Ok(Json(truth))
}

pub async fn reference_reads(
    user: CurrentUser,
    State(state): State<AppState>,
    PathParams(case_id): PathParams<String>,
) -> Result<Json<Vec<ReferenceRead>>, ApiError> {
    if state.store.case_truth(&case_id).await?.is_none() {
        return Err(ApiError::NotFound("case"));
    }
    access::case_truth(&state, &user, &case_id).await?;
    Ok(Json(state.store.reference_reads(&case_id).await?))
}

/// An expert files (or replaces) their own reference read of a case.
pub async fn file_reference_read(
    user: CurrentUser,
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    PathParams(case_id): PathParams<String>,
    JsonBody(report): JsonBody<Report>,
) -> Result<Json<Vec<ReferenceRead>>, ApiError> {
    user.require(Role::Expert)?;
    if state.store.case_truth(&case_id).await?.is_none() {
        return Err(ApiError::NotFound("case"));
    }
    check(&report, Completeness::Submission)?;
    let category = report
        .overall_category()
        .ok_or_else(|| ApiError::invalid("overall_category", "required"))?;
    state
        .store
        .set_reference_read(&case_id, &user.0.id, &report, category, state.clock.now())
        .await?;
    state
        .store
        .record_audit(Some(&user.0.id), "reference_read", &case_id, &address)
        .await?;
    Ok(Json(state.store.reference_reads(&case_id).await?))
}
