//! Readroom's domain model: the PI-RADS v2.1 sector map, histology-verified truth, the case
//! manifest an administrator imports beside the images, the structured report a reader files,
//! prepared series and roles.
//!
//! This crate is pure: no IO (beyond reading the one manifest file a caller names), no async,
//! no database and no DICOM. Everything here is checked with plain unit tests, and the other
//! crates speak in these types.

pub mod account;
pub mod manifest;
pub mod report;
pub mod sector;
pub mod series;

pub use account::{Role, UnknownRole, User};
pub use manifest::{
    CaseManifest, ClinicalContext, ManifestError, TruthLesion, TruthManifest, Zone,
};
pub use report::{Completeness, Dce, FieldError, MarkedPoint, Report, ReportedLesion};
pub use sector::{Level, Sector, SectorRegion, Side};
pub use series::{PixelFormat, PreparedFrame, PreparedSeries, SeriesKind, WindowPreset};
