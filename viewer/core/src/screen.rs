//! Positions on the canvas, in device pixels: x to the right, y downwards, the origin at the
//! canvas' top-left corner. Device pixel `(i, j)` covers `[i, i + 1) × [j, j + 1)`, so its centre
//! is `(i + ½, j + ½)`.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ScreenPoint {
    pub x: f64,
    pub y: f64,
}

impl ScreenPoint {
    pub fn new(x: f64, y: f64) -> ScreenPoint {
        ScreenPoint { x, y }
    }

    pub fn distance(self, other: ScreenPoint) -> f64 {
        (self.x - other.x).hypot(self.y - other.y)
    }

    pub fn midpoint(self, other: ScreenPoint) -> ScreenPoint {
        ScreenPoint::new((self.x + other.x) / 2.0, (self.y + other.y) / 2.0)
    }
}

/// A rectangle of whole device pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rect {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
}

impl Rect {
    pub fn contains(&self, point: ScreenPoint) -> bool {
        let (x, y) = (f64::from(self.x), f64::from(self.y));
        point.x >= x
            && point.y >= y
            && point.x < x + f64::from(self.width)
            && point.y < y + f64::from(self.height)
    }

    pub fn centre(&self) -> ScreenPoint {
        ScreenPoint::new(
            f64::from(self.x) + f64::from(self.width) / 2.0,
            f64::from(self.y) + f64::from(self.height) / 2.0,
        )
    }
}
