//! Layouts of viewports on the canvas and the hanging protocol that fills them.

use readroom_domain::SeriesKind;
use serde::{Deserialize, Serialize};

use crate::screen::Rect;
use crate::series::Series;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Layout {
    #[serde(rename = "1x1")]
    OneByOne,
    /// One row of two.
    #[serde(rename = "1x2")]
    OneByTwo,
    #[serde(rename = "2x2")]
    TwoByTwo,
    #[serde(rename = "3x3")]
    ThreeByThree,
}

impl Layout {
    pub const ALL: [Layout; 4] = [
        Layout::OneByOne,
        Layout::OneByTwo,
        Layout::TwoByTwo,
        Layout::ThreeByThree,
    ];

    /// Rows and columns of the grid.
    pub fn grid(self) -> (u32, u32) {
        match self {
            Layout::OneByOne => (1, 1),
            Layout::OneByTwo => (1, 2),
            Layout::TwoByTwo => (2, 2),
            Layout::ThreeByThree => (3, 3),
        }
    }

    pub fn viewport_count(self) -> usize {
        let (rows, columns) = self.grid();
        (rows * columns) as usize
    }

    /// The smallest layout with room for `count` viewports (3 × 3 for more than nine).
    pub fn holding(count: usize) -> Layout {
        Layout::ALL
            .into_iter()
            .find(|layout| layout.viewport_count() >= count)
            .unwrap_or(Layout::ThreeByThree)
    }

    /// Viewport rectangles, row by row, tiling the canvas exactly: the edge between grid
    /// columns `i − 1` and `i` is at `⌊i · width / columns⌋`, and likewise for rows, so no device
    /// pixel is shared or left out.
    pub fn viewport_rects(self, canvas_width: u32, canvas_height: u32) -> Vec<Rect> {
        let (rows, columns) = self.grid();
        let edge = |index: u32, count: u32, length: u32| {
            (u64::from(index) * u64::from(length) / u64::from(count)) as u32
        };
        let mut rects = Vec::with_capacity(self.viewport_count());
        for row in 0..rows {
            let (top, bottom) = (
                edge(row, rows, canvas_height),
                edge(row + 1, rows, canvas_height),
            );
            for column in 0..columns {
                let (left, right) = (
                    edge(column, columns, canvas_width),
                    edge(column + 1, columns, canvas_width),
                );
                rects.push(Rect {
                    x: left,
                    y: top,
                    width: right - left,
                    height: bottom - top,
                });
            }
        }
        rects
    }
}

/// What the hanging protocol chose: a layout and the series for each of its viewports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hanging {
    pub layout: Layout,
    /// Series UIDs by viewport, row by row; as many as the layout has viewports, or fewer when
    /// there are not enough series.
    pub series_uids: Vec<String>,
}

/// The prostate mpMRI hanging protocol: a 2 × 2 of T2W axial (top left), ADC (top right), the
/// highest-b DWI (bottom left) and DCE (bottom right). A slot with no such series is skipped
/// and the remaining series, in reading order, fill the layout; fewer series give a smaller
/// layout. Within a slot, axial series come first, then (DWI) the higher b-value and (DCE) the
/// more phases, then the lower series number.
pub fn prostate_mpmri(series: &[Series]) -> Hanging {
    let mut chosen: Vec<&Series> = Vec::new();
    // The larger a series' preference, the better it fills the slot.
    type Preference = fn(&Series) -> f64;
    let slots: [(SeriesKind, Preference); 4] = [
        (SeriesKind::T2w, |_| 0.0),
        (SeriesKind::Adc, |_| 0.0),
        (SeriesKind::Dwi, |s| {
            s.prepared().diffusion_b_value.unwrap_or(f64::NEG_INFINITY)
        }),
        (SeriesKind::Dce, |s| f64::from(s.phases())),
    ];
    for (kind, preference) in slots {
        let best = series
            .iter()
            .filter(|s| s.kind() == kind && !chosen.iter().any(|c| c.uid() == s.uid()))
            .min_by(|a, b| {
                (!a.geometry().is_axial())
                    .cmp(&!b.geometry().is_axial())
                    .then(preference(b).total_cmp(&preference(a)))
                    .then(series_number(a).cmp(&series_number(b)))
            });
        chosen.extend(best);
    }
    let mut rest: Vec<&Series> = series
        .iter()
        .filter(|s| !chosen.iter().any(|c| c.uid() == s.uid()))
        .collect();
    rest.sort_by_key(|s| (s.kind().reading_order(), series_number(s)));
    chosen.extend(rest);
    chosen.truncate(4);
    Hanging {
        layout: Layout::holding(chosen.len().max(1)),
        series_uids: chosen.iter().map(|s| s.uid().to_owned()).collect(),
    }
}

fn series_number(series: &Series) -> i64 {
    series.prepared().number.unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{axial_series, oriented_series};

    #[test]
    fn viewport_rects_tile_the_canvas_row_by_row() {
        let check = |layout: Layout, width: u32, height: u32, expected: &[(u32, u32, u32, u32)]| {
            let rects: Vec<(u32, u32, u32, u32)> = layout
                .viewport_rects(width, height)
                .iter()
                .map(|r| (r.x, r.y, r.width, r.height))
                .collect();
            assert_eq!(rects, expected, "{layout:?} on {width} × {height}");
        };
        check(Layout::OneByOne, 640, 480, &[(0, 0, 640, 480)]);
        check(
            Layout::OneByTwo,
            641,
            480,
            &[(0, 0, 320, 480), (320, 0, 321, 480)],
        );
        check(
            Layout::TwoByTwo,
            801,
            601,
            &[
                (0, 0, 400, 300),
                (400, 0, 401, 300),
                (0, 300, 400, 301),
                (400, 300, 401, 301),
            ],
        );
        check(
            Layout::ThreeByThree,
            10,
            10,
            &[
                (0, 0, 3, 3),
                (3, 0, 3, 3),
                (6, 0, 4, 3),
                (0, 3, 3, 3),
                (3, 3, 3, 3),
                (6, 3, 4, 3),
                (0, 6, 3, 4),
                (3, 6, 3, 4),
                (6, 6, 4, 4),
            ],
        );
    }

    #[test]
    fn layout_names_are_the_grid_sizes() {
        let names: Vec<String> = Layout::ALL
            .iter()
            .map(|layout| serde_json::to_string(layout).unwrap())
            .collect();
        assert_eq!(names, ["\"1x1\"", "\"1x2\"", "\"2x2\"", "\"3x3\""]);
    }

    fn series(
        uid: &str,
        number: i64,
        kind: SeriesKind,
        b_value: Option<f64>,
        phases: u32,
    ) -> Series {
        let mut prepared = axial_series(2);
        prepared.uid = uid.into();
        prepared.number = Some(number);
        prepared.kind = kind;
        prepared.diffusion_b_value = b_value;
        prepared.phases = phases;
        Series::new(prepared, "study").unwrap()
    }

    fn sagittal(uid: &str, number: i64, kind: SeriesKind) -> Series {
        let mut prepared = oriented_series([0.0, 1.0, 0.0], [0.0, 0.0, -1.0]);
        prepared.uid = uid.into();
        prepared.number = Some(number);
        prepared.kind = kind;
        Series::new(prepared, "study").unwrap()
    }

    #[test]
    fn hanging_protocol_places_t2w_adc_high_b_and_dce() {
        let check = |series: Vec<Series>, layout: Layout, expected: &[&str]| {
            let hanging = prostate_mpmri(&series);
            assert_eq!(hanging.layout, layout);
            assert_eq!(hanging.series_uids, expected);
        };
        use SeriesKind::*;
        // A full study in scanner order: sagittal T2 first, several b-values, ADC, DCE.
        check(
            vec![
                sagittal("t2-sag", 1, T2w),
                series("t2-ax", 2, T2w, None, 1),
                series("b50", 3, Dwi, Some(50.0), 1),
                series("b800", 4, Dwi, Some(800.0), 1),
                series("b1400", 5, Dwi, Some(1400.0), 1),
                series("adc", 6, Adc, None, 1),
                series("dce", 7, Dce, None, 8),
            ],
            Layout::TwoByTwo,
            &["t2-ax", "adc", "b1400", "dce"],
        );
        // No DCE (biparametric): the next series in reading order takes its place.
        check(
            vec![
                series("adc", 6, Adc, None, 1),
                series("b1400", 5, Dwi, Some(1400.0), 1),
                series("t2-ax", 2, T2w, None, 1),
                sagittal("t2-sag", 1, T2w),
            ],
            Layout::TwoByTwo,
            &["t2-ax", "adc", "b1400", "t2-sag"],
        );
        // Two series: side by side.
        check(
            vec![
                series("adc", 6, Adc, None, 1),
                series("t2", 2, T2w, None, 1),
            ],
            Layout::OneByTwo,
            &["t2", "adc"],
        );
        check(vec![], Layout::OneByOne, &[]);
        // Only non-axial T2: still used.
        check(
            vec![sagittal("t2-sag", 1, T2w)],
            Layout::OneByOne,
            &["t2-sag"],
        );
    }
}
