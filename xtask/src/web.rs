//! `cargo xtask web`: the viewer's WebAssembly, its JavaScript bindings and TypeScript
//! typings (wasm-bindgen, as a library pinned to the lock file's wasm-bindgen), and the host
//! page, in target/web-viewer, with zstd and gzip copies that the server sends as they are.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::{cargo, prerequisites};

const TARGET: &str = "wasm32-unknown-unknown";
const PROFILE: &str = "web";

pub fn output_dir(root: &Path) -> PathBuf {
    root.join("target").join("web-viewer")
}

pub fn build(root: &Path) -> Result<PathBuf> {
    prerequisites::wasm_target()?;
    let status = cargo(root)
        .args([
            "build",
            "--package",
            "readroom-viewer-web",
            "--lib",
            "--target",
            TARGET,
            "--profile",
            PROFILE,
        ])
        .status()
        .context("failed to run cargo build for the viewer")?;
    if !status.success() {
        bail!("building the viewer's WebAssembly failed ({status})");
    }
    let wasm = root
        .join("target")
        .join(TARGET)
        .join(PROFILE)
        .join("readroom_viewer_web.wasm");
    let out = output_dir(root);
    if out.exists() {
        std::fs::remove_dir_all(&out)
            .with_context(|| format!("failed to empty {}", out.display()))?;
    }
    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(&wasm)
        .out_name("readroom_viewer")
        .web(true)?
        .typescript(true)
        // `init()` with no argument then fetches the .wasm beside the .js.
        .omit_default_module_path(false)
        .generate(&out)
        .with_context(|| format!("wasm-bindgen on {}", wasm.display()))?;
    let www = root.join("viewer").join("web").join("www");
    for entry in
        std::fs::read_dir(&www).with_context(|| format!("failed to read {}", www.display()))?
    {
        let entry = entry?;
        std::fs::copy(entry.path(), out.join(entry.file_name()))
            .with_context(|| format!("failed to copy {}", entry.path().display()))?;
    }
    for name in ["readroom_viewer_bg.wasm", "readroom_viewer.js"] {
        precompress(&out.join(name))?;
    }
    let size = std::fs::metadata(out.join("readroom_viewer_bg.wasm"))?.len();
    let compressed = std::fs::metadata(out.join("readroom_viewer_bg.wasm.zst"))?.len();
    println!(
        "web: the viewer is in {} ({:.1} MB of WebAssembly, {:.1} MB with zstd)",
        out.display(),
        size as f64 / 1e6,
        compressed as f64 / 1e6
    );
    Ok(out)
}

/// Writes `FILE.zst` and `FILE.gz` beside `path`.
fn precompress(path: &Path) -> Result<()> {
    let bytes =
        std::fs::read(path).with_context(|| format!("failed to read {}", path.display()))?;
    let zst = zstd::encode_all(&bytes[..], 19)?;
    std::fs::write(with_suffix(path, "zst"), zst)?;
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    std::io::Write::write_all(&mut gzip, &bytes)?;
    std::fs::write(with_suffix(path, "gz"), gzip.finish()?)?;
    Ok(())
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".");
    name.push(suffix);
    PathBuf::from(name)
}
