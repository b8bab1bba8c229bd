// `cargo xtask bench-viewer`: the viewer in headless Chromium on this machine's CPU (SwiftShader),
// for each backend: time from opening the demo's first case to the first image on screen and
// until every series has arrived (three fresh browsers, so nothing comes from the cache), and
// frame times while scrolling (linked, so all four viewports redraw) and while windowing the
// 2×2 layout. A frame is timed from the input event to the GPU having finished drawing it.
// Prints figures; asserts nothing.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { openViewer, signIn, startBrowser, startServer } from "./harness.mjs";

const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};
const figures = (values) =>
  `median ${percentile(values, 50).toFixed(1)} ms, p95 ${percentile(values, 95).toFixed(1)} ms (${values.length} frames)`;

/** Times `steps` frames, each: input, draw, wait for the GPU. */
async function frameTimes(page, kind, steps) {
  return page.evaluate(async ([kind, steps]) => {
    const viewer = window.viewer;
    const canvas = document.querySelector("#viewer canvas");
    const at = { x: canvas.width / 4, y: canvas.height / 4 };
    if (kind === "window") {
      viewer.setTool("window_level");
      viewer.input({ type: "pointer_down", at, button: "primary" });
    }
    viewer.drawNow();
    await viewer.finish();
    const times = [];
    for (let step = 0; step < steps; step++) {
      const started = performance.now();
      if (kind === "scroll") {
        viewer.command(step % 16 < 8 ? "next_slice" : "previous_slice");
      } else {
        viewer.input({ type: "pointer_move", at: { x: at.x + (step % 20) * 4, y: at.y + (step % 7) * 3 } });
      }
      viewer.drawNow();
      await viewer.finish();
      times.push(performance.now() - started);
    }
    if (kind === "window") viewer.input({ type: "pointer_up", at, button: "primary" });
    return times;
  }, [kind, steps]);
}

/**
 * The floor under those frame times: the same canvas size cleared and filled by a one-line
 * shader, timed the same way (submit, then wait for the GPU), with nothing of Readroom's. What
 * a frame costs here before any image is drawn.
 */
async function floorFrameTimes(context, backend, [width, height], steps) {
  const folder = mkdtempSync(join(tmpdir(), "readroom-floor-"));
  const page = await context.newPage();
  try {
    // A file is a secure context, which WebGPU needs.
    writeFileSync(join(folder, "floor.html"), `<canvas width="${width}" height="${height}"></canvas>`);
    await page.goto(`file://${join(folder, "floor.html")}`);
    return await page.evaluate(async ([backend, steps]) => {
      const canvas = document.querySelector("canvas");
      const times = [];
      if (backend === "webgl2") {
        const gl = canvas.getContext("webgl2", { antialias: false });
        const shader = (type, source) => {
          const made = gl.createShader(type);
          gl.shaderSource(made, `#version 300 es\nprecision highp float;\n${source}`);
          gl.compileShader(made);
          return made;
        };
        const program = gl.createProgram();
        gl.attachShader(program, shader(gl.VERTEX_SHADER,
          "void main() { gl_Position = vec4(float(gl_VertexID & 1) * 4.0 - 1.0, float(gl_VertexID >> 1) * 4.0 - 1.0, 0.0, 1.0); }"));
        gl.attachShader(program, shader(gl.FRAGMENT_SHADER,
          "uniform float t; out vec4 colour; void main() { colour = vec4(fract(gl_FragCoord.x * 0.01 + t), 0.5, 0.2, 1.0); }"));
        gl.linkProgram(program);
        gl.useProgram(program);
        const t = gl.getUniformLocation(program, "t");
        for (let step = 0; step < steps; step++) {
          const started = performance.now();
          gl.clear(gl.COLOR_BUFFER_BIT);
          gl.uniform1f(t, step * 0.1);
          gl.drawArrays(gl.TRIANGLES, 0, 3);
          const fence = gl.fenceSync(gl.SYNC_GPU_COMMANDS_COMPLETE, 0);
          gl.flush();
          while (gl.clientWaitSync(fence, 0, 0) === gl.TIMEOUT_EXPIRED) await new Promise((r) => setTimeout(r, 0));
          times.push(performance.now() - started);
          await new Promise((r) => requestAnimationFrame(r));
        }
        return times;
      }
      const device = await (await navigator.gpu.requestAdapter()).requestDevice();
      const format = navigator.gpu.getPreferredCanvasFormat();
      const gpu = canvas.getContext("webgpu");
      gpu.configure({ device, format, alphaMode: "opaque" });
      const module = device.createShaderModule({ code: `
        @vertex fn v(@builtin(vertex_index) i: u32) -> @builtin(position) vec4f {
          return vec4f(f32(i & 1u) * 4.0 - 1.0, f32(i >> 1u) * 4.0 - 1.0, 0.0, 1.0);
        }
        @group(0) @binding(0) var<uniform> t: f32;
        @fragment fn f(@builtin(position) p: vec4f) -> @location(0) vec4f {
          return vec4f(fract(p.x * 0.01 + t), 0.5, 0.2, 1.0);
        }` });
      const pipeline = device.createRenderPipeline({
        layout: "auto",
        vertex: { module, entryPoint: "v" },
        fragment: { module, entryPoint: "f", targets: [{ format }] },
      });
      const uniform = device.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
      const group = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: uniform } }] });
      for (let step = 0; step < steps; step++) {
        const started = performance.now();
        device.queue.writeBuffer(uniform, 0, new Float32Array([step * 0.1, 0, 0, 0]));
        const encoder = device.createCommandEncoder();
        const pass = encoder.beginRenderPass({ colorAttachments: [{
          view: gpu.getCurrentTexture().createView(), loadOp: "clear", storeOp: "store", clearValue: [0, 0, 0, 1],
        }] });
        pass.setPipeline(pipeline);
        pass.setBindGroup(0, group);
        pass.draw(3);
        pass.end();
        device.queue.submit([encoder.finish()]);
        await device.queue.onSubmittedWorkDone();
        times.push(performance.now() - started);
        await new Promise((r) => requestAnimationFrame(r));
      }
      return times;
    }, [backend, steps]);
  } finally {
    await page.close();
    rmSync(folder, { recursive: true, force: true });
  }
}

const server = await startServer();
try {
  console.log("Readroom viewer benchmark: headless Chromium, SwiftShader (CPU), 800×600 page, device pixel ratio 1");
  for (const backend of ["webgpu", "webgl2"]) {
    const opened = [];
    for (let run = 0; run < 3; run++) {
      const browser = await startBrowser();
      try {
        const caseId = await signIn(browser.context, server.url);
        const { page } = await openViewer(browser.context, server.url, caseId, backend);
        const timings = await page.evaluate(() => window.viewer.timings());
        opened.push(timings);
        if (run === 2) {
          const [width, height] = await page.evaluate(() => {
            const canvas = document.querySelector("#viewer canvas");
            return [canvas.width, canvas.height];
          });
          const size = `${width}×${height}`;
          console.log(`${backend}: open case → first image ${opened.map((t) => t.first_image_ms.toFixed(0)).join(", ")} ms; → all series loaded ${opened.map((t) => t.loaded_ms.toFixed(0)).join(", ")} ms (3 fresh browsers)`);
          for (const kind of ["scroll", "window"]) {
            const times = await frameTimes(page, kind, 120);
            console.log(`${backend}: ${kind === "scroll" ? "scrolling (linked)" : "windowing"} the 2×2 layout on a ${size} canvas: ${figures(times)}`);
          }
          const floor = await floorFrameTimes(browser.context, backend, [width, height], 120);
          console.log(`${backend}: floor, a one-line shader filling a ${size} canvas: ${figures(floor)}`);
        }
      } finally {
        await browser.close();
      }
    }
  }
} finally {
  server.stop();
}
