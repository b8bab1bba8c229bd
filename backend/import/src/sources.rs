//! Where DICOM files come from: files, folders (recursively) and zip archives on disk, or
//! bytes already in memory (the generated demo bank).

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::Refusal;

/// One candidate DICOM file, not yet read.
#[derive(Debug, Clone)]
pub struct Source {
    /// How the file is named in messages: a path, or `archive.zip!entry`.
    pub origin: String,
    location: Location,
}

#[derive(Debug, Clone)]
enum Location {
    File(PathBuf),
    ZipEntry { archive: PathBuf, index: usize },
    Memory(Arc<Vec<u8>>),
}

impl Source {
    pub fn in_memory(origin: impl Into<String>, bytes: Vec<u8>) -> Source {
        Source {
            origin: origin.into(),
            location: Location::Memory(Arc::new(bytes)),
        }
    }

    /// Reads the whole file, refusing one larger than `max_bytes` before reading it.
    pub fn read(&self, max_bytes: u64) -> Result<Arc<Vec<u8>>, String> {
        let too_large =
            |size: u64| format!("file of {size} bytes exceeds the limit of {max_bytes} bytes");
        match &self.location {
            Location::Memory(bytes) => Ok(bytes.clone()),
            Location::File(path) => {
                let size = std::fs::metadata(path)
                    .map_err(|err| err.to_string())?
                    .len();
                if size > max_bytes {
                    return Err(too_large(size));
                }
                std::fs::read(path)
                    .map(Arc::new)
                    .map_err(|err| err.to_string())
            }
            Location::ZipEntry { archive, index } => {
                let file = File::open(archive).map_err(|err| err.to_string())?;
                let mut zip = zip::ZipArchive::new(file).map_err(|err| err.to_string())?;
                let entry = zip.by_index(*index).map_err(|err| err.to_string())?;
                if entry.size() > max_bytes {
                    return Err(too_large(entry.size()));
                }
                // The declared size may lie (a zip bomb): never read past the limit.
                let mut bytes = Vec::with_capacity(entry.size() as usize);
                entry
                    .take(max_bytes + 1)
                    .read_to_end(&mut bytes)
                    .map_err(|err| err.to_string())?;
                if bytes.len() as u64 > max_bytes {
                    return Err(too_large(bytes.len() as u64));
                }
                Ok(Arc::new(bytes))
            }
        }
    }
}

/// Lists the candidate files under each path: a file, a folder (recursively, in name order),
/// or a zip archive (each entry). Paths that cannot be listed are refused.
pub fn collect(paths: &[PathBuf]) -> (Vec<Source>, Vec<Refusal>) {
    let mut sources = Vec::new();
    let mut refused = Vec::new();
    for path in paths {
        if path.is_dir() {
            for entry in walkdir::WalkDir::new(path).sort_by_file_name() {
                match entry {
                    Ok(entry) if entry.file_type().is_file() => {
                        add_file(entry.path(), &mut sources, &mut refused)
                    }
                    Ok(_) => {}
                    Err(err) => refused.push(Refusal::new(path.display(), err.to_string())),
                }
            }
        } else if path.is_file() {
            add_file(path, &mut sources, &mut refused);
        } else {
            refused.push(Refusal::new(path.display(), "no such file or folder"));
        }
    }
    (sources, refused)
}

fn add_file(path: &Path, sources: &mut Vec<Source>, refused: &mut Vec<Refusal>) {
    if !is_zip(path) {
        sources.push(Source {
            origin: path.display().to_string(),
            location: Location::File(path.to_owned()),
        });
        return;
    }
    let archive = File::open(path)
        .map_err(|err| err.to_string())
        .and_then(|file| {
            zip::ZipArchive::new(file).map_err(|err| format!("unreadable zip archive: {err}"))
        });
    let mut archive = match archive {
        Ok(archive) => archive,
        Err(reason) => return refused.push(Refusal::new(path.display(), reason)),
    };
    for index in 0..archive.len() {
        let Ok(entry) = archive.by_index(index) else {
            refused.push(Refusal::new(
                format!("{}!#{index}", path.display()),
                "unreadable zip entry",
            ));
            continue;
        };
        if entry.is_file() {
            sources.push(Source {
                origin: format!("{}!{}", path.display(), entry.name_raw().escape_ascii()),
                location: Location::ZipEntry {
                    archive: path.to_owned(),
                    index,
                },
            });
        }
    }
}

/// A zip archive by its signature, whatever its name.
fn is_zip(path: &Path) -> bool {
    let mut signature = [0u8; 4];
    File::open(path)
        .and_then(|mut file| file.read_exact(&mut signature))
        .map(|()| signature == *b"PK\x03\x04")
        .unwrap_or(false)
}
