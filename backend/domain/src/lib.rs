//! Readroom's domain model: the PI-RADS v2.1 sector map, histology-verified truth and the
//! case manifest an administrator imports beside the images.
//!
//! This crate is pure: no IO, no async, no database and no DICOM. Everything here can be
//! checked with plain unit tests, and every other crate speaks in these types.

pub mod manifest;
pub mod sector;

pub use manifest::{CaseManifest, ClinicalContext, ManifestError, TruthLesion, TruthManifest, Zone};
pub use sector::{Level, Sector, Side, SectorRegion};
