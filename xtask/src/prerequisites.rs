//! Finding, and where we may, installing the system tools the tests need.
//!
//! CI runs on a fresh Debian machine where nothing was installed by hand, so a missing tool is
//! either installed here (PostgreSQL, when we are root and have apt-get) or reported with the
//! exact package and command that provides it. Nothing is assumed to be running.

use std::{
    env,
    path::{Path, PathBuf},
    process::{Command, Stdio},
};

use anyhow::{Context, Result, bail};

/// The PostgreSQL programs we run; a directory is only usable if it has all of them.
const POSTGRES_PROGRAMS: [&str; 5] = ["initdb", "postgres", "pg_ctl", "pg_isready", "createdb"];

const POSTGRES_MISSING: &str = "the PostgreSQL server binaries (initdb, postgres, pg_ctl) are \
     not installed; on Debian install them with `sudo apt-get install -y \
     --no-install-recommends postgresql`, or set READROOM_TEST_POSTGRES_URL to an existing \
     server's database";

/// The directory holding the PostgreSQL server binaries, installing the Debian package
/// `postgresql` first if they are missing and we are allowed to.
pub fn postgres_bindir() -> Result<PathBuf> {
    if let Some(dir) = find_postgres_bindir() {
        return Ok(dir);
    }
    if !is_root()? || which("apt-get").is_none() {
        bail!("{POSTGRES_MISSING}");
    }
    println!("prerequisites: installing the Debian package `postgresql` with apt-get");
    // A fresh machine usually has no package lists yet, but updating them is slow and
    // needs the network, so only do it when the plain install fails.
    if apt_get(&["install", "-y", "--no-install-recommends", "postgresql"]).is_err() {
        apt_get(&["update"])?;
        apt_get(&["install", "-y", "--no-install-recommends", "postgresql"])?;
    }
    find_postgres_bindir().context(
        "failed to find the PostgreSQL binaries in /usr/lib/postgresql/<version>/bin \
         after installing the Debian package `postgresql`",
    )
}

/// Debian installs the server outside PATH, one directory per major version; prefer the
/// newest. Elsewhere (Homebrew, Nix, a source build) the binaries are on PATH.
fn find_postgres_bindir() -> Option<PathBuf> {
    let debian = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version: u32 = entry.file_name().to_str()?.parse().ok()?;
            Some((version, entry.path().join("bin")))
        })
        .filter(|(_, bin)| has_postgres_programs(bin))
        .max_by_key(|(version, _)| *version)
        .map(|(_, bin)| bin);
    debian.or_else(|| {
        let initdb = which("initdb")?;
        let bin = initdb.parent()?.to_path_buf();
        has_postgres_programs(&bin).then_some(bin)
    })
}

fn has_postgres_programs(dir: &Path) -> bool {
    POSTGRES_PROGRAMS
        .iter()
        .all(|program| dir.join(program).is_file())
}

/// Root may install packages, and PostgreSQL refuses to run as root, so several decisions
/// hang on this.
pub fn is_root() -> Result<bool> {
    let uid = output(Command::new("id").arg("-u")).context("failed to find the user id")?;
    Ok(uid.trim() == "0")
}

fn apt_get(args: &[&str]) -> Result<()> {
    let status = Command::new("apt-get")
        .args(args)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .stdin(Stdio::null())
        .status()
        .context("failed to run apt-get")?;
    if !status.success() {
        bail!("`apt-get {}` failed ({status})", args.join(" "));
    }
    Ok(())
}

/// The full path of `program` on PATH.
pub fn which(program: &str) -> Option<PathBuf> {
    env::split_paths(&env::var_os("PATH")?)
        .map(|dir| dir.join(program))
        .find(|path| path.is_file())
}

/// Runs `command` to completion and returns its stdout; on failure the error carries the
/// command line and its stderr, since that is where tools explain themselves.
pub fn output(command: &mut Command) -> Result<String> {
    let shown = format!("{command:?}");
    let output = command
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("failed to start {shown}"))?;
    if !output.status.success() {
        bail!(
            "{shown} failed ({}):\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    String::from_utf8(output.stdout).with_context(|| format!("{shown} printed invalid UTF-8"))
}

/// Makes sure `path` exists, installing the Debian package `package` when it does not and we
/// may; otherwise says exactly what to install.
pub fn debian_file(path: &str, package: &str, why: &str) -> Result<()> {
    if Path::new(path).exists() {
        return Ok(());
    }
    if !is_root()? || which("apt-get").is_none() {
        bail!(
            "{why} needs {path}, which is missing; on Debian install it with \
             `sudo apt-get install -y --no-install-recommends {package}`"
        );
    }
    println!("prerequisites: installing the Debian package `{package}` with apt-get ({why})");
    if apt_get(&["install", "-y", "--no-install-recommends", package]).is_err() {
        apt_get(&["update"])?;
        apt_get(&["install", "-y", "--no-install-recommends", package])?;
    }
    if !Path::new(path).exists() {
        bail!("installed `{package}`, but {path} is still missing");
    }
    Ok(())
}

/// Mesa's software Vulkan driver (lavapipe), on which the renderer's tests draw.
pub fn software_vulkan() -> Result<()> {
    debian_file(
        "/usr/share/vulkan/icd.d/lvp_icd.x86_64.json",
        "mesa-vulkan-drivers",
        "the renderer's tests (Mesa's software Vulkan)",
    )
}

/// Debian's Chromium, which the browser tests drive.
pub fn chromium() -> Result<PathBuf> {
    debian_file("/usr/bin/chromium", "chromium", "the browser tests")?;
    Ok(PathBuf::from("/usr/bin/chromium"))
}

/// The Rust standard library for WebAssembly, through rustup.
pub fn wasm_target() -> Result<()> {
    const TARGET: &str = "wasm32-unknown-unknown";
    let installed = output(Command::new("rustup").args(["target", "list", "--installed"]))
        .context("the viewer is built for wasm32-unknown-unknown with rustup's target; is rustup installed?")?;
    if installed.lines().any(|line| line.trim() == TARGET) {
        return Ok(());
    }
    println!("prerequisites: rustup target add {TARGET}");
    let status = Command::new("rustup")
        .args(["target", "add", TARGET])
        .status()
        .context("failed to run rustup")?;
    if !status.success() {
        bail!("`rustup target add {TARGET}` failed ({status})");
    }
    Ok(())
}
