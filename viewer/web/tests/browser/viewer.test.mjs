// The viewer in headless Chromium, on WebGPU and on WebGL2, on the demo bank's first case:
// pixels read back against the CPU reference, and scrolling, linked scrolling, window/level,
// a length in mm and a lesion marker, each through real input events.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";

import {
  GPU_FLAGS, compareWithReference, openViewer, pagePoint, record, signIn, startBrowser, startServer,
} from "./harness.mjs";

const server = await startServer();
after(() => server.stop());

const dot = (a, b) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];

/** The frame of `series` (phase 0) whose plane is nearest `point` along the normal. */
function nearestSlice(series, point) {
  let best = null;
  for (const frame of series.frames.filter((frame) => frame.phase === 0)) {
    const distance = Math.abs(dot(series.normal, frame.position_lps_mm) - dot(series.normal, point));
    if (best === null || distance < best.distance) best = { slice: frame.slice, distance };
  }
  return best.slice;
}

/** LPS of image point (column, row) on `slice` of `series`, as DICOM defines it. */
function lps(series, slice, column, row) {
  const frame = series.frames.find((frame) => frame.slice === slice && frame.phase === 0);
  const [rowSpacing, columnSpacing] = series.pixel_spacing_mm;
  return [0, 1, 2].map((axis) =>
    frame.position_lps_mm[axis]
      + column * columnSpacing * series.row_direction[axis]
      + row * rowSpacing * series.column_direction[axis]);
}

for (const backend of ["webgpu", "webgl2"]) {
  describe(`the viewer on ${backend}`, () => {
    let browser;
    let page;
    let errors;
    let series;

    before(async () => {
      browser = await startBrowser();
      const caseId = await signIn(browser.context, server.url);
      ({ page, errors } = await openViewer(browser.context, server.url, caseId, backend));
      series = async (uid) => (await browser.context.request.get(`${server.url}/api/series/${uid}`)).json();
    });
    after(() => browser.close());

    test(`draws with ${backend}`, async () => {
      assert.equal(await page.evaluate(() => window.viewer.backend), backend);
      assert.deepEqual(errors, []);
    });

    test("the pixels read back equal the CPU reference within one level", async () => {
      const { largest, compared, image, width, height } = await compareWithReference(page);
      assert.ok(width >= 600 && height >= 400, `${width}×${height}`);
      assert.ok(compared > 0.99 * width * height, `${compared} of ${width * height} pixels compared`);
      assert.ok(image > 50_000, `only ${image} non-black pixels: no images drawn?`);
      assert.ok(largest <= 1, `the GPU differs from the reference by ${largest} levels`);
    });

    test("the wheel scrolls, and linked viewports follow by patient position", async () => {
      const before = await page.evaluate(() => window.viewer.viewports());
      assert.ok(before.length >= 2, "the hanging protocol shows several series");
      const centre = await pagePoint(page, 0, 50, 50);
      await page.mouse.move(centre.x, centre.y);
      for (let step = 0; step < 3; step++) {
        await page.mouse.wheel(0, 120);
      }
      await page.waitForFunction((slice) => window.viewer.viewports()[0].slice !== slice, before[0].slice);
      const after = await page.evaluate(() => window.viewer.viewports());
      assert.notEqual(after[0].slice, before[0].slice, "the wheel did not scroll");
      const first = await series(after[0].series_uid);
      const point = lps(first, after[0].slice, 0, 0);
      for (const view of after.slice(1).filter((view) => view.series_uid)) {
        const other = await series(view.series_uid);
        assert.equal(view.slice, nearestSlice(other, point), `${other.description} is not at the same position`);
      }
      const { largest } = await compareWithReference(page);
      assert.ok(largest <= 1, `after scrolling the GPU differs by ${largest}`);
    });

    test("dragging with the window tool changes the window", async () => {
      await page.evaluate(() => window.viewer.setTool("window_level"));
      const before = (await page.evaluate(() => window.viewer.viewports()))[0].window;
      const start = await pagePoint(page, 0, 40, 40);
      await page.mouse.move(start.x, start.y);
      await page.mouse.down();
      await page.mouse.move(start.x + 60, start.y + 25, { steps: 5 });
      await page.mouse.up();
      const after = (await page.evaluate(() => window.viewer.viewports()))[0].window;
      assert.notDeepEqual(after, before);
      const { largest } = await compareWithReference(page);
      assert.ok(largest <= 1, `after windowing the GPU differs by ${largest}`);
    });

    test("the length tool measures millimetres", async () => {
      const measured = await record(page, "measured");
      await page.evaluate(() => window.viewer.setTool("length"));
      const from = await pagePoint(page, 0, 20, 30);
      const to = await pagePoint(page, 0, 70, 30);
      await page.mouse.move(from.x, from.y);
      await page.mouse.down();
      await page.mouse.move(to.x, to.y, { steps: 5 });
      await page.mouse.up();
      const events = await measured();
      assert.equal(events.length, 1, JSON.stringify(events));
      const measurement = events[0].measurement;
      const view = (await page.evaluate(() => window.viewer.viewports()))[0];
      const [rowSpacing, columnSpacing] = (await series(view.series_uid)).pixel_spacing_mm;
      // 50 columns along a row, to within the half CSS pixel a mouse position is rounded to.
      const expected = 50 * columnSpacing;
      const tolerance = columnSpacing * 0.5;
      assert.ok(Math.abs(measurement.mm - expected) <= tolerance, `${measurement.mm} mm, expected ${expected} mm`);
      const dx = (measurement.to.column - measurement.from.column) * columnSpacing;
      const dy = (measurement.to.row - measurement.from.row) * rowSpacing;
      assert.ok(Math.abs(Math.hypot(dx, dy) - measurement.mm) < 1e-6, "mm is not the distance between its ends");
    });

    test("a lesion marker reports the LPS position of the pixel clicked", async () => {
      const placed = await record(page, "marker_placed");
      await page.evaluate(() => window.viewer.setTool("marker"));
      const target = await pagePoint(page, 0, 40, 50);
      const click = { x: Math.round(target.x), y: Math.round(target.y) };
      await page.mouse.click(click.x, click.y);
      const events = await placed();
      assert.equal(events.length, 1, JSON.stringify(events));
      const { point } = events[0].marker;
      // The image point under the (whole-pixel) click, from the viewport's transform.
      const imagePoint = await page.evaluate(([x, y]) => {
        const t = window.viewer.viewportTransform(0);
        const canvas = document.querySelector("#viewer canvas");
        const box = canvas.getBoundingClientRect();
        const scale = canvas.width / box.width;
        return {
          column: ((x - box.left) * scale - t.origin.x) / t.pixels_per_column,
          row: ((y - box.top) * scale - t.origin.y) / t.pixels_per_row,
        };
      }, [click.x, click.y]);
      const view = (await page.evaluate(() => window.viewer.viewports()))[0];
      assert.equal(point.series_uid, view.series_uid);
      assert.equal(point.slice, view.slice);
      const expected = lps(await series(view.series_uid), view.slice, imagePoint.column, imagePoint.row);
      for (let axis = 0; axis < 3; axis++) {
        assert.ok(Math.abs(point.lps_mm[axis] - expected[axis]) < 0.01, `${point.lps_mm} vs ${expected}`);
      }
      const markers = await page.evaluate(() => window.viewer.markers());
      assert.equal(markers.length, 1);
    });

    test("the page's cine plays the DCE phases at the chosen rate, and the curve follows the crosshair", async () => {
      const views = await page.evaluate(() => window.viewer.viewports());
      const phases = await Promise.all(views.map(async (view) => (view.series_uid ? (await series(view.series_uid)).phases : 1)));
      const dce = phases.findIndex((n) => n > 1);
      assert.ok(dce >= 0, `no viewport shows a multi-phase series: ${phases}`);
      await page.selectOption("#tool", "crosshair");
      const target = await pagePoint(page, dce, 40, 40);
      await page.mouse.click(Math.round(target.x), Math.round(target.y));
      await page.waitForSelector("#curve:not([hidden])");
      const values = (await page.textContent("#curve-values")).split(", ").map(Number);
      assert.equal(values.length, phases[dce], `curve: ${values}`);
      assert.ok(new Set(values).size > 1, `a flat curve through the DCE phases: ${values}`);

      await page.focus("#viewer");
      for (let step = 0; step < 9 && (await page.evaluate(() => window.viewer.cine().viewport)) !== dce; step++) {
        await page.keyboard.press("Tab");
      }
      assert.equal(await page.evaluate(() => window.viewer.cine().viewport), dce, "Tab never reached the DCE viewport");
      await page.fill("#rate", "10");
      await page.dispatchEvent("#rate", "change");
      assert.equal(await page.evaluate(() => window.viewer.cine().rate), 10);
      const start = await page.evaluate(() => window.viewer.cine().phase);
      await page.click("#cine");
      assert.equal(await page.textContent("#cine"), "Pause cine");
      await page.waitForFunction((start) => window.viewer.cine().phase !== start, start, { timeout: 5_000 });
      await page.click("#cine");
      assert.equal(await page.evaluate(() => window.viewer.cine().playing), false);
      const { largest } = await compareWithReference(page);
      assert.ok(largest <= 1, `after the cine the GPU differs by ${largest}`);
    });

    test("a key remapped in the shortcuts dialog works and is saved to the user's account", async () => {
      const next = await page.evaluate(() => window.viewer.shortcuts().findIndex((s) => s.command === "next_slice"));
      assert.ok(next >= 0);
      await page.click("#remap");
      await page.click(`#change-${next}`);
      await page.keyboard.press("j");
      await page.waitForFunction(() => document.getElementById("keys-status").textContent === "Saved.");
      await page.selectOption("#button-middle", "zoom");
      await page.waitForFunction(() => window.viewer.keymap().mouse.middle.tool === "zoom");
      await page.click("#keys button:text('Close')");

      await page.focus("#viewer");
      const active = await page.evaluate(() => window.viewer.cine().viewport);
      const slice = async () => (await page.evaluate(() => window.viewer.viewports()))[active].slice;
      const before = await slice();
      await page.keyboard.press("ArrowDown");
      assert.equal(await slice(), before, "ArrowDown still moves to the next slice");
      await page.keyboard.press("j");
      assert.equal(await slice(), before + 1, "j does not move to the next slice");

      // A fresh page of the same user gets the same keymap from the server.
      await page.reload();
      await page.waitForFunction(() => window.viewerReady === true, null, { timeout: 60_000 });
      const keymap = await page.evaluate(() => window.viewer.keymap());
      assert.equal(keymap.keys.j, "next_slice");
      assert.deepEqual(keymap.mouse.middle, { tool: "zoom" });
      assert.equal(keymap.keys.ArrowDown, undefined);
      // Back to the defaults for the tests that follow.
      await page.evaluate(async () => {
        const { csrf_token } = await (await fetch("/api/session")).json();
        await fetch("/api/preferences", {
          method: "PUT",
          headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf_token },
          body: JSON.stringify({ viewer_keymap: null }),
        });
      });
      await page.reload();
      await page.waitForFunction(() => window.viewerReady === true, null, { timeout: 60_000 });
      await page.waitForFunction(() => window.viewer.timings().loaded_ms !== null, null, { timeout: 60_000 });
    });

    test("touch: one finger uses the tool, two fingers scroll, a pinch zooms", async () => {
      const cdp = await page.context().newCDPSession(page);
      await cdp.send("Emulation.setTouchEmulationEnabled", { enabled: true, maxTouchPoints: 5 });
      const touch = (type, points) => cdp.send("Input.dispatchTouchEvent", {
        type, touchPoints: points.map(([x, y], id) => ({ x, y, id })),
      });
      const centre = await pagePoint(page, 0, 60, 60);
      const view = async () => (await page.evaluate(() => window.viewer.viewports()))[0];
      const transform = () => page.evaluate(() => window.viewer.viewportTransform(0));

      // One finger, with the pan tool: the image follows the finger.
      await page.evaluate(() => window.viewer.setTool("pan"));
      const before = await transform();
      await touch("touchStart", [[centre.x, centre.y]]);
      for (let step = 1; step <= 5; step++) await touch("touchMove", [[centre.x + 8 * step, centre.y]]);
      await touch("touchEnd", []);
      const panned = await transform();
      assert.ok(panned.origin.x > before.origin.x + 20, `one finger did not pan: ${before.origin.x} → ${panned.origin.x}`);

      // Two fingers moving together: scrolling.
      const slice = (await view()).slice;
      const pair = (dy, gap = 40) => [[centre.x - gap / 2, centre.y + dy], [centre.x + gap / 2, centre.y + dy]];
      await touch("touchStart", pair(0));
      for (let step = 1; step <= 8; step++) await touch("touchMove", pair(10 * step));
      await touch("touchEnd", []);
      assert.notEqual((await view()).slice, slice, "two fingers did not scroll");

      // Two fingers spreading apart: a zoom.
      const zoom = (await transform()).pixels_per_mm;
      await touch("touchStart", pair(0, 40));
      for (let step = 1; step <= 8; step++) await touch("touchMove", pair(0, 40 + 15 * step));
      await touch("touchEnd", []);
      const zoomed = (await transform()).pixels_per_mm;
      assert.ok(zoomed > zoom * 1.5, `the pinch did not zoom in: ${zoom} → ${zoomed}`);
      await cdp.send("Emulation.setTouchEmulationEnabled", { enabled: false });
      await page.evaluate(() => window.viewer.command("reset"));
      const { largest } = await compareWithReference(page);
      assert.ok(largest <= 1, `after touch the GPU differs by ${largest}`);
    });

    test("the canvas follows the page's size and pixel ratio, drawn at device pixels", async () => {
      const canvasSize = () => page.evaluate(() => {
        const canvas = document.querySelector("#viewer canvas");
        const box = canvas.getBoundingClientRect();
        return { width: canvas.width, height: canvas.height, css: [box.width, box.height], ratio: devicePixelRatio };
      });
      const cdp = await page.context().newCDPSession(page);
      for (const [width, height, ratio] of [[640, 480, 1], [700, 520, 2]]) {
        await cdp.send("Emulation.setDeviceMetricsOverride", { width, height, deviceScaleFactor: ratio, mobile: false });
        await page.waitForFunction(([ratio]) => {
          const canvas = document.querySelector("#viewer canvas");
          const box = canvas.getBoundingClientRect();
          return Math.abs(canvas.width - Math.round(box.width * ratio)) <= 1 && Math.abs(canvas.height - Math.round(box.height * ratio)) <= 1;
        }, [ratio], { timeout: 10_000 });
        const size = await canvasSize();
        assert.equal(size.ratio, ratio);
        assert.ok(size.css[0] <= width, `${JSON.stringify(size)} wider than the ${width} px page`);
        // One canvas pixel per device pixel: no scaling, so no blur.
        assert.ok(Math.abs(size.width - size.css[0] * ratio) <= 1, JSON.stringify(size));
        await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
        const { largest, width: drawn } = await compareWithReference(page);
        assert.equal(drawn, size.width, "the viewer drew at another size than the canvas");
        assert.ok(largest <= 1, `at ${width}×${height}@${ratio}x the GPU differs by ${largest}`);
      }
      await cdp.send("Emulation.clearDeviceMetricsOverride");
    });

    test("the shortcuts button shows the help overlay, drawn like the reference", async () => {
      const help = await page.evaluate(() => window.viewer.help());
      assert.ok(help.length >= 20, `${help.length} help entries`);
      await page.click("#help");
      const { largest } = await compareWithReference(page);
      assert.ok(largest <= 1, `the help overlay differs by ${largest}`);
      await page.click("#help");
    });
  });
}

describe("choosing the backend", () => {
  test("auto picks WebGL2 when the browser offers no WebGPU adapter", async () => {
    const browser = await startBrowser(GPU_FLAGS.filter((flag) => flag !== "--enable-unsafe-webgpu"));
    try {
      const caseId = await signIn(browser.context, server.url);
      const { page } = await openViewer(browser.context, server.url, caseId, "auto");
      assert.equal(await page.evaluate(() => window.viewer.backend), "webgl2");
      const { largest } = await compareWithReference(page);
      assert.ok(largest <= 1, `the GPU differs by ${largest}`);
    } finally {
      await browser.close();
    }
  });

  test("a lost WebGPU device falls back to WebGL2 and draws the same pixels", async () => {
    const browser = await startBrowser();
    try {
      const caseId = await signIn(browser.context, server.url);
      const { page } = await openViewer(browser.context, server.url, caseId, "auto");
      assert.equal(await page.evaluate(() => window.viewer.backend), "webgpu");
      const switched = await record(page, "backend");
      await page.evaluate(() => window.viewer.loseDevice());
      await page.waitForFunction(() => window.viewer.backend === "webgl2", null, { timeout: 30_000 });
      await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
      assert.equal((await switched())[0].backend, "webgl2");
      const { largest, image } = await compareWithReference(page);
      assert.ok(image > 50_000, "nothing drawn after the fallback");
      assert.ok(largest <= 1, `after the fallback the GPU differs by ${largest}`);
    } finally {
      await browser.close();
    }
  });
});
