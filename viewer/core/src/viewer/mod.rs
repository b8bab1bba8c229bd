//! The viewer: the series of a case, the layout and its viewports, and everything placed on
//! them, driven by input events or by the page's commands, and drawn as a [`Scene`].
//!
//! This is the one place that ties the other modules together. The web crate owns a `Viewer`,
//! feeds it [`InputEvent`]s and frames, passes [`ViewerEvent`]s to the page, and hands
//! [`Viewer::scene`] to the renderer.

use serde::Serialize;

use crate::cine::{self, Cine, CurvePoint, DEFAULT_CINE_RATE};
use crate::geometry::ImagePoint;
use crate::input::{Action, GesturePhase, InputEvent, InputState, Tool};
use crate::keymap::{Command, HelpEntry, Keymap, PAGE_SLICES};
use crate::layout::{Layout, prostate_mpmri};
use crate::linking::{Crosshair, LinkSettings, linked_slice, linked_zoom_and_pan};
use crate::load_plan::{FrameRequest, InView, load_order};
use crate::markers::{Marker, Markers};
use crate::measure::{Probe, Roi, RoiStatistics, probe, roi_statistics};
use crate::overlays::{ExpertMark, OverlayKind, OverlayVisibility, TrueLesion};
use crate::scene::{Anchor, ImageLayer, Scene, Shape, Style, Text, ViewportScene};
use crate::screen::{Rect, ScreenPoint};
use crate::series::Series;
use crate::vector::Vec3;
use crate::viewport::{ViewTransform, ViewportState};
use crate::voxels::VoxelStore;

mod draw;
mod gestures;
#[cfg(test)]
mod tests;

/// The most viewports a layout has (3 × 3). States of viewports hidden by a smaller layout are
/// kept, so going back to a larger one shows them as they were.
pub const MAX_VIEWPORTS: usize = 9;
/// Zoom in or out by this factor per key press.
pub const ZOOM_STEP: f64 = 1.25;
/// A press this close to a marker (CSS pixels) grabs it instead of placing a new one.
pub const MARKER_GRAB_CSS_PX: f64 = 8.0;
/// Freehand outlines take a new vertex after this much movement (CSS pixels).
pub const FREEHAND_STEP_CSS_PX: f64 = 2.0;
/// Margin between the viewport's edge and its texts, CSS pixels.
const TEXT_MARGIN_CSS_PX: f64 = 4.0;

/// What the page hears about.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum ViewerEvent {
    MarkerPlaced {
        marker: Marker,
    },
    MarkerMoved {
        marker: Marker,
    },
    MarkerDeleted {
        number: u32,
    },
    /// A marker could not be placed (e.g. all four are used).
    MarkerRefused {
        reason: String,
    },
    Measured {
        measurement: Measurement,
    },
    CrosshairMoved {
        lps_mm: Vec3,
    },
    ToolChanged {
        tool: Tool,
    },
    LayoutChanged {
        layout: Layout,
    },
}

/// A finished measurement, kept on the slice it was made on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Measurement {
    pub series_uid: String,
    pub slice: u32,
    pub phase: u32,
    #[serde(flatten)]
    pub kind: MeasurementKind,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "tool", rename_all = "snake_case")]
pub enum MeasurementKind {
    Length {
        from: ImagePoint,
        to: ImagePoint,
        mm: f64,
    },
    /// Statistics are `None` when the frame had not arrived or no pixel centre was inside.
    Roi {
        roi: Roi,
        statistics: Option<RoiStatistics>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ViewerError {
    #[error("there is no viewport {0} in this layout")]
    NoSuchViewport(usize),
    #[error("series {0} is not open")]
    UnknownSeries(String),
}

/// A tool gesture in progress, in the image coordinates of its viewport.
#[derive(Debug, Clone, PartialEq)]
enum Drawing {
    Length {
        viewport: usize,
        from: ImagePoint,
        to: ImagePoint,
    },
    Circle {
        viewport: usize,
        centre: ImagePoint,
        edge: ImagePoint,
    },
    Freehand {
        viewport: usize,
        points: Vec<ImagePoint>,
        last: ScreenPoint,
    },
    Marker {
        viewport: usize,
        /// The marker being dragged, with where it was, for a cancel.
        grabbed: Option<Marker>,
    },
}

#[derive(Debug, Clone)]
pub struct Viewer {
    series: Vec<Series>,
    voxels: VoxelStore,
    canvas: (u32, u32),
    device_pixel_ratio: f64,
    layout: Layout,
    viewports: Vec<Option<ViewportState>>,
    input: InputState,
    keymap: Keymap,
    links: LinkSettings,
    crosshair: Option<Crosshair>,
    markers: Markers,
    selected_marker: Option<u32>,
    true_lesions: Vec<TrueLesion>,
    expert_marks: Vec<ExpertMark>,
    visibility: OverlayVisibility,
    measurements: Vec<Measurement>,
    drawing: Option<Drawing>,
    hover: Option<(usize, Probe)>,
    cine: Option<Cine>,
    cine_rate: f64,
    help_visible: bool,
}

impl Viewer {
    /// An empty viewer for a canvas of `width × height` device pixels.
    pub fn new(width: u32, height: u32, device_pixel_ratio: f64) -> Viewer {
        Viewer {
            series: Vec::new(),
            voxels: VoxelStore::new(),
            canvas: (width, height),
            device_pixel_ratio: positive_or_one(device_pixel_ratio),
            layout: Layout::OneByOne,
            viewports: vec![None; MAX_VIEWPORTS],
            input: InputState::new(device_pixel_ratio),
            keymap: Keymap::default(),
            links: LinkSettings::default(),
            crosshair: None,
            markers: Markers::new(),
            selected_marker: None,
            true_lesions: Vec::new(),
            expert_marks: Vec::new(),
            visibility: OverlayVisibility::default(),
            measurements: Vec::new(),
            drawing: None,
            hover: None,
            cine: None,
            cine_rate: DEFAULT_CINE_RATE,
            help_visible: false,
        }
    }

    /// Opens a case's series, hung by the prostate mpMRI protocol. Everything placed on the
    /// previous case (markers, measurements, overlays, crosshair) is cleared.
    pub fn open(&mut self, series: Vec<Series>) {
        let keymap = self.keymap.clone();
        let links = self.links;
        *self = Viewer::new(self.canvas.0, self.canvas.1, self.device_pixel_ratio);
        self.keymap = keymap;
        self.links = links;
        for one in &series {
            self.voxels.register(one);
        }
        let hanging = prostate_mpmri(&series);
        self.series = series;
        self.layout = hanging.layout;
        for (viewport, uid) in hanging.series_uids.iter().enumerate() {
            if let Some(one) = self.find_series(uid) {
                self.viewports[viewport] = Some(ViewportState::new(one));
            }
        }
        self.follow_scroll(0);
    }

    pub fn resize(&mut self, width: u32, height: u32, device_pixel_ratio: f64) {
        self.canvas = (width, height);
        self.device_pixel_ratio = positive_or_one(device_pixel_ratio);
        self.input.set_device_pixel_ratio(device_pixel_ratio);
    }

    pub fn series(&self) -> &[Series] {
        &self.series
    }

    pub fn find_series(&self, uid: &str) -> Option<&Series> {
        self.series.iter().find(|s| s.uid() == uid)
    }

    pub fn voxels(&self) -> &VoxelStore {
        &self.voxels
    }

    /// Where arriving frames go (`VoxelStore::insert_le_bytes`).
    pub fn voxels_mut(&mut self) -> &mut VoxelStore {
        &mut self.voxels
    }

    /// The frames still to fetch, most wanted first.
    pub fn load_order(&self) -> Vec<FrameRequest> {
        let in_view: Vec<InView> = (0..self.layout.viewport_count())
            .filter_map(|viewport| self.viewport(viewport))
            .map(|state| InView {
                series_uid: state.series_uid().to_owned(),
                slice: state.slice(),
                phase: state.phase(),
            })
            .collect();
        load_order(&self.series, &in_view, &self.voxels)
    }

    pub fn layout(&self) -> Layout {
        self.layout
    }

    /// Changes the layout; viewports it adds show the series not yet on screen, in reading
    /// order.
    pub fn set_layout(&mut self, layout: Layout) {
        self.layout = layout;
        for viewport in 0..layout.viewport_count() {
            if self.viewports[viewport].is_some() {
                continue;
            }
            let shown: Vec<&str> = self
                .viewports
                .iter()
                .take(layout.viewport_count())
                .flatten()
                .map(ViewportState::series_uid)
                .collect();
            let mut unshown: Vec<&Series> = self
                .series
                .iter()
                .filter(|s| !shown.contains(&s.uid()))
                .collect();
            unshown.sort_by_key(|s| s.kind().reading_order());
            if let Some(next) = unshown.first() {
                self.viewports[viewport] = Some(ViewportState::new(next));
            }
        }
        if self.input.active_viewport() >= layout.viewport_count() {
            self.input.set_active_viewport(0);
        }
    }

    /// Shows a series in a viewport (a series dropped on it), in step with the linked
    /// viewports.
    pub fn assign(&mut self, viewport: usize, series_uid: &str) -> Result<(), ViewerError> {
        if viewport >= self.layout.viewport_count() {
            return Err(ViewerError::NoSuchViewport(viewport));
        }
        let series = self
            .find_series(series_uid)
            .ok_or_else(|| ViewerError::UnknownSeries(series_uid.to_owned()))?;
        self.viewports[viewport] = Some(ViewportState::new(series));
        let leader = (0..self.layout.viewport_count())
            .find(|&other| other != viewport && self.viewport(other).is_some());
        if let Some(leader) = leader {
            self.follow_scroll(leader);
        }
        Ok(())
    }

    pub fn viewport_rects(&self) -> Vec<Rect> {
        self.layout.viewport_rects(self.canvas.0, self.canvas.1)
    }

    /// A viewport of the current layout, if it shows a series.
    pub fn viewport(&self, viewport: usize) -> Option<&ViewportState> {
        if viewport >= self.layout.viewport_count() {
            return None;
        }
        self.viewports.get(viewport)?.as_ref()
    }

    /// The canvas ↔ image transform of a viewport.
    pub fn transform(&self, viewport: usize) -> Option<ViewTransform> {
        let (state, series) = self.shown(viewport)?;
        Some(state.transform(series, *self.viewport_rects().get(viewport)?))
    }

    pub fn active_viewport(&self) -> usize {
        self.input.active_viewport()
    }

    pub fn tool(&self) -> Tool {
        self.input.tool()
    }

    pub fn keymap(&self) -> &Keymap {
        &self.keymap
    }

    pub fn set_keymap(&mut self, keymap: Keymap) {
        self.keymap = keymap;
    }

    pub fn help(&self) -> Vec<HelpEntry> {
        self.keymap.help()
    }

    pub fn links(&self) -> LinkSettings {
        self.links
    }

    pub fn set_links(&mut self, links: LinkSettings) {
        self.links = links;
    }

    pub fn crosshair(&self) -> Option<&Crosshair> {
        self.crosshair.as_ref()
    }

    pub fn markers(&self) -> &[Marker] {
        self.markers.all()
    }

    /// Markers restored from a saved draft.
    pub fn set_markers(&mut self, markers: Vec<Marker>) {
        self.markers = Markers::from_markers(markers);
        self.selected_marker = None;
    }

    pub fn delete_marker(&mut self, number: u32) -> Vec<ViewerEvent> {
        match self.markers.delete(number) {
            Ok(_) => {
                if self.selected_marker == Some(number) {
                    self.selected_marker = None;
                }
                vec![ViewerEvent::MarkerDeleted { number }]
            }
            Err(_) => Vec::new(),
        }
    }

    /// Selects marker `number` and brings it into view, as the report form's "show in the
    /// viewer" asks: the viewport showing its series (or, when none does, the active one, given
    /// that series) goes to its slice and the linked viewports follow. False when there is no
    /// such marker or its series is not open.
    pub fn select_marker(&mut self, number: u32) -> bool {
        let Some(point) = self.markers.get(number).map(|marker| marker.point.clone()) else {
            return false;
        };
        let Some(series_index) = self.series.iter().position(|s| s.uid() == point.series_uid)
        else {
            return false;
        };
        let showing = (0..self.layout.viewport_count()).find(|&viewport| {
            self.viewport(viewport)
                .is_some_and(|state| state.series_uid() == point.series_uid)
        });
        let viewport = match showing {
            Some(viewport) => viewport,
            None => {
                let active = self.active_viewport();
                if self.assign(active, &point.series_uid).is_err() {
                    return false;
                }
                active
            }
        };
        if let Some(Some(state)) = self.viewports.get_mut(viewport) {
            state.set_slice(&self.series[series_index], point.slice);
        }
        self.input.set_active_viewport(viewport);
        self.selected_marker = Some(number);
        self.follow_scroll(viewport);
        true
    }

    pub fn set_true_lesions(&mut self, lesions: Vec<TrueLesion>) {
        self.true_lesions = lesions;
    }

    pub fn set_expert_marks(&mut self, marks: Vec<ExpertMark>) {
        self.expert_marks = marks;
    }

    pub fn overlay_visibility(&self) -> OverlayVisibility {
        self.visibility
    }

    pub fn set_overlay(&mut self, kind: OverlayKind, shown: bool) {
        self.visibility.set(kind, shown);
    }

    pub fn measurements(&self) -> &[Measurement] {
        &self.measurements
    }

    /// The value under the cursor, with the viewport it is in.
    pub fn hover(&self) -> Option<(usize, &Probe)> {
        self.hover
            .as_ref()
            .map(|(viewport, probe)| (*viewport, probe))
    }

    pub fn cine(&self) -> Option<&Cine> {
        self.cine.as_ref()
    }

    /// Phases per second of the cine.
    pub fn cine_rate(&self) -> f64 {
        self.cine_rate
    }

    /// Sets the cine rate (ignored unless above 0); a playing cine goes on from the phase it
    /// shows at `now_ms`, at the new rate.
    pub fn set_cine_rate(&mut self, rate: f64, now_ms: f64) {
        if !(rate.is_finite() && rate > 0.0) {
            return;
        }
        self.cine_rate = rate;
        if let Some(cine) = self.cine {
            let phases = self
                .shown(cine.viewport)
                .map_or(1, |(_, series)| series.phases());
            self.cine = Some(Cine {
                rate,
                started_ms: now_ms,
                start_phase: cine.phase(now_ms, phases),
                ..cine
            });
        }
    }

    /// The viewport keys act on: `(phase shown, phases of its series)`.
    pub fn active_phase(&self) -> Option<(u32, u32)> {
        let (state, series) = self.shown(self.active_viewport())?;
        Some((state.phase(), series.phases()))
    }

    pub fn help_visible(&self) -> bool {
        self.help_visible
    }

    /// The time-intensity curve at the crosshair, in the series a viewport shows.
    pub fn time_intensity_curve(&self, viewport: usize) -> Option<Vec<CurvePoint>> {
        let (_, series) = self.shown(viewport)?;
        let crosshair = self.crosshair.as_ref()?;
        if crosshair.frame_of_reference != series.frame_of_reference() {
            return None;
        }
        cine::time_intensity_curve(series, &self.voxels, crosshair.lps_mm)
    }

    /// One input event; `now_ms` is the page's clock (for cine).
    pub fn handle(&mut self, event: &InputEvent, now_ms: f64) -> Vec<ViewerEvent> {
        let actions = self
            .input
            .handle(event, &self.viewport_rects(), &self.keymap);
        actions
            .into_iter()
            .flat_map(|action| self.apply(action, now_ms))
            .collect()
    }

    /// A command from the page's toolbar, for the active viewport, as its key would do it.
    pub fn command(&mut self, command: Command, now_ms: f64) -> Vec<ViewerEvent> {
        let action = self.input.command(command, self.layout.viewport_count());
        self.apply(action, now_ms)
    }

    /// Advances a running cine; true when a phase changed (the scene needs drawing).
    pub fn tick(&mut self, now_ms: f64) -> bool {
        let Some(cine) = self.cine else {
            return false;
        };
        let Some(series_index) = self.series_index_of(cine.viewport) else {
            self.cine = None;
            return false;
        };
        let series = &self.series[series_index];
        let phase = cine.phase(now_ms, series.phases());
        match self.viewports.get_mut(cine.viewport) {
            Some(Some(state)) if state.phase() != phase => {
                state.set_phase(series, phase);
                true
            }
            _ => false,
        }
    }

    pub fn apply(&mut self, action: Action, now_ms: f64) -> Vec<ViewerEvent> {
        match action {
            Action::ScrollSlices { viewport, slices } => {
                self.with_view(viewport, |state, series, _| state.scroll(series, slices));
                self.follow_scroll(viewport);
                Vec::new()
            }
            Action::AdjustWindow { viewport, dx, dy } => {
                self.with_view(viewport, |state, series, _| {
                    state.drag_window(series, dx, dy)
                });
                Vec::new()
            }
            Action::Zoom {
                viewport,
                factor,
                about,
            } => {
                self.with_view(viewport, |state, _, rect| {
                    state.zoom_about(rect, factor, about)
                });
                self.follow_zoom(viewport);
                Vec::new()
            }
            Action::Pan { viewport, dx, dy } => {
                self.with_view(viewport, |state, _, _| state.pan_by(dx, dy));
                self.follow_zoom(viewport);
                Vec::new()
            }
            Action::Gesture {
                viewport,
                tool,
                phase,
                at,
            } => self.gesture(viewport, tool, phase, at),
            Action::Hover { viewport, at } => {
                self.hover = self.probe_at(viewport, at).map(|probe| (viewport, probe));
                Vec::new()
            }
            Action::Command { viewport, command } => self.run_command(viewport, command, now_ms),
        }
    }

    fn run_command(&mut self, viewport: usize, command: Command, now_ms: f64) -> Vec<ViewerEvent> {
        let mut scrolled = false;
        let mut zoomed = false;
        match command {
            Command::SelectTool(tool) => {
                self.input.set_tool(tool);
                return vec![ViewerEvent::ToolChanged { tool }];
            }
            Command::SetLayout(layout) => {
                self.set_layout(layout);
                return vec![ViewerEvent::LayoutChanged { layout }];
            }
            Command::NextViewport => {}
            Command::ToggleScrollLink => self.links.scroll = !self.links.scroll,
            Command::ToggleZoomLink => self.links.zoom_pan = !self.links.zoom_pan,
            Command::ToggleOverlay(kind) => self.visibility.toggle(kind),
            Command::DeleteSelectedMarker => {
                return match self.selected_marker {
                    Some(number) => self.delete_marker(number),
                    None => Vec::new(),
                };
            }
            Command::ClearMeasurements => {
                self.measurements.clear();
                self.drawing = None;
            }
            Command::ToggleHelp => self.help_visible = !self.help_visible,
            Command::ToggleCine => self.toggle_cine(viewport, now_ms),
            Command::NextPhase | Command::PreviousPhase => {
                let step = if command == Command::NextPhase { 1 } else { -1 };
                if self.cine.is_some_and(|c| c.viewport == viewport) {
                    self.cine = None;
                }
                self.with_view(viewport, |state, series, _| {
                    let phases = i64::from(series.phases());
                    let phase = (i64::from(state.phase()) + step).rem_euclid(phases);
                    state.set_phase(series, phase as u32);
                });
            }
            Command::NextSlice
            | Command::PreviousSlice
            | Command::PageForward
            | Command::PageBack
            | Command::FirstSlice
            | Command::LastSlice => {
                scrolled = true;
                self.with_view(viewport, |state, series, _| match command {
                    Command::NextSlice => state.scroll(series, 1),
                    Command::PreviousSlice => state.scroll(series, -1),
                    Command::PageForward => state.scroll(series, PAGE_SLICES),
                    Command::PageBack => state.scroll(series, -PAGE_SLICES),
                    Command::FirstSlice => state.set_slice(series, 0),
                    _ => state.set_slice(series, u32::MAX),
                });
            }
            Command::ZoomIn | Command::ZoomOut | Command::Fit | Command::Reset => {
                zoomed = true;
                self.with_view(viewport, |state, series, rect| match command {
                    Command::ZoomIn => state.zoom_about(rect, ZOOM_STEP, rect.centre()),
                    Command::ZoomOut => state.zoom_about(rect, 1.0 / ZOOM_STEP, rect.centre()),
                    Command::Fit => state.fit(),
                    _ => state.reset(series),
                });
            }
            Command::ResetWindow => {
                self.with_view(viewport, |state, series, _| state.reset_window(series));
            }
            Command::NextWindowPreset => {
                self.with_view(viewport, |state, series, _| state.next_preset(series));
            }
            Command::ToggleInvert => {
                self.with_view(viewport, |state, _, _| state.toggle_invert());
            }
            Command::ToggleInterpolation => {
                self.with_view(viewport, |state, _, _| state.toggle_interpolation());
            }
        }
        if scrolled {
            self.follow_scroll(viewport);
        }
        if zoomed {
            self.follow_zoom(viewport);
        }
        Vec::new()
    }

    fn toggle_cine(&mut self, viewport: usize, now_ms: f64) {
        if self.cine.is_some_and(|c| c.viewport == viewport) {
            self.cine = None;
            return;
        }
        if let Some((state, series)) = self.shown(viewport)
            && series.phases() > 1
        {
            self.cine = Some(Cine {
                viewport,
                rate: self.cine_rate,
                started_ms: now_ms,
                start_phase: state.phase(),
            });
        }
    }

    /// Moves every viewport linked to `source` to the same patient position.
    fn follow_scroll(&mut self, source: usize) {
        if !self.links.scroll {
            return;
        }
        let (Some(source_series), Some(source_slice)) = (
            self.series_index_of(source),
            self.viewport(source).map(ViewportState::slice),
        ) else {
            return;
        };
        for target in 0..self.layout.viewport_count() {
            if target == source {
                continue;
            }
            let Some(target_series) = self.series_index_of(target) else {
                continue;
            };
            let (from, to) = (&self.series[source_series], &self.series[target_series]);
            if let (Some(slice), Some(Some(state))) = (
                linked_slice(from, source_slice, to),
                self.viewports.get_mut(target),
            ) {
                state.set_slice(to, slice);
            }
        }
    }

    /// Gives every other viewport the scale and pan of `source`, when zoom is linked.
    fn follow_zoom(&mut self, source: usize) {
        if !self.links.zoom_pan {
            return;
        }
        let rects = self.viewport_rects();
        let (Some(source_series), Some(source_state), Some(&source_rect)) = (
            self.series_index_of(source),
            self.viewport(source).cloned(),
            rects.get(source),
        ) else {
            return;
        };
        for target in 0..self.layout.viewport_count() {
            let (Some(target_series), Some(&target_rect)) =
                (self.series_index_of(target), rects.get(target))
            else {
                continue;
            };
            if target == source {
                continue;
            }
            let (zoom, pan) = linked_zoom_and_pan(
                (&source_state, &self.series[source_series], source_rect),
                (&self.series[target_series], target_rect),
            );
            if let Some(Some(state)) = self.viewports.get_mut(target) {
                state.set_zoom_and_pan(zoom, pan);
            }
        }
    }

    fn shown(&self, viewport: usize) -> Option<(&ViewportState, &Series)> {
        let state = self.viewport(viewport)?;
        Some((state, self.find_series(state.series_uid())?))
    }

    fn series_index_of(&self, viewport: usize) -> Option<usize> {
        let uid = self.viewport(viewport)?.series_uid();
        self.series.iter().position(|s| s.uid() == uid)
    }

    fn with_view<R>(
        &mut self,
        viewport: usize,
        change: impl FnOnce(&mut ViewportState, &Series, Rect) -> R,
    ) -> Option<R> {
        let rect = *self.viewport_rects().get(viewport)?;
        let series_index = self.series_index_of(viewport)?;
        let state = self.viewports.get_mut(viewport)?.as_mut()?;
        Some(change(state, &self.series[series_index], rect))
    }

    /// Where a patient point placed on `point_series` shows on `slice` of `series`: only in
    /// the same frame of reference, on the slice nearest to the point, and no further from its
    /// plane than the stack's mean slice spacing (so points beyond the stack's ends are not
    /// drawn on its end slices).
    fn point_on_slice(
        &self,
        series: &Series,
        slice: u32,
        point_series: &str,
        lps: Vec3,
    ) -> Option<ImagePoint> {
        let placed_on = self.find_series(point_series)?;
        if !placed_on.shares_frame_of_reference(series) {
            return None;
        }
        let geometry = series.geometry();
        if geometry.nearest_slice(lps) != slice {
            return None;
        }
        let projection = geometry.lps_to_image(lps, slice)?;
        let reach = series.prepared().slice_spacing_mm.max(f64::EPSILON);
        (projection.distance_mm.abs() <= reach).then_some(projection.point)
    }
}

fn positive_or_one(value: f64) -> f64 {
    if value.is_finite() && value > 0.0 {
        value
    } else {
        1.0
    }
}
