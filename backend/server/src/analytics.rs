//! Accuracy figures: a trainee's rolling accuracy and deeper figures, a cohort's and a
//! programme's dashboards, and the CSV exports for leads.
//!
//! The rolling figures and the dashboards read the running totals kept at submission, so they
//! cost the same whatever the length of the histories; a group's weekly trend, which counts
//! its first reads of the last [`TREND_WEEKS`] weeks, is asked for apart, so that it never
//! slows the dashboard; a trainee's deeper figures (AUROC, kappa, CUSUM, the curve over time)
//! are computed from their first reads.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use readroom_scoring::{
    BinaryFigures, CategoryCounts, Cusum, CusumSettings, Proportion, bucketed_percentile, cusum,
    median, quadratic_weighted_kappa, rolling_accuracy, wilson,
};
use readroom_store::{DashboardRow, Group, ROLLING_WINDOWS, TraineeFigures, WEEK_MS};
use serde::{Deserialize, Serialize};

use crate::access::{self, ProgrammeAccess};
use crate::extract::{PathParams, QueryParams};
use crate::session::{ClientAddress, CurrentUser};
use crate::settings::ProgrammeSettings;
use crate::{ApiError, AppState};

/// Accuracy over the last 20 and the last 50 scored first reads.
#[derive(Debug, Clone, Serialize)]
pub struct Rolling {
    last_20: Proportion,
    last_50: Proportion,
}

impl Rolling {
    fn from_figures(figures: &TraineeFigures) -> Rolling {
        Rolling {
            last_20: proportion(figures.rolling20_correct, figures.rolling20_n),
            last_50: proportion(figures.rolling50_correct, figures.rolling50_n),
        }
    }
}

fn count(value: i64) -> u32 {
    u32::try_from(value.max(0)).unwrap_or(u32::MAX)
}

#[derive(Serialize)]
pub struct TraineeRolling {
    trainee_id: String,
    first_reads: i64,
    rolling: Rolling,
}

/// A trainee's rolling accuracy: one row read, whatever the length of their history.
pub async fn rolling(
    user: CurrentUser,
    State(state): State<AppState>,
    PathParams(trainee_id): PathParams<String>,
) -> Result<Json<TraineeRolling>, ApiError> {
    // The figures are read with the user and what the access check needs (one query instead
    // of three), and shown only once the check has passed.
    let (figures, shared_roles) = state
        .store
        .user_figures(&trainee_id, &user.0.id)
        .await?
        .ok_or(ApiError::NotFound("trainee"))?;
    if !access::may_follow_trainee_sharing(&user, &trainee_id, &shared_roles) {
        return Err(ApiError::Forbidden);
    }
    Ok(Json(TraineeRolling {
        trainee_id,
        first_reads: figures.first_reads,
        rolling: Rolling::from_figures(&figures),
    }))
}

/// One point of the learning curve: the rolling figures just after an attempt.
#[derive(Serialize)]
pub struct CurvePoint {
    attempt_id: String,
    case_id: String,
    submitted_at: i64,
    correct: bool,
    rolling: Rolling,
}

#[derive(Serialize)]
pub struct TraineeAnalytics {
    trainee_id: String,
    first_reads: usize,
    rolling: Rolling,
    over_time: Vec<CurvePoint>,
    at_category_3: BinaryFigures,
    at_category_4: BinaryFigures,
    /// Hits among clinically significant lesions.
    lesion_detection: Proportion,
    false_positives_per_case: Option<f64>,
    auroc: Option<f64>,
    /// Against every expert reference read of a case the trainee read.
    kappa_with_experts: Option<f64>,
    kappa_pairs: usize,
    cusum: Cusum,
    cusum_settings: CusumSettings,
    misses_by_sector: BTreeMap<String, u32>,
    median_reading_ms: Option<f64>,
    rereads: RereadAgreement,
}

/// How a trainee's re-reads compare with their first reads of the same cases.
#[derive(Serialize, Default)]
pub struct RereadAgreement {
    rereads: u32,
    same_overall_category: u32,
    same_correctness: u32,
    correct: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnalyticsQuery {
    /// Whose CUSUM rates to use; the defaults otherwise.
    programme_id: Option<String>,
}

pub async fn trainee(
    user: CurrentUser,
    State(state): State<AppState>,
    PathParams(trainee_id): PathParams<String>,
    QueryParams(query): QueryParams<AnalyticsQuery>,
) -> Result<Json<TraineeAnalytics>, ApiError> {
    access::followed_trainee(&state, &user, &trainee_id).await?;
    let cusum_settings = match &query.programme_id {
        Some(id) => {
            let programme = state
                .store
                .programme(id)
                .await?
                .ok_or(ApiError::NotFound("programme"))?;
            ProgrammeSettings::from_stored(&programme.settings).cusum
        }
        None => CusumSettings::default(),
    };
    let attempts = state.store.trainee_attempts(&trainee_id).await?;
    let mut first_reads: Vec<_> = attempts
        .iter()
        .filter(|attempt| attempt.reread_number == 0 && attempt.is_submitted())
        .collect();
    first_reads.sort_by_key(|attempt| (attempt.submitted_at, attempt.id.clone()));

    let [short, long] = ROLLING_WINDOWS.map(|window| window as usize);
    let mut outcomes = Vec::with_capacity(first_reads.len());
    let mut over_time = Vec::with_capacity(first_reads.len());
    let mut pairs = Vec::with_capacity(first_reads.len());
    let (mut targets, mut hits, mut false_positives) = (0u32, 0u32, 0u32);
    let mut misses_by_sector = BTreeMap::<String, u32>::new();
    let mut reading_ms = Vec::with_capacity(first_reads.len());
    for attempt in &first_reads {
        let correct = attempt.correct.unwrap_or(false);
        outcomes.push(correct);
        over_time.push(CurvePoint {
            attempt_id: attempt.id.clone(),
            case_id: attempt.case_id.clone(),
            submitted_at: attempt.submitted_at.unwrap_or_default(),
            correct,
            rolling: Rolling {
                last_20: rolling_accuracy(&outcomes, short),
                last_50: rolling_accuracy(&outcomes, long),
            },
        });
        let category = attempt.overall_category.and_then(|c| u8::try_from(c).ok());
        if let (Some(category), Some(positive)) = (category, attempt.case_positive) {
            pairs.push((category, positive));
        }
        targets += attempt.score_count("targets");
        hits += attempt.score_count("hits");
        false_positives += attempt.score_count("false_positives");
        if let Some(score) = &attempt.score {
            for sector in score
                .get("missed_sectors")
                .and_then(serde_json::Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(serde_json::Value::as_str)
            {
                *misses_by_sector.entry(sector.to_owned()).or_default() += 1;
            }
        }
        if let Some(ms) = attempt.reading_ms() {
            reading_ms.push(ms as f64);
        }
    }
    let failures: Vec<bool> = outcomes.iter().map(|correct| !correct).collect();
    let kappa_pairs = state.store.reference_pairs(&trainee_id).await?;
    let counts = CategoryCounts::from_pairs(&pairs);
    let reads = first_reads.len();
    Ok(Json(TraineeAnalytics {
        rolling: Rolling {
            last_20: rolling_accuracy(&outcomes, short),
            last_50: rolling_accuracy(&outcomes, long),
        },
        at_category_3: counts.binary_figures(3),
        at_category_4: counts.binary_figures(4),
        lesion_detection: wilson(hits, targets),
        false_positives_per_case: (reads > 0).then(|| f64::from(false_positives) / reads as f64),
        auroc: counts.auroc(),
        kappa_with_experts: quadratic_weighted_kappa(&kappa_pairs),
        kappa_pairs: kappa_pairs.len(),
        cusum: cusum(&failures, &cusum_settings),
        cusum_settings,
        misses_by_sector,
        median_reading_ms: median(&mut reading_ms),
        rereads: reread_agreement(&attempts),
        over_time,
        first_reads: reads,
        trainee_id,
    }))
}

fn reread_agreement(attempts: &[readroom_store::Attempt]) -> RereadAgreement {
    let mut agreement = RereadAgreement::default();
    for reread in attempts
        .iter()
        .filter(|attempt| attempt.reread_number > 0 && attempt.is_submitted())
    {
        let Some(first) = attempts
            .iter()
            .find(|attempt| attempt.case_id == reread.case_id && attempt.reread_number == 0)
        else {
            continue;
        };
        agreement.rereads += 1;
        agreement.same_overall_category +=
            u32::from(first.overall_category == reread.overall_category);
        agreement.same_correctness += u32::from(first.correct == reread.correct);
        agreement.correct += u32::from(reread.correct == Some(true));
    }
    agreement
}

/// One trainee's current figures, as a row of a cohort table.
#[derive(Serialize)]
pub struct TraineeRow {
    trainee_id: String,
    username: String,
    display_name: String,
    cases_read: i64,
    rolling: Rolling,
    sensitivity: Proportion,
    specificity: Proportion,
    last_activity: Option<i64>,
}

/// The same figures over a whole group, from the sum of its trainees' running totals.
#[derive(Serialize)]
pub struct GroupFigures {
    trainees: usize,
    first_reads: i64,
    accuracy: Proportion,
    at_category_3: BinaryFigures,
    at_category_4: BinaryFigures,
    auroc: Option<f64>,
    lesion_detection: Proportion,
    false_positives_per_case: Option<f64>,
    mean_reading_ms: Option<f64>,
}

#[derive(Serialize)]
pub struct Turnaround {
    /// Attempts that have had feedback.
    n: usize,
    median_ms: Option<f64>,
    p90_ms: Option<f64>,
}

/// One week of a group's trend: its trainees' scored first reads submitted that week.
#[derive(Serialize)]
pub struct TrendPoint {
    /// Monday 00:00 UTC, Unix milliseconds.
    start: i64,
    reads: i64,
    correct: i64,
    /// Trainees who submitted a first read that week.
    trainees: i64,
    /// Correct among the week's reads, with its 95% Wilson interval.
    accuracy: Proportion,
}

/// How many weeks back a dashboard's trend goes, the current one included: the trend reads
/// attempts, and this bounds how many.
const TREND_WEEKS: i64 = 26;

#[derive(Serialize)]
pub struct Dashboard {
    programme_id: String,
    /// The cohort's id and name; `None` for a whole programme.
    cohort: Option<(String, String)>,
    rows: Vec<TraineeRow>,
    figures: GroupFigures,
    /// Where the group's misses cluster: sector and misses, most missed first.
    misses_by_sector: Vec<(String, i64)>,
    feedback_turnaround: Turnaround,
}

fn counts_of(figures: &TraineeFigures) -> CategoryCounts {
    CategoryCounts {
        positive: figures.positive_by_category.map(count),
        negative: figures.negative_by_category.map(count),
    }
}

/// The category at or above which the dashboard table counts a read as positive.
const TABLE_THRESHOLD: u8 = 3;

fn proportion(successes: i64, n: i64) -> Proportion {
    wilson(count(successes), count(n))
}

/// A group's table: each trainee's current figures.
async fn trainee_rows(state: &AppState, group: Group<'_>) -> Result<Vec<TraineeRow>, ApiError> {
    let rows = state.store.dashboard_rows(group, TABLE_THRESHOLD).await?;
    Ok(rows
        .into_iter()
        .map(|row: DashboardRow| TraineeRow {
            cases_read: row.first_reads,
            rolling: Rolling {
                last_20: proportion(row.rolling20_correct, row.rolling20_n),
                last_50: proportion(row.rolling50_correct, row.rolling50_n),
            },
            sensitivity: proportion(row.true_positives, row.positives),
            specificity: proportion(row.true_negatives, row.negatives),
            last_activity: row.last_activity,
            trainee_id: row.trainee_id,
            username: row.username,
            display_name: row.display_name,
        })
        .collect())
}

/// The group's figures and its misses by sector (most missed first), from its trainees'
/// running totals as summed by the store.
async fn group_figures(
    state: &AppState,
    group: Group<'_>,
) -> Result<(GroupFigures, Vec<(String, i64)>), ApiError> {
    let (trainees, total) = state.store.dashboard_totals(group).await?;
    let counts = counts_of(&total);
    let reads = total.first_reads;
    let figures = GroupFigures {
        trainees,
        first_reads: reads,
        accuracy: proportion(total.correct, reads),
        at_category_3: counts.binary_figures(3),
        at_category_4: counts.binary_figures(4),
        auroc: counts.auroc(),
        lesion_detection: proportion(total.hits, total.targets),
        false_positives_per_case: (reads > 0).then(|| total.false_positives as f64 / reads as f64),
        mean_reading_ms: (reads > 0).then(|| total.reading_ms as f64 / reads as f64),
    };
    let mut misses: Vec<(String, i64)> = total
        .missed_sectors
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .collect();
    misses.sort_by(|(a, m), (b, n)| n.cmp(m).then_with(|| a.cmp(b)));
    Ok((figures, misses))
}

/// The group's accuracy week by week over the last [`TREND_WEEKS`] weeks, oldest first;
/// weeks without a read are left out.
async fn trend(state: &AppState, group: Group<'_>) -> Result<Vec<TrendPoint>, ApiError> {
    let since = state.clock.now() - (TREND_WEEKS - 1) * WEEK_MS;
    let periods = state.store.dashboard_trend(group, since).await?;
    Ok(periods
        .into_iter()
        .map(|period| TrendPoint {
            start: period.start,
            reads: period.reads,
            correct: period.correct,
            trainees: period.trainees,
            accuracy: proportion(period.correct, period.reads),
        })
        .collect())
}

/// From the programme's histogram of first-feedback waits, kept as feedback is posted: at
/// most a few hundred rows however much feedback has been given, the median and 90th
/// percentile to within 4.5%.
async fn turnaround(state: &AppState, programme_id: &str) -> Result<Turnaround, ApiError> {
    let waits = state.store.feedback_waits(programme_id).await?;
    Ok(Turnaround {
        n: waits.iter().map(|(_, attempts)| *attempts as usize).sum(),
        median_ms: bucketed_percentile(&waits, 50.0),
        p90_ms: bucketed_percentile(&waits, 90.0),
    })
}

pub async fn cohort(
    user: CurrentUser,
    State(state): State<AppState>,
    PathParams(cohort_id): PathParams<String>,
) -> Result<Json<Dashboard>, ApiError> {
    let (programme_id, name) = state
        .store
        .cohort_heading(&cohort_id)
        .await?
        .ok_or(ApiError::NotFound("cohort"))?;
    access::programme(&state, &user, &programme_id, ProgrammeAccess::Follow).await?;
    let group = Group::Cohort(&cohort_id);
    let rows = trainee_rows(&state, group).await?;
    let (figures, misses_by_sector) = group_figures(&state, group).await?;
    Ok(Json(Dashboard {
        misses_by_sector,
        feedback_turnaround: turnaround(&state, &programme_id).await?,
        programme_id,
        cohort: Some((cohort_id, name)),
        rows,
        figures,
    }))
}

pub async fn programme(
    user: CurrentUser,
    State(state): State<AppState>,
    PathParams(programme_id): PathParams<String>,
) -> Result<Json<Dashboard>, ApiError> {
    access::programme(&state, &user, &programme_id, ProgrammeAccess::Follow).await?;
    let group = Group::Programme(&programme_id);
    let rows = trainee_rows(&state, group).await?;
    let (figures, misses_by_sector) = group_figures(&state, group).await?;
    Ok(Json(Dashboard {
        misses_by_sector,
        feedback_turnaround: turnaround(&state, &programme_id).await?,
        programme_id,
        cohort: None,
        rows,
        figures,
    }))
}

pub async fn cohort_trend(
    user: CurrentUser,
    State(state): State<AppState>,
    PathParams(cohort_id): PathParams<String>,
) -> Result<Json<Vec<TrendPoint>>, ApiError> {
    let (programme_id, _) = state
        .store
        .cohort_heading(&cohort_id)
        .await?
        .ok_or(ApiError::NotFound("cohort"))?;
    access::programme(&state, &user, &programme_id, ProgrammeAccess::Follow).await?;
    Ok(Json(trend(&state, Group::Cohort(&cohort_id)).await?))
}

pub async fn programme_trend(
    user: CurrentUser,
    State(state): State<AppState>,
    PathParams(programme_id): PathParams<String>,
) -> Result<Json<Vec<TrendPoint>>, ApiError> {
    access::programme(&state, &user, &programme_id, ProgrammeAccess::Follow).await?;
    Ok(Json(trend(&state, Group::Programme(&programme_id)).await?))
}

fn csv_response(name: &str, csv: Vec<u8>) -> Response {
    let disposition = format!("attachment; filename=\"{name}\"");
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&disposition)
                    .unwrap_or(HeaderValue::from_static("attachment")),
            ),
        ],
        csv,
    )
        .into_response()
}

fn timestamp(ms: Option<i64>) -> String {
    ms.and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok())
        .map(|at| at.to_string())
        .unwrap_or_default()
}

fn csv_error(err: impl std::fmt::Display) -> ApiError {
    ApiError::Internal(format!("writing CSV: {err}"))
}

/// Every submitted attempt of a programme, one row each: for leads' own analyses.
pub async fn export_attempts(
    user: CurrentUser,
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    PathParams(programme_id): PathParams<String>,
) -> Result<Response, ApiError> {
    access::programme(&state, &user, &programme_id, ProgrammeAccess::Lead).await?;
    let members = state.store.members(&programme_id).await?;
    let username = |id: &str| {
        members
            .iter()
            .find(|member| member.user_id == id)
            .map(|member| member.username.clone())
            .unwrap_or_else(|| id.to_owned())
    };
    let mut csv = csv::Writer::from_writer(Vec::new());
    csv.write_record([
        "attempt_id",
        "trainee",
        "case_id",
        "reread_number",
        "started_at",
        "submitted_at",
        "reading_seconds",
        "overall_category",
        "case_positive",
        "correct",
        "targets",
        "hits",
        "false_positives",
        "misses",
    ])
    .map_err(csv_error)?;
    for attempt in state.store.programme_attempts(&programme_id).await? {
        let stored = |key: &str| {
            attempt
                .score
                .as_ref()
                .and_then(|score| score.get(key))
                .and_then(serde_json::Value::as_u64)
                .map(|n| n.to_string())
                .unwrap_or_default()
        };
        let flag = |value: Option<bool>| value.map(|v| v.to_string()).unwrap_or_default();
        csv.write_record([
            attempt.id.clone(),
            username(&attempt.trainee_id),
            attempt.case_id.clone(),
            attempt.reread_number.to_string(),
            timestamp(Some(attempt.started_at)),
            timestamp(attempt.submitted_at),
            attempt
                .reading_ms()
                .map(|ms| format!("{:.1}", ms as f64 / 1000.0))
                .unwrap_or_default(),
            attempt
                .overall_category
                .map(|c| c.to_string())
                .unwrap_or_default(),
            flag(attempt.case_positive),
            flag(attempt.correct),
            stored("targets"),
            stored("hits"),
            stored("false_positives"),
            stored("misses"),
        ])
        .map_err(csv_error)?;
    }
    let csv = csv.into_inner().map_err(csv_error)?;
    state
        .store
        .record_audit(
            Some(&user.0.id),
            "export",
            &format!("attempts of {programme_id}"),
            &address,
        )
        .await?;
    Ok(csv_response("attempts.csv", csv))
}

/// Each trainee of a programme with their current figures.
pub async fn export_trainees(
    user: CurrentUser,
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    PathParams(programme_id): PathParams<String>,
) -> Result<Response, ApiError> {
    access::programme(&state, &user, &programme_id, ProgrammeAccess::Lead).await?;
    let rows = trainee_rows(&state, Group::Programme(&programme_id)).await?;
    let mut csv = csv::Writer::from_writer(Vec::new());
    csv.write_record([
        "trainee_id",
        "username",
        "display_name",
        "cases_read",
        "last_20_correct",
        "last_20_n",
        "last_20_accuracy",
        "last_20_low",
        "last_20_high",
        "last_50_correct",
        "last_50_n",
        "last_50_accuracy",
        "last_50_low",
        "last_50_high",
        "sensitivity",
        "specificity",
        "last_activity",
    ])
    .map_err(csv_error)?;
    let number = |value: Option<f64>| value.map(|v| format!("{v:.4}")).unwrap_or_default();
    for row in rows {
        let (short, long) = (&row.rolling.last_20, &row.rolling.last_50);
        csv.write_record([
            row.trainee_id,
            row.username,
            row.display_name,
            row.cases_read.to_string(),
            short.successes.to_string(),
            short.n.to_string(),
            number(short.value),
            number(short.low),
            number(short.high),
            long.successes.to_string(),
            long.n.to_string(),
            number(long.value),
            number(long.low),
            number(long.high),
            number(row.sensitivity.value),
            number(row.specificity.value),
            timestamp(row.last_activity),
        ])
        .map_err(csv_error)?;
    }
    let csv = csv.into_inner().map_err(csv_error)?;
    state
        .store
        .record_audit(
            Some(&user.0.id),
            "export",
            &format!("trainees of {programme_id}"),
            &address,
        )
        .await?;
    Ok(csv_response("trainees.csv", csv))
}
