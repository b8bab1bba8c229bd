//! Copying a rendered texture back to the CPU, for the rendering tests and the browser's
//! `readPixels`: the same path natively, on WebGPU and on WebGL2.

use std::sync::{Arc, Mutex};

use readroom_viewer_core::cpu_reference::Rgba8Image;

use crate::RenderError;

type MapResult = Arc<Mutex<Option<Result<(), wgpu::BufferAsyncError>>>>;

/// A copy in flight. [`Readback::poll`] until it answers; on the web, yield to the event loop
/// between polls.
pub struct Readback {
    buffer: wgpu::Buffer,
    width: u32,
    height: u32,
    padded_row: u32,
    mapped: MapResult,
}

impl std::fmt::Debug for Readback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Readback")
            .field("width", &self.width)
            .field("height", &self.height)
            .finish_non_exhaustive()
    }
}

impl Readback {
    pub(crate) fn start(
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        texture: &wgpu::Texture,
    ) -> Readback {
        let (width, height) = (texture.width(), texture.height());
        // Buffer copies need rows padded to 256 bytes.
        let padded_row = (width * 4).next_multiple_of(wgpu::COPY_BYTES_PER_ROW_ALIGNMENT);
        let buffer = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("readback"),
            size: u64::from(padded_row) * u64::from(height),
            usage: wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::MAP_READ,
            mapped_at_creation: false,
        });
        let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
            label: Some("readback"),
        });
        encoder.copy_texture_to_buffer(
            texture.as_image_copy(),
            wgpu::TexelCopyBufferInfo {
                buffer: &buffer,
                layout: wgpu::TexelCopyBufferLayout {
                    offset: 0,
                    bytes_per_row: Some(padded_row),
                    rows_per_image: Some(height),
                },
            },
            texture.size(),
        );
        queue.submit([encoder.finish()]);
        let mapped: MapResult = Arc::default();
        let answer = mapped.clone();
        buffer.map_async(wgpu::MapMode::Read, .., move |result| {
            if let Ok(mut slot) = answer.lock() {
                *slot = Some(result);
            }
        });
        Readback {
            buffer,
            width,
            height,
            padded_row,
            mapped,
        }
    }

    /// The pixels once the copy has arrived; `None` while it has not. `wait` blocks until it
    /// has (natively only: a browser cannot block).
    pub fn poll(
        &self,
        device: &wgpu::Device,
        wait: bool,
    ) -> Option<Result<Rgba8Image, RenderError>> {
        let poll = if wait {
            wgpu::PollType::wait_indefinitely()
        } else {
            wgpu::PollType::Poll
        };
        if let Err(error) = device.poll(poll) {
            return Some(Err(RenderError::Readback(error.to_string())));
        }
        let result = self.mapped.lock().ok()?.take()?;
        Some(
            result
                .map_err(|error| RenderError::Readback(error.to_string()))
                .and_then(|()| self.pixels()),
        )
    }

    fn pixels(&self) -> Result<Rgba8Image, RenderError> {
        let view = self
            .buffer
            .get_mapped_range(..)
            .map_err(|error| RenderError::Readback(error.to_string()))?;
        let row = (self.width * 4) as usize;
        let mut pixels = Vec::with_capacity(row * self.height as usize);
        for padded in view
            .chunks(self.padded_row as usize)
            .take(self.height as usize)
        {
            pixels.extend_from_slice(&padded[..row]);
        }
        drop(view);
        self.buffer.unmap();
        Ok(Rgba8Image {
            width: self.width,
            height: self.height,
            pixels,
        })
    }
}
