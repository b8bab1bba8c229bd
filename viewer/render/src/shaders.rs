//! The WGSL sources, embedded. Every file under `shaders/` must be listed here (a test checks),
//! so that the naga validation test sees every shader the renderer can load.

pub const IMAGE: &str = include_str!("../shaders/image.wgsl");
pub const OVERLAY: &str = include_str!("../shaders/overlay.wgsl");

/// File name and source of each shader.
pub const ALL: &[(&str, &str)] = &[("image.wgsl", IMAGE), ("overlay.wgsl", OVERLAY)];
