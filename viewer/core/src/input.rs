//! The input state machine: platform-neutral pointer, wheel, key and touch events in, viewer
//! actions out. The web crate translates DOM events into [`InputEvent`]s (positions in canvas
//! device pixels) and nothing else; what a gesture means is decided here.
//!
//! - A button press starts a drag in the viewport under it, which keeps the drag until the
//!   button is released. The button's binding ([`MouseMap`]) picks the tool: the selected one or
//!   a fixed one. Scroll, window/level, zoom and pan turn movement into steps; the other tools
//!   report the gesture's start, moves and end at screen positions, and the viewer decides what
//!   they make (a marker, a length, an ROI).
//! - Moving with no button pressed reports a hover (the value under the cursor).
//! - The wheel scrolls slices, one per notch; with Ctrl (also how browsers report a trackpad
//!   pinch) it zooms about the pointer.
//! - Keys are looked up in the [`Keymap`] and act on the active viewport: the one last pressed,
//!   scrolled or selected with [`Command::NextViewport`].
//! - Touch: one finger uses the selected tool like the primary button; two fingers either scroll
//!   (moving together) or zoom (pinching), whichever the first 10 CSS pixels of movement show,
//!   for the rest of the gesture. A second finger cancels a one-finger gesture.
//!
//! Distances that are about the hand (drag steps, touch thresholds) are in CSS pixels, so they
//! feel the same at any device pixel ratio; pan is in device pixels, so the image follows the
//! pointer exactly.

use serde::{Deserialize, Serialize};

use crate::keymap::{ButtonBinding, Command, KeyChord, Keymap, MouseMap};
use crate::screen::{Rect, ScreenPoint};

/// Vertical drag, in CSS pixels, per slice with the scroll tool.
pub const SCROLL_DRAG_CSS_PX_PER_SLICE: f64 = 8.0;
/// Wheel movement, in CSS pixels, per slice (one notch in Chromium and Safari).
pub const WHEEL_CSS_PX_PER_SLICE: f64 = 100.0;
/// Wheel lines per slice (one notch in Firefox).
pub const WHEEL_LINES_PER_SLICE: f64 = 3.0;
/// Ctrl+wheel zooms by `exp(−delta / this)`: a notch zooms by about 22 %.
pub const WHEEL_CSS_PX_PER_ZOOM_E: f64 = 500.0;
/// A drag up by this many CSS pixels with the zoom tool zooms in by a factor e.
pub const ZOOM_DRAG_CSS_PX_PER_E: f64 = 150.0;
/// Two-finger vertical movement, in CSS pixels, per slice.
pub const TOUCH_CSS_PX_PER_SLICE: f64 = 20.0;
/// Movement, in CSS pixels, after which a two-finger gesture is known to be a scroll or a pinch.
pub const TOUCH_DECISION_CSS_PX: f64 = 10.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tool {
    Scroll,
    WindowLevel,
    Zoom,
    Pan,
    Length,
    CircleRoi,
    FreehandRoi,
    Marker,
    Crosshair,
    Probe,
}

impl Tool {
    pub const ALL: [Tool; 10] = [
        Tool::Scroll,
        Tool::WindowLevel,
        Tool::Zoom,
        Tool::Pan,
        Tool::Length,
        Tool::CircleRoi,
        Tool::FreehandRoi,
        Tool::Marker,
        Tool::Crosshair,
        Tool::Probe,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Tool::Scroll => "Scroll",
            Tool::WindowLevel => "Window/level",
            Tool::Zoom => "Zoom",
            Tool::Pan => "Pan",
            Tool::Length => "Length",
            Tool::CircleRoi => "Circle ROI",
            Tool::FreehandRoi => "Freehand ROI",
            Tool::Marker => "Lesion marker",
            Tool::Crosshair => "Crosshair",
            Tool::Probe => "Value under cursor",
        }
    }

    /// Tools whose drags are steps (slices, window, zoom, pan) rather than shapes on the image.
    fn is_continuous(self) -> bool {
        matches!(
            self,
            Tool::Scroll | Tool::WindowLevel | Tool::Zoom | Tool::Pan
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PointerButton {
    Primary,
    Middle,
    Secondary,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Modifiers {
    #[serde(default)]
    pub ctrl: bool,
    #[serde(default)]
    pub alt: bool,
    #[serde(default)]
    pub shift: bool,
    #[serde(default)]
    pub meta: bool,
}

/// The unit of a wheel delta (`WheelEvent.deltaMode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WheelUnit {
    /// CSS pixels.
    Pixel,
    Line,
    Page,
}

/// One finger on the screen.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Touch {
    pub id: i64,
    pub at: ScreenPoint,
}

/// An input event, positions in canvas device pixels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum InputEvent {
    PointerDown {
        at: ScreenPoint,
        button: PointerButton,
        #[serde(default)]
        modifiers: Modifiers,
    },
    PointerMove {
        at: ScreenPoint,
    },
    PointerUp {
        at: ScreenPoint,
        button: PointerButton,
    },
    /// The pointer was taken away (pointercancel, lost capture): a gesture in progress is
    /// cancelled.
    PointerCancel,
    Wheel {
        at: ScreenPoint,
        delta_y: f64,
        unit: WheelUnit,
        #[serde(default)]
        modifiers: Modifiers,
    },
    Key {
        key: String,
        #[serde(default)]
        modifiers: Modifiers,
    },
    /// The fingers on the canvas after a touch event (`TouchEvent.touches`): none when the last
    /// one is lifted.
    Touch {
        touches: Vec<Touch>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GesturePhase {
    Start,
    Move,
    End,
    Cancel,
}

/// What the viewer is asked to do. `viewport` indexes the layout's viewports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    ScrollSlices {
        viewport: usize,
        slices: i64,
    },
    /// A window/level drag by CSS pixels (see `ViewportState::drag_window`).
    AdjustWindow {
        viewport: usize,
        dx: f64,
        dy: f64,
    },
    Zoom {
        viewport: usize,
        factor: f64,
        about: ScreenPoint,
    },
    /// Device pixels.
    Pan {
        viewport: usize,
        dx: f64,
        dy: f64,
    },
    /// A drag with a tool that draws on the image (length, ROI, marker, crosshair, probe).
    Gesture {
        viewport: usize,
        tool: Tool,
        phase: GesturePhase,
        at: ScreenPoint,
    },
    Hover {
        viewport: usize,
        at: ScreenPoint,
    },
    Command {
        viewport: usize,
        command: Command,
    },
}

#[derive(Debug, Clone, PartialEq)]
enum Gesture {
    Idle,
    Drag {
        viewport: usize,
        /// `None` for a one-finger touch.
        button: Option<PointerButton>,
        tool: Tool,
        last: ScreenPoint,
        /// Movement not yet turned into a whole slice.
        scroll_remainder: f64,
    },
    TwoFingers {
        viewport: usize,
        ids: [i64; 2],
        start: [ScreenPoint; 2],
        last: [ScreenPoint; 2],
        mode: TwoFingerMode,
        scroll_remainder: f64,
    },
    /// Fingers left over from a finished gesture: nothing happens until all are lifted.
    WaitForRelease,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TwoFingerMode {
    Undecided,
    Scroll,
    Pinch,
}

#[derive(Debug, Clone, PartialEq)]
pub struct InputState {
    tool: Tool,
    active_viewport: usize,
    device_pixel_ratio: f64,
    gesture: Gesture,
    wheel_remainder: f64,
}

impl Default for InputState {
    fn default() -> InputState {
        InputState::new(1.0)
    }
}

impl InputState {
    pub fn new(device_pixel_ratio: f64) -> InputState {
        InputState {
            tool: Tool::Scroll,
            active_viewport: 0,
            device_pixel_ratio: positive_or_one(device_pixel_ratio),
            gesture: Gesture::Idle,
            wheel_remainder: 0.0,
        }
    }

    pub fn tool(&self) -> Tool {
        self.tool
    }

    pub fn set_tool(&mut self, tool: Tool) {
        self.tool = tool;
    }

    pub fn active_viewport(&self) -> usize {
        self.active_viewport
    }

    pub fn set_active_viewport(&mut self, viewport: usize) {
        self.active_viewport = viewport;
    }

    pub fn set_device_pixel_ratio(&mut self, ratio: f64) {
        self.device_pixel_ratio = positive_or_one(ratio);
    }

    /// Turns one event into actions. `viewports` are the layout's rectangles.
    pub fn handle(
        &mut self,
        event: &InputEvent,
        viewports: &[Rect],
        keymap: &Keymap,
    ) -> Vec<Action> {
        match event {
            InputEvent::PointerDown { at, button, .. } => {
                self.pointer_down(*at, *button, viewports, &keymap.mouse)
            }
            InputEvent::PointerMove { at } => self.pointer_move(*at, viewports),
            InputEvent::PointerUp { at, button } => self.pointer_up(*at, Some(*button)),
            InputEvent::PointerCancel => self.cancel(),
            InputEvent::Wheel {
                at,
                delta_y,
                unit,
                modifiers,
            } => self.wheel(*at, *delta_y, *unit, *modifiers, viewports),
            InputEvent::Key { key, modifiers } => {
                let chord = KeyChord::from_event(key, *modifiers);
                keymap
                    .command(&chord)
                    .map(|command| self.command(command, viewports.len()))
                    .into_iter()
                    .collect()
            }
            InputEvent::Touch { touches } => self.touch(touches, viewports),
        }
    }

    /// A command for the active viewport, as a key would give it; tool and viewport choices are
    /// kept here as well as reported.
    pub fn command(&mut self, command: Command, viewport_count: usize) -> Action {
        match command {
            Command::SelectTool(tool) => self.tool = tool,
            Command::NextViewport => {
                self.active_viewport = (self.active_viewport + 1) % viewport_count.max(1);
            }
            _ => {}
        }
        Action::Command {
            viewport: self.active_viewport,
            command,
        }
    }

    fn pointer_down(
        &mut self,
        at: ScreenPoint,
        button: PointerButton,
        viewports: &[Rect],
        mouse: &MouseMap,
    ) -> Vec<Action> {
        if self.gesture != Gesture::Idle {
            return Vec::new();
        }
        let Some(viewport) = viewport_at(viewports, at) else {
            return Vec::new();
        };
        let tool = match mouse.binding(button) {
            ButtonBinding::ActiveTool => self.tool,
            ButtonBinding::Tool(tool) => tool,
        };
        self.start_drag(viewport, Some(button), tool, at)
    }

    fn start_drag(
        &mut self,
        viewport: usize,
        button: Option<PointerButton>,
        tool: Tool,
        at: ScreenPoint,
    ) -> Vec<Action> {
        self.active_viewport = viewport;
        self.gesture = Gesture::Drag {
            viewport,
            button,
            tool,
            last: at,
            scroll_remainder: 0.0,
        };
        if tool.is_continuous() {
            Vec::new()
        } else {
            vec![Action::Gesture {
                viewport,
                tool,
                phase: GesturePhase::Start,
                at,
            }]
        }
    }

    fn pointer_move(&mut self, at: ScreenPoint, viewports: &[Rect]) -> Vec<Action> {
        let ratio = self.device_pixel_ratio;
        match &mut self.gesture {
            Gesture::Idle => viewport_at(viewports, at)
                .map(|viewport| Action::Hover { viewport, at })
                .into_iter()
                .collect(),
            Gesture::Drag {
                viewport,
                tool,
                last,
                scroll_remainder,
                ..
            } => {
                let (dx, dy) = (at.x - last.x, at.y - last.y);
                *last = at;
                let viewport = *viewport;
                let action = match tool {
                    Tool::Scroll => {
                        let slices =
                            take_steps(scroll_remainder, dy / ratio / SCROLL_DRAG_CSS_PX_PER_SLICE);
                        (slices != 0).then_some(Action::ScrollSlices { viewport, slices })
                    }
                    Tool::WindowLevel => Some(Action::AdjustWindow {
                        viewport,
                        dx: dx / ratio,
                        dy: dy / ratio,
                    }),
                    Tool::Zoom => Some(Action::Zoom {
                        viewport,
                        factor: (-dy / ratio / ZOOM_DRAG_CSS_PX_PER_E).exp(),
                        about: viewports.get(viewport).map_or(at, Rect::centre),
                    }),
                    Tool::Pan => Some(Action::Pan { viewport, dx, dy }),
                    tool => Some(Action::Gesture {
                        viewport,
                        tool: *tool,
                        phase: GesturePhase::Move,
                        at,
                    }),
                };
                action.into_iter().collect()
            }
            Gesture::TwoFingers { .. } | Gesture::WaitForRelease => Vec::new(),
        }
    }

    /// Ends a drag; `button` is `None` when the last finger of a one-finger touch is lifted.
    fn pointer_up(&mut self, at: ScreenPoint, button: Option<PointerButton>) -> Vec<Action> {
        let Gesture::Drag {
            viewport,
            button: pressed,
            tool,
            ..
        } = self.gesture
        else {
            return Vec::new();
        };
        if pressed != button {
            return Vec::new();
        }
        self.gesture = Gesture::Idle;
        if tool.is_continuous() {
            Vec::new()
        } else {
            vec![Action::Gesture {
                viewport,
                tool,
                phase: GesturePhase::End,
                at,
            }]
        }
    }

    fn cancel(&mut self) -> Vec<Action> {
        let gesture = std::mem::replace(&mut self.gesture, Gesture::Idle);
        match gesture {
            Gesture::Drag {
                viewport,
                tool,
                last,
                ..
            } if !tool.is_continuous() => vec![Action::Gesture {
                viewport,
                tool,
                phase: GesturePhase::Cancel,
                at: last,
            }],
            _ => Vec::new(),
        }
    }

    fn wheel(
        &mut self,
        at: ScreenPoint,
        delta_y: f64,
        unit: WheelUnit,
        modifiers: Modifiers,
        viewports: &[Rect],
    ) -> Vec<Action> {
        let Some(viewport) = viewport_at(viewports, at) else {
            return Vec::new();
        };
        self.active_viewport = viewport;
        let css_px = match unit {
            WheelUnit::Pixel => delta_y,
            WheelUnit::Line => delta_y * WHEEL_CSS_PX_PER_SLICE / WHEEL_LINES_PER_SLICE,
            WheelUnit::Page => delta_y * WHEEL_CSS_PX_PER_SLICE,
        };
        if modifiers.ctrl {
            return vec![Action::Zoom {
                viewport,
                factor: (-css_px / WHEEL_CSS_PX_PER_ZOOM_E).exp(),
                about: at,
            }];
        }
        let slices = take_steps(&mut self.wheel_remainder, css_px / WHEEL_CSS_PX_PER_SLICE);
        if slices == 0 {
            Vec::new()
        } else {
            vec![Action::ScrollSlices { viewport, slices }]
        }
    }

    fn touch(&mut self, touches: &[Touch], viewports: &[Rect]) -> Vec<Action> {
        match (touches, self.gesture.clone()) {
            ([], Gesture::Drag { last, .. }) => self.pointer_up(last, None),
            ([], _) => {
                self.gesture = Gesture::Idle;
                Vec::new()
            }
            ([finger], Gesture::Idle) => match viewport_at(viewports, finger.at) {
                Some(viewport) => self.start_drag(viewport, None, self.tool, finger.at),
                None => {
                    self.gesture = Gesture::WaitForRelease;
                    Vec::new()
                }
            },
            ([finger], Gesture::Drag { button: None, .. }) => {
                self.pointer_move(finger.at, viewports)
            }
            ([first, second], Gesture::Idle | Gesture::Drag { button: None, .. }) => {
                let actions = self.cancel();
                let centre = first.at.midpoint(second.at);
                match viewport_at(viewports, centre) {
                    Some(viewport) => {
                        self.active_viewport = viewport;
                        self.gesture = Gesture::TwoFingers {
                            viewport,
                            ids: [first.id, second.id],
                            start: [first.at, second.at],
                            last: [first.at, second.at],
                            mode: TwoFingerMode::Undecided,
                            scroll_remainder: 0.0,
                        };
                    }
                    None => self.gesture = Gesture::WaitForRelease,
                }
                actions
            }
            ([first, second], Gesture::TwoFingers { .. }) => self.two_fingers_move(first, second),
            (_, Gesture::TwoFingers { .. } | Gesture::Drag { .. }) => {
                // A finger lifted from two, or a third one: the gesture ends here.
                let actions = self.cancel();
                self.gesture = Gesture::WaitForRelease;
                actions
            }
            (_, _) => Vec::new(),
        }
    }

    fn two_fingers_move(&mut self, first: &Touch, second: &Touch) -> Vec<Action> {
        let ratio = self.device_pixel_ratio;
        let Gesture::TwoFingers {
            viewport,
            ids,
            start,
            last,
            mode,
            scroll_remainder,
        } = &mut self.gesture
        else {
            return Vec::new();
        };
        let now = if [first.id, second.id] == *ids {
            [first.at, second.at]
        } else if [second.id, first.id] == *ids {
            [second.at, first.at]
        } else {
            return Vec::new();
        };
        if *mode == TwoFingerMode::Undecided {
            let spread = (now[0].distance(now[1]) - start[0].distance(start[1])).abs() / ratio;
            let travel = now[0]
                .midpoint(now[1])
                .distance(start[0].midpoint(start[1]))
                / ratio;
            if spread.max(travel) >= TOUCH_DECISION_CSS_PX {
                *mode = if spread > travel {
                    TwoFingerMode::Pinch
                } else {
                    TwoFingerMode::Scroll
                };
            }
        }
        let before = *last;
        *last = now;
        let viewport = *viewport;
        match mode {
            TwoFingerMode::Undecided => Vec::new(),
            TwoFingerMode::Scroll => {
                let dy = now[0].midpoint(now[1]).y - before[0].midpoint(before[1]).y;
                let slices = take_steps(scroll_remainder, dy / ratio / TOUCH_CSS_PX_PER_SLICE);
                if slices == 0 {
                    Vec::new()
                } else {
                    vec![Action::ScrollSlices { viewport, slices }]
                }
            }
            TwoFingerMode::Pinch => {
                let (was, is) = (before[0].distance(before[1]), now[0].distance(now[1]));
                if was <= 0.0 || is <= 0.0 {
                    return Vec::new();
                }
                vec![Action::Zoom {
                    viewport,
                    factor: is / was,
                    about: now[0].midpoint(now[1]),
                }]
            }
        }
    }
}

fn positive_or_one(value: f64) -> f64 {
    if value.is_finite() && value > 0.0 {
        value
    } else {
        1.0
    }
}

fn viewport_at(viewports: &[Rect], at: ScreenPoint) -> Option<usize> {
    viewports.iter().position(|rect| rect.contains(at))
}

/// Adds `amount` steps to `remainder` and takes out the whole steps, towards zero, so slow
/// movements add up. Reversing direction starts afresh: one notch back is one slice back.
fn take_steps(remainder: &mut f64, amount: f64) -> i64 {
    if *remainder * amount < 0.0 {
        *remainder = 0.0;
    }
    *remainder += amount;
    let whole = remainder.trunc();
    *remainder -= whole;
    whole as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two viewports side by side, 100 × 100 device pixels each.
    fn viewports() -> Vec<Rect> {
        crate::layout::Layout::OneByTwo.viewport_rects(200, 100)
    }

    fn at(x: f64, y: f64) -> ScreenPoint {
        ScreenPoint::new(x, y)
    }

    fn down(x: f64, y: f64, button: PointerButton) -> InputEvent {
        InputEvent::PointerDown {
            at: at(x, y),
            button,
            modifiers: Modifiers::default(),
        }
    }

    fn moved(x: f64, y: f64) -> InputEvent {
        InputEvent::PointerMove { at: at(x, y) }
    }

    fn up(x: f64, y: f64, button: PointerButton) -> InputEvent {
        InputEvent::PointerUp {
            at: at(x, y),
            button,
        }
    }

    fn key(key: &str) -> InputEvent {
        InputEvent::Key {
            key: key.into(),
            modifiers: Modifiers::default(),
        }
    }

    fn wheel(x: f64, delta_y: f64, unit: WheelUnit, ctrl: bool) -> InputEvent {
        InputEvent::Wheel {
            at: at(x, 50.0),
            delta_y,
            unit,
            modifiers: Modifiers {
                ctrl,
                ..Modifiers::default()
            },
        }
    }

    fn touch(fingers: &[(i64, f64, f64)]) -> InputEvent {
        InputEvent::Touch {
            touches: fingers
                .iter()
                .map(|&(id, x, y)| Touch { id, at: at(x, y) })
                .collect(),
        }
    }

    fn gesture(viewport: usize, tool: Tool, phase: GesturePhase, x: f64, y: f64) -> Action {
        Action::Gesture {
            viewport,
            tool,
            phase,
            at: at(x, y),
        }
    }

    /// Feeds events one by one and compares the actions of each.
    fn check(device_pixel_ratio: f64, steps: &[(InputEvent, Vec<Action>)]) {
        let mut state = InputState::new(device_pixel_ratio);
        let keymap = Keymap::default();
        for (index, (event, expected)) in steps.iter().enumerate() {
            let actions = state.handle(event, &viewports(), &keymap);
            assert_eq!(&actions, expected, "step {index}: {event:?}");
        }
    }

    use PointerButton::{Middle, Primary, Secondary};

    #[test]
    fn the_wheel_scrolls_slices_a_notch_at_a_time_and_zooms_with_ctrl() {
        let scroll = |viewport, slices| vec![Action::ScrollSlices { viewport, slices }];
        check(
            2.0,
            &[
                (wheel(150.0, 100.0, WheelUnit::Pixel, false), scroll(1, 1)),
                (wheel(150.0, -300.0, WheelUnit::Pixel, false), scroll(1, -3)),
                // A trackpad's small deltas add up.
                (wheel(50.0, 40.0, WheelUnit::Pixel, false), vec![]),
                (wheel(50.0, 40.0, WheelUnit::Pixel, false), vec![]),
                (wheel(50.0, 40.0, WheelUnit::Pixel, false), scroll(0, 1)),
                (wheel(50.0, 3.0, WheelUnit::Line, false), scroll(0, 1)),
                (wheel(50.0, -1.0, WheelUnit::Page, false), scroll(0, -1)),
                (
                    wheel(50.0, -500.0, WheelUnit::Pixel, true),
                    vec![Action::Zoom {
                        viewport: 0,
                        factor: 1f64.exp(),
                        about: at(50.0, 50.0),
                    }],
                ),
                (wheel(250.0, 100.0, WheelUnit::Pixel, false), vec![]),
            ],
        );
    }

    #[test]
    fn drags_with_the_scroll_tool_step_slices_in_css_pixels() {
        let scroll = |slices| {
            vec![Action::ScrollSlices {
                viewport: 0,
                slices,
            }]
        };
        // Device pixel ratio 2: 16 device pixels per slice.
        check(
            2.0,
            &[
                (down(10.0, 10.0, Primary), vec![]),
                (moved(10.0, 30.0), scroll(1)),
                (moved(10.0, 42.0), scroll(1)),
                (moved(10.0, 10.0), scroll(-2)),
                (moved(150.0, 10.0), vec![]),
                (up(150.0, 10.0, Primary), vec![]),
                (
                    moved(150.0, 10.0),
                    vec![Action::Hover {
                        viewport: 1,
                        at: at(150.0, 10.0),
                    }],
                ),
            ],
        );
    }

    #[test]
    fn mouse_buttons_follow_their_bindings() {
        check(
            1.0,
            &[
                (
                    key("m"),
                    vec![Action::Command {
                        viewport: 0,
                        command: Command::SelectTool(Tool::Marker),
                    }],
                ),
                (
                    down(120.0, 20.0, Primary),
                    vec![gesture(1, Tool::Marker, GesturePhase::Start, 120.0, 20.0)],
                ),
                (
                    up(121.0, 20.0, Primary),
                    vec![gesture(1, Tool::Marker, GesturePhase::End, 121.0, 20.0)],
                ),
                // Right: window/level, whatever the selected tool.
                (down(30.0, 30.0, Secondary), vec![]),
                (
                    moved(40.0, 25.0),
                    vec![Action::AdjustWindow {
                        viewport: 0,
                        dx: 10.0,
                        dy: -5.0,
                    }],
                ),
                // Another button during a drag is ignored, and so is its release.
                (down(30.0, 30.0, Primary), vec![]),
                (up(30.0, 30.0, Primary), vec![]),
                (up(40.0, 25.0, Secondary), vec![]),
                // Middle: pan, in device pixels.
                (down(30.0, 30.0, Middle), vec![]),
                (
                    moved(33.0, 34.0),
                    vec![Action::Pan {
                        viewport: 0,
                        dx: 3.0,
                        dy: 4.0,
                    }],
                ),
                (InputEvent::PointerCancel, vec![]),
                // Outside every viewport nothing starts.
                (down(250.0, 30.0, Primary), vec![]),
                (
                    moved(20.0, 20.0),
                    vec![Action::Hover {
                        viewport: 0,
                        at: at(20.0, 20.0),
                    }],
                ),
            ],
        );
    }

    #[test]
    fn shape_tools_report_start_moves_and_end_and_a_cancel() {
        check(
            1.0,
            &[
                (
                    key("l"),
                    vec![Action::Command {
                        viewport: 0,
                        command: Command::SelectTool(Tool::Length),
                    }],
                ),
                (
                    down(10.0, 10.0, Primary),
                    vec![gesture(0, Tool::Length, GesturePhase::Start, 10.0, 10.0)],
                ),
                (
                    moved(20.0, 15.0),
                    vec![gesture(0, Tool::Length, GesturePhase::Move, 20.0, 15.0)],
                ),
                (
                    up(30.0, 20.0, Primary),
                    vec![gesture(0, Tool::Length, GesturePhase::End, 30.0, 20.0)],
                ),
                (
                    down(10.0, 10.0, Primary),
                    vec![gesture(0, Tool::Length, GesturePhase::Start, 10.0, 10.0)],
                ),
                (
                    moved(12.0, 10.0),
                    vec![gesture(0, Tool::Length, GesturePhase::Move, 12.0, 10.0)],
                ),
                (
                    InputEvent::PointerCancel,
                    vec![gesture(0, Tool::Length, GesturePhase::Cancel, 12.0, 10.0)],
                ),
                (up(12.0, 10.0, Primary), vec![]),
            ],
        );
    }

    #[test]
    fn the_zoom_tool_zooms_about_the_viewport_centre() {
        check(
            1.0,
            &[
                (
                    key("z"),
                    vec![Action::Command {
                        viewport: 0,
                        command: Command::SelectTool(Tool::Zoom),
                    }],
                ),
                (down(110.0, 60.0, Primary), vec![]),
                (
                    moved(110.0, 60.0 - ZOOM_DRAG_CSS_PX_PER_E),
                    vec![Action::Zoom {
                        viewport: 1,
                        factor: 1f64.exp(),
                        about: at(150.0, 50.0),
                    }],
                ),
            ],
        );
    }

    #[test]
    fn keys_act_on_the_active_viewport() {
        let command = |viewport, command| vec![Action::Command { viewport, command }];
        check(
            1.0,
            &[
                (key("ArrowDown"), command(0, Command::NextSlice)),
                (key("Tab"), command(1, Command::NextViewport)),
                (key("PageUp"), command(1, Command::PageBack)),
                (key("Tab"), command(0, Command::NextViewport)),
                (wheel(150.0, 0.0, WheelUnit::Pixel, false), vec![]),
                (key(" "), command(1, Command::ToggleCine)),
                (
                    InputEvent::Key {
                        key: "W".into(),
                        modifiers: Modifiers {
                            shift: true,
                            ..Modifiers::default()
                        },
                    },
                    command(1, Command::ResetWindow),
                ),
                (key("F13"), vec![]),
            ],
        );
    }

    #[test]
    fn touch_uses_one_finger_for_the_tool_two_to_scroll_and_a_pinch_to_zoom() {
        let scroll = |slices| {
            vec![Action::ScrollSlices {
                viewport: 0,
                slices,
            }]
        };
        check(
            1.0,
            &[
                (
                    key("o"),
                    vec![Action::Command {
                        viewport: 0,
                        command: Command::SelectTool(Tool::CircleRoi),
                    }],
                ),
                // One finger: the circle ROI.
                (
                    touch(&[(1, 40.0, 40.0)]),
                    vec![gesture(0, Tool::CircleRoi, GesturePhase::Start, 40.0, 40.0)],
                ),
                (
                    touch(&[(1, 45.0, 40.0)]),
                    vec![gesture(0, Tool::CircleRoi, GesturePhase::Move, 45.0, 40.0)],
                ),
                (
                    touch(&[]),
                    vec![gesture(0, Tool::CircleRoi, GesturePhase::End, 45.0, 40.0)],
                ),
                // A second finger cancels the first one's gesture and starts a two-finger one.
                (
                    touch(&[(1, 40.0, 40.0)]),
                    vec![gesture(0, Tool::CircleRoi, GesturePhase::Start, 40.0, 40.0)],
                ),
                (
                    touch(&[(1, 40.0, 40.0), (2, 60.0, 40.0)]),
                    vec![gesture(
                        0,
                        Tool::CircleRoi,
                        GesturePhase::Cancel,
                        40.0,
                        40.0,
                    )],
                ),
                // Moving together by 25 px: a scroll (one slice per 20 px).
                (touch(&[(1, 40.0, 45.0), (2, 60.0, 45.0)]), vec![]),
                (touch(&[(1, 40.0, 65.0), (2, 60.0, 65.0)]), scroll(1)),
                (touch(&[(2, 60.0, 85.0), (1, 40.0, 85.0)]), scroll(1)),
                // Spreading apart now changes nothing: the gesture stays a scroll.
                (touch(&[(1, 20.0, 85.0), (2, 80.0, 85.0)]), vec![]),
                // Lifting one finger ends it; the other does nothing until lifted.
                (touch(&[(2, 80.0, 85.0)]), vec![]),
                (touch(&[(2, 10.0, 10.0)]), vec![]),
                (touch(&[]), vec![]),
                // Two fingers spreading from 20 to 40 px apart: a pinch about their middle.
                (touch(&[(1, 40.0, 40.0), (2, 60.0, 40.0)]), vec![]),
                (
                    touch(&[(1, 30.0, 40.0), (2, 70.0, 40.0)]),
                    vec![Action::Zoom {
                        viewport: 0,
                        factor: 2.0,
                        about: at(50.0, 40.0),
                    }],
                ),
                (
                    touch(&[(1, 40.0, 40.0), (2, 60.0, 40.0)]),
                    vec![Action::Zoom {
                        viewport: 0,
                        factor: 0.5,
                        about: at(50.0, 40.0),
                    }],
                ),
                (touch(&[]), vec![]),
            ],
        );
    }

    #[test]
    fn input_events_read_from_json() {
        let event: InputEvent = serde_json::from_str(
            r#"{"type":"pointer_down","at":{"x":3.0,"y":4.0},"button":"secondary"}"#,
        )
        .unwrap();
        assert_eq!(
            event,
            InputEvent::PointerDown {
                at: at(3.0, 4.0),
                button: Secondary,
                modifiers: Modifiers::default(),
            }
        );
    }
}
