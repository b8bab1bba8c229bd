//! The browser binding of Readroom's viewer: a `<canvas>` drawn by `readroom-viewer-render`,
//! DOM input turned into viewer-core input events, frames fetched from the server in the order
//! viewer-core asks for, and the JavaScript API the page uses (`ReadroomViewer`, typed by the
//! `.d.ts` wasm-bindgen writes).
//!
//! Everything is for `wasm32-unknown-unknown`; natively the crate is empty, so that the
//! workspace builds and lints everywhere. `cargo xtask web` builds it and runs wasm-bindgen.

#[cfg(target_arch = "wasm32")]
#[allow(unsafe_code)]
mod browser;
