//! The GPU behind the canvas: WebGPU when the browser really offers it, WebGL2 otherwise.

use readroom_viewer_render::{Renderer, TARGET_FORMAT, required_limits};
use web_sys::HtmlCanvasElement;

/// Which graphics API the page asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preference {
    Auto,
    WebGpu,
    WebGl2,
}

impl Preference {
    pub fn parse(name: &str) -> Result<Preference, String> {
        match name {
            "auto" | "" => Ok(Preference::Auto),
            "webgpu" => Ok(Preference::WebGpu),
            "webgl2" => Ok(Preference::WebGl2),
            other => Err(format!(
                "backend `{other}`: expected \"auto\", \"webgpu\" or \"webgl2\""
            )),
        }
    }
}

pub struct Gpu {
    /// "webgpu" or "webgl2".
    pub backend: &'static str,
    pub surface: wgpu::Surface<'static>,
    pub config: wgpu::SurfaceConfiguration,
    pub renderer: Renderer,
}

/// A device for `canvas` with `backends` (exactly one of WebGPU and GL).
pub async fn connect(canvas: &HtmlCanvasElement, backends: wgpu::Backends) -> Result<Gpu, String> {
    let descriptor = wgpu::InstanceDescriptor {
        backends,
        ..wgpu::InstanceDescriptor::new_without_display_handle()
    };
    // `navigator.gpu` exists in browsers whose WebGPU is switched off; this asks for an
    // adapter first and drops WebGPU when none comes.
    let instance = wgpu::util::new_instance_with_webgpu_detection(descriptor).await;
    let surface = instance
        .create_surface(wgpu::SurfaceTarget::Canvas(canvas.clone()))
        .map_err(|error| format!("no drawing surface on the canvas: {error}"))?;
    let adapter = instance
        .request_adapter(&wgpu::RequestAdapterOptions {
            compatible_surface: Some(&surface),
            ..Default::default()
        })
        .await
        .map_err(|error| format!("no graphics adapter: {error}"))?;
    let backend = match adapter.get_info().backend {
        wgpu::Backend::BrowserWebGpu => "webgpu",
        _ => "webgl2",
    };
    let (device, queue) = adapter
        .request_device(&wgpu::DeviceDescriptor {
            label: Some("Readroom viewer"),
            required_limits: required_limits(),
            ..Default::default()
        })
        .await
        .map_err(|error| format!("{backend}: no device: {error}"))?;
    let capabilities = surface.get_capabilities(&adapter);
    if !capabilities.formats.contains(&TARGET_FORMAT) {
        return Err(format!(
            "{backend}: the canvas cannot show {TARGET_FORMAT:?} (it offers {:?})",
            capabilities.formats
        ));
    }
    let mut config = surface
        .get_default_config(&adapter, canvas.width().max(1), canvas.height().max(1))
        .ok_or_else(|| format!("{backend}: the canvas cannot be drawn on"))?;
    config.format = TARGET_FORMAT;
    config.view_formats = Vec::new();
    // Fifo: presented on the display's refresh, never torn.
    config.present_mode = wgpu::PresentMode::Fifo;
    if capabilities
        .alpha_modes
        .contains(&wgpu::CompositeAlphaMode::Opaque)
    {
        config.alpha_mode = wgpu::CompositeAlphaMode::Opaque;
    }
    surface.configure(&device, &config);
    Ok(Gpu {
        backend,
        surface,
        config,
        renderer: Renderer::new(device, queue),
    })
}

impl Gpu {
    /// Follows the canvas's size in device pixels.
    pub fn resize(&mut self, width: u32, height: u32) {
        let (width, height) = (width.max(1), height.max(1));
        if (self.config.width, self.config.height) != (width, height) {
            self.config.width = width;
            self.config.height = height;
            self.surface.configure(self.renderer.device(), &self.config);
        }
    }
}
