//! Keyboard shortcuts and mouse buttons, remappable and saved per user as JSON.
//!
//! A key is named as the browser's `KeyboardEvent.key` names it ("ArrowUp", "PageDown", "w",
//! "?"), with " " written "Space". A printed character already shows Shift ("W" is Shift+w,
//! "?" is Shift+/ on a US keyboard), so Shift is named only for the other keys
//! ("Shift+ArrowUp"). Ctrl, Alt and Meta are always named: "Ctrl+z".

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::input::{Modifiers, PointerButton, Tool};
use crate::layout::Layout;
use crate::overlays::OverlayKind;

/// Everything a shortcut can do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Command {
    SelectTool(Tool),
    NextSlice,
    PreviousSlice,
    /// Forward by [`PAGE_SLICES`].
    PageForward,
    PageBack,
    FirstSlice,
    LastSlice,
    NextPhase,
    PreviousPhase,
    ToggleCine,
    ZoomIn,
    ZoomOut,
    Fit,
    /// Fit, default window, no invert, bilinear.
    Reset,
    ResetWindow,
    NextWindowPreset,
    ToggleInvert,
    ToggleInterpolation,
    SetLayout(Layout),
    /// Makes the next viewport the one keys act on.
    NextViewport,
    ToggleScrollLink,
    ToggleZoomLink,
    ToggleOverlay(OverlayKind),
    DeleteSelectedMarker,
    ClearMeasurements,
    ToggleHelp,
}

/// Slices moved by the page keys.
pub const PAGE_SLICES: i64 = 5;

impl Command {
    /// Every command, in the order the help lists them.
    pub fn all() -> Vec<Command> {
        let mut all: Vec<Command> = Tool::ALL.into_iter().map(Command::SelectTool).collect();
        all.extend([
            Command::NextSlice,
            Command::PreviousSlice,
            Command::PageForward,
            Command::PageBack,
            Command::FirstSlice,
            Command::LastSlice,
            Command::NextPhase,
            Command::PreviousPhase,
            Command::ToggleCine,
            Command::ZoomIn,
            Command::ZoomOut,
            Command::Fit,
            Command::Reset,
            Command::ResetWindow,
            Command::NextWindowPreset,
            Command::ToggleInvert,
            Command::ToggleInterpolation,
        ]);
        all.extend(Layout::ALL.into_iter().map(Command::SetLayout));
        all.extend([
            Command::NextViewport,
            Command::ToggleScrollLink,
            Command::ToggleZoomLink,
        ]);
        all.extend(OverlayKind::ALL.into_iter().map(Command::ToggleOverlay));
        all.extend([
            Command::DeleteSelectedMarker,
            Command::ClearMeasurements,
            Command::ToggleHelp,
        ]);
        all
    }

    /// What the help overlay calls it.
    pub fn label(&self) -> String {
        let fixed = match self {
            Command::SelectTool(tool) => return format!("Tool: {}", tool.label()),
            Command::SetLayout(layout) => {
                let (rows, columns) = layout.grid();
                return format!("Layout {rows}×{columns}");
            }
            Command::ToggleOverlay(kind) => {
                return format!(
                    "Show or hide {}",
                    match kind {
                        OverlayKind::TraineeMarkers => "my markers",
                        OverlayKind::TrueLesions => "true lesions",
                        OverlayKind::ExpertMarks => "expert marks",
                    }
                );
            }
            Command::NextSlice => "Next slice",
            Command::PreviousSlice => "Previous slice",
            Command::PageForward => "Forward 5 slices",
            Command::PageBack => "Back 5 slices",
            Command::FirstSlice => "First slice",
            Command::LastSlice => "Last slice",
            Command::NextPhase => "Next phase",
            Command::PreviousPhase => "Previous phase",
            Command::ToggleCine => "Play or stop cine",
            Command::ZoomIn => "Zoom in",
            Command::ZoomOut => "Zoom out",
            Command::Fit => "Fit to viewport",
            Command::Reset => "Reset viewport",
            Command::ResetWindow => "Reset window",
            Command::NextWindowPreset => "Next window preset",
            Command::ToggleInvert => "Invert",
            Command::ToggleInterpolation => "Bilinear or nearest",
            Command::NextViewport => "Next viewport",
            Command::ToggleScrollLink => "Link scrolling on or off",
            Command::ToggleZoomLink => "Link zoom and pan on or off",
            Command::DeleteSelectedMarker => "Delete selected marker",
            Command::ClearMeasurements => "Clear measurements",
            Command::ToggleHelp => "Show or hide this help",
        };
        fixed.to_owned()
    }
}

/// A key with its modifiers, written as in the help: "Ctrl+Shift+ArrowUp", "W", "Space".
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct KeyChord {
    ctrl: bool,
    alt: bool,
    /// Only for keys that are not a single printed character.
    shift: bool,
    meta: bool,
    key: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a key: write it as KeyboardEvent.key does, e.g. \"Ctrl+ArrowUp\" or \"w\"")]
pub struct BadKeyChord(String);

impl KeyChord {
    /// The chord of a key event (`key` as `KeyboardEvent.key` gives it).
    pub fn from_event(key: &str, modifiers: Modifiers) -> KeyChord {
        let key = if key == " " { "Space" } else { key };
        let printed = key.chars().count() == 1;
        KeyChord {
            ctrl: modifiers.ctrl,
            alt: modifiers.alt,
            shift: modifiers.shift && !printed,
            meta: modifiers.meta,
            key: key.to_owned(),
        }
    }

    /// A plain key: `KeyChord::key("w")`.
    pub fn key(key: &str) -> KeyChord {
        KeyChord::from_event(key, Modifiers::default())
    }

    pub fn parse(text: &str) -> Result<KeyChord, BadKeyChord> {
        let mut modifiers = Modifiers::default();
        let mut rest = text;
        loop {
            let flag = if let Some(after) = rest.strip_prefix("Ctrl+") {
                rest = after;
                &mut modifiers.ctrl
            } else if let Some(after) = rest.strip_prefix("Alt+") {
                rest = after;
                &mut modifiers.alt
            } else if let Some(after) = rest.strip_prefix("Shift+") {
                rest = after;
                &mut modifiers.shift
            } else if let Some(after) = rest.strip_prefix("Meta+") {
                rest = after;
                &mut modifiers.meta
            } else {
                break;
            };
            *flag = true;
        }
        let printed = rest.chars().count() == 1;
        let named = rest.len() > 1 && rest.chars().all(|c| c.is_ascii_alphanumeric());
        if !(printed || named) || (modifiers.shift && printed) {
            return Err(BadKeyChord(text.to_owned()));
        }
        Ok(KeyChord::from_event(rest, modifiers))
    }
}

impl fmt::Display for KeyChord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (on, name) in [
            (self.ctrl, "Ctrl+"),
            (self.alt, "Alt+"),
            (self.shift, "Shift+"),
            (self.meta, "Meta+"),
        ] {
            if on {
                f.write_str(name)?;
            }
        }
        f.write_str(&self.key)
    }
}

impl TryFrom<String> for KeyChord {
    type Error = BadKeyChord;

    fn try_from(text: String) -> Result<KeyChord, BadKeyChord> {
        KeyChord::parse(&text)
    }
}

impl From<KeyChord> for String {
    fn from(chord: KeyChord) -> String {
        chord.to_string()
    }
}

/// What a mouse button does: the tool chosen in the toolbar, or always one tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ButtonBinding {
    ActiveTool,
    Tool(Tool),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MouseMap {
    pub primary: ButtonBinding,
    pub middle: ButtonBinding,
    pub secondary: ButtonBinding,
}

impl Default for MouseMap {
    fn default() -> MouseMap {
        MouseMap {
            primary: ButtonBinding::ActiveTool,
            middle: ButtonBinding::Tool(Tool::Pan),
            secondary: ButtonBinding::Tool(Tool::WindowLevel),
        }
    }
}

impl MouseMap {
    pub fn binding(&self, button: PointerButton) -> ButtonBinding {
        match button {
            PointerButton::Primary => self.primary,
            PointerButton::Middle => self.middle,
            PointerButton::Secondary => self.secondary,
        }
    }
}

/// One line of the help overlay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HelpEntry {
    pub action: String,
    /// Keys or buttons, as written in the keymap; empty when unbound.
    pub keys: Vec<String>,
}

/// The user's shortcuts and mouse buttons.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Keymap {
    pub keys: BTreeMap<KeyChord, Command>,
    pub mouse: MouseMap,
}

impl Default for Keymap {
    fn default() -> Keymap {
        use Command::*;
        let tools = [
            ("s", Tool::Scroll),
            ("w", Tool::WindowLevel),
            ("z", Tool::Zoom),
            ("p", Tool::Pan),
            ("l", Tool::Length),
            ("o", Tool::CircleRoi),
            ("f", Tool::FreehandRoi),
            ("m", Tool::Marker),
            ("c", Tool::Crosshair),
            ("v", Tool::Probe),
        ];
        let layouts = [
            ("1", Layout::OneByOne),
            ("2", Layout::OneByTwo),
            ("4", Layout::TwoByTwo),
            ("9", Layout::ThreeByThree),
        ];
        let overlays = [
            ("M", OverlayKind::TraineeMarkers),
            ("T", OverlayKind::TrueLesions),
            ("E", OverlayKind::ExpertMarks),
        ];
        let others = [
            ("ArrowDown", NextSlice),
            ("ArrowRight", NextSlice),
            ("ArrowUp", PreviousSlice),
            ("ArrowLeft", PreviousSlice),
            ("PageDown", PageForward),
            ("PageUp", PageBack),
            ("Home", FirstSlice),
            ("End", LastSlice),
            (".", NextPhase),
            (",", PreviousPhase),
            ("Space", ToggleCine),
            ("+", ZoomIn),
            ("=", ZoomIn),
            ("-", ZoomOut),
            ("0", Fit),
            ("r", Reset),
            ("W", ResetWindow),
            ("k", NextWindowPreset),
            ("i", ToggleInvert),
            ("b", ToggleInterpolation),
            ("Tab", NextViewport),
            ("L", ToggleScrollLink),
            ("Z", ToggleZoomLink),
            ("Delete", DeleteSelectedMarker),
            ("Backspace", DeleteSelectedMarker),
            ("Escape", ClearMeasurements),
            ("?", ToggleHelp),
            ("h", ToggleHelp),
        ];
        let keys = tools
            .map(|(key, tool)| (key, SelectTool(tool)))
            .into_iter()
            .chain(layouts.map(|(key, layout)| (key, SetLayout(layout))))
            .chain(overlays.map(|(key, kind)| (key, ToggleOverlay(kind))))
            .chain(others)
            .map(|(key, command)| (KeyChord::key(key), command))
            .collect();
        Keymap {
            keys,
            mouse: MouseMap::default(),
        }
    }
}

impl Keymap {
    pub fn command(&self, chord: &KeyChord) -> Option<Command> {
        self.keys.get(chord).copied()
    }

    /// Binds a key to a command, replacing what the key did before.
    pub fn bind(&mut self, chord: KeyChord, command: Command) {
        self.keys.insert(chord, command);
    }

    pub fn unbind(&mut self, chord: &KeyChord) {
        self.keys.remove(chord);
    }

    /// Gives `command` the one key `chord`: its other keys are freed, and whatever `chord`
    /// did before it no longer does.
    pub fn remap(&mut self, command: Command, chord: KeyChord) {
        self.keys.retain(|_, bound| *bound != command);
        self.keys.insert(chord, command);
    }

    /// The keys bound to `command`.
    pub fn keys_of(&self, command: Command) -> Vec<&KeyChord> {
        self.keys
            .iter()
            .filter(|(_, bound)| **bound == command)
            .map(|(chord, _)| chord)
            .collect()
    }

    /// The help listing: the mouse buttons, then every command with its keys.
    pub fn help(&self) -> Vec<HelpEntry> {
        let button = |name: &str, binding: ButtonBinding| HelpEntry {
            action: match binding {
                ButtonBinding::ActiveTool => "The selected tool".to_owned(),
                ButtonBinding::Tool(tool) => tool.label().to_owned(),
            },
            keys: vec![name.to_owned()],
        };
        let mut entries = vec![
            button("Left button", self.mouse.primary),
            button("Middle button", self.mouse.middle),
            button("Right button", self.mouse.secondary),
            HelpEntry {
                action: "Scroll slices (with Ctrl: zoom)".to_owned(),
                keys: vec!["Wheel".to_owned()],
            },
        ];
        entries.extend(Command::all().into_iter().map(|command| {
            HelpEntry {
                action: command.label(),
                keys: self
                    .keys
                    .iter()
                    .filter(|(_, bound)| **bound == command)
                    .map(|(chord, _)| chord.to_string())
                    .collect(),
            }
        }));
        entries
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_chords_are_named_as_the_browser_names_keys() {
        let check = |key: &str, modifiers: Modifiers, expected: &str| {
            let chord = KeyChord::from_event(key, modifiers);
            assert_eq!(chord.to_string(), expected);
            assert_eq!(KeyChord::parse(expected), Ok(chord), "{expected}");
        };
        let none = Modifiers::default();
        let shift = Modifiers {
            shift: true,
            ..none
        };
        let ctrl_shift = Modifiers {
            ctrl: true,
            shift: true,
            ..none
        };
        check("w", none, "w");
        check("W", shift, "W");
        check("?", shift, "?");
        check(" ", none, "Space");
        check("ArrowUp", shift, "Shift+ArrowUp");
        check("Z", ctrl_shift, "Ctrl+Z");
        check("+", ctrl_shift, "Ctrl++");
        check(
            "PageDown",
            Modifiers {
                alt: true,
                meta: true,
                ..none
            },
            "Alt+Meta+PageDown",
        );
    }

    #[test]
    fn malformed_key_chords_are_refused() {
        for text in ["", "Ctrl+", "Shift+w", "Page Down", "Arrow-Up"] {
            assert!(KeyChord::parse(text).is_err(), "{text:?}");
        }
    }

    #[test]
    fn every_command_has_a_default_key() {
        let keymap = Keymap::default();
        let help = keymap.help();
        for command in Command::all() {
            let entry = help.iter().find(|e| e.action == command.label()).unwrap();
            assert!(!entry.keys.is_empty(), "{command:?} has no key");
        }
        let tool_help = help.iter().find(|e| e.action == "Tool: Length").unwrap();
        assert_eq!(tool_help.keys, ["l"]);
        let slice_help = help.iter().find(|e| e.action == "Next slice").unwrap();
        assert_eq!(slice_help.keys, ["ArrowDown", "ArrowRight"]);
        assert_eq!(help[2].action, "Window/level");
    }

    #[test]
    fn a_remapped_keymap_survives_a_round_trip_through_json() {
        let mut keymap = Keymap::default();
        keymap.bind(
            KeyChord::parse("Ctrl+ArrowDown").unwrap(),
            Command::LastSlice,
        );
        keymap.bind(KeyChord::key("l"), Command::SelectTool(Tool::Marker));
        keymap.unbind(&KeyChord::key("m"));
        keymap.mouse.secondary = ButtonBinding::Tool(Tool::Zoom);
        let json = serde_json::to_string(&keymap).unwrap();
        let back: Keymap = serde_json::from_str(&json).unwrap();
        assert_eq!(back, keymap);
        assert_eq!(
            back.command(&KeyChord::key("l")),
            Some(Command::SelectTool(Tool::Marker))
        );
        assert_eq!(back.command(&KeyChord::key("m")), None);
        assert!(json.contains(r#""Ctrl+ArrowDown":"last_slice""#), "{json}");
        assert!(json.contains(r#""l":{"select_tool":"marker"}"#), "{json}");
    }

    #[test]
    fn a_saved_keymap_with_a_bad_key_is_refused() {
        let json = r#"{"keys":{"Shift+w":"next_slice"},"mouse":{"primary":"active_tool","middle":"active_tool","secondary":"active_tool"}}"#;
        let error = serde_json::from_str::<Keymap>(json).unwrap_err();
        assert!(error.to_string().contains("Shift+w"), "{error}");
    }

    #[test]
    fn remapping_a_command_frees_its_old_keys_and_takes_the_new_one_from_any_other() {
        let mut keymap = Keymap::default();
        let next = KeyChord::key("ArrowDown");
        assert_eq!(keymap.command(&next), Some(Command::NextSlice));
        let help = keymap.keys_of(Command::ToggleHelp).len();
        assert!(help >= 2);
        // "j" is unbound by default; "h" shows the help.
        keymap.remap(Command::NextSlice, KeyChord::key("j"));
        assert_eq!(
            keymap.keys_of(Command::NextSlice),
            vec![&KeyChord::key("j")]
        );
        assert_eq!(keymap.command(&next), None);
        keymap.remap(Command::PreviousSlice, KeyChord::key("h"));
        assert_eq!(
            keymap.command(&KeyChord::key("h")),
            Some(Command::PreviousSlice)
        );
        assert_eq!(keymap.keys_of(Command::ToggleHelp).len(), help - 1);
    }
}
