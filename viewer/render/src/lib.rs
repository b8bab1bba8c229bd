//! Readroom's image renderer: draws a viewer-core [`Scene`] with wgpu, natively (Vulkan; the
//! tests run on Mesa's lavapipe) and in WebAssembly (WebGPU or WebGL2). It knows nothing of
//! HTTP or the DOM: the caller creates the device, hands it frames as they arrive, and gives
//! it a texture view to draw into (a canvas's surface, or an offscreen texture to read back).
//!
//! The pixels are those of `readroom_viewer_core::cpu_reference`, within one LSB: the image
//! shader repeats its steps, and the overlays are the same quads it rasterises.
//!
//! Everything stays within [`required_limits`] (WebGL2's), whatever the backend, so that the
//! WebGPU and WebGL2 paths draw the same pixels.

mod readback;
pub mod shaders;
mod textures;

use std::collections::HashMap;

use readroom_viewer_core::Scene;
use readroom_viewer_core::mesh::{Quad, overlay_mesh};
use readroom_viewer_core::scene::ImageLayer;
use readroom_viewer_core::screen::Rect;
use readroom_viewer_core::viewport::Interpolation;

pub use readback::Readback;
use textures::SeriesTextures;

/// The format drawn into, on every backend: plain 8-bit RGBA, so that no sRGB conversion
/// differs between them.
pub const TARGET_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba8Unorm;

/// The bytes of one viewport's frame parameters (the shader's `Layer`).
const FRAME_UNIFORM_BYTES: u64 = 64;
/// Dynamic uniform offsets must be multiples of this (WebGL2's and WebGPU's minimum).
const UNIFORM_ALIGNMENT: u64 = 256;
/// The largest layout is 3×3.
const MAX_VIEWPORTS: u64 = 9;

/// The limits the renderer needs: WebGL2's, requested on every backend.
pub fn required_limits() -> wgpu::Limits {
    wgpu::Limits::downlevel_webgl2_defaults()
}

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("series {0} has not been prepared")]
    UnknownSeries(String),
    #[error("frame {0} is outside the series")]
    NoSuchFrame(usize),
    #[error("a frame of {expected} pixels was expected, {got} were given")]
    FrameSize { expected: usize, got: usize },
    #[error("reading the pixels back failed: {0}")]
    Readback(String),
}

pub struct Renderer {
    device: wgpu::Device,
    queue: wgpu::Queue,
    /// The image shader's two entry points: nearest and bilinear.
    nearest_pipeline: wgpu::RenderPipeline,
    bilinear_pipeline: wgpu::RenderPipeline,
    frame_layout: wgpu::BindGroupLayout,
    frame_uniforms: wgpu::Buffer,
    overlay_pipeline: wgpu::RenderPipeline,
    canvas_uniform: wgpu::Buffer,
    overlay_bind_group: wgpu::BindGroup,
    overlay_vertices: Option<wgpu::Buffer>,
    series: HashMap<String, SeriesTextures>,
}

impl std::fmt::Debug for Renderer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Renderer")
            .field("series", &self.series.len())
            .finish_non_exhaustive()
    }
}

impl Renderer {
    /// A renderer on `device`, which must have been created with [`required_limits`].
    pub fn new(device: wgpu::Device, queue: wgpu::Queue) -> Renderer {
        let frame_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("frame"),
            entries: &[
                wgpu::BindGroupLayoutEntry {
                    binding: 0,
                    visibility: wgpu::ShaderStages::FRAGMENT,
                    ty: wgpu::BindingType::Buffer {
                        ty: wgpu::BufferBindingType::Uniform,
                        has_dynamic_offset: true,
                        min_binding_size: wgpu::BufferSize::new(FRAME_UNIFORM_BYTES),
                    },
                    count: None,
                },
                wgpu::BindGroupLayoutEntry {
                    binding: 1,
                    visibility: wgpu::ShaderStages::FRAGMENT,
                    ty: wgpu::BindingType::Texture {
                        sample_type: wgpu::TextureSampleType::Uint,
                        view_dimension: wgpu::TextureViewDimension::D2,
                        multisampled: false,
                    },
                    count: None,
                },
            ],
        });
        let frame_uniforms = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("frame parameters"),
            size: UNIFORM_ALIGNMENT * MAX_VIEWPORTS,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let image_pipeline = |entry_point| {
            pipeline(
                &device,
                ("image", shaders::IMAGE, entry_point),
                &frame_layout,
                &[],
                None,
            )
        };
        let nearest_pipeline = image_pipeline("fragment_nearest");
        let bilinear_pipeline = image_pipeline("fragment_bilinear");

        let canvas_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("canvas"),
            entries: &[wgpu::BindGroupLayoutEntry {
                binding: 0,
                visibility: wgpu::ShaderStages::VERTEX,
                ty: wgpu::BindingType::Buffer {
                    ty: wgpu::BufferBindingType::Uniform,
                    has_dynamic_offset: false,
                    min_binding_size: wgpu::BufferSize::new(16),
                },
                count: None,
            }],
        });
        let canvas_uniform = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("canvas size"),
            size: 16,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let overlay_bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("canvas"),
            layout: &canvas_layout,
            entries: &[wgpu::BindGroupEntry {
                binding: 0,
                resource: canvas_uniform.as_entire_binding(),
            }],
        });
        let vertex_layout = wgpu::VertexBufferLayout {
            array_stride: Quad::VERTEX_BYTES as u64,
            step_mode: wgpu::VertexStepMode::Vertex,
            attributes: &wgpu::vertex_attr_array![0 => Float32x2, 1 => Unorm8x4],
        };
        // Straight alpha over an opaque target; the target's alpha stays one.
        let blend = wgpu::BlendState {
            color: wgpu::BlendState::ALPHA_BLENDING.color,
            alpha: wgpu::BlendComponent::OVER,
        };
        let overlay_pipeline = pipeline(
            &device,
            ("overlay", shaders::OVERLAY, "fragment_main"),
            &canvas_layout,
            &[Some(vertex_layout)],
            Some(blend),
        );
        Renderer {
            device,
            queue,
            nearest_pipeline,
            bilinear_pipeline,
            frame_layout,
            frame_uniforms,
            overlay_pipeline,
            canvas_uniform,
            overlay_bind_group,
            overlay_vertices: None,
            series: HashMap::new(),
        }
    }

    pub fn device(&self) -> &wgpu::Device {
        &self.device
    }

    /// Calls `callback` once the GPU has finished all work submitted so far.
    pub fn on_work_done(&self, callback: impl FnOnce() + Send + 'static) {
        self.queue.on_submitted_work_done(callback);
    }

    /// Shows a surface texture drawn with [`Renderer::render`].
    pub fn present(&self, texture: wgpu::SurfaceTexture) {
        self.queue.present(texture);
    }

    /// Makes room for a series' frames; again for a series already prepared, nothing.
    pub fn prepare_series(&mut self, uid: &str, columns: u32, rows: u32, frame_count: u32) {
        if self.series.contains_key(uid) {
            return;
        }
        self.series.insert(
            uid.to_owned(),
            SeriesTextures::new((columns, rows, frame_count)),
        );
    }

    /// Copies one frame's stored words (row by row) to the GPU.
    pub fn upload_frame(
        &mut self,
        uid: &str,
        frame_index: usize,
        words: &[u16],
    ) -> Result<(), RenderError> {
        let textures = self
            .series
            .get_mut(uid)
            .ok_or_else(|| RenderError::UnknownSeries(uid.to_owned()))?;
        textures.upload(
            (&self.device, &self.queue),
            (&self.frame_layout, &self.frame_uniforms),
            frame_index,
            words,
        )
    }

    pub fn is_loaded(&self, uid: &str, frame_index: usize) -> bool {
        self.series
            .get(uid)
            .is_some_and(|textures| textures.is_loaded(frame_index))
    }

    /// Draws `scene` into `target` (a [`TARGET_FORMAT`] view of `scene.width × scene.height`).
    /// A viewport whose frame has not been uploaded shows the background.
    pub fn render(&mut self, scene: &Scene, target: &wgpu::TextureView) {
        let size = (scene.width, scene.height);
        let images = self.write_frame_parameters(scene);
        let batches = self.write_overlays(scene);
        let mut encoder = self
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("scene"),
            });
        {
            let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
                label: Some("scene"),
                color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                    view: target,
                    depth_slice: None,
                    resolve_target: None,
                    ops: wgpu::Operations {
                        load: wgpu::LoadOp::Clear(wgpu::Color::BLACK),
                        store: wgpu::StoreOp::Store,
                    },
                })],
                ..Default::default()
            });
            for (slot, rect, layer) in images {
                let Some(rect) = clip(rect, size) else {
                    continue;
                };
                // Only the pixels that can show the image are shaded: the rest is the clear
                // colour, which is the background. On a CPU rasteriser this is most of a frame.
                let Some(shaded) = layer.screen_bounds(rect) else {
                    continue;
                };
                let Some(frame) = self
                    .series
                    .get(&layer.series_uid)
                    .and_then(|textures| textures.frame(layer.frame_index))
                else {
                    continue;
                };
                pass.set_viewport(
                    rect.x as f32,
                    rect.y as f32,
                    rect.width as f32,
                    rect.height as f32,
                    0.0,
                    1.0,
                );
                pass.set_scissor_rect(shaded.x, shaded.y, shaded.width, shaded.height);
                pass.set_pipeline(match layer.interpolation {
                    Interpolation::Nearest => &self.nearest_pipeline,
                    Interpolation::Bilinear => &self.bilinear_pipeline,
                });
                pass.set_bind_group(
                    0,
                    &frame.bind_group,
                    &[(slot as u64 * UNIFORM_ALIGNMENT) as u32],
                );
                pass.draw(0..3, 0..1);
            }
            if let Some(vertices) = &self.overlay_vertices {
                pass.set_viewport(0.0, 0.0, scene.width as f32, scene.height as f32, 0.0, 1.0);
                pass.set_pipeline(&self.overlay_pipeline);
                pass.set_bind_group(0, &self.overlay_bind_group, &[]);
                pass.set_vertex_buffer(0, vertices.slice(..));
                for (clip_rect, range) in batches {
                    let Some(rect) = clip(clip_rect, size) else {
                        continue;
                    };
                    pass.set_scissor_rect(rect.x, rect.y, rect.width, rect.height);
                    pass.draw(range, 0..1);
                }
            }
        }
        self.queue.submit([encoder.finish()]);
    }

    /// Draws `scene` offscreen and starts copying the pixels back; poll the [`Readback`].
    pub fn render_to_readback(&mut self, scene: &Scene) -> Readback {
        let texture = self.device.create_texture(&wgpu::TextureDescriptor {
            label: Some("offscreen"),
            size: wgpu::Extent3d {
                width: scene.width.max(1),
                height: scene.height.max(1),
                depth_or_array_layers: 1,
            },
            mip_level_count: 1,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D2,
            format: TARGET_FORMAT,
            usage: wgpu::TextureUsages::RENDER_ATTACHMENT | wgpu::TextureUsages::COPY_SRC,
            view_formats: &[],
        });
        self.render(scene, &texture.create_view(&Default::default()));
        Readback::start(&self.device, &self.queue, &texture)
    }

    /// Which uniform slot each drawable viewport's parameters went to.
    fn write_frame_parameters(&self, scene: &Scene) -> Vec<(usize, Rect, ImageLayer)> {
        let mut drawn = Vec::new();
        for viewport in &scene.viewports {
            let Some(layer) = &viewport.image else {
                continue;
            };
            if drawn.len() as u64 >= MAX_VIEWPORTS
                || !self.is_loaded(&layer.series_uid, layer.frame_index)
            {
                continue;
            }
            let slot = drawn.len();
            self.queue.write_buffer(
                &self.frame_uniforms,
                slot as u64 * UNIFORM_ALIGNMENT,
                &frame_parameters(layer),
            );
            drawn.push((slot, viewport.rect, layer.clone()));
        }
        drawn
    }

    /// Writes the overlay quads' vertices; returns each batch's clip and vertex range.
    fn write_overlays(&mut self, scene: &Scene) -> Vec<(Rect, std::ops::Range<u32>)> {
        let mut size = [0u8; 16];
        size[0..4].copy_from_slice(&(scene.width as f32).to_le_bytes());
        size[4..8].copy_from_slice(&(scene.height as f32).to_le_bytes());
        self.queue.write_buffer(&self.canvas_uniform, 0, &size);

        let mut bytes = Vec::new();
        let mut ranges = Vec::new();
        let mut first = 0;
        for batch in overlay_mesh(scene) {
            for quad in &batch.quads {
                quad.write_vertices(&mut bytes);
            }
            let count = (batch.quads.len() * Quad::VERTICES) as u32;
            if count > 0 {
                ranges.push((batch.clip, first..first + count));
            }
            first += count;
        }
        if bytes.is_empty() {
            return Vec::new();
        }
        let needed = bytes.len() as u64;
        if self
            .overlay_vertices
            .as_ref()
            .is_none_or(|buffer| buffer.size() < needed)
        {
            self.overlay_vertices = Some(self.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("overlay vertices"),
                size: needed.next_power_of_two(),
                usage: wgpu::BufferUsages::VERTEX | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            }));
        }
        if let Some(buffer) = &self.overlay_vertices {
            self.queue.write_buffer(buffer, 0, &bytes);
        }
        ranges
    }
}

/// The shader's `Layer` for `layer`.
fn frame_parameters(layer: &ImageLayer) -> [u8; FRAME_UNIFORM_BYTES as usize] {
    let m = layer.image_from_screen;
    let flags = u32::from(layer.signed) | u32::from(layer.invert) << 1;
    let floats = [
        m[0],
        m[1],
        m[2],
        0.0,
        m[3],
        m[4],
        m[5],
        0.0,
        layer.columns as f32,
        layer.rows as f32,
        layer.rescale_slope,
        layer.rescale_intercept,
        layer.window_low,
        layer.window_inverse_width,
    ];
    let mut bytes = [0u8; FRAME_UNIFORM_BYTES as usize];
    for (index, value) in floats.iter().enumerate() {
        bytes[index * 4..index * 4 + 4].copy_from_slice(&value.to_le_bytes());
    }
    bytes[56..60].copy_from_slice(&flags.to_le_bytes());
    bytes
}

/// `rect` clipped to the target; `None` when nothing is left.
fn clip(rect: Rect, (width, height): (u32, u32)) -> Option<Rect> {
    let right = rect.x.saturating_add(rect.width).min(width);
    let bottom = rect.y.saturating_add(rect.height).min(height);
    (right > rect.x && bottom > rect.y).then(|| Rect {
        x: rect.x,
        y: rect.y,
        width: right - rect.x,
        height: bottom - rect.y,
    })
}

/// A pipeline from `(label, WGSL source, fragment entry point)`.
fn pipeline(
    device: &wgpu::Device,
    (label, source, fragment_entry): (&str, &str, &str),
    layout: &wgpu::BindGroupLayout,
    buffers: &[Option<wgpu::VertexBufferLayout<'_>>],
    blend: Option<wgpu::BlendState>,
) -> wgpu::RenderPipeline {
    let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
        label: Some(label),
        source: wgpu::ShaderSource::Wgsl(source.into()),
    });
    let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
        label: Some(label),
        bind_group_layouts: &[Some(layout)],
        immediate_size: 0,
    });
    device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
        label: Some(label),
        layout: Some(&pipeline_layout),
        vertex: wgpu::VertexState {
            module: &module,
            entry_point: Some("vertex_main"),
            compilation_options: Default::default(),
            buffers,
        },
        primitive: wgpu::PrimitiveState::default(),
        depth_stencil: None,
        multisample: wgpu::MultisampleState::default(),
        fragment: Some(wgpu::FragmentState {
            module: &module,
            entry_point: Some(fragment_entry),
            compilation_options: Default::default(),
            targets: &[Some(wgpu::ColorTargetState {
                format: TARGET_FORMAT,
                blend,
                write_mask: wgpu::ColorWrites::ALL,
            })],
        }),
        multiview_mask: None,
        cache: None,
    })
}
