//! The `readroom` binary: serve the platform, import studies, manage users, rescore.
//!
//! Everything lives under one data directory (SQLite database and image files) unless
//! `DATABASE_URL` names a PostgreSQL database. This binary only wires the crates together;
//! the work is done in readroom-import, readroom-server and readroom-store.

mod demo;
mod import;
mod rescore;
mod serve;
mod user;

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use readroom_store::{ObjectStorage, Store};

#[derive(Parser)]
#[command(
    name = "readroom",
    version,
    about = "Case-based diagnostic image training"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve Readroom over HTTP; on first start, load the demo case bank and demo users.
    Serve(serve::ServeArgs),
    /// Import DICOM files, folders and zip archives into the case bank, anonymised.
    Import(import::ImportArgs),
    /// Manage users.
    #[command(subcommand)]
    User(user::UserCommand),
    /// Score every submitted report again from the stored reports and truth (after a
    /// programme's settings changed), and rebuild the trainees' figures.
    Rescore(rescore::RescoreArgs),
}

/// Where Readroom keeps its state.
#[derive(clap::Args, Debug, Clone)]
pub struct DataArgs {
    /// The data directory: the SQLite database and the image files.
    #[arg(long, env = "READROOM_DATA_DIR", default_value = "readroom-data")]
    data_dir: PathBuf,
    /// The database, instead of SQLite in the data directory: `postgres://user@host/db`.
    #[arg(long, env = "DATABASE_URL")]
    database_url: Option<String>,
}

impl DataArgs {
    /// Opens the store and the image storage, creating the data directory if needed.
    async fn open(&self) -> anyhow::Result<(Store, ObjectStorage)> {
        std::fs::create_dir_all(&self.data_dir).with_context(|| {
            format!(
                "failed to create data directory {}",
                self.data_dir.display()
            )
        })?;
        let url = match &self.database_url {
            Some(url) if !url.is_empty() => url.clone(),
            _ => format!("sqlite://{}", self.data_dir.join("readroom.db").display()),
        };
        let store = Store::connect(&url)
            .await
            .context("failed to open the database")?;
        let objects = ObjectStorage::local(&self.data_dir.join("images"))
            .context("failed to open the image storage")?;
        Ok((store, objects))
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,jpeg2k=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let result = match Cli::parse().command {
        Command::Serve(args) => serve::run(args).await,
        Command::Import(args) => import::run(args).await,
        Command::User(command) => user::run(command).await,
        Command::Rescore(args) => rescore::run(args).await,
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
