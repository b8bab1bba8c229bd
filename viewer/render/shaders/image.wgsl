// One 16-bit frame drawn into a viewport: the pixel pipeline of viewer-core's cpu_reference,
// step for step (its module documentation is the specification; keep the two in step).
// Stored words arrive unchanged in an R16Uint array texture; sign, interpolation, rescale,
// window and invert all happen here, so the raw values are never rounded before windowing.

struct Layer {
    // Canvas pixel to image: column = m0·x + m1·y + m2, row = m3·x + m4·y + m5.
    column_from_screen: vec4<f32>,
    row_from_screen: vec4<f32>,
    // columns, rows
    size: vec2<f32>,
    // slope, intercept
    rescale: vec2<f32>,
    // centre − width / 2, 1 / width
    window: vec2<f32>,
    layer: u32,
    // 1: signed words, 2: invert
    flags: u32,
}

const SIGNED: u32 = 1u;
const INVERT: u32 = 2u;

@group(0) @binding(0) var<uniform> frame: Layer;
@group(0) @binding(1) var frames: texture_2d_array<u32>;

// One triangle covering the viewport; the viewport and scissor rectangles do the clipping.
@vertex
fn vertex_main(@builtin(vertex_index) index: u32) -> @builtin(position) vec4<f32> {
    let x = f32(index & 1u) * 4.0 - 1.0;
    let y = f32(index >> 1u) * 4.0 - 1.0;
    return vec4<f32>(x, y, 0.0, 1.0);
}

// The stored value at a pixel (clamped to the edge). Branch-free: a CPU rasteriser such as
// SwiftShader runs both sides of a branch its lanes disagree on.
fn stored(column: f32, row: f32) -> f32 {
    let c = i32(clamp(column, 0.0, frame.size.x - 1.0));
    let r = i32(clamp(row, 0.0, frame.size.y - 1.0));
    let word = textureLoad(frames, vec2<i32>(c, r), i32(frame.layer), 0).x;
    let negative = (frame.flags & SIGNED) != 0u && word >= 32768u;
    return f32(word) - select(0.0, 65536.0, negative);
}

// 1. The pixel centre, in canvas pixels, to image coordinates (column, row).
fn image_point(position: vec4<f32>) -> vec2<f32> {
    let m = frame.column_from_screen;
    let n = frame.row_from_screen;
    return vec2<f32>((m.x * position.x + m.y * position.y) + m.z, (n.x * position.x + n.y * position.y) + n.z);
}

// 2. Off the image: the background.
fn off_image(point: vec2<f32>) -> bool {
    return point.x < -0.5 || point.y < -0.5 || point.x >= frame.size.x - 0.5 || point.y >= frame.size.y - 0.5;
}

// 4. Rescale; 5. window; 6. invert; 7. eight bits.
fn shade(value: f32) -> vec4<f32> {
    let modality = value * frame.rescale.x + frame.rescale.y;
    let t = clamp((modality - frame.window.x) * frame.window.y, 0.0, 1.0);
    let shown = select(t, 1.0 - t, (frame.flags & INVERT) != 0u);
    let grey = floor(shown * 255.0 + 0.5) / 255.0;
    return vec4<f32>(grey, grey, grey, 1.0);
}

const BACKGROUND: vec4<f32> = vec4<f32>(0.0, 0.0, 0.0, 1.0);

// 3. Nearest: one entry point per interpolation, so that neither pays for the other.
@fragment
fn fragment_nearest(@builtin(position) position: vec4<f32>) -> @location(0) vec4<f32> {
    let point = image_point(position);
    if (off_image(point)) {
        return BACKGROUND;
    }
    return shade(stored(floor(point.x + 0.5), floor(point.y + 0.5)));
}

// 3. Bilinear on the stored values.
@fragment
fn fragment_bilinear(@builtin(position) position: vec4<f32>) -> @location(0) vec4<f32> {
    let point = image_point(position);
    if (off_image(point)) {
        return BACKGROUND;
    }
    let c0 = floor(point.x);
    let r0 = floor(point.y);
    let fx = point.x - c0;
    let fy = point.y - r0;
    let top = mix(stored(c0, r0), stored(c0 + 1.0, r0), fx);
    let bottom = mix(stored(c0, r0 + 1.0), stored(c0 + 1.0, r0 + 1.0), fx);
    return shade(mix(top, bottom, fy));
}
