//! The first start: the demo case bank, one demo user per role, and a demo programme in which
//! the demo trainee has the whole bank to read.

use std::time::Instant;

use anyhow::Context;
use rayon::prelude::*;
use readroom_domain::{Role, TruthManifest};
use readroom_import::{ImportSummary, Importer, Source};
use readroom_store::{NewUser, Store};

/// The setting recording that the demo bank was loaded (and from which seed).
const DEMO_BANK_SETTING: &str = "demo_bank";
/// The setting recording that the demo programme was created.
const DEMO_PROGRAMME_SETTING: &str = "demo_programme";

/// Demo log-ins: the username is the role, the password `demo-<role>`.
pub fn demo_password(role: Role) -> String {
    format!("demo-{role}")
}

/// Generates the demo bank and imports it through the normal import path, once per
/// installation.
pub async fn load_bank_once(store: &Store, importer: &Importer) -> anyhow::Result<()> {
    if store.setting(DEMO_BANK_SETTING).await?.is_some() {
        return Ok(());
    }
    let started = Instant::now();
    eprintln!(
        "First start: generating and importing the demo case bank ({} synthetic cases)…",
        readroom_cases::DEFAULT_CASE_COUNT
    );
    let (seed, count) = (
        readroom_cases::DEFAULT_SEED,
        readroom_cases::DEFAULT_CASE_COUNT,
    );
    // One import run for the whole bank, whose batches are imported one after another.
    let sources = format!("the demo case bank: {count} synthetic cases (seed {seed})");
    let summary = importer
        .recorded(&sources, import_bank(importer, seed, count))
        .await?;
    if !summary.refused.is_empty() {
        crate::import::print_summary(&summary);
        anyhow::bail!("the demo case bank did not import cleanly");
    }
    store
        .set_setting(DEMO_BANK_SETTING, &format!("seed {seed}"))
        .await?;
    eprintln!(
        "Demo case bank ready: {} cases, {} series, {} images in {:.1} s.",
        summary.cases,
        summary.imported.series,
        summary.imported.images,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Generates `count` cases, a few at a time to bound memory (in parallel), and imports each
/// batch in one go.
pub async fn import_bank(
    importer: &Importer,
    seed: u64,
    count: usize,
) -> anyhow::Result<ImportSummary> {
    let mut summary = ImportSummary::default();
    let batch = 2 * rayon::current_num_threads().max(2);
    for first in (0..count).step_by(batch) {
        let indices: Vec<usize> = (first..(first + batch).min(count)).collect();
        let cases = tokio::task::spawn_blocking(move || {
            indices
                .into_par_iter()
                .map(|index| readroom_cases::generate_case(seed, index))
                .collect::<Vec<_>>()
        })
        .await
        .context("demo bank generation failed")?;
        let mut sources = Vec::new();
        let mut manifest = TruthManifest { cases: Vec::new() };
        for case in cases {
            sources.extend(
                case.files
                    .into_iter()
                    .map(|file| Source::in_memory(file.name, file.bytes)),
            );
            manifest.cases.push(case.manifest);
        }
        summary.merge(importer.import(sources, Some(&manifest), &()).await?);
    }
    Ok(summary)
}

/// Creates the demo users when the installation has no users at all.
pub async fn create_users_once(store: &Store) -> anyhow::Result<()> {
    if store.user_count().await? > 0 {
        return Ok(());
    }
    for role in Role::ALL {
        store
            .create_user(&NewUser {
                username: role.to_string(),
                display_name: format!("Demo {role}"),
                password: demo_password(role),
                roles: vec![role],
            })
            .await
            .with_context(|| format!("failed to create the demo {role}"))?;
    }
    Ok(())
}

/// Creates the demo programme once, when the demo users exist: led by `lead`, reviewed by
/// `expert`, with `trainee` in one cohort given every case of the bank, open now for 90 days.
pub async fn create_programme_once(store: &Store) -> anyhow::Result<()> {
    if store.setting(DEMO_PROGRAMME_SETTING).await?.is_some() {
        return Ok(());
    }
    let accounts = store.users().await?;
    let mut demo_users = Vec::new();
    for role in [Role::Lead, Role::Expert, Role::Trainee] {
        match accounts.iter().find(|user| user.username == role.as_str()) {
            Some(user) if user.roles.contains(&role) => demo_users.push(user),
            // Not the demo installation we created: leave it alone.
            _ => return Ok(()),
        }
    }
    let [lead, expert, trainee] =
        <[_; 3]>::try_from(demo_users).map_err(|_| anyhow::anyhow!("three demo users expected"))?;
    let settings = serde_json::to_value(readroom_server::ProgrammeSettings::default())?;
    let programme = store
        .create_programme("Demo programme (synthetic cases)", &settings, &lead.id)
        .await?;
    store
        .add_member(&programme.id, &expert.id, Role::Expert)
        .await?;
    store
        .add_member(&programme.id, &trainee.id, Role::Trainee)
        .await?;
    let cohort = store.create_cohort(&programme.id, "Demo cohort").await?;
    store.add_cohort_member(&cohort, &trainee.id).await?;
    let case_ids: Vec<String> = store
        .list_cases()
        .await?
        .into_iter()
        .map(|case| case.id)
        .collect();
    if !case_ids.is_empty() {
        let set = store
            .create_case_set(&programme.id, "The demo bank", &case_ids)
            .await?;
        let now = readroom_server::Clock::default().now();
        const DAY_MS: i64 = 24 * 60 * 60 * 1000;
        store
            .create_assignment(&programme.id, &set.id, &cohort.id, now, now + 90 * DAY_MS)
            .await?;
    }
    store
        .set_setting(DEMO_PROGRAMME_SETTING, &programme.id)
        .await?;
    Ok(())
}
