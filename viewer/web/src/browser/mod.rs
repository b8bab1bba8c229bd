//! `ReadroomViewer`, the JavaScript API, and the state behind it.
//!
//! The state lives in an `Rc<RefCell<…>>` shared with the DOM listeners; a registry keyed by
//! id lets the device-lost callback (which wgpu requires to be `Send`) find it again.

mod fetch;
mod gpu;
mod input;

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::{Rc, Weak};

use readroom_domain::PreparedSeries;
use readroom_domain::report::MAX_LESIONS;
use readroom_viewer_core::cpu_reference::render_scene;
use readroom_viewer_core::input::Modifiers;
use readroom_viewer_core::markers::Marker;
use readroom_viewer_core::overlays::{ExpertMark, OverlayKind, TrueLesion};
use readroom_viewer_core::{
    Command, InputEvent, KeyChord, Keymap, Layout, Series, Tool, Viewer, ViewerEvent,
};
use serde::Serialize;
use wasm_bindgen::prelude::*;
use web_sys::{HtmlCanvasElement, HtmlElement};

use gpu::{Gpu, Preference};

/// At most this many single frames fetched at once for slices scrolled to before they arrive.
const FRAME_FETCHES_IN_FLIGHT: usize = 4;
/// How long a newly opened case may show nothing new before its loading bars are drawn.
const LOADING_SHOWN_AFTER_MS: i32 = 100;

thread_local! {
    static VIEWERS: RefCell<HashMap<u32, Weak<RefCell<State>>>> = RefCell::new(HashMap::new());
    static NEXT_ID: RefCell<u32> = const { RefCell::new(1) };
}

type Shared = Rc<RefCell<State>>;
/// A DOM listener, kept alive as long as it is registered.
type Listener = Closure<dyn FnMut(web_sys::Event)>;
type ResizeListener = Closure<dyn FnMut(js_sys::Array)>;

struct State {
    id: u32,
    container: HtmlElement,
    canvas: HtmlCanvasElement,
    viewer: Viewer,
    gpu: Option<Gpu>,
    callbacks: Vec<(String, js_sys::Function)>,
    redraw_scheduled: bool,
    /// Something changed since the last draw.
    dirty: bool,
    destroyed: bool,
    case_id: Option<String>,
    fetching: HashSet<(String, usize)>,
    /// Series to stream once the frames in view have arrived, in load order: until then the
    /// first images have the connections to themselves.
    streams_waiting: Vec<String>,
    opened_at: f64,
    /// A frame with an image of the open case has been drawn (and not yet, perhaps, shown).
    image_drawn: bool,
    /// From opening the case until the GPU finished the first frame with an image in it.
    first_image_ms: Option<f64>,
    loaded_ms: Option<f64>,
    /// Milliseconds spent encoding and submitting each drawn frame.
    frame_ms: Vec<f64>,
    listeners: Vec<(String, Listener)>,
    resize: Option<(web_sys::ResizeObserver, ResizeListener)>,
}

fn now() -> f64 {
    web_sys::window()
        .and_then(|window| window.performance())
        .map_or(0.0, |performance| performance.now())
}

fn js_error(message: impl std::fmt::Display) -> JsError {
    JsError::new(&message.to_string())
}

fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(js_error)
}

fn from_js<T: serde::de::DeserializeOwned>(value: JsValue) -> Result<T, JsError> {
    serde_wasm_bindgen::from_value(value).map_err(js_error)
}

/// A name as serde writes it (`"2x2"`, `"length"`, `"true_lesions"`) to the value.
fn parse_name<T: serde::de::DeserializeOwned>(name: &str) -> Result<T, JsError> {
    serde_json::from_value(serde_json::Value::String(name.to_owned())).map_err(js_error)
}

fn new_canvas() -> Result<HtmlCanvasElement, JsError> {
    let document = web_sys::window()
        .and_then(|window| window.document())
        .ok_or_else(|| js_error("no document"))?;
    let canvas: HtmlCanvasElement = document
        .create_element("canvas")
        .map_err(|_| js_error("cannot create a canvas"))?
        .dyn_into()
        .map_err(|_| js_error("not a canvas"))?;
    let style = canvas.style();
    for (property, value) in [
        ("display", "block"),
        ("width", "100%"),
        ("height", "100%"),
        ("touch-action", "none"),
    ] {
        style
            .set_property(property, value)
            .map_err(|_| js_error("style"))?;
    }
    Ok(canvas)
}

/// The canvas's size in device pixels, as laid out now.
fn device_size(container: &HtmlElement) -> (u32, u32, f64) {
    let ratio = web_sys::window().map_or(1.0, |window| window.device_pixel_ratio());
    let rect = container.get_bounding_client_rect();
    (
        (rect.width() * ratio).round().max(1.0) as u32,
        (rect.height() * ratio).round().max(1.0) as u32,
        ratio,
    )
}

/// The shapes the JavaScript API takes and gives, for the generated `.d.ts`: the JSON of
/// viewer-core's types as serde writes them.
#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = r#"
/** Patient coordinates, LPS, in mm. */
export type Lps = [number, number, number];
export type Backend = "auto" | "webgpu" | "webgl2";
export type Layout = "1x1" | "1x2" | "2x2" | "3x3";
export type Tool = "scroll" | "window_level" | "zoom" | "pan" | "length" | "circle_roi"
  | "freehand_roi" | "marker" | "crosshair" | "probe";
export type OverlayKind = "trainee_markers" | "true_lesions" | "expert_marks";
/** A keymap command: "next_slice", "reset", {select_tool: "length"}, {set_layout: "2x2"}, … */
export type Command = string | { select_tool: Tool } | { set_layout: Layout } | { toggle_overlay: OverlayKind };
export type ButtonBinding = "active_tool" | { tool: Tool };
export interface Keymap {
  /** Key chord as written ("j", "Ctrl+ArrowUp", "Space") → command. */
  keys: Record<string, Command>;
  mouse: { primary: ButtonBinding; middle: ButtonBinding; secondary: ButtonBinding };
}
export interface KeyLike { key: string; ctrlKey?: boolean; altKey?: boolean; shiftKey?: boolean; metaKey?: boolean }
export interface Shortcut { command: Command; action: string; keys: string[] }
export interface HelpEntry { action: string; keys: string[] }
/** Where a marker was placed: the series and slice it was placed on, and its LPS position. */
export interface MarkedPoint { series_uid: string; slice: number; lps_mm: Lps }
export interface Marker { number: number; point: MarkedPoint }
export interface TrueLesion { number: number; centre_lps_mm: Lps; radius_mm: number; isup_grade_group: number }
export interface ExpertMark { series_uid: string; slice: number; lps_mm: Lps; label?: string }
export interface Window { center: number; width: number }
export interface ViewportInfo {
  rect: { x: number; y: number; width: number; height: number };
  series_uid?: string; slice?: number; phase?: number; window?: Window;
}
export interface ViewportTransform {
  origin: { x: number; y: number }; pixels_per_column: number; pixels_per_row: number; pixels_per_mm: number;
}
export interface CineState { playing: boolean; viewport: number; rate: number; phase: number; phases: number }
export interface CurvePoint { phase: number; value: number | null }
/** A length (tool "length", with mm) or an ROI (tool "roi", with its statistics). */
export interface Measurement { series_uid: string; slice: number; phase: number; tool: "length" | "roi"; [field: string]: unknown }
export interface Pixels { width: number; height: number; data: Uint8Array }
export interface Timings { first_image_ms: number | null; loaded_ms: number | null; frame_ms: number[] }
/** An input event as viewer-core's InputEvent reads it, e.g. {type: "pointer_down", at: {x, y}, button: "primary"}. */
export interface InputEvent { type: string; [field: string]: unknown }
"#;

/// The image viewer on a `<canvas>` it creates inside `container`.
#[wasm_bindgen]
pub struct ReadroomViewer {
    shared: Shared,
}

#[wasm_bindgen]
impl ReadroomViewer {
    /// A viewer filling `container`, drawn with `backend`: "auto" (WebGPU when the browser
    /// offers it, else WebGL2), "webgpu" or "webgl2".
    pub async fn create(
        container: HtmlElement,
        #[wasm_bindgen(unchecked_param_type = "Backend")] backend: Option<String>,
    ) -> Result<ReadroomViewer, JsError> {
        let preference =
            Preference::parse(backend.as_deref().unwrap_or("auto")).map_err(js_error)?;
        let (width, height, ratio) = device_size(&container);
        let canvas = new_canvas()?;
        canvas.set_width(width);
        canvas.set_height(height);
        container
            .append_child(&canvas)
            .map_err(|_| js_error("cannot add the canvas"))?;
        container.set_tab_index(0);
        let gpu = match preference {
            Preference::WebGl2 => gpu::connect(&canvas, wgpu::Backends::GL).await,
            Preference::WebGpu => gpu::connect(&canvas, wgpu::Backends::BROWSER_WEBGPU).await,
            Preference::Auto => match gpu::connect(&canvas, wgpu::Backends::BROWSER_WEBGPU).await {
                Ok(gpu) => Ok(gpu),
                // A canvas keeps its first context type: WebGL2 needs a fresh one.
                Err(_) => {
                    let fresh = new_canvas()?;
                    fresh.set_width(width);
                    fresh.set_height(height);
                    container
                        .replace_child(&fresh, &canvas)
                        .map_err(|_| js_error("cannot replace the canvas"))?;
                    let gpu = gpu::connect(&fresh, wgpu::Backends::GL).await;
                    return finish_create(container, fresh, gpu, (width, height, ratio));
                }
            },
        };
        finish_create(container, canvas, gpu, (width, height, ratio))
    }

    /// "webgpu" or "webgl2".
    #[wasm_bindgen(getter)]
    pub fn backend(&self) -> String {
        self.shared
            .borrow()
            .gpu
            .as_ref()
            .map_or("none", |gpu| gpu.backend)
            .to_owned()
    }

    /// Calls `callback(detail)` on `event`: "marker_placed", "marker_moved", "marker_deleted",
    /// "marker_refused", "measured", "crosshair_moved", "tool_changed", "layout_changed",
    /// "first_image", "progress", "loaded", "backend", "error".
    pub fn on(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] event: String,
        callback: js_sys::Function,
    ) {
        self.shared.borrow_mut().callbacks.push((event, callback));
    }

    /// Opens a case: hangs its series by the prostate mpMRI protocol, fetches the frames in
    /// view, and once they are in, streams the rest. Resolves when the case is open (not loaded).
    #[wasm_bindgen(js_name = openCase)]
    pub async fn open_case(&self, case_id: String) -> Result<(), JsError> {
        let opened_at = now();
        let detail: CaseDetail = fetch::json(&format!("/api/cases/{case_id}"))
            .await
            .map_err(js_error)?;
        let series = detail
            .series_detail
            .into_iter()
            .map(|prepared| {
                // Without a recorded Frame of Reference, a case's series are one study's.
                let frame_of_reference = prepared
                    .frame_of_reference_uid
                    .clone()
                    .unwrap_or_else(|| case_id.clone());
                Series::new(prepared, frame_of_reference)
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(js_error)?;
        {
            let mut state = self.shared.borrow_mut();
            state.opened_at = opened_at;
            state.image_drawn = false;
            state.first_image_ms = None;
            state.loaded_ms = None;
            state.case_id = Some(case_id);
            state.fetching.clear();
            state.viewer.open(series);
            let mut order: Vec<String> = Vec::new();
            for request in state.viewer.load_order() {
                if !order.contains(&request.series_uid) {
                    order.push(request.series_uid);
                }
            }
            state.streams_waiting = order;
        }
        fetch_missing_in_view(&self.shared);
        start_waiting_streams(&self.shared);
        // The loading bars are drawn only once the wait is long enough to notice: on a slow
        // GPU, a frame of empty viewports drawn first would hold back the first image.
        let shared = self.shared.clone();
        wasm_bindgen_futures::spawn_local(async move {
            sleep(LOADING_SHOWN_AFTER_MS).await;
            if !shared.borrow().image_drawn {
                request_redraw(&shared);
            }
        });
        Ok(())
    }

    /// "1x1", "1x2", "2x2" or "3x3".
    #[wasm_bindgen(js_name = setLayout)]
    pub fn set_layout(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Layout")] layout: String,
    ) -> Result<(), JsError> {
        let layout: Layout = parse_name(&layout)?;
        self.update(|viewer| {
            viewer.set_layout(layout);
            Vec::new()
        });
        fetch_missing_in_view(&self.shared);
        Ok(())
    }

    /// Shows series `series_uid` in viewport `viewport` (what dropping it there does).
    pub fn assign(&self, viewport: usize, series_uid: String) -> Result<(), JsError> {
        self.shared
            .borrow_mut()
            .viewer
            .assign(viewport, &series_uid)
            .map_err(js_error)?;
        request_redraw(&self.shared);
        fetch_missing_in_view(&self.shared);
        Ok(())
    }

    /// The tool the primary button uses: "scroll", "window_level", "pan", "zoom", "length",
    /// "circle_roi", "freehand_roi", "marker", "crosshair", "probe".
    #[wasm_bindgen(js_name = setTool)]
    pub fn set_tool(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Tool")] tool: String,
    ) -> Result<(), JsError> {
        let tool: Tool = parse_name(&tool)?;
        self.update(|viewer| viewer.command(Command::SelectTool(tool), now()));
        Ok(())
    }

    /// Runs a keymap command, as viewer-core's `Command` JSON: `"next_slice"`, `"reset"`,
    /// `{"select_tool": "length"}`, ….
    pub fn command(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Command")] command: JsValue,
    ) -> Result<(), JsError> {
        let command: Command = from_js(command)?;
        self.update(|viewer| viewer.command(command, now()));
        fetch_missing_in_view(&self.shared);
        Ok(())
    }

    /// Feeds one input event (as viewer-core's `InputEvent` JSON), for pages with input of
    /// their own.
    pub fn input(
        &self,
        #[wasm_bindgen(unchecked_param_type = "InputEvent")] event: JsValue,
    ) -> Result<(), JsError> {
        let event: InputEvent = from_js(event)?;
        handle(&self.shared, &event);
        Ok(())
    }

    #[wasm_bindgen(unchecked_return_type = "Keymap")]
    pub fn keymap(&self) -> Result<JsValue, JsError> {
        to_js(self.shared.borrow().viewer.keymap())
    }

    /// Replaces the shortcuts and mouse buttons (the JSON `keymap()` gives, edited).
    #[wasm_bindgen(js_name = setKeymap)]
    pub fn set_keymap(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Keymap")] keymap: JsValue,
    ) -> Result<(), JsError> {
        let keymap: Keymap = from_js(keymap)?;
        self.update(|viewer| {
            viewer.set_keymap(keymap);
            Vec::new()
        });
        Ok(())
    }

    /// Gives a command (`Command` JSON, as in `command()`) the key of a keyboard event (a
    /// `KeyboardEvent`, or `{key, ctrl, alt, shift, meta}`): its other keys are freed, and the
    /// key stops doing what it did. Returns the key as the keymap writes it ("Ctrl+k").
    #[wasm_bindgen(js_name = bindKey)]
    pub fn bind_key(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Command")] command: JsValue,
        #[wasm_bindgen(unchecked_param_type = "KeyLike")] event: JsValue,
    ) -> Result<String, JsError> {
        let command: Command = from_js(command)?;
        let flag = |name: &str| {
            js_sys::Reflect::get(&event, &name.into())
                .ok()
                .and_then(|value| value.as_bool())
                .unwrap_or(false)
        };
        let key = js_sys::Reflect::get(&event, &"key".into())
            .ok()
            .and_then(|value| value.as_string())
            .filter(|key| !key.is_empty())
            .ok_or_else(|| js_error("the event has no key"))?;
        if ["Shift", "Control", "Alt", "Meta", "AltGraph", "CapsLock"].contains(&key.as_str()) {
            return Err(js_error(format!(
                "{key} alone is not a shortcut: press a key with it"
            )));
        }
        let modifiers = Modifiers {
            ctrl: flag("ctrl") || flag("ctrlKey"),
            alt: flag("alt") || flag("altKey"),
            shift: flag("shift") || flag("shiftKey"),
            meta: flag("meta") || flag("metaKey"),
        };
        let chord = KeyChord::from_event(&key, modifiers);
        let written = chord.to_string();
        let mut keymap = self.shared.borrow().viewer.keymap().clone();
        keymap.remap(command, chord);
        self.update(|viewer| {
            viewer.set_keymap(keymap);
            Vec::new()
        });
        Ok(written)
    }

    /// The trainee's markers, each `{number, point: {series_uid, slice, lps_mm}}`.
    #[wasm_bindgen(unchecked_return_type = "Marker[]")]
    pub fn markers(&self) -> Result<JsValue, JsError> {
        to_js(&self.shared.borrow().viewer.markers())
    }

    #[wasm_bindgen(js_name = removeMarker)]
    pub fn remove_marker(&self, number: u32) {
        self.update(|viewer| viewer.delete_marker(number));
    }

    /// Replaces the markers with those of a saved report, each `{number, point}` as
    /// `markers()` gives them (numbers 1 to 4, each once). Sends no events.
    #[wasm_bindgen(js_name = setMarkers)]
    pub fn set_markers(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Marker[]")] markers: JsValue,
    ) -> Result<(), JsError> {
        let markers: Vec<Marker> = from_js(markers)?;
        let mut numbers: Vec<u32> = markers.iter().map(|marker| marker.number).collect();
        numbers.sort_unstable();
        numbers.dedup();
        if numbers.len() != markers.len()
            || numbers
                .iter()
                .any(|number| !(1..=MAX_LESIONS as u32).contains(number))
        {
            return Err(js_error(format!(
                "markers are numbered 1 to {MAX_LESIONS}, each number once"
            )));
        }
        self.update(|viewer| {
            viewer.set_markers(markers);
            Vec::new()
        });
        Ok(())
    }

    /// Selects marker `number` and shows it on its slice; false when there is no such marker.
    #[wasm_bindgen(js_name = selectMarker)]
    pub fn select_marker(&self, number: u32) -> bool {
        let mut shown = false;
        self.update(|viewer| {
            shown = viewer.select_marker(number);
            Vec::new()
        });
        fetch_missing_in_view(&self.shared);
        shown
    }

    /// After submission: the true lesions, `[{number, centre_lps_mm, radius_mm, isup_grade_group}]`.
    #[wasm_bindgen(js_name = setTrueLesions)]
    pub fn set_true_lesions(
        &self,
        #[wasm_bindgen(unchecked_param_type = "TrueLesion[]")] lesions: JsValue,
    ) -> Result<(), JsError> {
        let lesions: Vec<TrueLesion> = from_js(lesions)?;
        self.update(|viewer| {
            viewer.set_true_lesions(lesions);
            Vec::new()
        });
        Ok(())
    }

    /// The expert's pinned marks, `[{series_uid, slice, lps_mm, label}]`.
    #[wasm_bindgen(js_name = setExpertMarks)]
    pub fn set_expert_marks(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ExpertMark[]")] marks: JsValue,
    ) -> Result<(), JsError> {
        let marks: Vec<ExpertMark> = from_js(marks)?;
        self.update(|viewer| {
            viewer.set_expert_marks(marks);
            Vec::new()
        });
        Ok(())
    }

    /// Shows or hides "trainee_markers", "true_lesions" or "expert_marks".
    #[wasm_bindgen(js_name = setOverlay)]
    pub fn set_overlay(
        &self,
        #[wasm_bindgen(unchecked_param_type = "OverlayKind")] kind: String,
        shown: bool,
    ) -> Result<(), JsError> {
        let kind: OverlayKind = parse_name(&kind)?;
        self.update(|viewer| {
            viewer.set_overlay(kind, shown);
            Vec::new()
        });
        Ok(())
    }

    /// Each viewport: `{series_uid, slice, phase, window: {center, width}, rect}`.
    #[wasm_bindgen(unchecked_return_type = "ViewportInfo[]")]
    pub fn viewports(&self) -> Result<JsValue, JsError> {
        let state = self.shared.borrow();
        let rects = state.viewer.viewport_rects();
        let viewports: Vec<serde_json::Value> = rects
            .iter()
            .enumerate()
            .map(|(index, rect)| match state.viewer.viewport(index) {
                Some(view) => serde_json::json!({
                    "series_uid": view.series_uid(),
                    "slice": view.slice(),
                    "phase": view.phase(),
                    "window": view.window(),
                    "rect": rect,
                }),
                None => serde_json::json!({ "rect": rect }),
            })
            .collect();
        to_js(&viewports)
    }

    /// Viewport `index`'s map from image to canvas device pixels:
    /// `{origin: {x, y}, pixels_per_column, pixels_per_row, pixels_per_mm}`.
    #[wasm_bindgen(js_name = viewportTransform, unchecked_return_type = "ViewportTransform | null")]
    pub fn viewport_transform(&self, index: usize) -> Result<JsValue, JsError> {
        let transform = self
            .shared
            .borrow()
            .viewer
            .transform(index)
            .ok_or_else(|| js_error(format!("viewport {index} shows nothing")))?;
        to_js(&serde_json::json!({
            "origin": transform.origin,
            "pixels_per_column": transform.pixels_per_column,
            "pixels_per_row": transform.pixels_per_row,
            "pixels_per_mm": transform.pixels_per_mm,
        }))
    }

    /// DCE cine: `{playing, viewport, rate, phase, phases}` for the viewport keys act on
    /// (`phase` and `phases` of the series it shows; `rate` in phases per second).
    #[wasm_bindgen(unchecked_return_type = "CineState")]
    pub fn cine(&self) -> Result<JsValue, JsError> {
        let state = self.shared.borrow();
        let viewer = &state.viewer;
        let active = viewer.active_viewport();
        let (phase, phases) = viewer.active_phase().unwrap_or((0, 1));
        to_js(&serde_json::json!({
            "playing": viewer.cine().is_some_and(|cine| cine.viewport == active),
            "viewport": active,
            "rate": viewer.cine_rate(),
            "phase": phase,
            "phases": phases,
        }))
    }

    /// Sets the cine rate (phases per second, above 0); a playing cine goes on at it.
    #[wasm_bindgen(js_name = setCineRate)]
    pub fn set_cine_rate(&self, rate: f64) -> Result<(), JsError> {
        if !(rate.is_finite() && rate > 0.0) {
            return Err(js_error(format!("a cine rate must be above 0, not {rate}")));
        }
        self.update(|viewer| {
            viewer.set_cine_rate(rate, now());
            Vec::new()
        });
        Ok(())
    }

    /// The time-intensity curve at the crosshair in a viewport's series, phase by phase:
    /// `[{phase, value}]` in display units (`value` null off the image), or null when there is
    /// no crosshair or the viewport shows another frame of reference.
    #[wasm_bindgen(js_name = timeIntensityCurve, unchecked_return_type = "CurvePoint[] | null")]
    pub fn time_intensity_curve(&self, viewport: usize) -> Result<JsValue, JsError> {
        to_js(&self.shared.borrow().viewer.time_intensity_curve(viewport))
    }

    /// Every keyboard command, for a page that remaps them: `[{command, action, keys}]`, with
    /// `command` as `command()` and `bindKey()` take it and `keys` as the keymap writes them.
    #[wasm_bindgen(unchecked_return_type = "Shortcut[]")]
    pub fn shortcuts(&self) -> Result<JsValue, JsError> {
        let state = self.shared.borrow();
        let keymap = state.viewer.keymap();
        let shortcuts: Vec<serde_json::Value> = Command::all()
            .into_iter()
            .map(|command| {
                serde_json::json!({
                    "command": command,
                    "action": command.label(),
                    "keys": keymap.keys_of(command).iter().map(ToString::to_string).collect::<Vec<_>>(),
                })
            })
            .collect();
        to_js(&shortcuts)
    }

    /// Every command with its keys and buttons, as the help overlay lists them.
    #[wasm_bindgen(unchecked_return_type = "HelpEntry[]")]
    pub fn help(&self) -> Result<JsValue, JsError> {
        to_js(&self.shared.borrow().viewer.help())
    }

    /// The measurements made so far.
    #[wasm_bindgen(unchecked_return_type = "Measurement[]")]
    pub fn measurements(&self) -> Result<JsValue, JsError> {
        to_js(&self.shared.borrow().viewer.measurements())
    }

    /// The pixels as drawn now, read back from the GPU: `{width, height, data}` (RGBA).
    #[wasm_bindgen(js_name = readPixels, unchecked_return_type = "Pixels")]
    pub async fn read_pixels(&self) -> Result<JsValue, JsError> {
        let readback = {
            let mut state = self.shared.borrow_mut();
            let scene = state.viewer.scene();
            let gpu = state.gpu.as_mut().ok_or_else(|| js_error("no GPU"))?;
            gpu.renderer.render_to_readback(&scene)
        };
        loop {
            let answer = {
                let state = self.shared.borrow();
                let gpu = state.gpu.as_ref().ok_or_else(|| js_error("no GPU"))?;
                readback.poll(gpu.renderer.device(), false)
            };
            if let Some(result) = answer {
                return image_to_js(&result.map_err(js_error)?);
            }
            // Let the browser deliver the mapping.
            yield_to_browser().await;
        }
    }

    /// The same scene drawn by viewer-core's CPU reference, and which pixels are ties
    /// (`uncertain`, one byte per pixel) to leave out of a comparison.
    #[wasm_bindgen(js_name = referencePixels, unchecked_return_type = "Pixels & { uncertain: Uint8Array }")]
    pub fn reference_pixels(&self) -> Result<JsValue, JsError> {
        let state = self.shared.borrow();
        let reference = render_scene(&state.viewer.scene(), state.viewer.voxels());
        let object = image_to_js(&reference.image)?;
        let uncertain: Vec<u8> = reference.uncertain.iter().map(|u| u8::from(*u)).collect();
        js_sys::Reflect::set(
            &object,
            &"uncertain".into(),
            &js_sys::Uint8Array::from(&uncertain[..]),
        )
        .map_err(|_| js_error("reflect"))?;
        Ok(object)
    }

    /// Timings: `{first_image_ms, loaded_ms, frame_ms: [...]}`, from opening the case.
    #[wasm_bindgen(unchecked_return_type = "Timings")]
    pub fn timings(&self) -> Result<JsValue, JsError> {
        let state = self.shared.borrow();
        to_js(&serde_json::json!({
            "first_image_ms": state.first_image_ms,
            "loaded_ms": state.loaded_ms,
            "frame_ms": state.frame_ms,
        }))
    }

    /// Draws now rather than on the next animation frame (for benchmarks).
    #[wasm_bindgen(js_name = drawNow)]
    pub fn draw_now(&self) {
        draw(&self.shared);
    }

    /// Resolves when the GPU has finished everything submitted so far (for benchmarks).
    pub async fn finish(&self) -> Result<(), JsError> {
        gpu_finished(&self.shared).await.map_err(js_error)
    }

    /// Destroys the GPU device, as a lost device would be; the viewer falls back to WebGL2.
    /// For tests.
    #[wasm_bindgen(js_name = loseDevice)]
    pub fn lose_device(&self) {
        if let Some(gpu) = &self.shared.borrow().gpu {
            gpu.renderer.device().destroy();
        }
    }

    /// Stops listening and drops the GPU; the canvas is removed.
    pub fn destroy(&self) {
        let mut state = self.shared.borrow_mut();
        state.destroyed = true;
        let container = state.container.clone();
        for (name, listener) in state.listeners.drain(..) {
            let _ = container
                .remove_event_listener_with_callback(&name, listener.as_ref().unchecked_ref());
        }
        if let Some((observer, _)) = state.resize.take() {
            observer.disconnect();
        }
        state.gpu = None;
        state.canvas.remove();
        VIEWERS.with(|viewers| viewers.borrow_mut().remove(&state.id));
    }
}

impl ReadroomViewer {
    fn update(&self, change: impl FnOnce(&mut Viewer) -> Vec<ViewerEvent>) {
        let events = change(&mut self.shared.borrow_mut().viewer);
        self.after(events);
    }

    fn after(&self, events: Vec<ViewerEvent>) {
        for event in events {
            emit_viewer_event(&self.shared, &event);
        }
        request_redraw(&self.shared);
    }
}

#[derive(serde::Deserialize)]
struct CaseDetail {
    series_detail: Vec<PreparedSeries>,
}

fn finish_create(
    container: HtmlElement,
    canvas: HtmlCanvasElement,
    gpu: Result<Gpu, String>,
    (width, height, ratio): (u32, u32, f64),
) -> Result<ReadroomViewer, JsError> {
    let gpu = gpu.map_err(js_error)?;
    let id = NEXT_ID.with(|next| {
        let mut next = next.borrow_mut();
        *next += 1;
        *next
    });
    let shared = Rc::new(RefCell::new(State {
        id,
        container,
        canvas,
        viewer: Viewer::new(width, height, ratio),
        gpu: None,
        callbacks: Vec::new(),
        redraw_scheduled: false,
        dirty: true,
        destroyed: false,
        case_id: None,
        fetching: HashSet::new(),
        streams_waiting: Vec::new(),
        opened_at: now(),
        image_drawn: false,
        first_image_ms: None,
        loaded_ms: None,
        frame_ms: Vec::new(),
        listeners: Vec::new(),
        resize: None,
    }));
    install_gpu(&shared, gpu);
    VIEWERS.with(|viewers| viewers.borrow_mut().insert(id, Rc::downgrade(&shared)));
    listen(&shared)?;
    Ok(ReadroomViewer { shared })
}

/// Puts `gpu` in use, with a callback that falls back to WebGL2 if its device is lost.
fn install_gpu(shared: &Shared, gpu: Gpu) {
    let id = shared.borrow().id;
    gpu.renderer
        .device()
        .set_device_lost_callback(move |reason, message| {
            let reason = format!("{reason:?}: {message}");
            wasm_bindgen_futures::spawn_local(async move { fall_back_to_webgl2(id, reason).await });
        });
    let mut state = shared.borrow_mut();
    state.gpu = Some(gpu);
    // Everything already fetched goes to the new device.
    let State { viewer, gpu, .. } = &mut *state;
    if let Some(gpu) = gpu {
        for series in viewer.series() {
            for index in 0..series.frame_count() {
                if let Some(words) = viewer.voxels().words(series.uid(), index) {
                    let _ = upload(gpu, series, index, words);
                }
            }
        }
    }
}

async fn fall_back_to_webgl2(id: u32, reason: String) {
    let Some(shared) = VIEWERS.with(|viewers| viewers.borrow().get(&id).and_then(Weak::upgrade))
    else {
        return;
    };
    let (container, old, size) = {
        let mut state = shared.borrow_mut();
        if state.destroyed {
            return;
        }
        state.gpu = None;
        (
            state.container.clone(),
            state.canvas.clone(),
            (state.canvas.width(), state.canvas.height()),
        )
    };
    let Ok(canvas) = new_canvas() else {
        return;
    };
    canvas.set_width(size.0);
    canvas.set_height(size.1);
    if container.replace_child(&canvas, &old).is_err() {
        return;
    }
    shared.borrow_mut().canvas = canvas.clone();
    match gpu::connect(&canvas, wgpu::Backends::GL).await {
        Ok(gpu) => {
            install_gpu(&shared, gpu);
            emit(
                &shared,
                "backend",
                &serde_json::json!({ "backend": "webgl2", "reason": reason }),
            );
            request_redraw(&shared);
        }
        Err(error) => emit(
            &shared,
            "error",
            &serde_json::json!({ "message": error, "reason": reason }),
        ),
    }
}

/// Sends a stored frame to the GPU; the renderer learns of its series with its first frame.
fn upload(gpu: &mut Gpu, series: &Series, index: usize, words: &[u16]) -> Result<(), String> {
    let prepared = series.prepared();
    gpu.renderer.prepare_series(
        series.uid(),
        prepared.columns,
        prepared.rows,
        series.frame_count() as u32,
    );
    gpu.renderer
        .upload_frame(series.uid(), index, words)
        .map_err(|error| error.to_string())
}

/// Stores a frame's bytes and sends it to the GPU; a frame already there is left alone.
fn accept_frame(shared: &Shared, uid: &str, index: usize, bytes: &[u8]) -> Result<(), String> {
    let mut state = shared.borrow_mut();
    if state.viewer.voxels().is_loaded(uid, index) {
        return Ok(());
    }
    state
        .viewer
        .voxels_mut()
        .insert_le_bytes(uid, index, bytes)
        .map_err(|error| error.to_string())?;
    let State { viewer, gpu, .. } = &mut *state;
    if let (Some(gpu), Some(series), Some(words)) = (
        gpu.as_mut(),
        viewer.find_series(uid),
        viewer.voxels().words(uid, index),
    ) {
        upload(gpu, series, index, words)?;
    }
    drop(state);
    request_redraw(shared);
    Ok(())
}

/// Starts streaming the waiting series once no frame in view is still being fetched.
fn start_waiting_streams(shared: &Shared) {
    let waiting = {
        let mut state = shared.borrow_mut();
        if !state.fetching.is_empty() {
            return;
        }
        std::mem::take(&mut state.streams_waiting)
    };
    for uid in waiting {
        let shared = shared.clone();
        wasm_bindgen_futures::spawn_local(async move {
            if let Err(error) = stream_series(&shared, &uid).await {
                emit(&shared, "error", &serde_json::json!({ "message": error }));
            }
        });
    }
}

/// Streams a whole series, cutting the body at frame boundaries.
async fn stream_series(shared: &Shared, uid: &str) -> Result<(), String> {
    let frame_bytes = {
        let state = shared.borrow();
        let series = state.viewer.find_series(uid).ok_or("unknown series")?;
        (series.prepared().rows * series.prepared().columns * 2) as usize
    };
    let mut pending: Vec<u8> = Vec::with_capacity(frame_bytes);
    let mut index = 0;
    let mut failure = None;
    fetch::stream(&format!("/api/series/{uid}/voxels"), |chunk| {
        let mut rest = chunk;
        while !rest.is_empty() {
            let take = (frame_bytes - pending.len()).min(rest.len());
            pending.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
            if pending.len() == frame_bytes {
                if let Err(error) = accept_frame(shared, uid, index, &pending) {
                    failure.get_or_insert(error);
                }
                pending.clear();
                index += 1;
            }
        }
        report_progress(shared);
    })
    .await?;
    failure.map_or(Ok(()), Err)
}

/// Fetches, one by one, frames in view that have not arrived (the first image of a case, or a
/// slice scrolled to ahead of the stream).
fn fetch_missing_in_view(shared: &Shared) {
    let wanted: Vec<(String, usize)> = {
        let state = shared.borrow();
        let rects = state.viewer.viewport_rects().len();
        (0..rects)
            .filter_map(|viewport| {
                let view = state.viewer.viewport(viewport)?;
                let series = state.viewer.find_series(view.series_uid())?;
                let index = series.frame_index(view.slice(), view.phase())?;
                (!state.viewer.voxels().is_loaded(series.uid(), index))
                    .then(|| (series.uid().to_owned(), index))
            })
            .collect()
    };
    for key in wanted {
        {
            let mut state = shared.borrow_mut();
            if state.fetching.len() >= FRAME_FETCHES_IN_FLIGHT
                || !state.fetching.insert(key.clone())
            {
                continue;
            }
        }
        let shared = shared.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let (uid, index) = key.clone();
            let result = fetch::bytes(&format!("/api/series/{uid}/frames/{index}")).await;
            shared.borrow_mut().fetching.remove(&key);
            match result.and_then(|bytes| accept_frame(&shared, &uid, index, &bytes)) {
                Ok(()) => fetch_missing_in_view(&shared),
                Err(error) => emit(&shared, "error", &serde_json::json!({ "message": error })),
            }
            start_waiting_streams(&shared);
        });
    }
}

fn report_progress(shared: &Shared) {
    let (progress, complete) = {
        let mut state = shared.borrow_mut();
        let progress = state.viewer.voxels().total_progress();
        let complete = progress.is_complete() && state.loaded_ms.is_none();
        if complete {
            state.loaded_ms = Some(now() - state.opened_at);
        }
        (progress, complete)
    };
    emit(
        shared,
        "progress",
        &serde_json::json!({ "fraction": progress.fraction() }),
    );
    if complete {
        let loaded_ms = shared.borrow().loaded_ms;
        emit(shared, "loaded", &serde_json::json!({ "ms": loaded_ms }));
    }
}

fn handle(shared: &Shared, event: &InputEvent) {
    let events = shared.borrow_mut().viewer.handle(event, now());
    for event in &events {
        emit_viewer_event(shared, event);
    }
    request_redraw(shared);
    fetch_missing_in_view(shared);
}

fn emit_viewer_event(shared: &Shared, event: &ViewerEvent) {
    let Ok(value) = serde_json::to_value(event) else {
        return;
    };
    let name = value
        .get("event")
        .and_then(|name| name.as_str())
        .unwrap_or("")
        .to_owned();
    emit(shared, &name, &value);
}

fn emit(shared: &Shared, name: &str, detail: &serde_json::Value) {
    let callbacks: Vec<js_sys::Function> = shared
        .borrow()
        .callbacks
        .iter()
        .filter(|(event, _)| event == name)
        .map(|(_, callback)| callback.clone())
        .collect();
    let Ok(detail) = to_js(detail) else {
        return;
    };
    for callback in callbacks {
        let _ = callback.call1(&JsValue::NULL, &detail);
    }
}

/// Draws on the next animation frame (once, however many changes come before it).
fn request_redraw(shared: &Shared) {
    {
        let mut state = shared.borrow_mut();
        state.dirty = true;
        if state.redraw_scheduled || state.destroyed {
            return;
        }
        state.redraw_scheduled = true;
    }
    let shared = shared.clone();
    let callback = Closure::once_into_js(move || {
        shared.borrow_mut().redraw_scheduled = false;
        // Already drawn (by `drawNow`) since it was asked for: nothing to do.
        if shared.borrow().dirty {
            draw(&shared);
        }
    });
    if let Some(window) = web_sys::window() {
        let _ = window.request_animation_frame(callback.unchecked_ref());
    }
}

fn draw(shared: &Shared) {
    let started = now();
    let (first_image, animating) = {
        let mut state = shared.borrow_mut();
        state.dirty = false;
        let animating = state.viewer.tick(started) || state.viewer.cine().is_some();
        let scene = state.viewer.scene();
        let Some(gpu) = state.gpu.as_mut() else {
            return;
        };
        let texture = match gpu.surface.get_current_texture() {
            wgpu::CurrentSurfaceTexture::Success(texture)
            | wgpu::CurrentSurfaceTexture::Suboptimal(texture) => texture,
            _ => {
                gpu.surface.configure(gpu.renderer.device(), &gpu.config);
                drop(state);
                request_redraw(shared);
                return;
            }
        };
        let view = texture.texture.create_view(&Default::default());
        gpu.renderer.render(&scene, &view);
        gpu.renderer.present(texture);
        let drew_image = scene.viewports.iter().any(|viewport| {
            viewport
                .image
                .as_ref()
                .is_some_and(|layer| gpu.renderer.is_loaded(&layer.series_uid, layer.frame_index))
        });
        let elapsed = now() - started;
        state.frame_ms.push(elapsed);
        let first_image = drew_image && !state.image_drawn && state.case_id.is_some();
        state.image_drawn |= first_image;
        (first_image, animating)
    };
    if first_image {
        time_first_image(shared);
    }
    if animating {
        request_redraw(shared);
    }
}

/// Resolves once the GPU has finished all work submitted so far.
async fn gpu_finished(shared: &Shared) -> Result<(), String> {
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    {
        let state = shared.borrow();
        let gpu = state.gpu.as_ref().ok_or("no GPU")?;
        let flag = done.clone();
        gpu.renderer
            .on_work_done(move || flag.store(true, std::sync::atomic::Ordering::Release));
    }
    loop {
        if let Some(gpu) = &shared.borrow().gpu {
            let _ = gpu.renderer.device().poll(wgpu::PollType::Poll);
        }
        if done.load(std::sync::atomic::Ordering::Acquire) {
            return Ok(());
        }
        yield_to_browser().await;
    }
}

/// Times the first image once the GPU has finished drawing it, when it is on screen at the
/// next composite (submitting a frame is not showing it: on a CPU rasteriser the drawing
/// itself takes tens of milliseconds).
fn time_first_image(shared: &Shared) {
    let shared = shared.clone();
    let opened_at = shared.borrow().opened_at;
    wasm_bindgen_futures::spawn_local(async move {
        if gpu_finished(&shared).await.is_err() {
            return;
        }
        let ms = {
            let mut state = shared.borrow_mut();
            // Another case opened meanwhile: its own first image will be timed.
            if state.opened_at != opened_at || state.first_image_ms.is_some() {
                return;
            }
            let ms = now() - opened_at;
            state.first_image_ms = Some(ms);
            ms
        };
        emit(&shared, "first_image", &serde_json::json!({ "ms": ms }));
    });
}

async fn yield_to_browser() {
    sleep(0).await;
}

async fn sleep(milliseconds: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window
                .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, milliseconds);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

fn image_to_js(
    image: &readroom_viewer_core::cpu_reference::Rgba8Image,
) -> Result<JsValue, JsError> {
    let object = js_sys::Object::new();
    let set = |key: &str, value: &JsValue| {
        js_sys::Reflect::set(&object, &key.into(), value)
            .map(|_| ())
            .map_err(|_| js_error("reflect"))
    };
    set("width", &image.width.into())?;
    set("height", &image.height.into())?;
    set("data", &js_sys::Uint8Array::from(&image.pixels[..]).into())?;
    Ok(object.into())
}

/// DOM listeners on the container (so they survive a canvas replaced after a device loss),
/// and a resize observer.
fn listen(shared: &Shared) -> Result<(), JsError> {
    let container = shared.borrow().container.clone();
    let add = |name: &str, handler: Box<dyn FnMut(web_sys::Event)>| -> Result<(), JsError> {
        let closure = Closure::wrap(handler);
        container
            .add_event_listener_with_callback(name, closure.as_ref().unchecked_ref())
            .map_err(|_| js_error("cannot listen"))?;
        shared
            .borrow_mut()
            .listeners
            .push((name.to_owned(), closure));
        Ok(())
    };
    // No menu on right-click: the secondary button is a viewer tool. A listener rather than an
    // inline `oncontextmenu`, which a Content-Security-Policy without 'unsafe-inline' refuses.
    add(
        "contextmenu",
        Box::new(|event: web_sys::Event| event.prevent_default()),
    )?;
    for name in ["pointerdown", "pointermove", "pointerup", "pointercancel"] {
        let shared = shared.clone();
        add(
            name,
            Box::new(move |event: web_sys::Event| {
                let Some(event) = event.dyn_ref::<web_sys::PointerEvent>() else {
                    return;
                };
                let canvas = shared.borrow().canvas.clone();
                if event.type_() == "pointerdown" {
                    let _ = canvas.set_pointer_capture(event.pointer_id());
                    let _ = shared.borrow().container.focus();
                }
                if let Some(input) = input::pointer(&canvas, event) {
                    event.prevent_default();
                    handle(&shared, &input);
                }
            }),
        )?;
    }
    {
        let shared = shared.clone();
        add(
            "wheel",
            Box::new(move |event: web_sys::Event| {
                let Some(event) = event.dyn_ref::<web_sys::WheelEvent>() else {
                    return;
                };
                event.prevent_default();
                let canvas = shared.borrow().canvas.clone();
                handle(&shared, &input::wheel(&canvas, event));
            }),
        )?;
    }
    {
        let shared = shared.clone();
        add(
            "keydown",
            Box::new(move |event: web_sys::Event| {
                let Some(event) = event.dyn_ref::<web_sys::KeyboardEvent>() else {
                    return;
                };
                // Keys the viewer uses do not also scroll the page.
                if matches!(
                    event.key().as_str(),
                    "ArrowUp"
                        | "ArrowDown"
                        | "ArrowLeft"
                        | "ArrowRight"
                        | "PageUp"
                        | "PageDown"
                        | " "
                ) {
                    event.prevent_default();
                }
                handle(&shared, &input::key(event));
            }),
        )?;
    }
    for name in ["touchstart", "touchmove", "touchend", "touchcancel"] {
        let shared = shared.clone();
        add(
            name,
            Box::new(move |event: web_sys::Event| {
                let Some(event) = event.dyn_ref::<web_sys::TouchEvent>() else {
                    return;
                };
                event.prevent_default();
                let canvas = shared.borrow().canvas.clone();
                handle(&shared, &input::touch(&canvas, event));
            }),
        )?;
    }
    let observed = shared.clone();
    let on_resize = Closure::wrap(Box::new(move |_entries: js_sys::Array| {
        let container = observed.borrow().container.clone();
        let (width, height, ratio) = device_size(&container);
        {
            let mut state = observed.borrow_mut();
            if (state.canvas.width(), state.canvas.height()) == (width, height) {
                return;
            }
            state.canvas.set_width(width);
            state.canvas.set_height(height);
            state.viewer.resize(width, height, ratio);
            if let Some(gpu) = state.gpu.as_mut() {
                gpu.resize(width, height);
            }
        }
        request_redraw(&observed);
    }) as Box<dyn FnMut(js_sys::Array)>);
    let observer = web_sys::ResizeObserver::new(on_resize.as_ref().unchecked_ref())
        .map_err(|_| js_error("no ResizeObserver"))?;
    observer.observe(&container);
    shared.borrow_mut().resize = Some((observer, on_resize));
    Ok(())
}
