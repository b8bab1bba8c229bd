//! The reference rendering of images: the pixels the GPU renderer must produce, computed on the
//! CPU. The native rendering tests and the browser tests compare the GPU's output with this.
//!
//! For each canvas pixel `(i, j)` inside a viewport's rectangle, with its [`ImageLayer`], every
//! step in `f32` and evaluated exactly as written:
//!
//! 1. Sample position: `x = i + 0.5`, `y = j + 0.5` (the pixel centre; `@builtin(position)` in
//!    the shader), then `column = (m[0]·x + m[1]·y) + m[2]`, `row = (m[3]·x + m[4]·y) + m[5]`.
//! 2. Off the image — `column < −0.5`, `column ≥ columns − 0.5`, or likewise for rows — the
//!    pixel is the background, opaque black `(0, 0, 0, 255)`.
//! 3. Stored value of texel `(c, r)`: the word `w` as `f32`; for signed layers `w − 65536` when
//!    `w ≥ 32768`.
//!    - Nearest: `c = clamp(floor(column + 0.5), 0, columns − 1)`, likewise `r`; `v = raw(c, r)`.
//!    - Bilinear, on stored values: `c0 = floor(column)`, `fx = column − c0`, `c1 = c0 + 1`,
//!      likewise `r0, fy, r1`; the texel indices (not the weights) clamped to the image;
//!      `v = mix(mix(raw(c0, r0), raw(c1, r0), fx), mix(raw(c0, r1), raw(c1, r1), fx), fy)`
//!      with WGSL's `mix(a, b, t) = a·(1 − t) + b·t`.
//! 4. Rescale: `m = v·slope + intercept`.
//! 5. Window: `t = clamp((m − window_low) · window_inverse_width, 0, 1)`.
//! 6. Invert: `t = 1 − t` when the layer is inverted.
//! 7. Eight bits: `g = floor(t·255 + 0.5)`; the pixel is `(g, g, g, 255)`. The shader writes
//!    `g / 255` to an `Rgba8Unorm` target, which stores `g` exactly, so no conversion rounding
//!    of the target format is involved.
//!
//! Overlays ([`crate::mesh`]) are drawn after the images, batch by batch, clipped to the
//! batch's rectangle: a pixel is covered by a triangle when its centre is strictly inside it,
//! and its colour becomes `src·a + dst·(1 − a)` per channel (alpha stays 255), rounded to
//! eight bits. Edges exactly through a pixel centre are left to the GPU's tie rule, so tests
//! keep shapes' edges off pixel centres.
//!
//! The GPU matches this **within 1 LSB per channel**, not bit for bit: WGSL lets a compiler fuse
//! a multiply and an add (one rounding instead of two), so a value within a few ULP of a
//! rounding boundary in step 7 can land on the other side. Nearest sampling has the same
//! exposure only where a pixel centre falls within a few ULP of a texel edge, so rendering tests
//! use transforms that keep pixel centres off texel edges.

use crate::mesh::{Batch, Quad, overlay_mesh};
use crate::scene::{ImageLayer, Scene};
use crate::screen::Rect;
use crate::viewport::Interpolation;
use crate::voxels::VoxelStore;

pub const BACKGROUND: [u8; 4] = [0, 0, 0, 255];

/// An RGBA8 image, row by row from the top, four bytes per pixel, no padding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rgba8Image {
    pub width: u32,
    pub height: u32,
    pub pixels: Vec<u8>,
}

impl Rgba8Image {
    /// An image filled with the background.
    pub fn new(width: u32, height: u32) -> Rgba8Image {
        Rgba8Image {
            width,
            height,
            pixels: BACKGROUND.repeat((width * height) as usize),
        }
    }

    pub fn pixel(&self, x: u32, y: u32) -> Option<[u8; 4]> {
        if x >= self.width || y >= self.height {
            return None;
        }
        let at = ((y * self.width + x) * 4) as usize;
        let bytes = self.pixels.get(at..at + 4)?;
        Some([bytes[0], bytes[1], bytes[2], bytes[3]])
    }

    fn set(&mut self, x: u32, y: u32, rgba: [u8; 4]) {
        let at = ((y * self.width + x) * 4) as usize;
        if let Some(bytes) = self.pixels.get_mut(at..at + 4) {
            bytes.copy_from_slice(&rgba);
        }
    }

    /// The largest difference in any channel of any pixel; `None` for images of different
    /// sizes.
    pub fn max_difference(&self, other: &Rgba8Image) -> Option<u8> {
        if (self.width, self.height) != (other.width, other.height) {
            return None;
        }
        Some(
            self.pixels
                .iter()
                .zip(&other.pixels)
                .map(|(a, b)| a.abs_diff(*b))
                .max()
                .unwrap_or(0),
        )
    }
}

/// The images of a scene (no overlays, no text) on the background; viewports whose frame has
/// not arrived stay background.
pub fn render_scene_images(scene: &Scene, voxels: &VoxelStore) -> Rgba8Image {
    let mut target = Rgba8Image::new(scene.width, scene.height);
    for viewport in &scene.viewports {
        if let Some(layer) = &viewport.image
            && let Some(words) = voxels.words(&layer.series_uid, layer.frame_index)
        {
            render_image(layer, words, viewport.rect, &mut target);
        }
    }
    target
}

/// A reference rendering, with the pixels whose overlay coverage is a tie: the pixel centre
/// lies within [`EDGE_TOLERANCE_PX`] of a triangle's edge, where the GPU's tie rule and its
/// snapping of vertices to its sub-pixel grid decide, not this reference.
#[derive(Debug, Clone)]
pub struct Reference {
    pub image: Rgba8Image,
    pub uncertain: Vec<bool>,
}

/// Vertices are snapped to at least 1/16 pixel by every rasteriser Vulkan allows (4 sub-pixel
/// bits); a pixel centre closer than this to an edge may go either way.
pub const EDGE_TOLERANCE_PX: f64 = 1.0 / 16.0;

impl Reference {
    /// The largest channel difference over the certain pixels, and how many were uncertain.
    pub fn compare(&self, other: &Rgba8Image) -> Option<(u8, usize)> {
        if (self.image.width, self.image.height) != (other.width, other.height) {
            return None;
        }
        let mut largest = 0;
        for (index, uncertain) in self.uncertain.iter().enumerate() {
            if !uncertain {
                let at = index * 4;
                for channel in at..at + 4 {
                    largest =
                        largest.max(self.image.pixels[channel].abs_diff(other.pixels[channel]));
                }
            }
        }
        Some((largest, self.uncertain.iter().filter(|u| **u).count()))
    }
}

/// The whole scene: images, then overlays.
pub fn render_scene(scene: &Scene, voxels: &VoxelStore) -> Reference {
    let image = render_scene_images(scene, voxels);
    let uncertain = vec![false; (image.width * image.height) as usize];
    let mut reference = Reference { image, uncertain };
    for batch in overlay_mesh(scene) {
        render_batch(&batch, &mut reference);
    }
    reference
}

/// Rasterises a batch's quads in order, clipped to its rectangle, blending each over the
/// target. A quad is two triangles on the GPU, whose shared edge every rasteriser splits
/// without gap or overlap, so coverage here is that of the whole quad.
pub fn render_batch(batch: &Batch, reference: &mut Reference) {
    let target = &mut reference.image;
    let right = batch
        .clip
        .x
        .saturating_add(batch.clip.width)
        .min(target.width);
    let bottom = batch
        .clip
        .y
        .saturating_add(batch.clip.height)
        .min(target.height);
    for quad in &batch.quads {
        let bound = |axis: usize, pick: fn(f32, f32) -> f32, start: f32| {
            quad.corners
                .iter()
                .map(|corner| corner[axis])
                .fold(start, pick)
                .max(0.0)
        };
        let low_x = (bound(0, f32::min, f32::MAX).floor() as u32).max(batch.clip.x);
        let low_y = (bound(1, f32::min, f32::MAX).floor() as u32).max(batch.clip.y);
        let high_x = (bound(0, f32::max, f32::MIN).ceil() as u32).min(right);
        let high_y = (bound(1, f32::max, f32::MIN).ceil() as u32).min(bottom);
        for j in low_y..high_y {
            for i in low_x..high_x {
                let centre = [f64::from(i) + 0.5, f64::from(j) + 0.5];
                let (inside, nearest_edge) = coverage(quad, centre);
                if nearest_edge < EDGE_TOLERANCE_PX {
                    reference.uncertain[(j * target.width + i) as usize] = true;
                }
                if inside && let Some(below) = target.pixel(i, j) {
                    target.set(i, j, blend(quad.colour, below));
                }
            }
        }
    }
}

/// Whether `point` lies strictly inside the convex quad (whichever its winding), and its
/// distance to the nearest of its edge lines.
fn coverage(quad: &Quad, point: [f64; 2]) -> (bool, f64) {
    let mut signs = (true, true);
    let mut nearest = f64::INFINITY;
    for index in 0..4 {
        let [px, py] = quad.corners[index].map(f64::from);
        let [qx, qy] = quad.corners[(index + 1) % 4].map(f64::from);
        let value = (qx - px) * (point[1] - py) - (qy - py) * (point[0] - px);
        let length = (qx - px).hypot(qy - py);
        if length > 0.0 {
            nearest = nearest.min(value.abs() / length);
        }
        signs = (signs.0 && value > 0.0, signs.1 && value < 0.0);
    }
    (signs.0 || signs.1, nearest)
}

/// `src·a + dst·(1 − a)` in unit floats, rounded to eight bits; alpha stays opaque.
fn blend(source: [u8; 4], below: [u8; 4]) -> [u8; 4] {
    let alpha = f32::from(source[3]) / 255.0;
    let channel = |s: u8, d: u8| {
        let value = f32::from(s) / 255.0 * alpha + f32::from(d) / 255.0 * (1.0 - alpha);
        (value * 255.0 + 0.5).floor() as u8
    };
    [
        channel(source[0], below[0]),
        channel(source[1], below[1]),
        channel(source[2], below[2]),
        255,
    ]
}

/// Draws one image into its viewport rectangle of `target` (clipped to the target).
pub fn render_image(layer: &ImageLayer, words: &[u16], rect: Rect, target: &mut Rgba8Image) {
    if words.len() < (layer.columns * layer.rows) as usize {
        return;
    }
    let right = rect.x.saturating_add(rect.width).min(target.width);
    let bottom = rect.y.saturating_add(rect.height).min(target.height);
    for j in rect.y..bottom {
        for i in rect.x..right {
            target.set(i, j, shade(layer, words, i, j));
        }
    }
}

/// Steps 1 to 7 for canvas pixel `(i, j)`.
pub fn shade(layer: &ImageLayer, words: &[u16], i: u32, j: u32) -> [u8; 4] {
    let (x, y) = (i as f32 + 0.5, j as f32 + 0.5);
    let m = layer.image_from_screen;
    let column = (m[0] * x + m[1] * y) + m[2];
    let row = (m[3] * x + m[4] * y) + m[5];
    let (columns, rows) = (layer.columns as f32, layer.rows as f32);
    if column < -0.5 || row < -0.5 || column >= columns - 0.5 || row >= rows - 0.5 {
        return BACKGROUND;
    }
    let raw = |c: f32, r: f32| -> f32 {
        let c = c.clamp(0.0, columns - 1.0) as usize;
        let r = r.clamp(0.0, rows - 1.0) as usize;
        let word = words[r * layer.columns as usize + c];
        if layer.signed && word >= 32768 {
            f32::from(word) - 65536.0
        } else {
            f32::from(word)
        }
    };
    let value = match layer.interpolation {
        Interpolation::Nearest => raw((column + 0.5).floor(), (row + 0.5).floor()),
        Interpolation::Bilinear => {
            let (c0, r0) = (column.floor(), row.floor());
            let (fx, fy) = (column - c0, row - r0);
            let (c1, r1) = (c0 + 1.0, r0 + 1.0);
            mix(
                mix(raw(c0, r0), raw(c1, r0), fx),
                mix(raw(c0, r1), raw(c1, r1), fx),
                fy,
            )
        }
    };
    let grey = grey_level(layer, value);
    [grey, grey, grey, 255]
}

/// Steps 4 to 7: a stored (or interpolated stored) value to its 8-bit grey.
pub fn grey_level(layer: &ImageLayer, stored: f32) -> u8 {
    let modality = stored * layer.rescale_slope + layer.rescale_intercept;
    let mut t = ((modality - layer.window_low) * layer.window_inverse_width).clamp(0.0, 1.0);
    if layer.invert {
        t = 1.0 - t;
    }
    (t * 255.0 + 0.5).floor() as u8
}

/// WGSL's `mix`.
fn mix(a: f32, b: f32, t: f32) -> f32 {
    a * (1.0 - t) + b * t
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A layer whose canvas pixel `(i, j)` samples image point `((i + ½) / zoom + offset, …)`.
    fn layer(columns: u32, rows: u32, zoom: f32, offset: f32) -> ImageLayer {
        ImageLayer {
            series_uid: "s".into(),
            frame_index: 0,
            columns,
            rows,
            signed: false,
            image_from_screen: [1.0 / zoom, 0.0, offset, 0.0, 1.0 / zoom, offset],
            rescale_slope: 1.0,
            rescale_intercept: 0.0,
            window_low: 0.0,
            window_inverse_width: 1.0 / 255.0,
            invert: false,
            interpolation: Interpolation::Nearest,
        }
    }

    #[test]
    fn window_rescale_and_invert_map_values_to_grey_levels() {
        let check = |slope: f32,
                     intercept: f32,
                     low: f32,
                     width: f64,
                     invert: bool,
                     values: &[(f32, u8)]| {
            let layer = ImageLayer {
                rescale_slope: slope,
                rescale_intercept: intercept,
                window_low: low,
                window_inverse_width: (1.0 / width) as f32,
                invert,
                ..layer(1, 1, 1.0, 0.0)
            };
            for &(stored, expected) in values {
                assert_eq!(
                    grey_level(&layer, stored),
                    expected,
                    "{stored} with slope {slope}, intercept {intercept}, low {low}, width {width}, invert {invert}"
                );
            }
        };
        // Window 0–1000: 500 is half way, 127.5 rounds up.
        check(
            1.0,
            0.0,
            0.0,
            1000.0,
            false,
            &[
                (-5.0, 0),
                (0.0, 0),
                (1.9, 0),
                (2.0, 1),
                (500.0, 128),
                (998.0, 254),
                (1000.0, 255),
                (4000.0, 255),
            ],
        );
        check(
            1.0,
            0.0,
            0.0,
            1000.0,
            true,
            &[(0.0, 255), (500.0, 128), (998.0, 1), (1000.0, 0)],
        );
        // Rescale first: stored 100 is 2·100 − 1024 = −824 in a window from −1024 of width 400.
        check(
            2.0,
            -1024.0,
            -1024.0,
            400.0,
            false,
            &[(0.0, 0), (100.0, 128), (200.0, 255)],
        );
        // ADC-style slope 0.001 on values in mm²/s × 10³.
        check(0.001, 0.0, 0.0, 2.0, false, &[(1000.0, 128), (2000.0, 255)]);
    }

    #[test]
    fn nearest_and_bilinear_sampling_on_a_two_by_two_image() {
        // Values 0, 80 / 160, 240 shown as grey levels 0–255 at zoom 4: canvas pixel i samples
        // column i/4 − 0.375 (the texel centres are between pixels 1 and 2, and 5 and 6).
        let words = [0u16, 80, 160, 240];
        let check = |interpolation: Interpolation, expected_rows: [[u8; 8]; 2]| {
            let mut sampled = layer(2, 2, 4.0, -0.5);
            sampled.interpolation = interpolation;
            for (row_index, j) in [0u32, 5].into_iter().enumerate() {
                let got: Vec<u8> = (0..8).map(|i| shade(&sampled, &words, i, j)[0]).collect();
                assert_eq!(got, expected_rows[row_index], "{interpolation:?}, row {j}");
            }
        };
        check(
            Interpolation::Nearest,
            [
                [0, 0, 0, 0, 80, 80, 80, 80],
                [160, 160, 160, 160, 240, 240, 240, 240],
            ],
        );
        // Canvas row 0 samples row −0.375, above the first texel centre: the indices clamp, so
        // it is the top row's values. Canvas row 5 samples row 0.875: ⅛ top, ⅞ bottom.
        check(
            Interpolation::Bilinear,
            [
                [0, 0, 10, 30, 50, 70, 80, 80],
                [140, 140, 150, 170, 190, 210, 220, 220],
            ],
        );
    }

    #[test]
    fn signed_values_are_read_as_twos_complement() {
        let mut signed = layer(2, 1, 1.0, -0.5);
        signed.signed = true;
        signed.window_low = -255.0;
        signed.window_inverse_width = 1.0 / 510.0;
        let words = [(-255i16) as u16, 255];
        assert_eq!(shade(&signed, &words, 0, 0), [0, 0, 0, 255]);
        assert_eq!(shade(&signed, &words, 1, 0), [255, 255, 255, 255]);
        signed.signed = false;
        assert_eq!(shade(&signed, &words, 0, 0), [255, 255, 255, 255]);
    }

    #[test]
    fn pixels_off_the_image_are_background() {
        // Zoom 1, image shifted so canvas pixel i samples column i − 2.
        let shifted = layer(3, 3, 1.0, -2.5);
        let words = [255u16; 9];
        let row: Vec<u8> = (0..7).map(|i| shade(&shifted, &words, i, 3)[0]).collect();
        assert_eq!(row, [0, 0, 255, 255, 255, 0, 0]);
        assert_eq!(shade(&shifted, &words, 3, 0), BACKGROUND);
    }
}

#[cfg(test)]
mod overlay_tests {
    use super::*;
    use crate::scene::{Shape, Style, ViewportScene};
    use crate::screen::ScreenPoint;

    fn scene_with(shapes: Vec<Shape>) -> Scene {
        Scene {
            width: 16,
            height: 12,
            text_scale: 1,
            viewports: vec![ViewportScene {
                rect: Rect {
                    x: 0,
                    y: 0,
                    width: 16,
                    height: 12,
                },
                active: false,
                image: None,
                loading: None,
                shapes,
                texts: Vec::new(),
            }],
            help: None,
        }
    }

    #[test]
    fn a_horizontal_line_covers_one_pixel_row_with_no_ties() {
        let line = Shape::Line {
            from: ScreenPoint::new(2.0, 5.0),
            to: ScreenPoint::new(10.0, 5.0),
            style: Style::Measurement,
        };
        let reference = render_scene(&scene_with(vec![line]), &VoxelStore::new());
        let colour = Style::Measurement.colour();
        for y in 0..12 {
            for x in 0..16 {
                let expected = if y == 5 && (2..=10).contains(&x) {
                    colour
                } else {
                    BACKGROUND
                };
                assert_eq!(reference.image.pixel(x, y), Some(expected), "({x}, {y})");
            }
        }
        assert!(reference.uncertain.iter().all(|u| !u));
    }

    #[test]
    fn translucent_overlays_blend_over_the_image() {
        let crosshair = Shape::Crosshair {
            at: ScreenPoint::new(8.0, 6.0),
            style: Style::Crosshair,
        };
        let reference = render_scene(&scene_with(vec![crosshair]), &VoxelStore::new());
        let [r, g, b, a] = Style::Crosshair.colour();
        let over_black = |c: u8| (f32::from(c) * f32::from(a) / 255.0 / 255.0 * 255.0 + 0.5) as u8;
        assert_eq!(
            reference.image.pixel(2, 6),
            Some([over_black(r), over_black(g), over_black(b), 255])
        );
        // Where the two lines cross, the colour is blended twice.
        assert_ne!(reference.image.pixel(8, 6), reference.image.pixel(2, 6));
    }

    #[test]
    fn pixels_on_an_edge_are_uncertain_and_left_out_of_comparisons() {
        // A triangle-like quad whose slanted edge runs through the pixel centres (x + ½, x + ½).
        let quad = Quad {
            corners: [[0.5, 0.5], [12.0, 12.0], [0.0, 12.0], [0.0, 0.0]],
            colour: [255, 255, 255, 255],
        };
        let batch = Batch {
            clip: Rect {
                x: 0,
                y: 0,
                width: 16,
                height: 12,
            },
            quads: vec![quad],
        };
        let mut reference = render_scene(&scene_with(vec![]), &VoxelStore::new());
        render_batch(&batch, &mut reference);
        let uncertain: Vec<usize> = (0..reference.uncertain.len())
            .filter(|index| reference.uncertain[*index])
            .collect();
        for diagonal in 0..11 {
            assert!(
                uncertain.contains(&(diagonal * 16 + diagonal)),
                "({diagonal}, {diagonal})"
            );
        }
        let mut other = reference.image.clone();
        other.pixels[uncertain[0] * 4] ^= 0xff;
        assert_eq!(reference.compare(&other), Some((0, uncertain.len())));
        other.pixels[(5 * 16 + 1) * 4] = 7;
        assert_eq!(reference.compare(&other), Some((248, uncertain.len())));
    }
}
