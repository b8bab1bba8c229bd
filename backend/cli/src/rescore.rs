//! `readroom rescore`: scores every submitted report again, after a programme's settings
//! changed. Reports never change; scores and the trainees' running figures are derived from
//! them and the truth, and are rebuilt here.

use std::process::ExitCode;

use anyhow::Context;

use crate::DataArgs;

#[derive(clap::Args)]
pub struct RescoreArgs {
    #[command(flatten)]
    data: DataArgs,
}

pub async fn run(args: RescoreArgs) -> anyhow::Result<ExitCode> {
    let (store, _) = args.data.open().await?;
    let changed = readroom_server::rescore_all(&store)
        .await
        .context("failed to rescore the submitted reports")?;
    println!("Rescored every submitted report: {changed} score(s) changed; figures rebuilt.");
    store.close().await;
    Ok(ExitCode::SUCCESS)
}
