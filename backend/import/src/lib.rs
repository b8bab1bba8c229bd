//! The import pipeline: DICOM files, folders and zip archives in; anonymised, viewer-ready
//! studies out, each stored whole or not at all.
//!
//! For each study: every file is read and checked against limits, anonymised (PS3.15 Annex E),
//! decoded, grouped into series and prepared for the viewer; then its objects are written and
//! its rows committed in one transaction. Any failure refuses the whole study with a reason
//! and removes what was written. Objects of a study whose transaction never committed (a
//! crash) are removed by [`Importer::remove_uncommitted`]. This crate never stores or reports
//! a source identifier: only the origin paths the caller gave, in refusals.
//!
//! [`Importer::import_paths`] (and what is run through [`Importer::recorded`]) is recorded in
//! the store as an import run: begun when it starts, then finished with its summary and
//! refusals, or failed with its error, for the administrator to see.

mod prepare;
mod sources;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use futures::{StreamExt, TryStreamExt};
use rand::Rng;
use rayon::prelude::*;
use readroom_dicom::{Anonymiser, FileParts, Frame, Instance, Limits};
use readroom_domain::{CaseManifest, TruthManifest};
use readroom_store::{
    ImportCounts, NewCase, NewInstance, NewSeries, NewStudy, ObjectStorage, Store, StoreError,
};
use serde::Serialize;

pub use prepare::{Prepared, SeriesLabel, prepare_series, prepare_stacks};
pub use sources::{Source, collect};

/// A file (or a manifest entry) that was not imported, and why: as the store keeps it.
pub use readroom_store::ImportRefusal as Refusal;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub studies: usize,
    pub series: usize,
    pub images: usize,
}

/// The outcome of one import, as printed at the end (and as `--json`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    pub imported: Counts,
    /// Studies that were already stored: importing them again changed nothing.
    pub unchanged_studies: usize,
    /// Studies that became cases (truth attached).
    pub cases: usize,
    pub refused: Vec<Refusal>,
    /// Bytes of DICOM read.
    pub bytes_read: u64,
}

impl ImportSummary {
    pub fn merge(&mut self, other: ImportSummary) {
        self.imported.studies += other.imported.studies;
        self.imported.series += other.imported.series;
        self.imported.images += other.imported.images;
        self.unchanged_studies += other.unchanged_studies;
        self.cases += other.cases;
        self.refused.extend(other.refused);
        self.bytes_read += other.bytes_read;
    }
}

/// Progress as the import goes: for a progress bar.
pub trait Progress: Sync {
    /// The number of files found, once listed.
    fn files(&self, _total: usize) {}
    /// One more file scanned or imported.
    fn advance(&self, _files: usize) {}
}

impl Progress for () {}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Debug, Clone)]
pub struct Importer {
    store: Store,
    objects: ObjectStorage,
    anonymiser: Arc<Anonymiser>,
    limits: Limits,
}

/// How many bytes of parsed files the first pass keeps for the second, rather than reading
/// and parsing them again.
const KEEP_PARSED_BYTES: u64 = 1 << 30;

/// How many studies are imported at once.
const STUDIES_AT_ONCE: usize = 2;

/// How many objects are written at once.
const PARALLEL_WRITES: usize = 16;

/// The setting that holds the installation's anonymisation secret.
const SECRET_KEY: &str = "anonymisation_secret";

impl Importer {
    /// An importer keyed by this installation's secret (created on first use).
    pub async fn new(store: Store, objects: ObjectStorage) -> Result<Importer, ImportError> {
        let secret = store
            .installation_value(SECRET_KEY, || {
                let mut bytes = [0u8; 32];
                rand::rng().fill_bytes(&mut bytes);
                hex::encode(bytes)
            })
            .await?;
        let secret: [u8; 32] = hex::decode(&secret)
            .ok()
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or_else(|| StoreError::Corrupt("the anonymisation secret is malformed".into()))?;
        Ok(Importer {
            store,
            objects,
            anonymiser: Arc::new(Anonymiser::new(secret)),
            limits: Limits::default(),
        })
    }

    /// Removes the objects of studies that were written but never committed.
    pub async fn remove_uncommitted(&self) -> Result<Vec<String>, ImportError> {
        let committed = self.store.study_uids().await?;
        Ok(self.objects.remove_studies_except(&committed).await?)
    }

    /// Marks the import runs that a crash left running as failed: for the start of `serve`,
    /// with [`Importer::remove_uncommitted`], when no import is under way. Returns how many.
    pub async fn close_interrupted_runs(&self) -> Result<u64, ImportError> {
        Ok(self
            .store
            .fail_unfinished_imports(
                "interrupted: the import never ended (the server started while it was running)",
            )
            .await?)
    }

    /// Imports files, folders and zip archives, with an optional truth manifest, as one
    /// recorded import run.
    pub async fn import_paths(
        &self,
        paths: &[PathBuf],
        manifest: Option<&TruthManifest>,
        progress: &dyn Progress,
    ) -> Result<ImportSummary, ImportError> {
        self.recorded(&describe_paths(paths, manifest), async {
            let (sources, refused) = collect(paths);
            let mut summary = self.import(sources, manifest, progress).await?;
            summary.refused.splice(0..0, refused);
            Ok(summary)
        })
        .await
    }

    /// Runs `import` as one import run that the store keeps for the administrator: begun
    /// before `import` starts, then finished with its summary, or failed with its error (which
    /// is returned as it was). `sources` says in a line what is imported.
    ///
    /// [`Importer::import`] is not recorded by itself, so that an import made of several calls
    /// (the demo bank, batch by batch) is one run.
    pub async fn recorded<E>(
        &self,
        sources: &str,
        import: impl Future<Output = Result<ImportSummary, E>>,
    ) -> Result<ImportSummary, E>
    where
        E: From<ImportError> + std::fmt::Display,
    {
        let run = self
            .store
            .begin_import(sources)
            .await
            .map_err(ImportError::from)?;
        match import.await {
            Ok(summary) => {
                let counts = run_counts(&summary);
                if let Err(err) = self
                    .store
                    .finish_import(&run, &counts, &summary.refused)
                    .await
                {
                    // So that the run does not show as running; should this fail too, the
                    // next `serve` start marks it failed.
                    let message = format!("its summary could not be stored: {err}");
                    let _ = self.store.fail_import(&run, &message).await;
                    return Err(ImportError::from(err).into());
                }
                Ok(summary)
            }
            Err(err) => {
                // The import's own error is the one to report; should recording it fail as
                // well, the next `serve` start marks the run failed.
                let _ = self.store.fail_import(&run, &format!("{err:#}")).await;
                Err(err)
            }
        }
    }

    /// Imports the given sources, study by study. Each study is stored whole or refused.
    /// Manifest entries whose study is neither given nor stored are refused. Not recorded as
    /// an import run: see [`Importer::recorded`].
    pub async fn import(
        &self,
        sources: Vec<Source>,
        manifest: Option<&TruthManifest>,
        progress: &dyn Progress,
    ) -> Result<ImportSummary, ImportError> {
        progress.files(sources.len() * 2);
        let mut summary = ImportSummary::default();

        // First pass: which study each file belongs to. Parsed files are kept for the second
        // pass up to a memory budget; beyond it they are read again, study by study.
        let scanned: Vec<Result<(String, Option<Parsed>), Unreadable>> = self
            .blocking(sources.clone(), move |this, sources| {
                let kept = AtomicU64::new(0);
                sources
                    .par_iter()
                    .map(|source| {
                        let bytes = source
                            .read(this.limits.max_file_bytes)
                            .map_err(|reason| (None, reason))?;
                        let instance = readroom_dicom::read_shared_instance(&bytes, &this.limits)
                            .map_err(|err| {
                            (readroom_dicom::sniff_study_uid(&bytes), err.to_string())
                        })?;
                        let size = bytes.len() as u64;
                        let study = instance.study_instance_uid().to_owned();
                        let keep =
                            kept.fetch_add(size, Ordering::Relaxed) + size <= KEEP_PARSED_BYTES;
                        Ok((study, keep.then_some(Parsed { instance, size })))
                    })
                    .collect()
            })
            .await;
        progress.advance(sources.len());
        // Good files by study, and refused files by the study they seem to belong to: such a
        // study is refused whole.
        let mut studies: BTreeMap<String, (Vec<Pending>, Vec<Refusal>)> = BTreeMap::new();
        for (source, scan) in sources.into_iter().zip(scanned) {
            match scan {
                Ok((study, parsed)) => studies
                    .entry(study)
                    .or_default()
                    .0
                    .push(Pending { source, parsed }),
                Err((Some(study), reason)) => studies
                    .entry(study)
                    .or_default()
                    .1
                    .push(Refusal::new(&source.origin, reason)),
                Err((None, reason)) => summary.refused.push(Refusal::new(&source.origin, reason)),
            }
        }

        let cases: HashMap<&str, &CaseManifest> = manifest
            .map(|m| {
                m.cases
                    .iter()
                    .map(|c| (c.study_instance_uid.as_str(), c))
                    .collect()
            })
            .unwrap_or_default();
        let seen_in_manifest: HashSet<String> = studies
            .keys()
            .filter(|study| cases.contains_key(study.as_str()))
            .cloned()
            .collect();
        // Two studies at a time: one's files are written while the other's are decoded. The
        // next starts as soon as either is done, not when the earlier of the two is.
        let mut results: Vec<(usize, Result<ImportSummary, ImportError>)> =
            futures::stream::iter(studies.into_iter().enumerate())
                .map(|(index, (source_study, (files, broken)))| {
                    let case = cases.get(source_study.as_str()).copied();
                    async move {
                        let count = files.len();
                        let result = self.import_study(&source_study, files, broken, case).await;
                        progress.advance(count);
                        (index, result)
                    }
                })
                .buffer_unordered(STUDIES_AT_ONCE)
                .collect()
                .await;
        // The summary lists studies in the order they were found, whichever finished first.
        results.sort_by_key(|(index, _)| *index);
        let results = results.into_iter().map(|(_, result)| result);
        for result in results {
            summary.merge(result?);
        }

        // Truth for studies imported earlier.
        for case in manifest.map(|m| m.cases.as_slice()).unwrap_or_default() {
            if seen_in_manifest.contains(&case.study_instance_uid) {
                continue;
            }
            let study_uid = self.anonymiser.replace_uid(&case.study_instance_uid);
            let origin = format!("truth manifest, case \"{}\"", case.title);
            if !self.store.study_exists(&study_uid).await? {
                summary.refused.push(Refusal::new(
                    origin,
                    "no such study among the files or in the case bank",
                ));
            } else if !self.store.case_exists_for_study(&study_uid).await? {
                self.store.attach_case(&study_uid, &new_case(case)).await?;
                summary.cases += 1;
            }
        }
        Ok(summary)
    }

    async fn import_study(
        &self,
        source_study: &str,
        files: Vec<Pending>,
        broken: Vec<Refusal>,
        case: Option<&CaseManifest>,
    ) -> Result<ImportSummary, ImportError> {
        let mut summary = ImportSummary::default();
        let study_uid = self.anonymiser.replace_uid(source_study);
        if self.store.study_exists(&study_uid).await? {
            summary.refused = broken;
            summary
                .refused
                .extend(self.images_not_in(&study_uid, files).await?);
            summary.unchanged_studies = 1;
            if let Some(case) = case
                && !self.store.case_exists_for_study(&study_uid).await?
            {
                self.store.attach_case(&study_uid, &new_case(case)).await?;
                summary.cases = 1;
            }
            return Ok(summary);
        }

        let mut origins: Vec<String> = files.iter().map(|f| f.source.origin.clone()).collect();
        origins.extend(broken.iter().take(1).map(|refusal| refusal.path.clone()));
        let refuse_all = |summary: &mut ImportSummary, culprit: &str, reason: &str| {
            for origin in &origins {
                let reason = if origin == culprit {
                    reason.to_owned()
                } else {
                    format!("its study was not imported: {culprit}: {reason}")
                };
                summary.refused.push(Refusal::new(origin, reason));
            }
        };

        if let Some(culprit) = broken.first() {
            refuse_all(&mut summary, &culprit.path, &culprit.reason);
            summary.refused.extend(broken.iter().skip(1).cloned());
            return Ok(summary);
        }
        let study = self
            .blocking((study_uid.clone(), files), |this, (study_uid, files)| {
                this.build_study(&study_uid, files)
            })
            .await;
        let built = match study {
            Ok(built) => built,
            Err(Refusal { path, reason }) => {
                refuse_all(&mut summary, &path, &reason);
                return Ok(summary);
            }
        };
        summary.bytes_read = built.bytes_read;

        let prefix = ObjectStorage::study_prefix(&study_uid);
        let stored = async {
            // Written several at a time: the filesystem's per-file cost dominates otherwise.
            futures::stream::iter(built.objects)
                .map(|(key, parts)| async move { self.objects.put_parts(&key, parts).await })
                .buffer_unordered(PARALLEL_WRITES)
                .try_collect::<Vec<()>>()
                .await?;
            let new_study = NewStudy {
                uid: study_uid.clone(),
                description: case.map_or_else(|| "Imported study".to_owned(), |c| c.title.clone()),
                series: built.series,
                case: case.map(new_case),
            };
            self.store.insert_study(&new_study).await?;
            Ok::<_, StoreError>(new_study)
        }
        .await;
        match stored {
            Ok(study) => {
                summary.imported = Counts {
                    studies: 1,
                    series: study.series.len(),
                    images: study.series.iter().map(|s| s.instances.len()).sum(),
                };
                summary.cases = usize::from(study.case.is_some());
            }
            // Another import stored the same study meanwhile: its objects are the ones just
            // written (the same bytes), so they stay.
            Err(StoreError::Conflict(_)) => summary.unchanged_studies = 1,
            Err(err) => {
                // Nothing of the study may stay behind. A failure here too is left to
                // `remove_uncommitted` at the next start.
                let _ = self.objects.delete_prefix(&prefix).await;
                let culprit = origins.first().cloned().unwrap_or_default();
                refuse_all(
                    &mut summary,
                    &culprit,
                    &format!("cannot store the study: {err}"),
                );
            }
        }
        Ok(summary)
    }

    /// Refusals for the files of a stored study that it does not hold: a stored study is
    /// never changed, so images are not added to it.
    async fn images_not_in(
        &self,
        study_uid: &str,
        files: Vec<Pending>,
    ) -> Result<Vec<Refusal>, ImportError> {
        let stored: HashSet<String> = self
            .store
            .study_instances(study_uid)
            .await?
            .into_iter()
            .map(|i| i.uid)
            .collect();
        Ok(self
            .blocking(files, move |this, files| {
                files
                    .into_par_iter()
                    .filter_map(|Pending { source, parsed }| {
                        let source_uid = match parsed {
                            Some(parsed) => parsed.instance.sop_instance_uid().to_owned(),
                            None => {
                                let bytes = source.read(this.limits.max_file_bytes).ok()?;
                                let instance = readroom_dicom::read_shared_instance(&bytes, &this.limits).ok()?;
                                instance.sop_instance_uid().to_owned()
                            }
                        };
                        (!stored.contains(&this.anonymiser.replace_uid(&source_uid))).then(|| {
                            Refusal::new(
                                &source.origin,
                                "its study is already in the case bank without this image, and a stored study is never changed",
                            )
                        })
                    })
                    .collect()
            })
            .await)
    }

    /// Reads, anonymises, decodes and prepares one study's files (CPU work, on rayon).
    fn build_study(&self, study_uid: &str, files: Vec<Pending>) -> Result<BuiltStudy, Refusal> {
        let instances: Vec<ReadInstance> = files
            .into_par_iter()
            .map(|Pending { source, parsed }| {
                let refuse = |reason: String| Refusal::new(&source.origin, reason);
                let Parsed { mut instance, size } = match parsed {
                    Some(parsed) => parsed,
                    None => {
                        let bytes = source.read(self.limits.max_file_bytes).map_err(refuse)?;
                        let instance = readroom_dicom::read_shared_instance(&bytes, &self.limits)
                            .map_err(|e| refuse(e.to_string()))?;
                        Parsed {
                            instance,
                            size: bytes.len() as u64,
                        }
                    }
                };
                let info = instance.series_info();
                let frames = instance
                    .decode(&self.limits)
                    .map_err(|e| refuse(e.to_string()))?;
                instance
                    .anonymise(&self.anonymiser)
                    .map_err(|e| refuse(e.to_string()))?;
                let label = SeriesLabel {
                    uid: instance.series_instance_uid().to_owned(),
                    number: info.series_number.map(i64::from),
                    modality: info.modality.clone().unwrap_or_else(|| "OT".to_owned()),
                    // Only to tell T2W from DWI or ADC; never stored.
                    source_description: [
                        info.series_description.as_deref().unwrap_or_default(),
                        info.protocol_name.as_deref().unwrap_or_default(),
                        &info.image_type.join("\\"),
                    ]
                    .join(" "),
                    diffusion_b_value: info.b_value,
                    // Replaced as the profile replaces it in the file.
                    frame_of_reference_uid: info
                        .frame_of_reference_uid
                        .as_deref()
                        .map(|uid| self.anonymiser.replace_uid(uid)),
                };
                let file = instance
                    .to_file_parts()
                    .map_err(|e| refuse(e.to_string()))?;
                Ok((source.origin.clone(), size, instance, label, frames, file))
            })
            .collect::<Result<_, Refusal>>()?;

        let bytes_read = instances.iter().map(|i| i.1).sum();
        // Per series: its label, the origin of its first file (for messages), its frames with
        // the instance each came from, its instances, and their files (the pack, in parts).
        type SeriesParts = (
            SeriesLabel,
            String,
            Vec<(usize, Frame)>,
            Vec<NewInstance>,
            Vec<Bytes>,
        );
        let mut by_series: BTreeMap<String, SeriesParts> = BTreeMap::new();
        let mut seen = HashSet::new();
        for (origin, _, instance, label, frames, file) in instances {
            if instance.study_instance_uid() != study_uid {
                return Err(Refusal::new(
                    origin,
                    "the file changed while it was imported",
                ));
            }
            // The same image given twice (a folder and a zip of it) is stored once.
            if !seen.insert(instance.sop_instance_uid().to_owned()) {
                continue;
            }
            let (_, _, series_frames, series_instances, pack) = by_series
                .entry(label.uid.clone())
                .or_insert_with(|| (label, origin, Vec::new(), Vec::new(), Vec::new()));
            let position = series_instances.len();
            series_frames.extend(frames.into_iter().map(|frame| (position, frame)));
            series_instances.push(NewInstance {
                uid: instance.sop_instance_uid().to_owned(),
                object_key: String::new(), // once the pack is complete, below
                offset: series_instances
                    .last()
                    .map_or(0, |last| last.offset + last.bytes),
                bytes: file.len() as u64,
            });
            // Written back to back by the object storage, never copied into one buffer; pixel
            // data straight from the source's bytes.
            pack.push(Bytes::from(file.head));
            pack.extend(file.pixel_data.map(Bytes::from_owner));
        }

        // Object keys name their content, so that two imports of one study can never write
        // different bytes under the same key.
        let mut objects = Vec::new();
        for (series_uid, (_, _, _, instances, pack)) in &mut by_series {
            let mut content = blake3::Hasher::new();
            for instance in instances.iter() {
                content.update(instance.uid.as_bytes());
                content.update(&instance.bytes.to_le_bytes());
            }
            let key =
                ObjectStorage::dicom_pack_key(study_uid, series_uid, &content.finalize().to_hex());
            for instance in instances.iter_mut() {
                instance.object_key = key.clone();
            }
            objects.push((key, std::mem::take(pack)));
        }
        let prepared: Vec<Vec<(Prepared, Vec<NewInstance>)>> = by_series
            .into_par_iter()
            .map(|(_, (label, origin, frames, instances, _))| {
                prepare_stacks(&label, frames, instances).map_err(|reason| {
                    Refusal::new(origin, format!("its series cannot be prepared: {reason}"))
                })
            })
            .collect::<Result<_, _>>()?;
        let prepared = prepared.into_iter().flatten();
        let mut series = Vec::new();
        for (prepared, instances) in prepared {
            objects.push((
                ObjectStorage::voxels_key(study_uid, &prepared.series),
                prepared.voxels.into_iter().map(Bytes::from).collect(),
            ));
            objects.push((
                ObjectStorage::thumbnail_key(study_uid, &prepared.series),
                vec![Bytes::from(prepared.thumbnail_png)],
            ));
            series.push(NewSeries {
                prepared: prepared.series,
                instances,
            });
        }
        Ok(BuiltStudy {
            series,
            objects,
            bytes_read,
        })
    }

    /// Runs CPU-bound work off the async runtime.
    async fn blocking<T: Send + 'static, R: Send + 'static>(
        &self,
        input: T,
        work: impl FnOnce(&Importer, T) -> R + Send + 'static,
    ) -> R {
        let this = self.clone();
        match tokio::task::spawn_blocking(move || work(&this, input)).await {
            Ok(result) => result,
            // A panic in import code is a bug; surface it where it happened.
            Err(err) => std::panic::resume_unwind(err.into_panic()),
        }
    }
}

/// Why a file could not be read, and the study it seems to belong to (when that can be told).
type Unreadable = (Option<String>, String);

/// A file of a study waiting for import: parsed already, or to be read again.
struct Pending {
    source: Source,
    parsed: Option<Parsed>,
}

struct Parsed {
    instance: Instance,
    size: u64,
}

/// One file of a study, read: its origin, size, anonymised instance, series label, frames and
/// anonymised Part 10 file.
type ReadInstance = (String, u64, Instance, SeriesLabel, Vec<Frame>, FileParts);

struct BuiltStudy {
    series: Vec<NewSeries>,
    /// Each object's key and its bytes, in parts to be written back to back.
    objects: Vec<(String, Vec<Bytes>)>,
    bytes_read: u64,
}

/// What an import of `paths` and `manifest` is, in a line: the first few paths, how many
/// more, and the manifest's number of cases.
fn describe_paths(paths: &[PathBuf], manifest: Option<&TruthManifest>) -> String {
    const NAMED: usize = 3;
    let mut parts: Vec<String> = paths
        .iter()
        .take(NAMED)
        .map(|path| path.display().to_string())
        .collect();
    if paths.len() > NAMED {
        parts.push(format!("and {} more", paths.len() - NAMED));
    }
    let mut line = parts.join(", ");
    if let Some(manifest) = manifest {
        let cases = manifest.cases.len();
        let truth = format!(
            "a truth manifest of {cases} case{}",
            if cases == 1 { "" } else { "s" }
        );
        line = if line.is_empty() {
            truth
        } else {
            format!("{line}, with {truth}")
        };
    }
    line
}

/// The store's counts of a finished run.
fn run_counts(summary: &ImportSummary) -> ImportCounts {
    let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
    ImportCounts {
        studies: count(summary.imported.studies),
        series: count(summary.imported.series),
        images: count(summary.imported.images),
        cases: count(summary.cases),
        unchanged_studies: count(summary.unchanged_studies),
        bytes_read: i64::try_from(summary.bytes_read).unwrap_or(i64::MAX),
    }
}

fn new_case(case: &CaseManifest) -> NewCase {
    NewCase {
        title: case.title.clone(),
        synthetic: case.synthetic,
        significant_from_isup: case.significant_from_isup,
        clinical: case.clinical.clone(),
        lesions: case.lesions.clone(),
        teaching_notes: case.teaching_notes.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_is_described_by_its_first_paths_and_its_manifest() {
        let manifest = |cases: usize| TruthManifest {
            cases: vec![
                CaseManifest {
                    study_instance_uid: "1.2.3".into(),
                    title: "A case".into(),
                    synthetic: false,
                    significant_from_isup: 2,
                    clinical: Default::default(),
                    lesions: Vec::new(),
                    teaching_notes: None,
                };
                cases
            ],
        };
        let paths = |names: &[&str]| names.iter().map(PathBuf::from).collect::<Vec<_>>();
        for (paths, manifest, expected) in [
            (paths(&["/data/a"]), None, "/data/a"),
            (
                paths(&["/data/a", "b.zip"]),
                Some(manifest(1)),
                "/data/a, b.zip, with a truth manifest of 1 case",
            ),
            (
                paths(&["a", "b", "c", "d", "e"]),
                None,
                "a, b, c, and 2 more",
            ),
            (paths(&[]), Some(manifest(3)), "a truth manifest of 3 cases"),
        ] {
            assert_eq!(describe_paths(&paths, manifest.as_ref()), expected);
        }
    }
}
