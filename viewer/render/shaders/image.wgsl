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
    // 1: signed words, 2: invert, 4: bilinear
    flags: u32,
}

const SIGNED: u32 = 1u;
const INVERT: u32 = 2u;
const BILINEAR: u32 = 4u;

@group(0) @binding(0) var<uniform> frame: Layer;
@group(0) @binding(1) var frames: texture_2d_array<u32>;

// One triangle covering the viewport; the viewport and scissor rectangles do the clipping.
@vertex
fn vertex_main(@builtin(vertex_index) index: u32) -> @builtin(position) vec4<f32> {
    let x = f32(index & 1u) * 4.0 - 1.0;
    let y = f32(index >> 1u) * 4.0 - 1.0;
    return vec4<f32>(x, y, 0.0, 1.0);
}

fn stored(column: f32, row: f32) -> f32 {
    let c = i32(clamp(column, 0.0, frame.size.x - 1.0));
    let r = i32(clamp(row, 0.0, frame.size.y - 1.0));
    let word = textureLoad(frames, vec2<i32>(c, r), i32(frame.layer), 0).x;
    var value = f32(word);
    if ((frame.flags & SIGNED) != 0u && word >= 32768u) {
        value = value - 65536.0;
    }
    return value;
}

@fragment
fn fragment_main(@builtin(position) position: vec4<f32>) -> @location(0) vec4<f32> {
    // 1. The pixel centre, in canvas pixels, to image coordinates.
    let x = position.x;
    let y = position.y;
    let m = frame.column_from_screen;
    let n = frame.row_from_screen;
    let column = (m.x * x + m.y * y) + m.z;
    let row = (n.x * x + n.y * y) + n.z;
    // 2. Off the image: the background.
    if (column < -0.5 || row < -0.5 || column >= frame.size.x - 0.5 || row >= frame.size.y - 0.5) {
        return vec4<f32>(0.0, 0.0, 0.0, 1.0);
    }
    // 3. Nearest, or bilinear on the stored values.
    var value: f32;
    if ((frame.flags & BILINEAR) != 0u) {
        let c0 = floor(column);
        let r0 = floor(row);
        let fx = column - c0;
        let fy = row - r0;
        let top = mix(stored(c0, r0), stored(c0 + 1.0, r0), fx);
        let bottom = mix(stored(c0, r0 + 1.0), stored(c0 + 1.0, r0 + 1.0), fx);
        value = mix(top, bottom, fy);
    } else {
        value = stored(floor(column + 0.5), floor(row + 0.5));
    }
    // 4. Rescale; 5. window; 6. invert; 7. eight bits.
    let modality = value * frame.rescale.x + frame.rescale.y;
    var t = clamp((modality - frame.window.x) * frame.window.y, 0.0, 1.0);
    if ((frame.flags & INVERT) != 0u) {
        t = 1.0 - t;
    }
    let grey = floor(t * 255.0 + 0.5) / 255.0;
    return vec4<f32>(grey, grey, grey, 1.0);
}
