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

impl ImageLayer {
    /// The part of `viewport` whose pixels can show the image: the canvas pixels around the
    /// image's corners, one pixel wider on each side than the corners need, so that a pixel
    /// whose centre falls on the image is never left out. `None` when the image is off the
    /// viewport or the transform is degenerate. The renderer shades only these pixels; the rest
    /// of the viewport is background, as [`crate::cpu_reference`] draws it.
    pub fn screen_bounds(&self, viewport: Rect) -> Option<Rect> {
        let [a, b, c, d, e, f] = self.image_from_screen.map(f64::from);
        let determinant = a * e - b * d;
        if determinant.abs() < 1e-12 || !determinant.is_finite() {
            return None;
        }
        // Screen from image: the inverse of the affine map.
        let screen = |column: f64, row: f64| {
            let (u, v) = (column - c, row - f);
            ((e * u - b * v) / determinant, (a * v - d * u) / determinant)
        };
        let (right, bottom) = (f64::from(self.columns) - 0.5, f64::from(self.rows) - 0.5);
        let corners = [
            screen(-0.5, -0.5),
            screen(right, -0.5),
            screen(-0.5, bottom),
            screen(right, bottom),
        ];
        let xs = corners.map(|(x, _)| x);
        let ys = corners.map(|(_, y)| y);
        let min = |values: [f64; 4]| values.into_iter().fold(f64::INFINITY, f64::min);
        let max = |values: [f64; 4]| values.into_iter().fold(f64::NEG_INFINITY, f64::max);
        let (x0, y0) = (f64::from(viewport.x), f64::from(viewport.y));
        let (x1, y1) = (
            x0 + f64::from(viewport.width),
            y0 + f64::from(viewport.height),
        );
        let left = (min(xs).floor() - 1.0).clamp(x0, x1);
        let top = (min(ys).floor() - 1.0).clamp(y0, y1);
        let right = (max(xs).ceil() + 1.0).clamp(x0, x1);
        let bottom = (max(ys).ceil() + 1.0).clamp(y0, y1);
        (right > left && bottom > top).then_some(Rect {
            x: left as u32,
            y: top as u32,
            width: (right - left) as u32,
            height: (bottom - top) as u32,
        })
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn layer(image_from_screen: [f32; 6]) -> ImageLayer {
        ImageLayer {
            series_uid: "s".into(),
            frame_index: 0,
            columns: 7,
            rows: 5,
            signed: false,
            image_from_screen,
            rescale_slope: 1.0,
            rescale_intercept: 0.0,
            window_low: 0.0,
            window_inverse_width: 1.0,
            invert: false,
            interpolation: Interpolation::Bilinear,
        }
    }

    /// Every pixel whose centre falls on the image lies inside the bounds, whatever the zoom,
    /// pan, flip or rotation.
    #[test]
    fn screen_bounds_hold_every_pixel_that_shows_the_image() {
        let viewport = Rect {
            x: 10,
            y: 20,
            width: 60,
            height: 40,
        };
        let transforms = [
            [0.25, 0.0, -3.0, 0.0, 0.25, -6.0],
            [-0.3, 0.0, 20.0, 0.0, 0.2, -5.0],
            [0.0, 0.2, -5.0, 0.3, 0.0, -4.0],
            [0.15, 0.1, -8.0, -0.1, 0.15, 3.0],
            [2.0, 0.0, -30.0, 0.0, 2.0, -50.0],
        ];
        for m in transforms {
            let layer = layer(m);
            let bounds = layer.screen_bounds(viewport).expect("image in view");
            let mut shown = 0;
            for y in viewport.y..viewport.y + viewport.height {
                for x in viewport.x..viewport.x + viewport.width {
                    let (px, py) = (x as f32 + 0.5, y as f32 + 0.5);
                    let column = m[0] * px + m[1] * py + m[2];
                    let row = m[3] * px + m[4] * py + m[5];
                    let on_image = column >= -0.5 && row >= -0.5 && column < 6.5 && row < 4.5;
                    if on_image {
                        shown += 1;
                        assert!(
                            bounds.contains(crate::screen::ScreenPoint::new(px.into(), py.into())),
                            "{m:?}: pixel ({x}, {y}) shows the image but is outside {bounds:?}"
                        );
                    }
                }
            }
            assert!(shown > 0, "{m:?} shows nothing: a vacuous case");
            assert!(
                bounds.x >= viewport.x && bounds.y >= viewport.y,
                "{bounds:?} outside {viewport:?}"
            );
        }
        assert_eq!(layer([0.0; 6]).screen_bounds(viewport), None);
    }
}
