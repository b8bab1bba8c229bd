//! Where frames live on the GPU: one `R16Uint` 2D texture per frame, holding the stored words
//! unchanged, made when the frame arrives and written whole at once. A texture is therefore
//! never sampled with parts unwritten, which the GPU (or wgpu, on WebGL2) would first have to
//! clear: on a CPU rasteriser, clearing a series' frames ahead of them held back the first
//! image by tens of milliseconds.

use crate::RenderError;

pub(crate) struct SeriesTextures {
    pub columns: u32,
    pub rows: u32,
    /// By frame index (phase by phase, slice by slice); `None` until the frame arrives.
    frames: Vec<Option<FrameTexture>>,
}

pub(crate) struct FrameTexture {
    pub bind_group: wgpu::BindGroup,
}

impl SeriesTextures {
    pub fn new((columns, rows, frame_count): (u32, u32, u32)) -> SeriesTextures {
        SeriesTextures {
            columns,
            rows,
            frames: (0..frame_count).map(|_| None).collect(),
        }
    }

    /// The frame's texture, once it has arrived.
    pub fn frame(&self, frame_index: usize) -> Option<&FrameTexture> {
        self.frames.get(frame_index)?.as_ref()
    }

    pub fn is_loaded(&self, frame_index: usize) -> bool {
        self.frame(frame_index).is_some()
    }

    /// Makes the frame's texture and writes `words` into it; a frame sent again replaces it.
    pub fn upload(
        &mut self,
        (device, queue): (&wgpu::Device, &wgpu::Queue),
        (layout, uniforms): (&wgpu::BindGroupLayout, &wgpu::Buffer),
        frame_index: usize,
        words: &[u16],
    ) -> Result<(), RenderError> {
        let expected = (self.columns * self.rows) as usize;
        if words.len() != expected {
            return Err(RenderError::FrameSize {
                expected,
                got: words.len(),
            });
        }
        let slot = self
            .frames
            .get_mut(frame_index)
            .ok_or(RenderError::NoSuchFrame(frame_index))?;
        let size = wgpu::Extent3d {
            width: self.columns,
            height: self.rows,
            depth_or_array_layers: 1,
        };
        let texture = device.create_texture(&wgpu::TextureDescriptor {
            label: Some("frame"),
            size,
            mip_level_count: 1,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D2,
            format: wgpu::TextureFormat::R16Uint,
            usage: wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
            view_formats: &[],
        });
        queue.write_texture(
            texture.as_image_copy(),
            bytemuck::cast_slice(words),
            wgpu::TexelCopyBufferLayout {
                offset: 0,
                bytes_per_row: Some(self.columns * 2),
                rows_per_image: Some(self.rows),
            },
            size,
        );
        let view = texture.create_view(&Default::default());
        let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("frame"),
            layout,
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                        buffer: uniforms,
                        offset: 0,
                        size: wgpu::BufferSize::new(crate::FRAME_UNIFORM_BYTES),
                    }),
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: wgpu::BindingResource::TextureView(&view),
                },
            ],
        });
        *slot = Some(FrameTexture { bind_group });
        Ok(())
    }
}
