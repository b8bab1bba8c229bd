//! The renderer on Mesa's software Vulkan (lavapipe), pixel by pixel against viewer-core's CPU
//! reference: window/level, rescale, signed words, invert, nearest and bilinear sampling, odd
//! image sizes, several viewports, and overlays with text.
//!
//! `cargo xtask test` installs lavapipe (Debian's mesa-vulkan-drivers); without a Vulkan
//! driver these tests fail and say so.

use readroom_viewer_core::cpu_reference::{Reference, Rgba8Image, render_batch, render_image};
use readroom_viewer_core::mesh::overlay_mesh;
use readroom_viewer_core::scene::{Anchor, ImageLayer, Scene, Shape, Style, Text, ViewportScene};
use readroom_viewer_core::screen::{Rect, ScreenPoint};
use readroom_viewer_core::viewport::Interpolation;
use readroom_viewer_render::{Renderer, required_limits};

const WIDTH: u32 = 64;
const HEIGHT: u32 = 48;

fn renderer() -> Renderer {
    let instance = wgpu::Instance::new(wgpu::InstanceDescriptor {
        backends: wgpu::Backends::VULKAN,
        ..wgpu::InstanceDescriptor::new_without_display_handle()
    });
    // The fallback adapter is the CPU one: lavapipe, the same everywhere.
    let adapter =
        futures::executor::block_on(instance.request_adapter(&wgpu::RequestAdapterOptions {
            force_fallback_adapter: true,
            ..Default::default()
        }))
        .unwrap_or_else(|error| {
            panic!(
                "no software Vulkan adapter ({error}): install Mesa's lavapipe (Debian: \
             mesa-vulkan-drivers), which `cargo xtask test` does"
            )
        });
    let info = adapter.get_info();
    assert_eq!(info.device_type, wgpu::DeviceType::Cpu, "{info:?}");
    let (device, queue) =
        futures::executor::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
            label: Some("rendering tests"),
            required_limits: required_limits(),
            ..Default::default()
        }))
        .unwrap_or_else(|error| panic!("{} refused a device: {error}", info.name));
    Renderer::new(device, queue)
}

fn read_back(renderer: &mut Renderer, scene: &Scene) -> Rgba8Image {
    let readback = renderer.render_to_readback(scene);
    loop {
        if let Some(result) = readback.poll(renderer.device(), true) {
            return result.unwrap_or_else(|error| panic!("{error}"));
        }
    }
}

/// A frame of `columns × rows` words: a ramp with a wrap, so that neighbours differ and the
/// whole 16-bit range (including the sign bit) is used.
fn frame(columns: u32, rows: u32, seed: u32) -> Vec<u16> {
    (0..rows * columns)
        .map(|index| {
            let (c, r) = (index % columns, index / columns);
            (c.wrapping_mul(2711) ^ r.wrapping_mul(4099) ^ seed.wrapping_mul(40503)) as u16
        })
        .collect()
}

/// The layer of a frame seen at `zoom` canvas pixels per image pixel, from image point
/// `offset` at the viewport's corner; the odd zooms keep pixel centres off texel edges.
fn layer(columns: u32, rows: u32, rect: Rect, zoom: f32, offset: (f32, f32)) -> ImageLayer {
    ImageLayer {
        series_uid: "series".into(),
        frame_index: 0,
        columns,
        rows,
        signed: false,
        image_from_screen: [
            1.0 / zoom,
            0.0,
            offset.0 - rect.x as f32 / zoom,
            0.0,
            1.0 / zoom,
            offset.1 - rect.y as f32 / zoom,
        ],
        rescale_slope: 1.0,
        rescale_intercept: 0.0,
        window_low: 0.0,
        window_inverse_width: 1.0 / 65535.0,
        invert: false,
        interpolation: Interpolation::Nearest,
    }
}

fn whole_canvas() -> Rect {
    Rect {
        x: 0,
        y: 0,
        width: WIDTH,
        height: HEIGHT,
    }
}

fn scene(viewports: Vec<ViewportScene>) -> Scene {
    Scene {
        width: WIDTH,
        height: HEIGHT,
        text_scale: 1,
        viewports,
        help: None,
    }
}

fn viewport(rect: Rect, image: Option<ImageLayer>) -> ViewportScene {
    ViewportScene {
        rect,
        active: false,
        image,
        loading: None,
        shapes: Vec::new(),
        texts: Vec::new(),
    }
}

/// The CPU reference for `scene`, whose frames are `frames[(series, frame index)]`.
fn reference(scene: &Scene, frames: &[(&str, usize, &[u16])]) -> Reference {
    let mut image = Rgba8Image::new(scene.width, scene.height);
    for viewport in &scene.viewports {
        if let Some(layer) = &viewport.image
            && let Some((_, _, words)) = frames
                .iter()
                .find(|(uid, index, _)| *uid == layer.series_uid && *index == layer.frame_index)
        {
            render_image(layer, words, viewport.rect, &mut image);
        }
    }
    let uncertain = vec![false; (scene.width * scene.height) as usize];
    let mut reference = Reference { image, uncertain };
    for batch in overlay_mesh(scene) {
        render_batch(&batch, &mut reference);
    }
    reference
}

/// Renders `scene` with the frames uploaded and compares with the reference: at most 1 LSB.
fn check(scene: &Scene, frames: &[(&str, usize, &[u16])], what: &str) -> Rgba8Image {
    let mut renderer = renderer();
    for (uid, index, words) in frames {
        let layer = scene
            .viewports
            .iter()
            .filter_map(|viewport| viewport.image.as_ref())
            .find(|layer| layer.series_uid == *uid)
            .unwrap_or_else(|| panic!("no layer shows {uid}"));
        renderer.prepare_series(uid, layer.columns, layer.rows, 4);
        renderer
            .upload_frame(uid, *index, words)
            .unwrap_or_else(|error| panic!("{error}"));
    }
    let gpu = read_back(&mut renderer, scene);
    let expected = reference(scene, frames);
    let (difference, uncertain) = expected
        .compare(&gpu)
        .unwrap_or_else(|| panic!("{what}: size differs"));
    assert!(
        difference <= 1,
        "{what}: the GPU differs from the CPU reference by up to {difference} levels \
         ({uncertain} tie pixels left out)"
    );
    gpu
}

#[test]
fn window_level_maps_stored_values_to_grey() {
    let words = frame(13, 9, 1);
    for (low, width) in [
        (0.0, 65535.0),
        (20000.0, 9000.0),
        (-100.0, 3.0),
        (40000.0, 25000.5),
    ] {
        let mut image = layer(13, 9, whole_canvas(), 4.3, (-0.7, -0.4));
        image.window_low = low;
        image.window_inverse_width = (1.0 / width) as f32;
        let scene = scene(vec![viewport(whole_canvas(), Some(image))]);
        let gpu = check(
            &scene,
            &[("series", 0, &words)],
            &format!("window {low} + {width}"),
        );
        // Not trivially black or white: wide windows show greys between.
        let greys = gpu
            .pixels
            .chunks(4)
            .filter(|pixel| pixel[0] > 0 && pixel[0] < 255)
            .count();
        assert!(
            greys > 0 || width < 10.0,
            "window {low} + {width}: no grey levels"
        );
    }
}

#[test]
fn rescale_and_signed_words_are_applied_before_the_window() {
    let words = frame(13, 9, 2);
    for (signed, slope, intercept) in [
        (false, 2.0, -1024.0),
        (true, 1.0, 0.0),
        (true, 0.25, 100.0),
        (false, 0.001, 0.0),
    ] {
        let mut image = layer(13, 9, whole_canvas(), 4.3, (-0.7, -0.4));
        image.signed = signed;
        image.rescale_slope = slope;
        image.rescale_intercept = intercept;
        // A window over the rescaled range of the data.
        let values = words.iter().map(|&word| {
            let stored = if signed {
                f32::from(word as i16)
            } else {
                f32::from(word)
            };
            stored * slope + intercept
        });
        let (low, high) = values.fold((f32::MAX, f32::MIN), |(l, h), v| (l.min(v), h.max(v)));
        image.window_low = low;
        image.window_inverse_width = (1.0 / f64::from(high - low)) as f32;
        let scene = scene(vec![viewport(whole_canvas(), Some(image))]);
        check(
            &scene,
            &[("series", 0, &words)],
            &format!("signed {signed}, slope {slope}, intercept {intercept}"),
        );
    }
}

#[test]
fn invert_flips_the_grey() {
    let words = frame(13, 9, 3);
    let plain = layer(13, 9, whole_canvas(), 4.3, (-0.7, -0.4));
    let inverted = ImageLayer {
        invert: true,
        ..plain.clone()
    };
    let a = check(
        &scene(vec![viewport(whole_canvas(), Some(plain))]),
        &[("series", 0, &words)],
        "plain",
    );
    let b = check(
        &scene(vec![viewport(whole_canvas(), Some(inverted))]),
        &[("series", 0, &words)],
        "inverted",
    );
    // Over the image (not the background), each grey is mirrored.
    let centre = ((24 * WIDTH + 30) * 4) as usize;
    assert_eq!(
        u16::from(a.pixels[centre]) + u16::from(b.pixels[centre]),
        255
    );
}

#[test]
fn bilinear_interpolates_the_stored_values() {
    // Odd width (an unpadded row of 2·17 bytes) and a zoom that puts pixel centres between texels.
    let words = frame(17, 11, 4);
    let mut image = layer(17, 11, whole_canvas(), 3.37, (-0.2, 0.1));
    image.interpolation = Interpolation::Bilinear;
    let gpu = check(
        &scene(vec![viewport(whole_canvas(), Some(image.clone()))]),
        &[("series", 0, &words)],
        "bilinear",
    );
    image.interpolation = Interpolation::Nearest;
    let nearest = check(
        &scene(vec![viewport(whole_canvas(), Some(image))]),
        &[("series", 0, &words)],
        "nearest",
    );
    assert_ne!(
        gpu, nearest,
        "bilinear must differ from nearest at this zoom"
    );
}

#[test]
fn viewports_show_their_own_frames_and_unloaded_ones_stay_black() {
    let (a, b) = (frame(13, 9, 5), frame(7, 5, 6));
    let rects = [
        Rect {
            x: 0,
            y: 0,
            width: 32,
            height: 24,
        },
        Rect {
            x: 32,
            y: 0,
            width: 32,
            height: 24,
        },
        Rect {
            x: 0,
            y: 24,
            width: 32,
            height: 24,
        },
        Rect {
            x: 32,
            y: 24,
            width: 32,
            height: 24,
        },
    ];
    let first = layer(13, 9, rects[0], 2.3, (0.1, 0.2));
    let second = ImageLayer {
        series_uid: "other".into(),
        frame_index: 2,
        ..layer(7, 5, rects[1], 4.1, (0.1, 0.2))
    };
    // The first series' frame 1 was never uploaded: background.
    let missing = ImageLayer {
        frame_index: 1,
        ..layer(13, 9, rects[2], 2.3, (0.1, 0.2))
    };
    let scene = scene(vec![
        viewport(rects[0], Some(first)),
        viewport(rects[1], Some(second)),
        viewport(rects[2], Some(missing)),
        viewport(rects[3], None),
    ]);
    let gpu = check(&scene, &[("series", 0, &a), ("other", 2, &b)], "2×2");
    let black = gpu
        .pixels
        .chunks(4)
        .filter(|pixel| pixel[..3] == [0, 0, 0])
        .count();
    assert!(black >= 2 * 32 * 24, "{black} black pixels");
}

#[test]
fn overlays_and_text_match_the_reference() {
    let words = frame(13, 9, 7);
    let mut view = viewport(
        whole_canvas(),
        Some(layer(13, 9, whole_canvas(), 4.3, (-0.7, -0.4))),
    );
    view.loading = Some(0.4);
    view.shapes = vec![
        Shape::Line {
            from: ScreenPoint::new(3.2, 40.7),
            to: ScreenPoint::new(50.1, 30.2),
            style: Style::Measurement,
        },
        Shape::Circle {
            centre: ScreenPoint::new(30.0, 20.0),
            radius: 11.3,
            style: Style::TrueLesion,
        },
        Shape::Marker {
            at: ScreenPoint::new(12.0, 14.0),
            number: 2,
            style: Style::TraineeMarker,
        },
        Shape::Diamond {
            at: ScreenPoint::new(45.0, 12.0),
            label: "E".into(),
            style: Style::ExpertMark,
        },
        Shape::Crosshair {
            at: ScreenPoint::new(20.0, 33.0),
            style: Style::Crosshair,
        },
    ];
    view.texts = vec![Text {
        at: ScreenPoint::new(63.0, 47.0),
        anchor: Anchor::BottomRight,
        text: "R 12".into(),
        style: Style::Annotation,
    }];
    let scene = scene(vec![view]);
    let gpu = check(&scene, &[("series", 0, &words)], "overlays");
    // Each overlay colour is really there.
    for style in [
        Style::Measurement,
        Style::TrueLesion,
        Style::TraineeMarker,
        Style::ExpertMark,
        Style::Annotation,
    ] {
        let [r, g, b, _] = style.colour();
        assert!(
            gpu.pixels.chunks(4).any(|pixel| pixel[..3] == [r, g, b]),
            "{style:?} not drawn"
        );
    }
}

#[test]
fn a_frame_of_the_wrong_size_or_series_is_refused() {
    let mut renderer = renderer();
    renderer.prepare_series("series", 13, 9, 2);
    assert!(
        renderer
            .upload_frame("series", 0, &frame(13, 8, 0))
            .is_err()
    );
    assert!(
        renderer
            .upload_frame("series", 2, &frame(13, 9, 0))
            .is_err()
    );
    assert!(
        renderer
            .upload_frame("unknown", 0, &frame(13, 9, 0))
            .is_err()
    );
    assert!(!renderer.is_loaded("series", 0));
}
