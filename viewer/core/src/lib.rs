//! Everything Readroom's image viewer decides, as plain Rust that is tested natively: where
//! pixels lie in the patient, layouts and the hanging protocol, each viewport's state and its
//! screen ↔ image transform, linked scrolling and the crosshair, measurements and ROI
//! statistics, lesion markers and overlays, the input state machine and its keymap, DCE cine,
//! the order frames are loaded in, and the [`Scene`] the renderer draws. The CPU reference
//! rendering here defines the pixels the GPU must produce.
//!
//! This crate must never touch the GPU, the DOM or the network, and never be async: the
//! renderer (wgpu) only draws a [`Scene`] built here, and the web crate only turns browser
//! events into [`InputEvent`]s, fetches the frames [`load_plan`] asks for, and passes on the
//! [`ViewerEvent`]s. It builds natively and for `wasm32-unknown-unknown`.

pub mod cine;
pub mod cpu_reference;
pub mod geometry;
pub mod input;
pub mod keymap;
pub mod layout;
pub mod linking;
pub mod load_plan;
pub mod markers;
pub mod measure;
pub mod mesh;
pub mod overlays;
pub mod scene;
pub mod screen;
pub mod series;
pub mod units;
pub mod vector;
pub mod viewer;
pub mod viewport;
pub mod voxels;

#[cfg(test)]
mod test_support;

pub use geometry::{EdgeLabels, GeometryError, ImagePoint, StackGeometry};
pub use input::{Action, InputEvent, InputState, Tool};
pub use keymap::{Command, KeyChord, Keymap};
pub use layout::{Hanging, Layout};
pub use scene::Scene;
pub use screen::{Rect, ScreenPoint};
pub use series::Series;
pub use viewer::{Viewer, ViewerEvent};
pub use viewport::{Interpolation, ViewTransform, ViewportState, Window};
pub use voxels::VoxelStore;
