//! A throwaway PostgreSQL server for the test suite.
//!
//! The store's tests run against both backends, and CI machines have no database running,
//! so we start our own: a fresh cluster in a temporary directory, listening only on loopback
//! on a port the OS picked, with trust authentication and durability switched off because the
//! data is thrown away. It never touches a system cluster (Debian's `main`), running or not.
//! Dropping [`Server`] stops it and deletes its directory, also when the tests fail or the
//! user presses Ctrl-C.

use std::{
    ffi::OsStr,
    fs::File,
    net::{Ipv4Addr, TcpListener},
    os::unix::process::CommandExt,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use anyhow::{Context, Result, bail};
use tempfile::TempDir;

use crate::prerequisites::{self, output};

/// The database the tests use; the URL names it.
const DATABASE: &str = "readroom_test";

/// PostgreSQL refuses to run as root; the Debian package creates this system user for it.
const POSTGRES_USER: &str = "postgres";

/// Generous, because a cold start on a loaded two-core CI machine is slow, but finite, so a
/// server that never comes up fails the run instead of hanging it.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);

/// A running throwaway server. Dropping it stops the server and removes its files.
pub struct Server {
    bindir: PathBuf,
    /// Whether to run server programs as [`POSTGRES_USER`], because we are root.
    as_postgres_user: bool,
    data: PathBuf,
    postmaster: Child,
    url: String,
    // Declared last so that it is deleted after `drop` has stopped the server.
    dir: TempDir,
}

impl Server {
    pub fn start() -> Result<Self> {
        let interrupted = ignore_ctrl_c()?;
        let bindir = prerequisites::postgres_bindir()?;
        let as_postgres_user = prerequisites::is_root()?;

        // As root, TMPDIR may well be under /root, which the postgres user cannot enter.
        let tmp = if as_postgres_user {
            PathBuf::from("/tmp")
        } else {
            std::env::temp_dir()
        };
        let dir = tempfile::Builder::new()
            .prefix("readroom-postgres-")
            .tempdir_in(&tmp)
            .with_context(|| format!("failed to create a directory in {}", tmp.display()))?;
        if as_postgres_user {
            give_to_postgres_user(dir.path())?;
        }
        let data = dir.path().join("data");
        let log = dir.path().join("postgres.log");

        let mut initdb = server_command(&bindir, "initdb", as_postgres_user, dir.path());
        initdb
            .arg("--pgdata")
            .arg(&data)
            .args(["--username", POSTGRES_USER, "--auth", "trust"])
            .args(["--encoding", "UTF8", "--locale", "C", "--no-sync"]);
        output(&mut initdb).context("failed to create a PostgreSQL cluster with initdb")?;

        let port = free_port()?;
        let log_file = File::create(&log).context("failed to create the PostgreSQL log file")?;
        let log_file_too = log_file
            .try_clone()
            .context("failed to open the PostgreSQL log file twice")?;
        let mut postgres = server_command(&bindir, "postgres", as_postgres_user, dir.path());
        postgres
            .arg("-D")
            .arg(&data)
            .args(["-c", "listen_addresses=127.0.0.1"])
            .arg("-c")
            .arg(format!("port={port}"))
            .arg("-c")
            .arg(concat_os(
                "unix_socket_directories=",
                dir.path().as_os_str(),
            ))
            // The data is thrown away, so durability only costs time.
            .args(["-c", "fsync=off", "-c", "synchronous_commit=off"])
            .args(["-c", "full_page_writes=off"])
            // Its own process group: a Ctrl-C in the terminal must not kill the server
            // before `drop` stops it the orderly way.
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(log_file)
            .stderr(log_file_too);
        let postmaster = postgres
            .spawn()
            .context("failed to start the PostgreSQL server")?;

        let mut server = Server {
            url: format!("postgres://{POSTGRES_USER}@127.0.0.1:{port}/{DATABASE}"),
            bindir,
            as_postgres_user,
            data,
            postmaster,
            dir,
        };
        server.wait_until_ready(port, &interrupted)?;
        output(
            Command::new(server.bindir.join("createdb"))
                .args(["--host", "127.0.0.1", "--port", &port.to_string()])
                .args(["--username", POSTGRES_USER, DATABASE]),
        )
        .context("failed to create the test database")?;
        println!("postgres: throwaway server at {}", server.url);
        Ok(server)
    }

    /// The database URL for the tests, `postgres://postgres@127.0.0.1:<port>/readroom_test`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The directory with the server binaries, `psql` among them.
    pub fn bindir(&self) -> &Path {
        &self.bindir
    }

    /// Polls `pg_isready`, because the server accepts connections some time after it started
    /// and that time varies too much for any fixed sleep.
    fn wait_until_ready(&mut self, port: u16, interrupted: &AtomicBool) -> Result<()> {
        let deadline = Instant::now() + STARTUP_TIMEOUT;
        loop {
            if let Some(status) = self
                .postmaster
                .try_wait()
                .context("failed to check on the PostgreSQL server")?
            {
                bail!(
                    "PostgreSQL exited during startup ({status}):\n{}",
                    self.log()
                );
            }
            let ready = Command::new(self.bindir.join("pg_isready"))
                .args([
                    "--quiet",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    &port.to_string(),
                ])
                .args(["--username", POSTGRES_USER, "--dbname", "postgres"])
                .stdin(Stdio::null())
                .status()
                .context("failed to run pg_isready")?;
            if ready.success() {
                return Ok(());
            }
            if interrupted.load(Ordering::SeqCst) {
                bail!("interrupted while waiting for PostgreSQL to start");
            }
            if Instant::now() > deadline {
                bail!(
                    "PostgreSQL did not accept connections within {STARTUP_TIMEOUT:?}:\n{}",
                    self.log()
                );
            }
            // pg_isready returns at once while nothing listens; pace the polling.
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("postgres.log"))
            .unwrap_or_else(|error| format!("(its log could not be read: {error})"))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(Some(_)) = self.postmaster.try_wait() {
            // It died during startup; the error already shows its log.
            return;
        }
        // Immediate: nothing needs to survive, and a test may still hold connections.
        let mut pg_ctl = server_command(
            &self.bindir,
            "pg_ctl",
            self.as_postgres_user,
            self.dir.path(),
        );
        pg_ctl.arg("stop").arg("--pgdata").arg(&self.data).args([
            "--mode",
            "immediate",
            "--silent",
        ]);
        if let Err(error) = output(&mut pg_ctl) {
            eprintln!("postgres: failed to stop the server, killing it: {error:#}");
            // Signals the whole process group, so the server itself and not only `runuser`.
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{}", self.postmaster.id())])
                .status();
        }
        if let Err(error) = self.postmaster.wait() {
            eprintln!("postgres: failed to wait for the server to exit: {error}");
        }
        println!("postgres: stopped the throwaway server");
    }
}

/// A command for a server program, run as the `postgres` user when we are root.
fn server_command(bindir: &Path, program: &str, as_postgres_user: bool, cwd: &Path) -> Command {
    let mut command = if as_postgres_user {
        let mut command = Command::new("runuser");
        command
            .args(["-u", POSTGRES_USER, "--"])
            .arg(bindir.join(program));
        command
    } else {
        Command::new(bindir.join(program))
    };
    // The postgres user may not be able to enter our working directory, which makes the
    // server programs complain.
    command.current_dir(cwd);
    command
}

/// Makes `dir` the postgres user's, since initdb and the server write into it.
fn give_to_postgres_user(dir: &Path) -> Result<()> {
    let mut chown = Command::new("chown");
    chown.arg(format!("{POSTGRES_USER}:")).arg(dir);
    output(&mut chown).with_context(|| {
        format!(
            "failed to give {} to the `{POSTGRES_USER}` user, which the Debian package \
             postgresql creates (apt-get install -y --no-install-recommends postgresql)",
            dir.display()
        )
    })?;
    Ok(())
}

/// A loopback port that was free a moment ago. Another process could take it before the
/// server binds it; the server then exits at once and the error says so.
fn free_port() -> Result<u16> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .context("failed to find a free port for PostgreSQL")?;
    Ok(listener
        .local_addr()
        .context("failed to read the free port's address")?
        .port())
}

/// Keeps Ctrl-C from killing xtask while a server runs, so that its `Drop` still stops the
/// server. The terminal sends SIGINT to the whole foreground process group, so the child
/// we are waiting for (cargo test) still gets it, exits, and we return normally.
fn ignore_ctrl_c() -> Result<Arc<AtomicBool>> {
    let interrupted = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&interrupted);
    ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst))
        .context("failed to install a Ctrl-C handler")?;
    Ok(interrupted)
}

fn concat_os(prefix: &str, value: &OsStr) -> std::ffi::OsString {
    let mut joined = std::ffi::OsString::from(prefix);
    joined.push(value);
    joined
}
