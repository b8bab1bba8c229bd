//! Where frames live on the GPU: each series' frames (phase by phase, slice by slice) as
//! layers of `R16Uint` 2D array textures, the stored words unchanged.

use crate::RenderError;

/// WebGL2's guaranteed array-layer count is 256; the layout-padding rule below may add one.
const LAYERS_PER_TEXTURE: u32 = 250;

pub(crate) struct SeriesTextures {
    pub columns: u32,
    pub rows: u32,
    pub frame_count: u32,
    pub chunks: Vec<Chunk>,
    loaded: Vec<bool>,
}

pub(crate) struct Chunk {
    pub texture: wgpu::Texture,
    pub bind_group: wgpu::BindGroup,
}

impl SeriesTextures {
    pub fn new(
        device: &wgpu::Device,
        layout: &wgpu::BindGroupLayout,
        uniforms: &wgpu::Buffer,
        (columns, rows, frame_count): (u32, u32, u32),
    ) -> SeriesTextures {
        let chunks = (0..frame_count.div_ceil(LAYERS_PER_TEXTURE))
            .map(|index| {
                let frames = (frame_count - index * LAYERS_PER_TEXTURE).min(LAYERS_PER_TEXTURE);
                let texture = device.create_texture(&wgpu::TextureDescriptor {
                    label: Some("series frames"),
                    size: wgpu::Extent3d {
                        width: columns,
                        height: rows,
                        depth_or_array_layers: layer_count(columns, rows, frames),
                    },
                    mip_level_count: 1,
                    sample_count: 1,
                    dimension: wgpu::TextureDimension::D2,
                    format: wgpu::TextureFormat::R16Uint,
                    usage: wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
                    view_formats: &[],
                });
                let view = texture.create_view(&wgpu::TextureViewDescriptor {
                    dimension: Some(wgpu::TextureViewDimension::D2Array),
                    ..Default::default()
                });
                let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
                    label: Some("series frames"),
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
                Chunk {
                    texture,
                    bind_group,
                }
            })
            .collect();
        SeriesTextures {
            columns,
            rows,
            frame_count,
            chunks,
            loaded: vec![false; frame_count as usize],
        }
    }

    /// The chunk and layer holding `frame_index`.
    pub fn locate(&self, frame_index: usize) -> Option<(&Chunk, u32)> {
        let index = u32::try_from(frame_index).ok()?;
        if index >= self.frame_count {
            return None;
        }
        let chunk = self.chunks.get((index / LAYERS_PER_TEXTURE) as usize)?;
        Some((chunk, index % LAYERS_PER_TEXTURE))
    }

    pub fn is_loaded(&self, frame_index: usize) -> bool {
        self.loaded.get(frame_index).copied().unwrap_or(false)
    }

    pub fn upload(
        &mut self,
        queue: &wgpu::Queue,
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
        let (chunk, layer) = self
            .locate(frame_index)
            .ok_or(RenderError::NoSuchFrame(frame_index))?;
        queue.write_texture(
            wgpu::TexelCopyTextureInfo {
                texture: &chunk.texture,
                mip_level: 0,
                origin: wgpu::Origin3d {
                    x: 0,
                    y: 0,
                    z: layer,
                },
                aspect: wgpu::TextureAspect::All,
            },
            bytemuck::cast_slice(words),
            wgpu::TexelCopyBufferLayout {
                offset: 0,
                bytes_per_row: Some(self.columns * 2),
                rows_per_image: Some(self.rows),
            },
            wgpu::Extent3d {
                width: self.columns,
                height: self.rows,
                depth_or_array_layers: 1,
            },
        );
        self.loaded[frame_index] = true;
        Ok(())
    }
}

/// The layers to allocate for `frames` frames. At least two, because WebGL2 makes a
/// one-layer texture a plain 2D texture; and never a multiple of six on a square image,
/// because WebGL2 makes such a texture a cube map (wgpu-hal's `is_cube_compatible`); either
/// would not match the shader's `texture_2d_array`.
pub(crate) fn layer_count(columns: u32, rows: u32, frames: u32) -> u32 {
    let layers = frames.max(2);
    if columns == rows && layers.is_multiple_of(6) {
        layers + 1
    } else {
        layers
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layer_counts_avoid_webgl2_plain_and_cube_textures() {
        for (columns, rows, frames, layers) in [
            (256, 256, 1, 2),
            (256, 256, 2, 2),
            (256, 256, 6, 7),
            (256, 256, 24, 25),
            (128, 96, 24, 24),
            (128, 96, 1, 2),
            (128, 128, 250, 250),
            (128, 128, 246, 247),
        ] {
            assert_eq!(
                layer_count(columns, rows, frames),
                layers,
                "{columns}×{rows}×{frames}"
            );
        }
    }
}
