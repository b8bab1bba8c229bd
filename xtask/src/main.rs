//! Readroom's build and test tooling, run as `cargo xtask <command>`.
//!
//! CI runs `.ci/run`, which runs `cargo xtask ci`, on a clean clone on a fresh machine, so
//! everything a run needs beyond a Rust toolchain is provided here: the PostgreSQL server is
//! installed if missing and started fresh, and the DICOM fixtures are fetched by pinned
//! checksum. A developer gets the same run with the same command. Being plain Rust, it needs
//! no shell, Make or Python of its own.

mod fixtures;
mod postgres;
mod prerequisites;
mod web;

use std::{
    env,
    ffi::{OsStr, OsString},
    path::{Path, PathBuf},
    process::{Command, ExitCode, ExitStatus},
};

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "cargo xtask", bin_name = "cargo xtask")]
#[command(about = "Readroom's build and test tooling")]
struct Cli {
    #[command(subcommand)]
    command: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Runs the whole test suite, with the DICOM fixtures and a throwaway PostgreSQL server
    /// (unless READROOM_TEST_POSTGRES_URL names one).
    Test {
        /// Passed on to `cargo test --workspace --all-targets`, e.g. a test name filter.
        #[arg(last = true)]
        args: Vec<OsString>,
    },
    /// Fetches the DICOM fixtures into target/fixtures, checking their pinned checksums.
    Fixtures,
    /// Starts a throwaway PostgreSQL server and runs a command (default: psql) with
    /// READROOM_TEST_POSTGRES_URL set to it, then stops the server.
    Postgres {
        /// The command and its arguments.
        #[arg(last = true)]
        command: Vec<OsString>,
    },
    /// Builds the image viewer (WebAssembly, bindings, typings, host page) into
    /// target/web-viewer.
    Web,
    /// Builds the viewer and runs the server with it: `readroom serve --web-dir …`.
    Run {
        /// Passed on to `readroom serve`.
        #[arg(last = true)]
        args: Vec<OsString>,
    },
    /// Runs the benchmarks (the `bench` binary of readroom-tests) in release mode: import
    /// and serving. The training loop has its own, `bench-training`.
    Bench {
        /// Passed on to the benchmark binary.
        #[arg(last = true)]
        args: Vec<OsString>,
    },
    /// Runs the training-loop benchmark (the `bench_training` binary of readroom-tests) in
    /// release mode, on SQLite and on a throwaway PostgreSQL server (unless
    /// READROOM_TEST_POSTGRES_URL names one): 1,000 trainees × 500 reads, then submissions,
    /// rolling figures and a cohort's dashboard over HTTP.
    BenchTraining {
        /// Passed on to the benchmark binary, e.g. `--backend sqlite`.
        #[arg(last = true)]
        args: Vec<OsString>,
    },
    /// Runs the viewer's benchmark in headless Chromium (first image, all loaded, frame times
    /// scrolling and windowing a 2×2 layout, on WebGPU and WebGL2).
    BenchViewer,
    /// Everything CI checks: formatting, clippy, then the whole test suite.
    Ci,
}

fn main() -> Result<ExitCode> {
    let root = repository_root()?;
    match Cli::parse().command {
        Task::Test { args } => test(&root, &args),
        Task::Fixtures => {
            fixtures::fetch_all(&fixtures_dir(&root))?;
            Ok(ExitCode::SUCCESS)
        }
        Task::Postgres { command } => with_postgres(&command),
        Task::Web => {
            web::build(&root)?;
            Ok(ExitCode::SUCCESS)
        }
        Task::Run { args } => {
            let web_dir = web::build(&root)?;
            let status = cargo(&root)
                .args(["run", "--release", "--package", "readroom", "--", "serve"])
                .arg("--web-dir")
                .arg(web_dir)
                .args(args)
                .status()
                .context("failed to run cargo run")?;
            Ok(exit_code(status))
        }
        Task::Bench { args } => {
            let status = cargo(&root)
                .args([
                    "run",
                    "--release",
                    "--package",
                    "readroom-tests",
                    "--bin",
                    "bench",
                ])
                .arg("--")
                .args(args)
                .status()
                .context("failed to run cargo run")?;
            Ok(exit_code(status))
        }
        Task::BenchTraining { args } => bench_training(&root, &args),
        Task::BenchViewer => bench_viewer(&root),
        Task::Ci => ci(&root),
    }
}

fn bench_viewer(root: &Path) -> Result<ExitCode> {
    let harness = BrowserHarness::prepare(root)?;
    let status = cargo(root)
        .args(["build", "--release", "--package", "readroom"])
        .status()
        .context("failed to run cargo build")?;
    if !status.success() {
        return Ok(exit_code(status));
    }
    let readroom = root.join("target").join("release").join("readroom");
    Ok(exit_code(harness.node(&["bench.mjs"], &readroom)?))
}

fn bench_training(root: &Path, args: &[OsString]) -> Result<ExitCode> {
    // Built before the server starts, so that a long build does not keep it waiting.
    let status = cargo(root)
        .args([
            "build",
            "--release",
            "--package",
            "readroom-tests",
            "--bin",
            "bench_training",
        ])
        .status()
        .context("failed to run cargo build")?;
    if !status.success() {
        return Ok(exit_code(status));
    }
    // Keeps a server we started alive until the benchmark is done; dropping it stops it.
    let server;
    let url = match env::var("READROOM_TEST_POSTGRES_URL")
        .ok()
        .filter(|url| !url.is_empty())
    {
        Some(url) => {
            println!("postgres: using the server in READROOM_TEST_POSTGRES_URL");
            url
        }
        None => {
            server = postgres::Server::start()?;
            server.url().to_owned()
        }
    };
    let status = cargo(root)
        .args([
            "run",
            "--release",
            "--package",
            "readroom-tests",
            "--bin",
            "bench_training",
        ])
        .arg("--")
        .args(args)
        .env("READROOM_TEST_POSTGRES_URL", url)
        .status()
        .context("failed to run cargo run")?;
    Ok(exit_code(status))
}

fn ci(root: &Path) -> Result<ExitCode> {
    prerequisites::wasm_target()?;
    let checks: [(&[&str], &str); 3] = [
        (
            &["fmt", "--all", "--check"],
            "run `cargo fmt --all` to fix it",
        ),
        (
            &[
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ],
            "see clippy's messages above",
        ),
        // The viewer's browser code is compiled only for WebAssembly.
        (
            &[
                "clippy",
                "--package",
                "readroom-viewer-web",
                "--target",
                "wasm32-unknown-unknown",
                "--",
                "-D",
                "warnings",
            ],
            "see clippy's messages above",
        ),
    ];
    for (args, hint) in checks {
        println!("ci: cargo {}", args.join(" "));
        let status = cargo(root)
            .args(args)
            .status()
            .with_context(|| format!("failed to run cargo {}", args.join(" ")))?;
        if !status.success() {
            bail!("`cargo {}` failed ({status}); {hint}", args.join(" "));
        }
    }
    println!("ci: cargo xtask test");
    test(root, &[])
}

fn test(root: &Path, args: &[OsString]) -> Result<ExitCode> {
    let fixtures = fixtures_dir(root);
    fixtures::fetch_all(&fixtures)?;
    // Keeps a server we started alive until the tests are done; dropping it stops it.
    let server;
    let given = env::var("READROOM_TEST_POSTGRES_URL").ok();
    let url = match given.filter(|url| !url.is_empty()) {
        Some(url) => {
            println!("postgres: using the server in READROOM_TEST_POSTGRES_URL");
            url
        }
        None => {
            server = postgres::Server::start()?;
            server.url().to_owned()
        }
    };
    // The renderer's tests draw on Mesa's software Vulkan; the browser tests need the viewer
    // built, Chromium and playwright-core. All set up before the long build starts.
    prerequisites::software_vulkan()?;
    let harness = BrowserHarness::prepare(root)?;
    let status = cargo(root)
        .args(["test", "--workspace", "--all-targets"])
        .args(args)
        .env("READROOM_FIXTURES", &fixtures)
        .env("READROOM_TEST_POSTGRES_URL", url)
        .status()
        .context("failed to run cargo test")?;
    if !status.success() {
        return Ok(exit_code(status));
    }
    let status = cargo(root)
        .args(["build", "--package", "readroom"])
        .status()
        .context("failed to run cargo build")?;
    if !status.success() {
        return Ok(exit_code(status));
    }
    println!("test: the viewer in headless Chromium (WebGPU and WebGL2)");
    let readroom = root.join("target").join("debug").join("readroom");
    let status = harness.node(&["--test", "--test-concurrency=1"], &readroom)?;
    if !status.success() {
        return Ok(exit_code(status));
    }
    println!(
        "test: the web application in headless Chromium (pages, accessibility audit, screenshots in target/app-screenshots)"
    );
    Ok(exit_code(harness.node_in(
        &harness.app_dir,
        &["--test", "--test-concurrency=1"],
        &readroom,
    )?))
}

/// What node needs to drive the viewer and the web application in Chromium (their browser
/// tests and the viewer's benchmark): the viewer built, Debian's Chromium, and the npm
/// packages of both harnesses (the application's tests import the viewer's harness).
struct BrowserHarness {
    dir: PathBuf,
    /// `app/tests`: the web application's browser tests.
    app_dir: PathBuf,
    web_dir: PathBuf,
    chromium: PathBuf,
}

impl BrowserHarness {
    fn prepare(root: &Path) -> Result<BrowserHarness> {
        let chromium = prerequisites::chromium()?;
        let web_dir = web::build(root)?;
        let dir = root
            .join("viewer")
            .join("web")
            .join("tests")
            .join("browser");
        npm_ci(&dir)?;
        let app_dir = root.join("app").join("tests");
        npm_ci(&app_dir)?;
        Ok(BrowserHarness {
            dir,
            app_dir,
            web_dir,
            chromium,
        })
    }

    /// Runs node with `args` in the viewer harness's directory, against the `readroom` binary
    /// given.
    fn node(&self, args: &[&str], readroom: &Path) -> Result<ExitStatus> {
        self.node_in(&self.dir, args, readroom)
    }

    /// Runs node with `args` in `dir`, with what the harnesses read from the environment.
    fn node_in(&self, dir: &Path, args: &[&str], readroom: &Path) -> Result<ExitStatus> {
        Command::new("node")
            .args(args)
            .current_dir(dir)
            .env("READROOM_BIN", readroom)
            .env("READROOM_WEB_DIR", &self.web_dir)
            .env("CHROMIUM", &self.chromium)
            .status()
            .context("failed to run node: the viewer's browser harness needs Node.js 20 or later")
    }
}

/// Installs the browser tests' npm packages exactly as locked (no browser is downloaded:
/// playwright-core drives Debian's Chromium).
fn npm_ci(dir: &Path) -> Result<()> {
    let status = Command::new("npm")
        .args(["ci", "--ignore-scripts", "--no-audit", "--no-fund"])
        .current_dir(dir)
        .status()
        .context(
            "failed to run npm: the browser tests need Node.js and npm (Debian: nodejs, npm)",
        )?;
    if !status.success() {
        bail!("`npm ci` in {} failed ({status})", dir.display());
    }
    Ok(())
}

fn with_postgres(command: &[OsString]) -> Result<ExitCode> {
    let server = postgres::Server::start()?;
    let mut child = match command.split_first() {
        Some((program, args)) => {
            let mut child = Command::new(program);
            child.args(args);
            child
        }
        None => {
            let mut psql = Command::new(server.bindir().join("psql"));
            psql.arg(server.url());
            psql
        }
    };
    let status = child
        .env("READROOM_TEST_POSTGRES_URL", server.url())
        .status()
        .with_context(|| format!("failed to run {}", display(child.get_program())))?;
    Ok(exit_code(status))
}

/// The workspace root, where every cargo command runs whatever directory xtask was run from.
fn repository_root() -> Result<PathBuf> {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .context("failed to find the repository root above xtask/")
}

/// Absolute, because the tests run with their own crate's directory as working directory.
fn fixtures_dir(root: &Path) -> PathBuf {
    root.join("target").join("fixtures")
}

/// The cargo that runs us, so that the toolchain stays the same.
fn cargo(root: &Path) -> Command {
    let mut command = Command::new(env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command.current_dir(root);
    command
}

/// Passes a child's exit status on; one killed by a signal counts as failed.
fn exit_code(status: ExitStatus) -> ExitCode {
    status
        .code()
        .and_then(|code| u8::try_from(code).ok())
        .map_or(ExitCode::FAILURE, ExitCode::from)
}

fn display(program: &OsStr) -> String {
    program.to_string_lossy().into_owned()
}
