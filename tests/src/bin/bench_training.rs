//! `cargo xtask bench-training`: the training loop at the scale of the training-loop issue,
//! 1,000 trainees × 500 submitted first reads, on SQLite and on PostgreSQL.
//!
//! For each backend, a fresh installation is filled through the store (set-up, timed but not
//! measured): 525 cases without images (the truth of the demo bank's cases, cycling), 1,000
//! trainees in one cohort and a trainee with a 5-read history in another, an expert and a lead,
//! one case set assigned to both cohorts, and 500 first reads per trainee, each started and
//! submitted with its score as the server would store it (the expert's feedback on 1 in 20).
//! Then, through a real server on loopback, it measures:
//!
//! - submitting a report: trainees signed in over HTTP read the 25 cases left (open a
//!   reading, then submit a complete report): 4 trainees one after the other; 32 at once, back
//!   to back; 32 others at once, each pausing 0 to 2 s before each reading;
//! - a trainee's rolling figures (`GET /api/trainees/{id}/rolling`, as their lead): random
//!   trainees with 500-read histories, and the trainee with 5, with 1 and with 32 clients;
//! - the 1,000-trainee cohort's dashboard (`GET /api/cohorts/{id}/dashboard`, as the lead),
//!   without compression and with a browser's `Accept-Encoding`.
//!
//! Prints figures; checks only that the answers are right. Record them with the machine in
//! BENCHMARKS.md. `--backend sqlite|postgres` runs one backend (both by default; PostgreSQL
//! needs `READROOM_TEST_POSTGRES_URL`, which `cargo xtask bench-training` sets);
//! `--trainees N` and `--attempts N` shrink the data for a quick try.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Method, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use readroom_domain::{CaseManifest, Completeness, Report, Role, User};
use readroom_server::ProgrammeSettings;
use readroom_store::{MessageKind, NewCase, NewStudy, NewUser, ScoredReport, Store};
use readroom_tests::world::{correct_report, wrong_report};
use readroom_tests::{Backend, Installation};
use serde_json::{Value, json};

const SEED: u64 = 0x7472_6169_6E69_6E67;
const DAY_MS: i64 = 24 * 60 * 60 * 1000;
const PASSWORD: &str = "benchmark password";
const BROWSER_ENCODINGS: &str = "gzip, deflate, br, zstd";
/// The reads of the trainee whose history is short.
const SHORT_HISTORY: usize = 5;
/// Concurrent tasks of the bulk load.
const LOAD_TASKS: usize = 8;
/// The trainees who submit one after the other, for the figures without concurrency.
const ALONE: usize = 4;
/// The longest a read measurement runs: it stops earlier than its request count if need be.
const READ_BUDGET: Duration = Duration::from_secs(60);

struct Config {
    backends: Vec<Backend>,
    trainees: usize,
    attempts: usize,
    clients: usize,
    submissions_per_client: usize,
}

impl Config {
    fn from_args() -> Result<Config> {
        let mut config = Config {
            backends: vec![Backend::Sqlite, Backend::Postgres],
            trainees: 1000,
            attempts: 500,
            clients: 32,
            submissions_per_client: 25,
        };
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            let mut value = || args.next().with_context(|| format!("{arg} needs a value"));
            match arg.as_str() {
                "--backend" => {
                    config.backends = match value()?.as_str() {
                        "sqlite" => vec![Backend::Sqlite],
                        "postgres" => vec![Backend::Postgres],
                        "both" => vec![Backend::Sqlite, Backend::Postgres],
                        other => bail!("--backend {other}: sqlite, postgres or both"),
                    }
                }
                "--trainees" => config.trainees = value()?.parse()?,
                "--attempts" => config.attempts = value()?.parse()?,
                other => bail!(
                    "unknown argument {other}: --backend sqlite|postgres|both, --trainees N, --attempts N"
                ),
            }
        }
        ensure!(
            config.trainees >= 2 * config.clients + ALONE,
            "at least {} trainees",
            2 * config.clients + ALONE
        );
        ensure!(
            (SHORT_HISTORY..=900).contains(&config.attempts),
            "--attempts: {SHORT_HISTORY} to 900 (a case set holds up to 1,000 cases)"
        );
        if config.backends.contains(&Backend::Postgres)
            && std::env::var("READROOM_TEST_POSTGRES_URL").map_or(true, |url| url.is_empty())
        {
            bail!(
                "READROOM_TEST_POSTGRES_URL is not set: run `cargo xtask bench-training`, which \
                 starts a throwaway PostgreSQL, or pass --backend sqlite"
            );
        }
        Ok(config)
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    let config = Config::from_args()?;
    println!("Readroom training benchmark on {}", machine());
    for backend in config.backends.clone() {
        run(backend, &config).await?;
    }
    Ok(())
}

async fn run(backend: Backend, config: &Config) -> Result<()> {
    let name = match backend {
        Backend::Sqlite => "SQLite",
        Backend::Postgres => "PostgreSQL",
    };
    println!();
    println!(
        "== {name}: {} trainees × {} first reads",
        config.trainees, config.attempts
    );
    let installation = Installation::new(backend).await;
    let now = installation.clock.now();
    let world = generate(&installation.store, config, now).await?;
    if backend == Backend::Sqlite {
        println!(
            "data directory after the load: {:.0} MB",
            dir_size(installation.data_dir.path()) as f64 / 1e6
        );
    }

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let app = installation
        .router()
        .into_make_service_with_connect_info::<SocketAddr>();
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let http = Http {
        client: Client::builder(TokioExecutor::new()).build_http(),
        base: format!("http://{address}"),
    };
    let lead = http.sign_in(&world.lead.username).await?;

    // Submissions, each group of trainees reading the cases left: four trainees one after the
    // other; `clients` trainees at once, back to back; `clients` other trainees at once, each
    // pausing 0 to 2 s before each reading (about `clients` readings a second in all).
    let (n, alone) = (config.clients, ALONE);
    let groups = [
        (
            &world.trainees[n..n + alone],
            Pace::OneAfterAnother,
            "1 client",
        ),
        (
            &world.trainees[..n],
            Pace::BackToBack,
            "clients back to back",
        ),
        (
            &world.trainees[n + alone..2 * n + alone],
            Pace::Paused(Duration::from_secs(2)),
            "clients, 0–2 s pauses",
        ),
    ];
    for (trainees, pace, label) in groups {
        let mut readers = Vec::with_capacity(trainees.len());
        for trainee in trainees {
            readers.push(http.sign_in(&trainee.username).await?);
        }
        let label = match pace {
            Pace::OneAfterAnother => label.to_owned(),
            _ => format!("{} {label}", readers.len()),
        };
        let (opened, submitted) = submissions(&http, &world, readers, pace, config).await?;
        println!("open a reading (POST /api/attempts), {label}: {opened}");
        println!("submit a report (POST /api/attempts/{{id}}/submit), {label}: {submitted}");
    }

    // A trainee's rolling figures, as their lead sees them.
    let rolling = |id: &str| format!("/api/trainees/{id}/rolling");
    let long_first_reads = first_reads(&http, &lead, &rolling(&world.trainees[0].id)).await?;
    let short_first_reads = first_reads(&http, &lead, &rolling(&world.short.id)).await?;
    ensure!(
        long_first_reads == (config.attempts + config.submissions_per_client) as i64
            && short_first_reads == SHORT_HISTORY as i64,
        "rolling figures count {long_first_reads} and {short_first_reads} first reads"
    );
    let mut rng = Rng::new(SEED ^ 0x524F_4C4C);
    let random: Vec<String> = (0..2000)
        .map(|_| rolling(&world.trainees[rng.below(world.trainees.len() as u64) as usize].id))
        .collect();
    let short = vec![rolling(&world.short.id)];
    for (clients, requests) in [(1, 1000), (config.clients, 50)] {
        let figures = reads(&http, &lead, clients, requests, &random, None).await?;
        println!(
            "trainee's rolling figures, random trainees with {}-read histories, {clients:>2} client(s): {figures}",
            config.attempts
        );
        let figures = reads(&http, &lead, clients, requests, &short, None).await?;
        println!(
            "trainee's rolling figures, one trainee with a {SHORT_HISTORY}-read history, {clients:>2} client(s): {figures}"
        );
    }

    // The whole cohort's dashboard, as its lead sees it.
    let dashboard = vec![format!("/api/cohorts/{}/dashboard", world.cohort_id)];
    let answer = http
        .send(Method::GET, &dashboard[0], Some(&lead), None, None)
        .await?;
    ensure!(
        answer.status == StatusCode::OK,
        "dashboard: {}",
        answer.text()
    );
    let rows = answer.json()?["rows"].as_array().map_or(0, Vec::len);
    ensure!(
        rows == config.trainees,
        "the dashboard has {rows} rows for {} trainees",
        config.trainees
    );
    let plain_bytes = answer.body.len();
    let figures = reads(&http, &lead, 1, 200, &dashboard, None).await?;
    println!(
        "cohort dashboard, {rows} trainees, no compression ({:.0} kB),  1 client: {figures}",
        plain_bytes as f64 / 1e3
    );
    let answer = http
        .send(
            Method::GET,
            &dashboard[0],
            Some(&lead),
            None,
            Some(BROWSER_ENCODINGS),
        )
        .await?;
    let figures = reads(&http, &lead, 1, 200, &dashboard, Some(BROWSER_ENCODINGS)).await?;
    println!(
        "cohort dashboard, {rows} trainees, Accept-Encoding: {BROWSER_ENCODINGS} ({}, {:.0} kB),  1 client: {figures}",
        answer.encoding.as_deref().unwrap_or("identity"),
        answer.body.len() as f64 / 1e3
    );

    server.abort();
    installation.store.close().await;
    Ok(())
}

/// What the measurements need of the generated data.
struct World {
    lead: User,
    trainees: Vec<User>,
    short: User,
    cohort_id: String,
    /// The cases nobody has read yet, for the submission clients.
    unread_cases: Vec<String>,
    /// Each case's truth, by case id.
    manifests: std::collections::HashMap<String, CaseManifest>,
}

/// A report as submitted, with its score as the server computes it.
#[derive(Clone)]
struct Read {
    report: Report,
    scored: ScoredReport,
}

/// Fills the store: cases, users, the programme, and every trainee's history.
async fn generate(store: &Store, config: &Config, now: i64) -> Result<World> {
    let started = Instant::now();
    let settings = ProgrammeSettings::default();
    let demo_count = readroom_cases::DEFAULT_CASE_COUNT;
    let demos: Vec<CaseManifest> = (0..demo_count)
        .map(|index| readroom_cases::case_manifest(readroom_cases::DEFAULT_SEED, index))
        .collect();
    // Every demo case read right and read wrong, scored once: the reads the history is made of.
    let reads: Vec<[Read; 2]> = demos
        .iter()
        .map(|manifest| {
            Ok([
                scored_read(&correct_report(manifest), manifest, &settings)?,
                scored_read(&wrong_report(manifest), manifest, &settings)?,
            ])
        })
        .collect::<Result<_>>()?;

    let case_count = config.attempts + config.submissions_per_client;
    let mut case_ids = Vec::with_capacity(case_count);
    let mut manifests = std::collections::HashMap::new();
    for index in 0..case_count {
        let demo = &demos[index % demo_count];
        let uid = format!("2.25.{}", 7_000_000_000u64 + index as u64);
        store
            .insert_study(&NewStudy {
                uid: uid.clone(),
                description: format!("Training benchmark study {index}"),
                series: Vec::new(),
                case: Some(NewCase {
                    title: format!("Benchmark case {index:04} ({})", demo.title),
                    synthetic: true,
                    significant_from_isup: demo.significant_from_isup,
                    clinical: demo.clinical.clone(),
                    lesions: demo.lesions.clone(),
                    teaching_notes: demo.teaching_notes.clone(),
                }),
            })
            .await?;
        let id = store
            .case_of_study(&uid)
            .await?
            .context("the new case is stored")?;
        manifests.insert(id.clone(), demo.clone());
        case_ids.push(id);
    }
    println!(
        "set-up: {case_count} cases (without images) in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let started = Instant::now();
    let trainees = {
        let store = store.clone();
        in_tasks(LOAD_TASKS, config.trainees, move |index| {
            let store = store.clone();
            async move {
                Ok(store
                    .create_user(&new_user(
                        &format!("trainee{index:04}"),
                        &format!("Trainee {index:04}"),
                        Role::Trainee,
                    ))
                    .await?)
            }
        })
        .await?
    };
    let short = store
        .create_user(&new_user("short", "Short history", Role::Trainee))
        .await?;
    let lead = store
        .create_user(&new_user("lead", "Programme lead", Role::Lead))
        .await?;
    let expert = store
        .create_user(&new_user("expert", "Expert reader", Role::Expert))
        .await?;
    println!(
        "set-up: {} users in {:.1} s (argon2id hashing)",
        trainees.len() + 3,
        started.elapsed().as_secs_f64()
    );

    let started = Instant::now();
    let programme = store
        .create_programme(
            "Training benchmark",
            &serde_json::to_value(&settings)?,
            &lead.id,
        )
        .await?;
    store
        .add_member(&programme.id, &expert.id, Role::Expert)
        .await?;
    let cohort = store.create_cohort(&programme.id, "1,000 trainees").await?;
    let short_cohort = store.create_cohort(&programme.id, "Short history").await?;
    {
        let (store, programme_id, cohort, ids) = (
            store.clone(),
            programme.id.clone(),
            cohort.clone(),
            Arc::new(trainees.iter().map(|t| t.id.clone()).collect::<Vec<_>>()),
        );
        in_tasks(LOAD_TASKS, ids.len(), move |index| {
            let (store, programme_id, cohort, ids) = (
                store.clone(),
                programme_id.clone(),
                cohort.clone(),
                Arc::clone(&ids),
            );
            async move {
                store
                    .add_member(&programme_id, &ids[index], Role::Trainee)
                    .await?;
                store.add_cohort_member(&cohort, &ids[index]).await?;
                Ok(())
            }
        })
        .await?;
    }
    store
        .add_member(&programme.id, &short.id, Role::Trainee)
        .await?;
    store.add_cohort_member(&short_cohort, &short.id).await?;
    let case_set = store
        .create_case_set(&programme.id, "Benchmark cases", &case_ids)
        .await?;
    let history_starts = now - (config.attempts as i64 + 2) * DAY_MS;
    for cohort_id in [&cohort.id, &short_cohort.id] {
        store
            .create_assignment(
                &programme.id,
                &case_set.id,
                cohort_id,
                history_starts - DAY_MS,
                now + 60 * DAY_MS,
            )
            .await?;
    }
    println!(
        "set-up: programme, {} + 1 trainees enrolled in two cohorts, a case set of {case_count} cases assigned, in {:.1} s",
        trainees.len(),
        started.elapsed().as_secs_f64()
    );

    // The histories: every trainee reads the first `attempts` cases, one a day, in an order of
    // their own, getting better as they go; the expert gives feedback on about 1 in 20.
    let started = Instant::now();
    let done = Arc::new(AtomicUsize::new(0));
    let total = config.trainees * config.attempts + SHORT_HISTORY;
    let progress = {
        let done = Arc::clone(&done);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(60)).await;
                let n = done.load(Ordering::Relaxed);
                eprintln!(
                    "  … {n} of {total} reads stored ({:.0}/s)",
                    n as f64 / started.elapsed().as_secs_f64()
                );
            }
        })
    };
    let history = Arc::new(History {
        store: store.clone(),
        programme_id: programme.id.clone(),
        expert_id: expert.id.clone(),
        case_ids: case_ids.clone(),
        demo_count,
        reads,
        starts: history_starts,
        done: Arc::clone(&done),
    });
    let mut readers: Vec<(String, usize)> = trainees
        .iter()
        .map(|trainee| (trainee.id.clone(), config.attempts))
        .collect();
    readers.push((short.id.clone(), SHORT_HISTORY));
    let readers = Arc::new(readers);
    let feedback = {
        let (history, readers) = (Arc::clone(&history), Arc::clone(&readers));
        in_tasks(LOAD_TASKS, readers.len(), move |index| {
            let (history, readers) = (Arc::clone(&history), Arc::clone(&readers));
            async move {
                let (trainee_id, count) = &readers[index];
                history.read(index, trainee_id, *count).await
            }
        })
        .await?
    };
    progress.abort();
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "set-up: {total} first reads started, scored and submitted (and {} feedback messages) in {seconds:.0} s: {:.0} reads/s, {LOAD_TASKS} tasks",
        feedback.iter().sum::<usize>(),
        total as f64 / seconds
    );

    Ok(World {
        lead,
        trainees,
        short,
        cohort_id: cohort.id,
        unread_cases: case_ids[config.attempts..].to_vec(),
        manifests,
    })
}

/// What the bulk load of histories shares between its tasks.
struct History {
    store: Store,
    programme_id: String,
    expert_id: String,
    case_ids: Vec<String>,
    demo_count: usize,
    reads: Vec<[Read; 2]>,
    starts: i64,
    done: Arc<AtomicUsize>,
}

impl History {
    /// Trainee number `index`'s history of `count` first reads; returns the feedback given.
    async fn read(&self, index: usize, trainee_id: &str, count: usize) -> Result<usize> {
        let mut rng = Rng::new(SEED ^ (index as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let first_skill = 0.45 + 0.3 * rng.unit();
        let last_skill = (first_skill + 0.1 + 0.2 * rng.unit()).min(0.97);
        let offset = rng.below(count as u64) as usize;
        let mut feedback = 0;
        for k in 0..count {
            let case = (k + offset) % count;
            let skill = first_skill + (last_skill - first_skill) * k as f64 / count as f64;
            let read = &self.reads[case % self.demo_count][usize::from(!rng.chance(skill))];
            let started_at = self.starts + k as i64 * DAY_MS + rng.below(8 * 3_600_000) as i64;
            let submitted_at = started_at + 120_000 + rng.below(780_000) as i64;
            let attempt = self
                .store
                .start_attempt(
                    trainee_id,
                    &self.case_ids[case],
                    &self.programme_id,
                    0,
                    started_at,
                )
                .await?;
            let figures = self.store.trainee_figures(trainee_id).await?;
            self.store
                .submit_attempt(
                    &attempt,
                    &read.report,
                    &read.scored,
                    figures,
                    submitted_at,
                    "127.0.0.1",
                )
                .await?;
            if rng.chance(0.05) {
                self.store
                    .add_message(
                        &attempt.id,
                        &self.expert_id,
                        MessageKind::Feedback,
                        "Look again at the transition zone on the ADC map.",
                        &[],
                        submitted_at + 3_600_000 + rng.below(3 * DAY_MS as u64) as i64,
                    )
                    .await?;
                feedback += 1;
            }
            self.done.fetch_add(1, Ordering::Relaxed);
        }
        Ok(feedback)
    }
}

fn new_user(username: &str, display_name: &str, role: Role) -> NewUser {
    NewUser {
        username: username.into(),
        display_name: display_name.into(),
        password: PASSWORD.into(),
        roles: vec![role],
    }
}

/// Scores a report as `POST /api/attempts/{id}/submit` does.
fn scored_read(
    report: &Value,
    manifest: &CaseManifest,
    settings: &ProgrammeSettings,
) -> Result<Read> {
    let report: Report = serde_json::from_value(report.clone())?;
    ensure!(report.validate(Completeness::Submission).is_empty());
    let score = readroom_scoring::score(
        &report,
        &manifest.lesions,
        &settings.scoring(manifest.significant_from_isup),
    );
    Ok(Read {
        scored: ScoredReport {
            score: serde_json::to_value(&score)?,
            correct: score.correct,
            case_positive: score.case_positive,
            overall_category: score.overall_category,
            targets: score.targets,
            hits: score.hits,
            false_positives: score.false_positives,
            missed_sectors: score
                .missed_sectors
                .iter()
                .map(ToString::to_string)
                .collect(),
        },
        report,
    })
}

/// Runs `work(0..count)` on `tasks` concurrent tasks; the results in index order.
async fn in_tasks<T, F, Fut>(tasks: usize, count: usize, work: F) -> Result<Vec<T>>
where
    T: Send + 'static,
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<T>> + Send + 'static,
{
    let tasks = tasks.min(count).max(1);
    let work = Arc::new(work);
    let handles: Vec<_> = (0..tasks)
        .map(|task| {
            let work = Arc::clone(&work);
            tokio::spawn(async move {
                let mut done = Vec::new();
                for index in (task..count).step_by(tasks) {
                    done.push((index, work(index).await?));
                }
                Ok::<_, anyhow::Error>(done)
            })
        })
        .collect();
    let mut all = Vec::with_capacity(count);
    for handle in handles {
        all.extend(handle.await??);
    }
    all.sort_by_key(|(index, _)| *index);
    Ok(all.into_iter().map(|(_, value)| value).collect())
}

/// How the submitting clients go.
#[derive(Debug, Clone, Copy)]
enum Pace {
    /// One client at a time, each reading back to back.
    OneAfterAnother,
    /// All at once, each reading back to back.
    BackToBack,
    /// All at once, each pausing a random time up to this long before each reading.
    Paused(Duration),
}

/// `readers` (signed-in trainees) each open and submit the unread cases.
async fn submissions(
    http: &Http,
    world: &World,
    readers: Vec<Browser>,
    pace: Pace,
    config: &Config,
) -> Result<(Latencies, Latencies)> {
    let cases = Arc::new(
        world
            .unread_cases
            .iter()
            .map(|id| (id.clone(), world.manifests[id].clone()))
            .collect::<Vec<_>>(),
    );
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(readers.len());
    for (client, browser) in readers.into_iter().enumerate() {
        let (http, cases) = (http.clone(), Arc::clone(&cases));
        let count = config.submissions_per_client;
        let task = tokio::spawn(async move {
            let mut rng = Rng::new(SEED ^ 0x5355_424D ^ client as u64);
            let (mut opened, mut submitted) = (Vec::new(), Vec::new());
            for n in 0..count {
                if let Pace::Paused(longest) = pace {
                    let pause = rng.below(longest.as_millis() as u64);
                    tokio::time::sleep(Duration::from_millis(pause)).await;
                }
                let (case_id, manifest) = &cases[(n + client) % cases.len()];
                let answer = http
                    .send(
                        Method::POST,
                        "/api/attempts",
                        Some(&browser),
                        Some(&json!({ "case_id": case_id })),
                        None,
                    )
                    .await?;
                ensure!(
                    answer.status == StatusCode::CREATED,
                    "open a reading: {}",
                    answer.text()
                );
                opened.push(answer.took);
                let id = answer.json()?["id"]
                    .as_str()
                    .context("the attempt's id")?
                    .to_owned();
                let report = if rng.chance(0.75) {
                    correct_report(manifest)
                } else {
                    wrong_report(manifest)
                };
                let answer = http
                    .send(
                        Method::POST,
                        &format!("/api/attempts/{id}/submit"),
                        Some(&browser),
                        Some(&report),
                        None,
                    )
                    .await?;
                ensure!(answer.status == StatusCode::OK, "submit: {}", answer.text());
                submitted.push(answer.took);
            }
            Ok((opened, submitted))
        });
        if let Pace::OneAfterAnother = pace {
            // Let it finish before the next one starts.
            let done = task.await??;
            tasks.push(tokio::spawn(async move { Ok(done) }));
        } else {
            tasks.push(task);
        }
    }
    let (mut opened, mut submitted) = (Vec::new(), Vec::new());
    for task in tasks {
        let (o, s) = task.await??;
        opened.extend(o);
        submitted.extend(s);
    }
    let elapsed = started.elapsed();
    Ok((
        Latencies::new(opened, 0, elapsed),
        Latencies::new(submitted, 0, elapsed),
    ))
}

/// `clients` concurrent clients, each sending `requests` GETs, going through `paths`.
async fn reads(
    http: &Http,
    browser: &Browser,
    clients: usize,
    requests: usize,
    paths: &[String],
    encodings: Option<&'static str>,
) -> Result<Latencies> {
    // Warm up the connections (and the caches, as a running server's are).
    for path in paths.iter().take(clients.min(paths.len())) {
        http.send(Method::GET, path, Some(browser), None, encodings)
            .await?;
    }
    let paths = Arc::new(paths.to_vec());
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|client| {
            let (http, browser, paths) = (http.clone(), browser.clone(), Arc::clone(&paths));
            tokio::spawn(async move {
                let mut samples = Vec::with_capacity(requests);
                let mut errors = 0;
                for n in 0..requests {
                    if started.elapsed() > READ_BUDGET {
                        break;
                    }
                    let path = &paths[(client * requests + n) % paths.len()];
                    match http
                        .send(Method::GET, path, Some(&browser), None, encodings)
                        .await
                    {
                        Ok(answer) if answer.status == StatusCode::OK => samples.push(answer.took),
                        _ => errors += 1,
                    }
                }
                (samples, errors)
            })
        })
        .collect();
    let (mut samples, mut errors) = (Vec::new(), 0);
    for task in tasks {
        let (s, e) = task.await?;
        samples.extend(s);
        errors += e;
    }
    Ok(Latencies::new(samples, errors, started.elapsed()))
}

async fn first_reads(http: &Http, browser: &Browser, path: &str) -> Result<i64> {
    let answer = http
        .send(Method::GET, path, Some(browser), None, None)
        .await?;
    ensure!(answer.status == StatusCode::OK, "{path}: {}", answer.text());
    answer.json()?["first_reads"]
        .as_i64()
        .context("first_reads")
}

/// A client over loopback, keeping connections open as a browser does.
#[derive(Clone)]
struct Http {
    client: Client<HttpConnector, Full<Bytes>>,
    base: String,
}

/// A signed-in browser: its session cookie and CSRF token.
#[derive(Clone)]
struct Browser {
    cookie: String,
    csrf: String,
}

struct Answer {
    status: StatusCode,
    encoding: Option<String>,
    body: Bytes,
    /// From sending the request to the last byte of the answer received.
    took: Duration,
}

impl Answer {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    fn json(&self) -> Result<Value> {
        serde_json::from_slice(&self.body).with_context(|| format!("not JSON: {}", self.text()))
    }
}

impl Http {
    async fn send(
        &self,
        method: Method,
        path: &str,
        browser: Option<&Browser>,
        body: Option<&Value>,
        encodings: Option<&str>,
    ) -> Result<Answer> {
        let mut request = hyper::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base));
        if let Some(browser) = browser {
            request = request
                .header("cookie", &browser.cookie)
                .header("x-csrf-token", &browser.csrf);
        }
        if let Some(encodings) = encodings {
            request = request.header("accept-encoding", encodings);
        }
        let body = match body {
            Some(body) => {
                request = request.header("content-type", "application/json");
                Bytes::from(body.to_string())
            }
            None => Bytes::new(),
        };
        let request = request.body(Full::new(body))?;
        let started = Instant::now();
        let response = self.client.request(request).await?;
        let status = response.status();
        let encoding = response
            .headers()
            .get("content-encoding")
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let body = response.into_body().collect().await?.to_bytes();
        Ok(Answer {
            status,
            encoding,
            body,
            took: started.elapsed(),
        })
    }

    async fn sign_in(&self, username: &str) -> Result<Browser> {
        let request = hyper::Request::post(format!("{}/api/session", self.base))
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(
                json!({ "username": username, "password": PASSWORD }).to_string(),
            )))?;
        let response = self.client.request(request).await?;
        ensure!(
            response.status().is_success(),
            "sign-in as {username}: {}",
            response.status()
        );
        let cookie = response
            .headers()
            .get("set-cookie")
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split(';').next())
            .context("session cookie")?
            .to_owned();
        let body: Value =
            serde_json::from_slice(&response.into_body().collect().await?.to_bytes())?;
        Ok(Browser {
            cookie,
            csrf: body["csrf_token"]
                .as_str()
                .context("csrf_token")?
                .to_owned(),
        })
    }
}

struct Latencies {
    samples: Vec<Duration>,
    errors: usize,
    elapsed: Duration,
}

impl Latencies {
    fn new(mut samples: Vec<Duration>, errors: usize, elapsed: Duration) -> Latencies {
        samples.sort();
        Latencies {
            samples,
            errors,
            elapsed,
        }
    }

    fn quantile(&self, q: f64) -> f64 {
        let index = ((self.samples.len().saturating_sub(1)) as f64 * q).round() as usize;
        self.samples
            .get(index)
            .map_or(f64::NAN, |d| d.as_secs_f64() * 1e3)
    }
}

impl std::fmt::Display for Latencies {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "p50 {:.1} ms, p95 {:.1}, p99 {:.1}, max {:.1}; {} requests, {} errors, {:.0}/s",
            self.quantile(0.5),
            self.quantile(0.95),
            self.quantile(0.99),
            self.quantile(1.0),
            self.samples.len(),
            self.errors,
            self.samples.len() as f64 / self.elapsed.as_secs_f64()
        )
    }
}

/// SplitMix64: small, fast and the same on every machine, so the data is the same every run.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
}

fn dir_size(root: &std::path::Path) -> u64 {
    readroom_tests::files_under(root)
        .iter()
        .filter_map(|path| std::fs::metadata(path).ok())
        .map(|meta| meta.len())
        .sum()
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|line| line.starts_with("model name"))
                .and_then(|line| line.split(':').nth(1))
                .map(|name| name.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|line| line.starts_with("MemTotal:"))
                .and_then(|line| line.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or_else(String::new, |kb| {
            format!(", {:.0} GiB", kb / 1024.0 / 1024.0)
        });
    format!("{cores} cores, {cpu}{memory}")
}
