// Overlays: viewer-core's mesh quads (two triangles each) in canvas pixels, one straight
// RGBA colour per vertex, blended over the images.

struct Canvas {
    // width, height in pixels
    size: vec2<f32>,
    unused: vec2<f32>,
}

@group(0) @binding(0) var<uniform> canvas: Canvas;

struct Varyings {
    @builtin(position) position: vec4<f32>,
    @location(0) colour: vec4<f32>,
}

@vertex
fn vertex_main(@location(0) pixel: vec2<f32>, @location(1) colour: vec4<f32>) -> Varyings {
    var out: Varyings;
    out.position = vec4<f32>(
        pixel.x / canvas.size.x * 2.0 - 1.0,
        1.0 - pixel.y / canvas.size.y * 2.0,
        0.0,
        1.0,
    );
    out.colour = colour;
    return out;
}

@fragment
fn fragment_main(in: Varyings) -> @location(0) vec4<f32> {
    return in.colour;
}
