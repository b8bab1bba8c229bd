//! The scene: everything the renderer draws for one frame, decided here. The renderer turns
//! it into pixels and decides nothing: not what is visible, not where, not in which colour.
//!
//! Positions are canvas device pixels (see [`crate::screen`]); shapes and text belong to the
//! viewport they are listed under and are clipped to its rectangle.

use serde::{Deserialize, Serialize};

use crate::keymap::HelpEntry;
use crate::screen::{Rect, ScreenPoint};
use crate::viewport::Interpolation;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scene {
    pub width: u32,
    pub height: u32,
    /// Canvas pixels per font pixel and line widths in pixels: the device pixel ratio, rounded.
    pub text_scale: u32,
    pub viewports: Vec<ViewportScene>,
    /// The help overlay, drawn over the whole canvas when shown.
    pub help: Option<Vec<HelpEntry>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ViewportScene {
    pub rect: Rect,
    /// The viewport keys act on: drawn with a highlighted border.
    pub active: bool,
    /// `None` while the frame in view has not arrived (or the viewport is empty).
    pub image: Option<ImageLayer>,
    /// The fraction of the viewport's series loaded, while it is still loading.
    pub loading: Option<f32>,
    pub shapes: Vec<Shape>,
    pub texts: Vec<Text>,
}

/// One frame drawn into a viewport, with everything the shader needs. The pixel pipeline is
/// defined by [`crate::cpu_reference`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageLayer {
    pub series_uid: String,
    /// The frame's index in the series (phase by phase, slice by slice).
    pub frame_index: usize,
    pub columns: u32,
    pub rows: u32,
    /// Stored words are two's-complement 16-bit values (`PixelFormat::I16`).
    pub signed: bool,
    /// Canvas to image coordinates: `column = m[0]·x + m[1]·y + m[2]`,
    /// `row = m[3]·x + m[4]·y + m[5]`.
    pub image_from_screen: [f32; 6],
    pub rescale_slope: f32,
    pub rescale_intercept: f32,
    /// The window as the shader uses it: `center − width / 2` and `1 / width`, each computed
    /// in f64 and rounded once to f32, so that the shader needs no division.
    pub window_low: f32,
    pub window_inverse_width: f32,
    pub invert: bool,
    pub interpolation: Interpolation,
}

/// What an overlay item is, which fixes its colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Style {
    TraineeMarker,
    /// The marker last placed or moved, which Delete removes.
    SelectedMarker,
    TrueLesion,
    ExpertMark,
    Measurement,
    Crosshair,
    /// Orientation letters, slice and window readouts, the help.
    Annotation,
    ActiveBorder,
}

impl Style {
    /// Straight (not premultiplied) RGBA. Markers, truth and expert marks differ in hue and
    /// also in shape (a numbered cross, a circle, a diamond), so they stay distinguishable for
    /// colour-blind readers.
    pub fn colour(self) -> [u8; 4] {
        match self {
            Style::TraineeMarker => [255, 214, 0, 255],
            Style::SelectedMarker => [255, 140, 0, 255],
            Style::TrueLesion => [0, 220, 90, 255],
            Style::ExpertMark => [0, 190, 255, 255],
            Style::Measurement => [255, 255, 120, 255],
            Style::Crosshair => [255, 60, 60, 200],
            Style::Annotation => [230, 230, 230, 255],
            Style::ActiveBorder => [80, 160, 255, 255],
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "shape", rename_all = "snake_case")]
pub enum Shape {
    Line {
        from: ScreenPoint,
        to: ScreenPoint,
        style: Style,
    },
    Circle {
        centre: ScreenPoint,
        radius: f64,
        style: Style,
    },
    Polyline {
        points: Vec<ScreenPoint>,
        closed: bool,
        style: Style,
    },
    /// A trainee marker: a cross with its number beside it.
    Marker {
        at: ScreenPoint,
        number: u32,
        style: Style,
    },
    /// An expert's pinned mark: a diamond, with its label.
    Diamond {
        at: ScreenPoint,
        label: String,
        style: Style,
    },
    /// Horizontal and vertical lines through a point, across the whole viewport.
    Crosshair { at: ScreenPoint, style: Style },
}

/// Where a text's anchor point is on the text's box.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Anchor {
    TopLeft,
    TopCentre,
    TopRight,
    CentreLeft,
    CentreRight,
    BottomLeft,
    BottomCentre,
    BottomRight,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Text {
    pub at: ScreenPoint,
    pub anchor: Anchor,
    pub text: String,
    pub style: Style,
}
