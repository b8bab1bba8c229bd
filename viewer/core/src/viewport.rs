//! One viewport's state (which series, slice and phase; zoom and pan; window; interpolation;
//! invert) and the one transform between the canvas and the image that everything uses: input
//! handling, tools, overlays, the CPU reference and the GPU renderer.
//!
//! The image is shown with its physical aspect: one scale in device pixels per millimetre in
//! both directions, so anisotropic pixels are drawn as rectangles. At zoom 1 ("fit") the whole
//! image fits the viewport, centred; pan moves the image centre away from the viewport centre
//! by a number of device pixels.

use serde::{Deserialize, Serialize};

use crate::geometry::ImagePoint;
use crate::screen::{Rect, ScreenPoint};
use crate::series::Series;

pub const MIN_ZOOM: f64 = 0.1;
pub const MAX_ZOOM: f64 = 40.0;
/// Dragging the window by this many CSS pixels changes it by the default window's width.
pub const WINDOW_DRAG_PIXELS_PER_WIDTH: f64 = 400.0;

/// A window on modality values (after rescale).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Window {
    pub center: f64,
    pub width: f64,
}

impl Window {
    pub fn new(center: f64, width: f64) -> Window {
        Window { center, width }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Interpolation {
    /// Bilinear on the stored values, before rescale and window.
    #[default]
    Bilinear,
    Nearest,
}

/// The map between canvas device pixels and image coordinates of one viewport:
/// `screen = origin + (column · pixels_per_column, row · pixels_per_row)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ViewTransform {
    /// Where image point (0, 0), the centre of the first pixel, is on the canvas.
    pub origin: ScreenPoint,
    pub pixels_per_column: f64,
    pub pixels_per_row: f64,
    /// Device pixels per millimetre, the same in both directions.
    pub pixels_per_mm: f64,
}

impl ViewTransform {
    pub fn image_to_screen(&self, point: ImagePoint) -> ScreenPoint {
        ScreenPoint::new(
            self.origin.x + point.column * self.pixels_per_column,
            self.origin.y + point.row * self.pixels_per_row,
        )
    }

    pub fn screen_to_image(&self, point: ScreenPoint) -> ImagePoint {
        ImagePoint::new(
            (point.x - self.origin.x) / self.pixels_per_column,
            (point.y - self.origin.y) / self.pixels_per_row,
        )
    }

    /// The same map as six `f32`s, `column = m[0]·x + m[1]·y + m[2]` and
    /// `row = m[3]·x + m[4]·y + m[5]` for canvas coordinates `(x, y)`: what the shader and the
    /// CPU reference evaluate (see `cpu_reference`). The general affine form leaves room for
    /// flips and rotations.
    pub fn image_from_screen(&self) -> [f32; 6] {
        let (sx, sy) = (1.0 / self.pixels_per_column, 1.0 / self.pixels_per_row);
        [
            sx as f32,
            0.0,
            (-self.origin.x * sx) as f32,
            0.0,
            sy as f32,
            (-self.origin.y * sy) as f32,
        ]
    }
}

/// The scale at zoom 1: the whole image just fits the viewport.
pub fn fit_pixels_per_mm(series: &Series, rect: Rect) -> f64 {
    let geometry = series.geometry();
    let width_mm = f64::from(geometry.columns()) * geometry.column_spacing_mm();
    let height_mm = f64::from(geometry.rows()) * geometry.row_spacing_mm();
    (f64::from(rect.width) / width_mm).min(f64::from(rect.height) / height_mm)
}

#[derive(Debug, Clone, PartialEq)]
pub struct ViewportState {
    series_uid: String,
    slice: u32,
    phase: u32,
    zoom: f64,
    pan: [f64; 2],
    window: Window,
    /// The preset last applied, from which "next preset" goes on.
    preset: usize,
    interpolation: Interpolation,
    /// The reader's invert, on top of the series' own (MONOCHROME1).
    inverted_by_reader: bool,
}

impl ViewportState {
    /// A viewport showing a series at its middle slice, first phase, fitted, default window.
    pub fn new(series: &Series) -> ViewportState {
        ViewportState {
            series_uid: series.uid().to_owned(),
            slice: series.slices() / 2,
            phase: 0,
            zoom: 1.0,
            pan: [0.0, 0.0],
            window: series.default_window(),
            preset: 0,
            interpolation: Interpolation::default(),
            inverted_by_reader: false,
        }
    }

    pub fn series_uid(&self) -> &str {
        &self.series_uid
    }

    pub fn slice(&self) -> u32 {
        self.slice
    }

    pub fn phase(&self) -> u32 {
        self.phase
    }

    pub fn zoom(&self) -> f64 {
        self.zoom
    }

    pub fn pan(&self) -> [f64; 2] {
        self.pan
    }

    pub fn window(&self) -> Window {
        self.window
    }

    pub fn interpolation(&self) -> Interpolation {
        self.interpolation
    }

    /// Whether low values are shown bright: the series' MONOCHROME1 flipped by the reader's
    /// invert.
    pub fn inverted(&self, series: &Series) -> bool {
        series.prepared().invert != self.inverted_by_reader
    }

    pub fn set_slice(&mut self, series: &Series, slice: u32) {
        self.slice = slice.min(series.slices().saturating_sub(1));
    }

    /// Moves by `delta` slices, stopping at the ends of the stack.
    pub fn scroll(&mut self, series: &Series, delta: i64) {
        let last = i64::from(series.slices().saturating_sub(1));
        self.slice = (i64::from(self.slice) + delta).clamp(0, last) as u32;
    }

    pub fn set_phase(&mut self, series: &Series, phase: u32) {
        self.phase = phase.min(series.phases().saturating_sub(1));
    }

    pub fn transform(&self, series: &Series, rect: Rect) -> ViewTransform {
        let geometry = series.geometry();
        let pixels_per_mm = fit_pixels_per_mm(series, rect) * self.zoom;
        let pixels_per_column = pixels_per_mm * geometry.column_spacing_mm();
        let pixels_per_row = pixels_per_mm * geometry.row_spacing_mm();
        let centre = rect.centre();
        let image_centre = geometry.centre();
        ViewTransform {
            origin: ScreenPoint::new(
                centre.x + self.pan[0] - image_centre.column * pixels_per_column,
                centre.y + self.pan[1] - image_centre.row * pixels_per_row,
            ),
            pixels_per_column,
            pixels_per_row,
            pixels_per_mm,
        }
    }

    /// Zoom and pan back to the whole image, centred.
    pub fn fit(&mut self) {
        self.zoom = 1.0;
        self.pan = [0.0, 0.0];
    }

    /// Multiplies the zoom by `factor`, keeping the image point under `about` where it is.
    pub fn zoom_about(&mut self, rect: Rect, factor: f64, about: ScreenPoint) {
        let zoom = (self.zoom * factor).clamp(MIN_ZOOM, MAX_ZOOM);
        let ratio = zoom / self.zoom;
        let centre = rect.centre();
        let (from_centre_x, from_centre_y) = (about.x - centre.x, about.y - centre.y);
        self.pan = [
            from_centre_x - (from_centre_x - self.pan[0]) * ratio,
            from_centre_y - (from_centre_y - self.pan[1]) * ratio,
        ];
        self.zoom = zoom;
    }

    /// Sets the zoom and pan directly (linked zoom), the zoom clamped to its limits.
    pub fn set_zoom_and_pan(&mut self, zoom: f64, pan: [f64; 2]) {
        self.zoom = zoom.clamp(MIN_ZOOM, MAX_ZOOM);
        self.pan = pan;
    }

    pub fn pan_by(&mut self, dx: f64, dy: f64) {
        self.pan = [self.pan[0] + dx, self.pan[1] + dy];
    }

    /// Sets the window, no narrower than one stored step.
    pub fn set_window(&mut self, series: &Series, window: Window) {
        self.window = Window::new(window.center, window.width.max(series.min_window_width()));
    }

    /// A window/level drag by CSS pixels: right widens the window (less contrast), down raises
    /// its centre (darker). The rate scales with the series' default width, so a drag feels
    /// the same on every series whatever its value range.
    pub fn drag_window(&mut self, series: &Series, dx: f64, dy: f64) {
        let per_pixel = series.default_window().width / WINDOW_DRAG_PIXELS_PER_WIDTH;
        let window = Window::new(
            self.window.center + dy * per_pixel,
            self.window.width + dx * per_pixel,
        );
        self.set_window(series, window);
    }

    /// Applies preset `index` of the series' presets; an index past the end changes nothing.
    pub fn apply_preset(&mut self, series: &Series, index: usize) {
        if let Some(preset) = series.window_presets().get(index) {
            self.preset = index;
            self.set_window(series, Window::new(preset.center, preset.width));
        }
    }

    /// Applies the preset after the last one applied, round to the first.
    pub fn next_preset(&mut self, series: &Series) {
        let count = series.window_presets().len();
        if count > 0 {
            self.apply_preset(series, (self.preset + 1) % count);
        }
    }

    pub fn reset_window(&mut self, series: &Series) {
        self.preset = 0;
        self.window = series.default_window();
    }

    pub fn toggle_invert(&mut self) {
        self.inverted_by_reader = !self.inverted_by_reader;
    }

    pub fn set_interpolation(&mut self, interpolation: Interpolation) {
        self.interpolation = interpolation;
    }

    pub fn toggle_interpolation(&mut self) {
        self.interpolation = match self.interpolation {
            Interpolation::Bilinear => Interpolation::Nearest,
            Interpolation::Nearest => Interpolation::Bilinear,
        };
    }

    /// Fit, default window, no invert, bilinear; the slice and phase stay.
    pub fn reset(&mut self, series: &Series) {
        self.fit();
        self.reset_window(series);
        self.inverted_by_reader = false;
        self.interpolation = Interpolation::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{axial_series, series_with_positions};

    fn rect(width: u32, height: u32) -> Rect {
        Rect {
            x: 100,
            y: 50,
            width,
            height,
        }
    }

    fn close(a: ScreenPoint, b: ScreenPoint) -> bool {
        a.distance(b) < 1e-9
    }

    #[test]
    fn fit_shows_the_whole_image_centred_with_its_physical_aspect() {
        // 64 columns of 0.5 mm (32 mm) and 48 rows of 1 mm (48 mm).
        let series = Series::new(series_with_positions([1.0, 0.5], &[[0.0; 3]]), "s").unwrap();
        let view = ViewportState::new(&series);
        let check = |rect: Rect, top_left: ScreenPoint, bottom_right: ScreenPoint| {
            let transform = view.transform(&series, rect);
            let corner = |column, row| transform.image_to_screen(ImagePoint::new(column, row));
            assert!(
                close(corner(-0.5, -0.5), top_left),
                "{rect:?}: {transform:?}"
            );
            assert!(
                close(corner(63.5, 47.5), bottom_right),
                "{rect:?}: {transform:?}"
            );
        };
        // Tall viewport: the width fits (2 px/mm), centred vertically.
        check(
            rect(64, 200),
            ScreenPoint::new(100.0, 102.0),
            ScreenPoint::new(164.0, 198.0),
        );
        // Wide viewport: the height fits (2 px/mm), centred horizontally.
        check(
            rect(200, 96),
            ScreenPoint::new(168.0, 50.0),
            ScreenPoint::new(232.0, 146.0),
        );
    }

    #[test]
    fn screen_and_image_coordinates_round_trip_at_any_zoom_and_pan() {
        let series = Series::new(axial_series(3), "s").unwrap();
        let mut view = ViewportState::new(&series);
        view.zoom_about(rect(300, 200), 2.5, ScreenPoint::new(130.0, 77.0));
        view.pan_by(-13.0, 21.5);
        let transform = view.transform(&series, rect(300, 200));
        for (x, y) in [(100.0, 50.0), (250.5, 130.25), (399.0, 249.0)] {
            let point = ScreenPoint::new(x, y);
            let back = transform.image_to_screen(transform.screen_to_image(point));
            assert!(close(back, point), "{point:?} → {back:?}");
            let m = transform.image_from_screen();
            let image = transform.screen_to_image(point);
            let column = f64::from(m[0]) * x + f64::from(m[1]) * y + f64::from(m[2]);
            let row = f64::from(m[3]) * x + f64::from(m[4]) * y + f64::from(m[5]);
            assert!((column - image.column).abs() < 1e-3 && (row - image.row).abs() < 1e-3);
        }
    }

    #[test]
    fn zooming_keeps_the_point_under_the_cursor_still() {
        let series = Series::new(axial_series(3), "s").unwrap();
        let check = |factor: f64, about: ScreenPoint, zoom: f64| {
            let mut view = ViewportState::new(&series);
            view.pan_by(7.0, -3.0);
            let under = view
                .transform(&series, rect(300, 200))
                .screen_to_image(about);
            view.zoom_about(rect(300, 200), factor, about);
            let after = view
                .transform(&series, rect(300, 200))
                .image_to_screen(under);
            assert!(close(after, about), "×{factor} at {about:?}: {after:?}");
            assert_eq!(view.zoom(), zoom);
        };
        check(2.0, ScreenPoint::new(120.0, 60.0), 2.0);
        check(0.5, ScreenPoint::new(390.0, 240.0), 0.5);
        check(1.25, ScreenPoint::new(250.0, 150.0), 1.25);
        // Clamped zooms still keep the point.
        check(1000.0, ScreenPoint::new(120.0, 60.0), MAX_ZOOM);
        check(0.001, ScreenPoint::new(120.0, 60.0), MIN_ZOOM);
    }

    #[test]
    fn slices_and_phases_stay_in_the_stack() {
        let series = Series::new(axial_series(5), "s").unwrap();
        let mut view = ViewportState::new(&series);
        let mut check = |delta: i64, expected: u32| {
            view.scroll(&series, delta);
            assert_eq!(view.slice(), expected, "scroll {delta}");
        };
        check(0, 2);
        check(1, 3);
        check(10, 4);
        check(-3, 1);
        check(-10, 0);
        view.set_slice(&series, 99);
        assert_eq!(view.slice(), 4);
        view.set_phase(&series, 3);
        assert_eq!(view.phase(), 0);
    }

    #[test]
    fn window_drags_presets_and_resets() {
        let series = Series::new(axial_series(1), "s").unwrap();
        let mut view = ViewportState::new(&series);
        assert_eq!(view.window(), Window::new(500.0, 1000.0));
        // The default width is 1000: 400 px right adds 1000, 40 px down adds 100 to the centre.
        view.drag_window(&series, 400.0, 40.0);
        assert_eq!(view.window(), Window::new(600.0, 2000.0));
        view.drag_window(&series, -4000.0, 0.0);
        assert_eq!(
            view.window(),
            Window::new(600.0, 1.0),
            "no narrower than one step"
        );
        view.next_preset(&series);
        assert_eq!(view.window(), Window::new(400.0, 700.0));
        view.next_preset(&series);
        assert_eq!(view.window(), Window::new(500.0, 1000.0));
        view.apply_preset(&series, 1);
        view.toggle_invert();
        view.toggle_interpolation();
        view.zoom_about(rect(100, 100), 3.0, ScreenPoint::new(110.0, 60.0));
        view.reset(&series);
        assert_eq!(view.window(), Window::new(500.0, 1000.0));
        assert!(!view.inverted(&series));
        assert_eq!(view.interpolation(), Interpolation::Bilinear);
        assert_eq!((view.zoom(), view.pan()), (1.0, [0.0, 0.0]));
    }

    #[test]
    fn invert_flips_the_series_own_photometric_interpretation() {
        let mut prepared = axial_series(1);
        prepared.invert = true;
        let series = Series::new(prepared, "s").unwrap();
        let mut view = ViewportState::new(&series);
        assert!(view.inverted(&series));
        view.toggle_invert();
        assert!(!view.inverted(&series));
    }
}
