//! Training records: what a trainee has read up to a moment (cases, time, scores), for
//! accreditation or CPD, with a verification code that this server can check.
//!
//! The code is `RR1-<moment>-<digest>`: the moment the record was issued, and a BLAKE3 digest
//! of the record's content. Submitted reports never change, so the record of a trainee as of
//! a moment can be built again at any later time; verifying a code builds it again and compares
//! digests. It is not a signature (anyone can hash), and it need not be: a code is valid only
//! when it matches what the server itself holds. A record stops verifying if the scores behind
//! it are recomputed differently (`readroom rescore` after a change of settings), which is
//! what a verifier should learn.

use axum::Json;
use axum::extract::State;
use readroom_scoring::{Proportion, median, wilson};
use serde::{Deserialize, Serialize};

use crate::access;
use crate::extract::{PathParams, QueryParams};
use crate::session::CurrentUser;
use crate::{ApiError, AppState};

const CODE_PREFIX: &str = "RR1";

#[derive(Serialize)]
pub struct RecordTrainee {
    id: String,
    username: String,
    display_name: String,
}

/// One submitted read.
#[derive(Serialize)]
pub struct RecordRead {
    attempt_id: String,
    case_id: String,
    case_title: String,
    /// 0 for a first read, then 1, 2, … for re-reads.
    reread_number: i64,
    submitted_at: i64,
    reading_ms: i64,
    overall_category: Option<i64>,
    correct: Option<bool>,
}

/// The record's content: everything the digest covers.
#[derive(Serialize)]
pub struct RecordContent {
    trainee: RecordTrainee,
    /// Reads submitted up to this moment (Unix ms) are counted.
    as_of: i64,
    /// Distinct cases with a submitted first read.
    cases_read: u32,
    first_reads: u32,
    rereads: u32,
    /// Correctly read first reads, with the Wilson interval.
    accuracy: Proportion,
    /// Correct re-reads.
    reread_accuracy: Proportion,
    /// Clinically significant lesions found, of those present, over first reads.
    lesion_detection: Proportion,
    false_positives: u32,
    /// Time from opening to submitting, summed over every read.
    time_spent_ms: i64,
    median_reading_ms: Option<f64>,
    reads: Vec<RecordRead>,
}

#[derive(Serialize)]
pub struct TrainingRecord {
    #[serde(flatten)]
    content: RecordContent,
    verification_code: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordQuery {
    as_of: Option<i64>,
}

/// `GET /api/trainees/{id}/record[?as_of=ms]`: the record as of now, or of an earlier moment.
pub async fn record(
    user: CurrentUser,
    State(state): State<AppState>,
    PathParams(trainee_id): PathParams<String>,
    QueryParams(query): QueryParams<RecordQuery>,
) -> Result<Json<TrainingRecord>, ApiError> {
    let now = state.clock.now();
    let as_of = query.as_of.unwrap_or(now);
    if as_of > now {
        return Err(ApiError::invalid(
            "as_of",
            "a moment in the future: a record covers what has been read",
        ));
    }
    let content = build(&state, &user, &trainee_id, as_of).await?;
    let verification_code = code(&content)?;
    Ok(Json(TrainingRecord {
        content,
        verification_code,
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyQuery {
    code: String,
}

#[derive(Serialize)]
pub struct Verification {
    valid: bool,
    /// The record as the server builds it for the code's moment: what the code vouches for
    /// when `valid`, and what is held now when not.
    record: TrainingRecord,
}

/// `GET /api/trainees/{id}/record/verify?code=…`: whether a printed record's code matches
/// what the server holds for that trainee and moment.
pub async fn verify(
    user: CurrentUser,
    State(state): State<AppState>,
    PathParams(trainee_id): PathParams<String>,
    QueryParams(query): QueryParams<VerifyQuery>,
) -> Result<Json<Verification>, ApiError> {
    let as_of = moment_of(&query.code)?;
    if as_of > state.clock.now() {
        return Err(ApiError::invalid("code", "names a moment in the future"));
    }
    let content = build(&state, &user, &trainee_id, as_of).await?;
    let verification_code = code(&content)?;
    Ok(Json(Verification {
        valid: verification_code == query.code.trim().to_ascii_uppercase(),
        record: TrainingRecord {
            content,
            verification_code,
        },
    }))
}

async fn build(
    state: &AppState,
    user: &CurrentUser,
    trainee_id: &str,
    as_of: i64,
) -> Result<RecordContent, ApiError> {
    let trainee = access::followed_trainee(state, user, trainee_id).await?;
    let titles: std::collections::HashMap<String, String> = state
        .store
        .list_cases()
        .await?
        .into_iter()
        .map(|case| (case.id, case.title))
        .collect();
    let mut submitted: Vec<_> = state
        .store
        .trainee_attempts(trainee_id)
        .await?
        .into_iter()
        .filter(|attempt| attempt.submitted_at.is_some_and(|at| at <= as_of))
        .collect();
    submitted.sort_by_key(|attempt| (attempt.submitted_at, attempt.id.clone()));

    let mut cases = std::collections::BTreeSet::new();
    let (mut first_reads, mut correct, mut rereads, mut rereads_correct) = (0, 0, 0, 0);
    let (mut targets, mut hits, mut false_positives) = (0u32, 0u32, 0u32);
    let mut time_spent_ms = 0;
    let mut reading_ms = Vec::with_capacity(submitted.len());
    let mut reads = Vec::with_capacity(submitted.len());
    for attempt in submitted {
        let ms = attempt.reading_ms().unwrap_or_default().max(0);
        time_spent_ms += ms;
        reading_ms.push(ms as f64);
        let right = attempt.correct == Some(true);
        if attempt.reread_number == 0 {
            cases.insert(attempt.case_id.clone());
            first_reads += 1;
            correct += u32::from(right);
            targets += attempt.score_count("targets");
            hits += attempt.score_count("hits");
            false_positives += attempt.score_count("false_positives");
        } else {
            rereads += 1;
            rereads_correct += u32::from(right);
        }
        reads.push(RecordRead {
            case_title: titles
                .get(&attempt.case_id)
                .cloned()
                .unwrap_or_else(|| attempt.case_id.clone()),
            attempt_id: attempt.id,
            case_id: attempt.case_id,
            reread_number: attempt.reread_number,
            submitted_at: attempt.submitted_at.unwrap_or_default(),
            reading_ms: ms,
            overall_category: attempt.overall_category,
            correct: attempt.correct,
        });
    }
    Ok(RecordContent {
        trainee: RecordTrainee {
            id: trainee.id,
            username: trainee.username,
            display_name: trainee.display_name,
        },
        as_of,
        cases_read: u32::try_from(cases.len()).unwrap_or(u32::MAX),
        first_reads,
        rereads,
        accuracy: wilson(correct, first_reads),
        reread_accuracy: wilson(rereads_correct, rereads),
        lesion_detection: wilson(hits, targets),
        false_positives,
        time_spent_ms,
        median_reading_ms: median(&mut reading_ms),
        reads,
    })
}

/// `RR1-<as_of in base 36>-<the first 16 hex digits of the content's BLAKE3 digest>`, in
/// capitals, to be read aloud or typed from paper.
fn code(content: &RecordContent) -> Result<String, ApiError> {
    let bytes = serde_json::to_vec(content).map_err(|err| ApiError::Internal(err.to_string()))?;
    let digest = blake3::hash(&bytes).to_hex();
    Ok(format!(
        "{CODE_PREFIX}-{}-{}",
        base36(content.as_of),
        digest[..16].to_ascii_uppercase()
    ))
}

/// The moment a code names, or a 422 that says what is wrong with it.
fn moment_of(code: &str) -> Result<i64, ApiError> {
    let wrong = || ApiError::invalid("code", "not a record's code: RR1-<moment>-<16 hex digits>");
    let code = code.trim().to_ascii_uppercase();
    let mut parts = code.split('-');
    let (Some(CODE_PREFIX), Some(moment), Some(digest), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(wrong());
    };
    if digest.len() != 16 || !digest.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(wrong());
    }
    i64::from_str_radix(moment, 36)
        .ok()
        .filter(|moment| *moment >= 0)
        .ok_or_else(wrong)
}

fn base36(mut value: i64) -> String {
    const DIGITS: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    if value <= 0 {
        return "0".into();
    }
    let mut out = Vec::new();
    while value > 0 {
        out.push(DIGITS[(value % 36) as usize]);
        value /= 36;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_names_its_moment_and_anything_else_is_refused() {
        for moment in [0, 1, 35, 36, 1_795_356_906_376] {
            let code = format!("RR1-{}-0123456789ABCDEF", base36(moment));
            assert_eq!(moment_of(&code).ok(), Some(moment), "{code}");
            assert_eq!(moment_of(&code.to_lowercase()).ok(), Some(moment));
        }
        for wrong in [
            "",
            "RR1",
            "RR2-10-0123456789ABCDEF",
            "RR1-10-0123456789ABCDE",
            "RR1-10-0123456789ABCDEG",
            "RR1-!-0123456789ABCDEF",
            "RR1-10-0123456789ABCDEF-1",
        ] {
            assert!(moment_of(wrong).is_err(), "{wrong:?} accepted");
        }
    }
}
