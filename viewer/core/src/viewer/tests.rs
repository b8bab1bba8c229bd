use super::*;
use readroom_domain::SeriesKind;

use crate::cpu_reference::render_scene_images;
use crate::input::{Modifiers, PointerButton, WheelUnit};
use crate::test_support::{frame, series_with_positions};

/// A series of a study with `phases` phases of slices at the given heights (z, mm).
fn series(uid: &str, kind: SeriesKind, spacing: [f64; 2], heights: &[f64], phases: u32) -> Series {
    let positions: Vec<Vec3> = heights.iter().map(|&z| [0.0, 0.0, z]).collect();
    let mut prepared = series_with_positions(spacing, &positions);
    prepared.uid = uid.into();
    prepared.kind = kind;
    prepared.description = uid.to_uppercase();
    prepared.phases = phases;
    prepared.frames = (0..phases)
        .flat_map(|phase| {
            positions
                .iter()
                .enumerate()
                .map(move |(slice, &position)| frame(slice as u32, phase, position))
        })
        .collect();
    if kind == SeriesKind::Dwi {
        prepared.diffusion_b_value = Some(1400.0);
    }
    Series::new(prepared, "study").unwrap()
}

/// T2W: ten 3 mm slices of 0.5 × 0.8 mm pixels; ADC and DWI: six 4.5 mm slices of 2 mm
/// pixels starting lower; DCE: seven 4 mm slices, three phases. On an 800 × 600 canvas the
/// 2 × 2 viewports are 400 × 300.
fn opened() -> Viewer {
    let t2_heights: Vec<f64> = (0..10).map(|i| 3.0 * f64::from(i)).collect();
    let dwi_heights: Vec<f64> = (0..6).map(|i| -3.0 + 4.5 * f64::from(i)).collect();
    let dce_heights: Vec<f64> = (0..7).map(|i| 4.0 * f64::from(i)).collect();
    let mut viewer = Viewer::new(800, 600, 1.0);
    viewer.open(vec![
        series("dce", SeriesKind::Dce, [2.0, 2.0], &dce_heights, 3),
        series("adc", SeriesKind::Adc, [2.0, 2.0], &dwi_heights, 1),
        series("dwi", SeriesKind::Dwi, [2.0, 2.0], &dwi_heights, 1),
        series("t2", SeriesKind::T2w, [0.8, 0.5], &t2_heights, 1),
    ]);
    viewer
}

/// Fills every frame of a series with one stored value.
fn load(viewer: &mut Viewer, uid: &str, value: u16) {
    let count = viewer.find_series(uid).unwrap().frame_count();
    for index in 0..count {
        viewer
            .voxels_mut()
            .insert_words(uid, index, vec![value; 64 * 48])
            .unwrap();
    }
}

fn slices(viewer: &Viewer) -> Vec<u32> {
    (0..4)
        .map(|v| viewer.viewport(v).unwrap().slice())
        .collect()
}

fn click(viewer: &mut Viewer, at: ScreenPoint) -> Vec<ViewerEvent> {
    let mut events = viewer.handle(
        &InputEvent::PointerDown {
            at,
            button: PointerButton::Primary,
            modifiers: Modifiers::default(),
        },
        0.0,
    );
    events.extend(viewer.handle(
        &InputEvent::PointerUp {
            at,
            button: PointerButton::Primary,
        },
        0.0,
    ));
    events
}

fn drag(viewer: &mut Viewer, from: ScreenPoint, to: ScreenPoint) -> Vec<ViewerEvent> {
    let mut events = viewer.handle(
        &InputEvent::PointerDown {
            at: from,
            button: PointerButton::Primary,
            modifiers: Modifiers::default(),
        },
        0.0,
    );
    events.extend(viewer.handle(&InputEvent::PointerMove { at: to }, 0.0));
    events.extend(viewer.handle(
        &InputEvent::PointerUp {
            at: to,
            button: PointerButton::Primary,
        },
        0.0,
    ));
    events
}

fn key(viewer: &mut Viewer, key: &str, now_ms: f64) -> Vec<ViewerEvent> {
    viewer.handle(
        &InputEvent::Key {
            key: key.into(),
            modifiers: Modifiers::default(),
        },
        now_ms,
    )
}

#[test]
fn opening_a_case_hangs_the_protocol_and_loads_the_slices_in_view_first() {
    let mut viewer = opened();
    assert_eq!(viewer.layout(), Layout::TwoByTwo);
    let shown: Vec<&str> = (0..4)
        .map(|v| viewer.viewport(v).unwrap().series_uid())
        .collect();
    assert_eq!(shown, ["t2", "adc", "dwi", "dce"]);
    // T2 opens at its middle slice (z = 15); the others follow by position.
    assert_eq!(slices(&viewer), [5, 4, 4, 4]);

    let first: Vec<(String, usize)> = viewer.load_order()[..4]
        .iter()
        .map(|r| (r.series_uid.clone(), r.index))
        .collect();
    let expected = [("t2", 5), ("adc", 4), ("dwi", 4), ("dce", 4)];
    assert_eq!(first, expected.map(|(uid, index)| (uid.to_owned(), index)));

    assert!(viewer.scene().viewports.iter().all(|v| v.image.is_none()));
    viewer
        .voxels_mut()
        .insert_words("t2", 5, vec![7; 64 * 48])
        .unwrap();
    let scene = viewer.scene();
    let t2 = &scene.viewports[0];
    assert_eq!(t2.image.as_ref().map(|i| i.frame_index), Some(5));
    assert_eq!(t2.loading, Some(0.1));
    assert!(scene.viewports[1].image.is_none());
    let labels: Vec<&str> = t2.texts[..4].iter().map(|t| t.text.as_str()).collect();
    assert_eq!(labels, ["R", "L", "A", "P"]);
    assert_eq!(t2.texts[4].text, "T2\nSlice 6/10");
}

#[test]
fn the_wheel_scrolls_and_linked_viewports_follow_by_patient_position() {
    let mut viewer = opened();
    let check = |viewer: &mut Viewer, x: f64, y: f64, notches: f64, expected: [u32; 4]| {
        viewer.handle(
            &InputEvent::Wheel {
                at: ScreenPoint::new(x, y),
                delta_y: 100.0 * notches,
                unit: WheelUnit::Pixel,
                modifiers: Modifiers::default(),
            },
            0.0,
        );
        assert_eq!(slices(viewer), expected, "{notches} notches at ({x}, {y})");
    };
    // T2 z: 18 → ADC/DWI 19.5, DCE 16; 27 → 19.5 (end), 24.
    check(&mut viewer, 100.0, 100.0, 1.0, [6, 5, 5, 4]);
    check(&mut viewer, 100.0, 100.0, 3.0, [9, 5, 5, 6]);
    // Scrolling the ADC (bottom of its stack, z −3) takes the T2 to its first slice.
    check(&mut viewer, 500.0, 100.0, -9.0, [0, 0, 0, 0]);
    // Unlinked, only the viewport under the pointer moves.
    key(&mut viewer, "L", 0.0);
    check(&mut viewer, 100.0, 400.0, 2.0, [0, 0, 2, 0]);
}

#[test]
fn a_marker_reports_the_position_the_geometry_gives_and_can_be_moved_and_deleted() {
    let mut viewer = opened();
    key(&mut viewer, "m", 0.0);
    let at = ScreenPoint::new(171.0, 122.0);
    let events = click(&mut viewer, at);
    let point = viewer.transform(0).unwrap().screen_to_image(at);
    let t2 = viewer.find_series("t2").unwrap().clone();
    let expected = t2.geometry().image_to_lps(point, 5).unwrap();
    let [ViewerEvent::MarkerPlaced { marker }] = events.as_slice() else {
        panic!("{events:?}");
    };
    assert_eq!(marker.number, 1);
    assert_eq!(
        (marker.point.series_uid.as_str(), marker.point.slice),
        ("t2", 5)
    );
    assert_eq!(marker.point.lps_mm, expected);

    // It shows on the T2 and, at the same patient position, on the linked ADC.
    let scene = viewer.scene();
    let marker_at = |viewport: usize| {
        scene.viewports[viewport]
            .shapes
            .iter()
            .find_map(|shape| match shape {
                Shape::Marker { at, number, .. } => Some((*number, *at)),
                _ => None,
            })
    };
    let (number, drawn) = marker_at(0).unwrap();
    assert_eq!(number, 1);
    assert!(drawn.distance(at) < 1e-9);
    let adc_transform = viewer.transform(1).unwrap();
    let adc = viewer.find_series("adc").unwrap();
    let on_adc = adc.geometry().lps_to_image(expected, 4).unwrap().point;
    assert!(
        marker_at(1)
            .unwrap()
            .1
            .distance(adc_transform.image_to_screen(on_adc))
            < 1e-9
    );

    // Pressing on it drags it; elsewhere places a second one.
    let moved_to = ScreenPoint::new(260.0, 200.0);
    let events = drag(&mut viewer, ScreenPoint::new(174.0, 125.0), moved_to);
    let [ViewerEvent::MarkerMoved { marker }] = events.as_slice() else {
        panic!("{events:?}");
    };
    let moved_point = viewer.transform(0).unwrap().screen_to_image(moved_to);
    assert_eq!(
        Some(marker.point.lps_mm),
        t2.geometry().image_to_lps(moved_point, 5)
    );
    // A drag the browser cancels puts the marker back.
    let before = viewer.markers()[0].clone();
    viewer.handle(
        &InputEvent::PointerDown {
            at: moved_to,
            button: PointerButton::Primary,
            modifiers: Modifiers::default(),
        },
        0.0,
    );
    viewer.handle(
        &InputEvent::PointerMove {
            at: ScreenPoint::new(300.0, 250.0),
        },
        0.0,
    );
    assert_ne!(viewer.markers()[0], before);
    assert!(viewer.handle(&InputEvent::PointerCancel, 0.0).is_empty());
    assert_eq!(viewer.markers()[0], before);
    let events = click(&mut viewer, ScreenPoint::new(100.0, 100.0));
    assert!(
        matches!(events.as_slice(), [ViewerEvent::MarkerPlaced { marker }] if marker.number == 2)
    );
    // Delete removes the selected (last placed) one.
    assert_eq!(
        key(&mut viewer, "Delete", 0.0),
        [ViewerEvent::MarkerDeleted { number: 2 }]
    );
    assert_eq!(viewer.markers().len(), 1);
}

#[test]
fn length_and_circle_roi_measure_in_millimetres_through_real_input() {
    let mut viewer = opened();
    load(&mut viewer, "t2", 300);
    let transform = viewer.transform(0).unwrap();
    let screen = |column: f64, row: f64| transform.image_to_screen(ImagePoint::new(column, row));

    key(&mut viewer, "l", 0.0);
    // 6 columns of 0.5 mm and 5 rows of 0.8 mm: 3 and 4 mm, so 5 mm.
    let events = drag(&mut viewer, screen(10.0, 10.0), screen(16.0, 15.0));
    let [ViewerEvent::Measured { measurement }] = events.as_slice() else {
        panic!("{events:?}");
    };
    let MeasurementKind::Length { mm, .. } = measurement.kind else {
        panic!("{measurement:?}");
    };
    assert!((mm - 5.0).abs() < 1e-9, "{mm}");

    key(&mut viewer, "o", 0.0);
    // Radius 2 mm: 4 columns across, 2.5 rows down.
    let events = drag(&mut viewer, screen(20.0, 20.0), screen(24.0, 20.0));
    let [ViewerEvent::Measured { measurement }] = events.as_slice() else {
        panic!("{events:?}");
    };
    let MeasurementKind::Roi {
        statistics: Some(stats),
        ..
    } = &measurement.kind
    else {
        panic!("{measurement:?}");
    };
    assert_eq!(
        (stats.mean, stats.sd, stats.min, stats.max),
        (300.0, 0.0, 300.0, 300.0)
    );
    assert!((stats.area_mm2 - stats.pixels as f64 * 0.4).abs() < 1e-9);
    let scene = viewer.scene();
    let texts: Vec<&str> = scene.viewports[0]
        .texts
        .iter()
        .map(|t| t.text.as_str())
        .collect();
    assert!(texts.contains(&"5.0 mm"), "{texts:?}");
    key(&mut viewer, "Escape", 0.0);
    assert!(viewer.measurements().is_empty());
}

#[test]
fn the_crosshair_takes_every_viewport_to_the_picked_position() {
    let mut viewer = opened();
    key(&mut viewer, "c", 0.0);
    key(&mut viewer, "PageDown", 0.0);
    assert_eq!(slices(&viewer), [9, 5, 5, 6]);
    let events = click(&mut viewer, ScreenPoint::new(500.0, 150.0));
    // The ADC's slice 5 is at z = 19.5: T2 18 (index 6), DCE 20 (index 5).
    let [ViewerEvent::CrosshairMoved { lps_mm }] = events.as_slice() else {
        panic!("{events:?}");
    };
    assert_eq!(lps_mm[2], 19.5);
    assert_eq!(slices(&viewer), [6, 5, 5, 5]);
    let scene = viewer.scene();
    for viewport in &scene.viewports {
        assert!(
            viewport
                .shapes
                .iter()
                .any(|s| matches!(s, Shape::Crosshair { .. })),
            "{viewport:?}"
        );
    }
}

#[test]
fn a_new_cine_rate_goes_on_from_the_phase_shown() {
    let mut viewer = opened();
    for _ in 0..3 {
        key(&mut viewer, "Tab", 0.0);
    }
    viewer.set_cine_rate(2.0, 0.0);
    key(&mut viewer, " ", 1000.0);
    assert!(viewer.tick(1500.0));
    assert_eq!(viewer.active_phase(), Some((1, 3)));
    // Twice as fast from phase 1 at 1500 ms: phase 2 at 1750 ms, not at 2000.
    viewer.set_cine_rate(4.0, 1500.0);
    assert_eq!(viewer.cine_rate(), 4.0);
    assert!(!viewer.tick(1700.0));
    assert!(viewer.tick(1750.0));
    assert_eq!(viewer.active_phase(), Some((2, 3)));
    // A rate of 0 or below is ignored.
    viewer.set_cine_rate(0.0, 1800.0);
    viewer.set_cine_rate(f64::NAN, 1800.0);
    assert_eq!(viewer.cine_rate(), 4.0);
}

#[test]
fn cine_runs_through_the_dce_phases_on_the_clock() {
    let mut viewer = opened();
    viewer.set_cine_rate(2.0, 0.0);
    key(&mut viewer, "Tab", 0.0);
    key(&mut viewer, "Tab", 0.0);
    key(&mut viewer, "Tab", 0.0);
    assert_eq!(viewer.active_viewport(), 3);
    key(&mut viewer, " ", 1000.0);
    let mut check = |now_ms: f64, changed: bool, phase: u32| {
        assert_eq!(viewer.tick(now_ms), changed, "at {now_ms} ms");
        assert_eq!(viewer.viewport(3).unwrap().phase(), phase, "at {now_ms} ms");
    };
    check(1200.0, false, 0);
    check(1500.0, true, 1);
    check(2000.0, true, 2);
    check(2500.0, true, 0);
    key(&mut viewer, " ", 2600.0);
    assert!(!viewer.tick(3000.0));
    // A series of one phase has no cine.
    key(&mut viewer, "Tab", 0.0);
    key(&mut viewer, " ", 0.0);
    assert!(viewer.cine().is_none());
}

#[test]
fn the_time_intensity_curve_is_read_at_the_crosshair() {
    let mut viewer = opened();
    for phase in 0..3u16 {
        for slice in 0..7 {
            let index = usize::from(phase) * 7 + slice;
            let words = vec![100 + 50 * phase; 64 * 48];
            viewer
                .voxels_mut()
                .insert_words("dce", index, words)
                .unwrap();
        }
    }
    assert_eq!(viewer.time_intensity_curve(3), None);
    key(&mut viewer, "c", 0.0);
    click(&mut viewer, ScreenPoint::new(600.0, 450.0));
    let values: Vec<Option<f64>> = viewer
        .time_intensity_curve(3)
        .unwrap()
        .iter()
        .map(|p| p.value)
        .collect();
    assert_eq!(values, [Some(100.0), Some(150.0), Some(200.0)]);
}

#[test]
fn true_lesions_and_expert_marks_are_drawn_where_they_reach_and_toggle() {
    let mut viewer = opened();
    viewer.set_true_lesions(vec![TrueLesion {
        number: 1,
        centre_lps_mm: [10.0, 10.0, 16.0],
        radius_mm: 4.0,
        isup_grade_group: 3,
    }]);
    viewer.set_expert_marks(vec![ExpertMark {
        series_uid: "t2".into(),
        slice: 5,
        lps_mm: [5.0, 5.0, 15.0],
        label: "look".into(),
    }]);
    let count = |viewer: &Viewer, viewport: usize| {
        let shapes = &viewer.scene().viewports[viewport].shapes;
        let circles = shapes
            .iter()
            .filter(|s| {
                matches!(
                    s,
                    Shape::Circle {
                        style: Style::TrueLesion,
                        ..
                    }
                )
            })
            .count();
        let diamonds = shapes
            .iter()
            .filter(|s| matches!(s, Shape::Diamond { .. }))
            .count();
        (circles, diamonds)
    };
    // T2 slice 5 is at z = 15: 1 mm from the centre, radius √15 mm.
    assert_eq!(count(&viewer, 0), (1, 1));
    let radius = viewer.scene().viewports[0]
        .shapes
        .iter()
        .find_map(|s| match s {
            Shape::Circle { radius, .. } => Some(*radius),
            _ => None,
        });
    let pixels_per_mm = viewer.transform(0).unwrap().pixels_per_mm;
    assert!((radius.unwrap() - 15f64.sqrt() * pixels_per_mm).abs() < 1e-9);
    // DCE slice 4 is at z = 16: the centre. Its nearest slice to z = 15 is also 4 (16 vs 12).
    assert_eq!(count(&viewer, 3), (1, 1));
    key(&mut viewer, "T", 0.0);
    key(&mut viewer, "E", 0.0);
    assert_eq!(count(&viewer, 0), (0, 0));
    // T2 slice 8 (z = 24) is 8 mm from the centre: no circle.
    key(&mut viewer, "T", 0.0);
    key(&mut viewer, "End", 0.0);
    key(&mut viewer, "ArrowUp", 0.0);
    assert_eq!(count(&viewer, 0), (0, 0));
}

#[test]
fn the_scene_renders_to_the_reference_pixels() {
    let mut viewer = opened();
    load(&mut viewer, "t2", 400);
    load(&mut viewer, "adc", 1000);
    let scene = viewer.scene();
    let pixels = render_scene_images(&scene, viewer.voxels());
    // Both open with the scanner window 0–1000: 400 is 0.4 · 255 = 102; 1000 is white.
    assert_eq!(pixels.pixel(200, 150), Some([102, 102, 102, 255]));
    assert_eq!(pixels.pixel(600, 150), Some([255, 255, 255, 255]));
    // The DWI has not arrived; outside the T2 image (it fits the height) is background.
    assert_eq!(pixels.pixel(200, 450), Some([0, 0, 0, 255]));
    assert_eq!(pixels.pixel(2, 150), Some([0, 0, 0, 255]));
    key(&mut viewer, "i", 0.0);
    let inverted = render_scene_images(&viewer.scene(), viewer.voxels());
    assert_eq!(inverted.pixel(200, 150), Some([153, 153, 153, 255]));
}

#[test]
fn any_series_goes_in_any_viewport_and_layouts_keep_their_viewports() {
    let mut viewer = opened();
    // The DCE dropped on the top left follows the ADC (first linked viewport) by position.
    viewer.assign(0, "dce").unwrap();
    assert_eq!(viewer.viewport(0).unwrap().series_uid(), "dce");
    assert_eq!(slices(&viewer), [4, 4, 4, 4]);
    assert_eq!(viewer.assign(4, "t2"), Err(ViewerError::NoSuchViewport(4)));
    assert_eq!(
        viewer.assign(1, "nope"),
        Err(ViewerError::UnknownSeries("nope".into()))
    );
    // A 3 × 3 shows the T2, the only series no viewport shows, in its fifth viewport.
    viewer.command(Command::SetLayout(Layout::ThreeByThree), 0.0);
    let shown: Vec<Option<&str>> = (0..9)
        .map(|v| viewer.viewport(v).map(ViewportState::series_uid))
        .collect();
    assert_eq!(
        shown,
        [
            Some("dce"),
            Some("adc"),
            Some("dwi"),
            Some("dce"),
            Some("t2"),
            None,
            None,
            None,
            None
        ]
    );
    assert_eq!(viewer.scene().viewports.len(), 9);
    // Back to 1 × 1 and 2 × 2: the viewports are as they were.
    key(&mut viewer, "1", 0.0);
    assert_eq!(viewer.viewport(1), None);
    key(&mut viewer, "4", 0.0);
    assert_eq!(viewer.viewport(1).unwrap().series_uid(), "adc");
}

#[test]
fn selecting_a_marker_shows_its_slice_in_the_viewport_of_its_series() {
    let mut viewer = opened();
    let marker = |number, series_uid: &str, slice, z| Marker {
        number,
        point: readroom_domain::MarkedPoint {
            lps_mm: [0.0, 0.0, z],
            series_uid: series_uid.into(),
            slice,
        },
    };
    viewer.set_markers(vec![marker(1, "adc", 2, 6.0), marker(2, "t2", 7, 21.0)]);
    let showing = |viewer: &Viewer, uid: &str| {
        (0..4)
            .find(|&v| viewer.viewport(v).unwrap().series_uid() == uid)
            .unwrap()
    };
    assert!(viewer.select_marker(2));
    let t2 = showing(&viewer, "t2");
    assert_eq!(viewer.viewport(t2).unwrap().slice(), 7);
    assert_eq!(viewer.active_viewport(), t2);
    assert!(viewer.select_marker(1));
    let adc = showing(&viewer, "adc");
    assert_eq!(viewer.viewport(adc).unwrap().slice(), 2);
    assert_eq!(viewer.active_viewport(), adc);
    // The linked T2W viewport follows to the same height (6 mm: its slice 2).
    assert_eq!(viewer.viewport(t2).unwrap().slice(), 2);
    assert!(!viewer.select_marker(3));
    // Selected: the delete key removes it.
    assert_eq!(
        key(&mut viewer, "Delete", 0.0),
        [ViewerEvent::MarkerDeleted { number: 1 }]
    );
}
