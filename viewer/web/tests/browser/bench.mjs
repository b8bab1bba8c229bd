// `cargo xtask bench-viewer`: the viewer in headless Chromium on this machine's CPU (SwiftShader),
// for each backend: time from opening the demo's first case to the first image on screen and
// until every series has arrived (three fresh browsers, so nothing comes from the cache), and
// frame times while scrolling (linked, so all four viewports redraw) and while windowing the
// 2×2 layout. A frame is timed from the input event to the GPU having finished drawing it.
// Prints figures; asserts nothing.

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
          const size = await page.evaluate(() => {
            const canvas = document.querySelector("#viewer canvas");
            return `${canvas.width}×${canvas.height}`;
          });
          console.log(`${backend}: open case → first image ${opened.map((t) => t.first_image_ms.toFixed(0)).join(", ")} ms; → all series loaded ${opened.map((t) => t.loaded_ms.toFixed(0)).join(", ")} ms (3 fresh browsers)`);
          for (const kind of ["scroll", "window"]) {
            const times = await frameTimes(page, kind, 120);
            console.log(`${backend}: ${kind === "scroll" ? "scrolling (linked)" : "windowing"} the 2×2 layout on a ${size} canvas: ${figures(times)}`);
          }
        }
      } finally {
        await browser.close();
      }
    }
  }
} finally {
  server.stop();
}
