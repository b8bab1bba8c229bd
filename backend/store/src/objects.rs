//! Image storage: anonymised DICOM files, prepared voxels and thumbnails, behind one interface.
//!
//! Keys are laid out by study (`studies/<study uid>/…`) so that a study's objects can be
//! removed together when its import does not commit.

use std::collections::HashSet;
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use futures::TryStreamExt;
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use readroom_domain::PreparedSeries;

use crate::{Result, StoreError};

#[derive(Debug, Clone)]
pub struct ObjectStorage {
    inner: Arc<dyn ObjectStore>,
}

impl ObjectStorage {
    /// Objects as files under `root`, created if missing.
    pub fn local(root: &Path) -> Result<ObjectStorage> {
        std::fs::create_dir_all(root).map_err(|err| {
            StoreError::Invalid(format!(
                "cannot create image folder {}: {err}",
                root.display()
            ))
        })?;
        let local = LocalFileSystem::new_with_prefix(root)?.with_automatic_cleanup(true);
        Ok(ObjectStorage::new(Arc::new(local)))
    }

    pub fn new(inner: Arc<dyn ObjectStore>) -> ObjectStorage {
        ObjectStorage { inner }
    }

    pub fn study_prefix(study_uid: &str) -> String {
        format!("studies/{study_uid}")
    }

    /// The anonymised DICOM Part 10 files of a series, back to back (see the instances table).
    /// `content` tells packs of different content apart.
    pub fn dicom_pack_key(study_uid: &str, series_uid: &str, content: &str) -> String {
        format!("studies/{study_uid}/dicom/{series_uid}/{content}.dcm-pack")
    }

    /// The prepared voxels of a series: one zstd frame per image, back to back.
    pub fn voxels_key(study_uid: &str, series: &PreparedSeries) -> String {
        format!(
            "studies/{study_uid}/series/{}/{}.voxels.zst",
            series.uid, series.voxels_hash
        )
    }

    /// The thumbnail, made from the voxels: named by them too.
    pub fn thumbnail_key(study_uid: &str, series: &PreparedSeries) -> String {
        format!(
            "studies/{study_uid}/series/{}/{}.thumbnail.png",
            series.uid, series.voxels_hash
        )
    }

    pub async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<()> {
        self.put_parts(key, vec![Bytes::from(bytes)]).await
    }

    /// Stores the parts back to back as one object, without first copying them into one buffer.
    pub async fn put_parts(&self, key: &str, parts: Vec<Bytes>) -> Result<()> {
        let payload: PutPayload = parts.into_iter().collect();
        self.inner.put(&ObjectPath::from(key), payload).await?;
        Ok(())
    }

    pub async fn get(&self, key: &str) -> Result<Bytes> {
        Ok(self
            .inner
            .get(&ObjectPath::from(key))
            .await?
            .bytes()
            .await?)
    }

    pub async fn get_range(&self, key: &str, range: Range<u64>) -> Result<Bytes> {
        Ok(self.inner.get_range(&ObjectPath::from(key), range).await?)
    }

    /// Removes every object under `prefix`.
    pub async fn delete_prefix(&self, prefix: &str) -> Result<()> {
        let prefix = ObjectPath::from(prefix);
        let keys: Vec<ObjectPath> = self
            .inner
            .list(Some(&prefix))
            .map_ok(|meta| meta.location)
            .try_collect()
            .await?;
        for key in keys {
            self.inner.delete(&key).await?;
        }
        Ok(())
    }

    /// Removes the objects of every study not in `kept`: what an import that crashed before
    /// committing left behind. Returns the studies removed.
    pub async fn remove_studies_except(&self, kept: &[String]) -> Result<Vec<String>> {
        let kept: HashSet<&str> = kept.iter().map(String::as_str).collect();
        let listing = self
            .inner
            .list_with_delimiter(Some(&ObjectPath::from("studies")))
            .await?;
        let mut removed = Vec::new();
        for prefix in listing.common_prefixes {
            let Some(study) = prefix.filename() else {
                continue;
            };
            if !kept.contains(study) {
                removed.push(study.to_owned());
                self.delete_prefix(prefix.as_ref()).await?;
            }
        }
        Ok(removed)
    }
}
