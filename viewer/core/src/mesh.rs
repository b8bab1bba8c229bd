//! Overlays as triangles: every line, circle, marker, letter and the help panel of a [`Scene`]
//! turned into coloured triangles in canvas pixels, here rather than in the renderer, so that
//! the GPU and [`crate::cpu_reference`] rasterise exactly the same geometry.
//!
//! Lines are quads `line_width` pixels wide; circles are 4-pixel chords; text is the 8×8
//! bitmap font of `font8x8`, one square per set font pixel, on whole pixels (no blur, no
//! anti-aliasing, so the rasterisation is the same everywhere).

use font8x8::{BASIC_FONTS, LATIN_FONTS, UnicodeFonts};

use crate::scene::{Anchor, Scene, Shape, Style, Text};
use crate::screen::{Rect, ScreenPoint};

/// A convex quadrilateral of one colour (straight RGBA), corners in canvas pixels in order
/// around it. The GPU draws it as the triangles (0, 1, 2) and (0, 2, 3).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quad {
    pub corners: [[f32; 2]; 4],
    pub colour: [u8; 4],
}

impl Quad {
    /// Bytes per vertex in the overlay shader's vertex buffer: two little-endian `f32`, then
    /// the four bytes of colour.
    pub const VERTEX_BYTES: usize = 12;
    pub const VERTICES: usize = 6;

    /// Appends the quad's two triangles as vertex buffer bytes.
    pub fn write_vertices(&self, out: &mut Vec<u8>) {
        for index in [0, 1, 2, 0, 2, 3] {
            let [x, y] = self.corners[index];
            out.extend_from_slice(&x.to_le_bytes());
            out.extend_from_slice(&y.to_le_bytes());
            out.extend_from_slice(&self.colour);
        }
    }
}

/// Quads drawn in order, clipped to `clip`, each blended over what is below.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    pub clip: Rect,
    pub quads: Vec<Quad>,
}

/// The font's cell: 8×8 font pixels, each `scale` canvas pixels square.
pub const GLYPH_CELLS: u32 = 8;
const MARKER_ARM_CSS_PX: f64 = 6.0;
const DIAMOND_CSS_PX: f64 = 6.0;
const PROGRESS_BAR_CSS_PX: f64 = 3.0;
/// The help panel darkens what is under it rather than hiding it.
const HELP_BACKGROUND: [u8; 4] = [0, 0, 0, 200];

/// Everything drawn over the images of `scene`: one batch per viewport (clipped to it), then
/// the help panel over the whole canvas.
pub fn overlay_mesh(scene: &Scene) -> Vec<Batch> {
    let scale = scene.text_scale.max(1);
    let mut batches: Vec<Batch> = scene
        .viewports
        .iter()
        .map(|viewport| {
            let mut mesh = Mesh::new(scale);
            if let Some(fraction) = viewport.loading {
                mesh.progress_bar(viewport.rect, fraction);
            }
            for shape in &viewport.shapes {
                mesh.shape(shape, viewport.rect);
            }
            for text in &viewport.texts {
                mesh.text(text);
            }
            Batch {
                clip: viewport.rect,
                quads: mesh.quads,
            }
        })
        .collect();
    if let Some(help) = &scene.help {
        let lines: Vec<String> = help
            .iter()
            .map(|entry| {
                let keys = if entry.keys.is_empty() {
                    "—".to_owned()
                } else {
                    entry.keys.join(", ")
                };
                format!("{keys:<16} {}", entry.action)
            })
            .collect();
        let canvas = Rect {
            x: 0,
            y: 0,
            width: scene.width,
            height: scene.height,
        };
        let mut mesh = Mesh::new(scale);
        mesh.quad_rect(
            0.0,
            0.0,
            scene.width as f32,
            scene.height as f32,
            HELP_BACKGROUND,
        );
        let line_height = f64::from((GLYPH_CELLS + 4) * scale);
        let margin = f64::from(16 * scale);
        for (index, line) in lines.iter().enumerate() {
            mesh.text(&Text {
                at: ScreenPoint::new(margin, margin + index as f64 * line_height),
                anchor: Anchor::TopLeft,
                text: line.clone(),
                style: Style::Annotation,
            });
        }
        batches.push(Batch {
            clip: canvas,
            quads: mesh.quads,
        });
    }
    batches
}

/// The width and height in canvas pixels of `text` drawn at `scale`.
pub fn text_size(text: &str, scale: u32) -> (u32, u32) {
    let cell = GLYPH_CELLS * scale;
    (text.chars().count() as u32 * cell, cell)
}

struct Mesh {
    scale: u32,
    quads: Vec<Quad>,
}

impl Mesh {
    fn new(scale: u32) -> Mesh {
        Mesh {
            scale,
            quads: Vec::new(),
        }
    }

    fn line_width(&self) -> f64 {
        f64::from(self.scale)
    }

    fn css(&self, css_px: f64) -> f64 {
        css_px * f64::from(self.scale)
    }

    fn shape(&mut self, shape: &Shape, rect: Rect) {
        match shape {
            Shape::Line { from, to, style } => self.line(*from, *to, style.colour()),
            Shape::Circle {
                centre,
                radius,
                style,
            } => {
                let points = circle_points(*centre, *radius);
                self.polyline(&points, true, style.colour());
            }
            Shape::Polyline {
                points,
                closed,
                style,
            } => self.polyline(points, *closed, style.colour()),
            Shape::Marker { at, number, style } => {
                let arm = self.css(MARKER_ARM_CSS_PX);
                let colour = style.colour();
                self.line(
                    ScreenPoint::new(at.x - arm, at.y),
                    ScreenPoint::new(at.x + arm, at.y),
                    colour,
                );
                self.line(
                    ScreenPoint::new(at.x, at.y - arm),
                    ScreenPoint::new(at.x, at.y + arm),
                    colour,
                );
                self.text(&Text {
                    at: ScreenPoint::new(at.x + arm + self.line_width(), at.y - arm),
                    anchor: Anchor::BottomLeft,
                    text: number.to_string(),
                    style: *style,
                });
            }
            Shape::Diamond { at, label, style } => {
                let size = self.css(DIAMOND_CSS_PX);
                let corners = [
                    ScreenPoint::new(at.x, at.y - size),
                    ScreenPoint::new(at.x + size, at.y),
                    ScreenPoint::new(at.x, at.y + size),
                    ScreenPoint::new(at.x - size, at.y),
                ];
                self.polyline(&corners, true, style.colour());
                self.text(&Text {
                    at: ScreenPoint::new(at.x + size + self.line_width(), at.y + size),
                    anchor: Anchor::TopLeft,
                    text: label.clone(),
                    style: *style,
                });
            }
            Shape::Crosshair { at, style } => {
                let (left, top) = (f64::from(rect.x), f64::from(rect.y));
                let right = left + f64::from(rect.width);
                let bottom = top + f64::from(rect.height);
                let colour = style.colour();
                self.line(
                    ScreenPoint::new(left, at.y),
                    ScreenPoint::new(right, at.y),
                    colour,
                );
                self.line(
                    ScreenPoint::new(at.x, top),
                    ScreenPoint::new(at.x, bottom),
                    colour,
                );
            }
        }
    }

    fn polyline(&mut self, points: &[ScreenPoint], closed: bool, colour: [u8; 4]) {
        for pair in points.windows(2) {
            self.line(pair[0], pair[1], colour);
        }
        if closed && points.len() > 2 {
            self.line(points[points.len() - 1], points[0], colour);
        }
    }

    /// A quad `line_width` wide centred on the segment, with square caps. The ends are snapped so that the long
    /// edges of a horizontal or vertical line fall between pixel rows (columns), never through
    /// pixel centres: crisp lines, and no rasteriser tie rule involved.
    fn line(&mut self, from: ScreenPoint, to: ScreenPoint, colour: [u8; 4]) {
        let offset = if self.scale % 2 == 1 { 0.5 } else { 0.0 };
        let snap = |p: ScreenPoint| ScreenPoint::new(p.x.floor() + offset, p.y.floor() + offset);
        let (from, to) = (snap(from), snap(to));
        let (dx, dy) = (to.x - from.x, to.y - from.y);
        let length = dx.hypot(dy);
        if length == 0.0 {
            return;
        }
        let half = self.line_width() / 2.0;
        // Square caps: half a width past each end, which also fills polyline corners.
        let (ux, uy) = (dx / length * half, dy / length * half);
        let (nx, ny) = (-uy, ux);
        let corner = |p: ScreenPoint, along: f64, across: f64| {
            [
                (p.x + along * ux + across * nx) as f32,
                (p.y + along * uy + across * ny) as f32,
            ]
        };
        self.quad(
            [
                corner(from, -1.0, 1.0),
                corner(to, 1.0, 1.0),
                corner(to, 1.0, -1.0),
                corner(from, -1.0, -1.0),
            ],
            colour,
        );
    }

    fn quad(&mut self, corners: [[f32; 2]; 4], colour: [u8; 4]) {
        self.quads.push(Quad { corners, colour });
    }

    fn quad_rect(&mut self, x: f32, y: f32, width: f32, height: f32, colour: [u8; 4]) {
        self.quad(
            [
                [x, y],
                [x + width, y],
                [x + width, y + height],
                [x, y + height],
            ],
            colour,
        );
    }

    fn progress_bar(&mut self, rect: Rect, fraction: f32) {
        let height = self.css(PROGRESS_BAR_CSS_PX).round() as f32;
        let width = (rect.width as f32 * fraction.clamp(0.0, 1.0)).round();
        let bottom = (rect.y + rect.height) as f32;
        self.quad_rect(
            rect.x as f32,
            bottom - height,
            width,
            height,
            Style::Annotation.colour(),
        );
    }

    /// The text's box placed by its anchor, snapped to whole pixels, covering the set font
    /// pixels.
    fn text(&mut self, text: &Text) {
        let (width, height) = text_size(&text.text, self.scale);
        let (width, height) = (f64::from(width), f64::from(height));
        let (x, y) = match text.anchor {
            Anchor::TopLeft => (text.at.x, text.at.y),
            Anchor::TopCentre => (text.at.x - width / 2.0, text.at.y),
            Anchor::TopRight => (text.at.x - width, text.at.y),
            Anchor::CentreLeft => (text.at.x, text.at.y - height / 2.0),
            Anchor::CentreRight => (text.at.x - width, text.at.y - height / 2.0),
            Anchor::BottomLeft => (text.at.x, text.at.y - height),
            Anchor::BottomCentre => (text.at.x - width / 2.0, text.at.y - height),
            Anchor::BottomRight => (text.at.x - width, text.at.y - height),
        };
        let (x, y) = (x.round() as f32, y.round() as f32);
        let colour = text.style.colour();
        let cell = self.scale as f32;
        let glyphs: Vec<[u8; 8]> = text.text.chars().map(glyph).collect();
        // Each run of set pixels along a row of the text is one quad: the same pixels as a
        // square per font pixel, with a fraction of the quads (a CPU rasteriser pays per quad).
        for row in 0..GLYPH_CELLS as usize {
            let set = |cell_index: u32| {
                let (character, column) = (cell_index / GLYPH_CELLS, cell_index % GLYPH_CELLS);
                // font8x8: bit 0 is the leftmost pixel of the row.
                glyphs[character as usize][row] >> column & 1 == 1
            };
            let cells = glyphs.len() as u32 * GLYPH_CELLS;
            let mut column = 0;
            while column < cells {
                if !set(column) {
                    column += 1;
                    continue;
                }
                let start = column;
                while column < cells && set(column) {
                    column += 1;
                }
                self.quad_rect(
                    x + start as f32 * cell,
                    y + row as f32 * cell,
                    (column - start) as f32 * cell,
                    cell,
                    colour,
                );
            }
        }
    }
}

/// A circle as chords about 4 pixels long (16 to 256 of them).
fn circle_points(centre: ScreenPoint, radius: f64) -> Vec<ScreenPoint> {
    if radius <= 0.0 || !radius.is_finite() {
        return Vec::new();
    }
    let chords = ((std::f64::consts::TAU * radius / 4.0).ceil() as usize).clamp(16, 256);
    (0..chords)
        .map(|index| {
            let angle = std::f64::consts::TAU * index as f64 / chords as f64;
            ScreenPoint::new(
                centre.x + radius * angle.cos(),
                centre.y + radius * angle.sin(),
            )
        })
        .collect()
}

/// The font's rows for `character`; superscripts (as in "10⁻⁶ mm²/s") fall back to the plain
/// character, anything else unknown to `?`.
fn glyph(character: char) -> [u8; 8] {
    let plain = match character {
        '⁻' => '-',
        '⁰' => '0',
        '¹' => '1',
        '⁴' => '4',
        '⁵' => '5',
        '⁶' => '6',
        '⁷' => '7',
        '⁸' => '8',
        '⁹' => '9',
        '—' | '–' => '-',
        other => other,
    };
    BASIC_FONTS
        .get(plain)
        .or_else(|| LATIN_FONTS.get(plain))
        .or_else(|| BASIC_FONTS.get('?'))
        .unwrap_or([0; 8])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scene::ViewportScene;

    fn scene(shapes: Vec<Shape>, texts: Vec<Text>) -> Scene {
        let rect = Rect {
            x: 0,
            y: 0,
            width: 64,
            height: 48,
        };
        Scene {
            width: 64,
            height: 48,
            text_scale: 1,
            viewports: vec![ViewportScene {
                rect,
                active: false,
                image: None,
                loading: None,
                shapes,
                texts,
            }],
            help: None,
        }
    }

    #[test]
    fn text_covers_exactly_its_set_font_pixels_with_one_quad_per_run_on_whole_pixels() {
        let text = Text {
            at: ScreenPoint::new(10.4, 20.6),
            anchor: Anchor::TopLeft,
            text: "LW".into(),
            style: Style::Annotation,
        };
        let batches = overlay_mesh(&scene(vec![], vec![text]));
        // The font pixels set, at the text's snapped origin (10, 21).
        let mut expected = std::collections::BTreeSet::new();
        let mut runs = 0;
        for (index, character) in ['L', 'W'].into_iter().enumerate() {
            for (row, bits) in glyph(character).iter().enumerate() {
                for column in 0..GLYPH_CELLS {
                    if bits >> column & 1 == 1 {
                        expected.insert((10 + index as i32 * 8 + column as i32, 21 + row as i32));
                    }
                }
            }
        }
        for row in 0..8 {
            let bits: Vec<bool> = (10..26)
                .map(|x| expected.contains(&(x, 21 + row)))
                .collect();
            runs +=
                bits.windows(2).filter(|pair| !pair[0] && pair[1]).count() + usize::from(bits[0]);
        }
        let mut covered = std::collections::BTreeSet::new();
        for quad in &batches[0].quads {
            for [x, y] in quad.corners {
                assert_eq!((x.fract(), y.fract()), (0.0, 0.0), "{quad:?}");
            }
            let xs = quad.corners.map(|[x, _]| x as i32);
            let ys = quad.corners.map(|[_, y]| y as i32);
            let (left, right) = (*xs.iter().min().unwrap(), *xs.iter().max().unwrap());
            let (top, bottom) = (*ys.iter().min().unwrap(), *ys.iter().max().unwrap());
            assert_eq!(bottom - top, 1, "a run is one font pixel high: {quad:?}");
            for x in left..right {
                assert!(covered.insert((x, top)), "pixel ({x}, {top}) covered twice");
            }
        }
        assert_eq!(covered, expected);
        assert_eq!(batches[0].quads.len(), runs, "not one quad per run");
    }

    #[test]
    fn anchors_place_the_text_box() {
        let check = |anchor: Anchor, expect: (f32, f32)| {
            let text = Text {
                at: ScreenPoint::new(32.0, 24.0),
                anchor,
                text: "II".into(),
                style: Style::Annotation,
            };
            let batches = overlay_mesh(&scene(vec![], vec![text]));
            let corners = || batches[0].quads.iter().flat_map(|quad| quad.corners);
            let left = corners().map(|[x, _]| x).fold(f32::MAX, f32::min);
            let top = corners().map(|[_, y]| y).fold(f32::MAX, f32::min);
            // The box's origin, then where 'I' has its first set pixel in font8x8.
            let first = glyph('I');
            let first_row = first.iter().position(|row| *row != 0).unwrap_or(0) as f32;
            let first_column = first
                .iter()
                .map(|row| row.trailing_zeros())
                .min()
                .unwrap_or(0) as f32;
            assert_eq!((left - first_column, top - first_row), expect, "{anchor:?}");
        };
        check(Anchor::TopLeft, (32.0, 24.0));
        check(Anchor::TopRight, (16.0, 24.0));
        check(Anchor::BottomCentre, (24.0, 16.0));
        check(Anchor::CentreLeft, (32.0, 20.0));
    }

    #[test]
    fn a_line_is_a_quad_one_line_width_wide() {
        let line = Shape::Line {
            from: ScreenPoint::new(4.0, 10.0),
            to: ScreenPoint::new(20.0, 10.0),
            style: Style::Measurement,
        };
        let batches = overlay_mesh(&scene(vec![line], vec![]));
        let [quad] = batches[0].quads[..] else {
            panic!("one quad expected: {:?}", batches[0].quads);
        };
        // From (4.5, 10.5) to (20.5, 10.5), one pixel wide, with square caps.
        assert_eq!(
            quad.corners,
            [[4.0, 11.0], [21.0, 11.0], [21.0, 10.0], [4.0, 10.0]]
        );
        assert_eq!(quad.colour, Style::Measurement.colour());
    }

    #[test]
    fn circles_have_chords_of_about_four_pixels() {
        let circle = |radius: f64| Shape::Circle {
            centre: ScreenPoint::new(32.0, 24.0),
            radius,
            style: Style::TrueLesion,
        };
        let quads = |radius| {
            overlay_mesh(&scene(vec![circle(radius)], vec![]))[0]
                .quads
                .len()
        };
        assert_eq!(quads(10.0), 16);
        assert_eq!(quads(64.0), 101);
        assert_eq!(quads(0.0), 0);
    }

    #[test]
    fn help_darkens_the_canvas_and_lists_every_entry() {
        let mut with_help = scene(vec![], vec![]);
        with_help.help = Some(vec![crate::keymap::HelpEntry {
            action: "Next slice".into(),
            keys: vec!["ArrowDown".into()],
        }]);
        let batches = overlay_mesh(&with_help);
        assert_eq!(batches.len(), 2);
        assert_eq!(batches[1].quads[0].colour, HELP_BACKGROUND);
        assert!(batches[1].quads.len() > 20);
    }

    #[test]
    fn unknown_characters_fall_back() {
        assert_eq!(glyph('⁶'), glyph('6'));
        assert_eq!(glyph('²'), LATIN_FONTS.get('²').unwrap_or_default());
        assert_eq!(glyph('☃'), glyph('?'));
    }
}
