//! DOM events to viewer-core input events, positions in canvas device pixels.

use readroom_viewer_core::input::{Modifiers, PointerButton, Touch, WheelUnit};
use readroom_viewer_core::{InputEvent, ScreenPoint};
use web_sys::{HtmlCanvasElement, KeyboardEvent, MouseEvent, PointerEvent, TouchEvent, WheelEvent};

/// A client (CSS pixel) position to canvas device pixels.
fn on_canvas(canvas: &HtmlCanvasElement, client_x: f64, client_y: f64) -> ScreenPoint {
    let rect = canvas.get_bounding_client_rect();
    let scale_x = f64::from(canvas.width()) / rect.width().max(1.0);
    let scale_y = f64::from(canvas.height()) / rect.height().max(1.0);
    ScreenPoint::new(
        (client_x - rect.left()) * scale_x,
        (client_y - rect.top()) * scale_y,
    )
}

fn button(code: i16) -> Option<PointerButton> {
    match code {
        0 => Some(PointerButton::Primary),
        1 => Some(PointerButton::Middle),
        2 => Some(PointerButton::Secondary),
        _ => None,
    }
}

fn mouse_modifiers(event: &MouseEvent) -> Modifiers {
    Modifiers {
        ctrl: event.ctrl_key(),
        alt: event.alt_key(),
        shift: event.shift_key(),
        meta: event.meta_key(),
    }
}

/// Pointer events from a mouse or pen; touch goes through [`touch`], so that two fingers are
/// seen together.
pub fn pointer(canvas: &HtmlCanvasElement, event: &PointerEvent) -> Option<InputEvent> {
    if event.pointer_type() == "touch" {
        return None;
    }
    let at = on_canvas(
        canvas,
        f64::from(event.client_x()),
        f64::from(event.client_y()),
    );
    match event.type_().as_str() {
        "pointerdown" => Some(InputEvent::PointerDown {
            at,
            button: button(event.button())?,
            modifiers: mouse_modifiers(event),
        }),
        "pointermove" => Some(InputEvent::PointerMove { at }),
        "pointerup" => Some(InputEvent::PointerUp {
            at,
            button: button(event.button())?,
        }),
        "pointercancel" | "lostpointercapture" => Some(InputEvent::PointerCancel),
        _ => None,
    }
}

pub fn wheel(canvas: &HtmlCanvasElement, event: &WheelEvent) -> InputEvent {
    InputEvent::Wheel {
        at: on_canvas(
            canvas,
            f64::from(event.client_x()),
            f64::from(event.client_y()),
        ),
        delta_y: event.delta_y(),
        unit: match event.delta_mode() {
            WheelEvent::DOM_DELTA_LINE => WheelUnit::Line,
            WheelEvent::DOM_DELTA_PAGE => WheelUnit::Page,
            _ => WheelUnit::Pixel,
        },
        modifiers: mouse_modifiers(event),
    }
}

pub fn key(event: &KeyboardEvent) -> InputEvent {
    InputEvent::Key {
        key: event.key(),
        modifiers: Modifiers {
            ctrl: event.ctrl_key(),
            alt: event.alt_key(),
            shift: event.shift_key(),
            meta: event.meta_key(),
        },
    }
}

pub fn touch(canvas: &HtmlCanvasElement, event: &TouchEvent) -> InputEvent {
    let list = event.touches();
    let touches = (0..list.length())
        .filter_map(|index| list.get(index))
        .map(|touch| Touch {
            id: i64::from(touch.identifier()),
            at: on_canvas(
                canvas,
                f64::from(touch.client_x()),
                f64::from(touch.client_y()),
            ),
        })
        .collect();
    InputEvent::Touch { touches }
}
