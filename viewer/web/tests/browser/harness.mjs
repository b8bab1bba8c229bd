// Starts Readroom (READROOM_BIN, with the viewer in READROOM_WEB_DIR) on a fresh data
// directory and Debian's Chromium (CHROMIUM) with the flags that give it WebGPU and WebGL2 on
// the CPU, and helps the tests read what the viewer shows.

import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const required = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run these tests with cargo xtask test`);
  return value;
};

export const GPU_FLAGS = [
  "--no-sandbox",
  "--enable-unsafe-swiftshader",
  "--enable-unsafe-webgpu",
  "--enable-features=Vulkan",
  "--use-angle=swiftshader",
  "--use-vulkan=swiftshader",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/** Readroom on 127.0.0.1 with the demo bank; resolves to { url, stop }. */
export async function startServer() {
  const dataDir = mkdtempSync(join(tmpdir(), "readroom-browser-"));
  const server = spawn(
    required("READROOM_BIN"),
    ["serve", "--data-dir", dataDir, "--bind", "127.0.0.1:0", "--web-dir", required("READROOM_WEB_DIR")],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const url = await new Promise((resolve, reject) => {
    let seen = "";
    server.stdout.on("data", (chunk) => {
      seen += chunk;
      const match = seen.match(/serving \d+ cases at (http:\/\/\S+)/);
      if (match) resolve(match[1]);
    });
    server.on("exit", (code) => reject(new Error(`readroom exited (${code}) before serving:\n${seen}`)));
  });
  return {
    url,
    /** The server's data directory, for a `readroom import` beside it. */
    dataDir,
    stop() {
      server.kill();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Chromium, headless, with its own fresh profile; `extra` replaces nothing, it adds. */
export async function startBrowser(flags = GPU_FLAGS) {
  const profile = mkdtempSync(join(tmpdir(), "readroom-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: required("CHROMIUM"),
    headless: true,
    args: flags,
    viewport: { width: 800, height: 600 },
    deviceScaleFactor: 1,
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Signs `context` in as the demo trainee; returns the first demo case's id. */
export async function signIn(context, url) {
  const response = await context.request.post(`${url}/api/session`, {
    data: { username: "trainee", password: "demo-trainee" },
  });
  if (!response.ok()) throw new Error(`sign-in: ${response.status()} ${await response.text()}`);
  const cases = await (await context.request.get(`${url}/api/cases`)).json();
  return cases[0].id;
}

/** Opens a case in the viewer and waits until every frame has arrived. */
export async function openViewer(context, url, caseId, backend) {
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (error) => errors.push(error));
  await page.goto(`${url}/viewer/index.html?case=${encodeURIComponent(caseId)}&backend=${backend}`);
  await page.waitForFunction(() => window.viewerReady === true, null, { timeout: 60_000 });
  await page.waitForFunction(() => window.viewer.timings().loaded_ms !== null, null, { timeout: 60_000 });
  // The frame on screen now shows everything loaded.
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  return { page, errors };
}

/** GPU pixels against the CPU reference: the largest channel difference over certain pixels. */
export async function compareWithReference(page) {
  return page.evaluate(async () => {
    const gpu = await window.viewer.readPixels();
    const reference = window.viewer.referencePixels();
    let largest = 0;
    let compared = 0;
    let image = 0;
    for (let pixel = 0; pixel < reference.uncertain.length; pixel++) {
      if (reference.uncertain[pixel]) continue;
      compared++;
      if (reference.data[pixel * 4] !== 0) image++;
      for (let channel = 0; channel < 4; channel++) {
        const at = pixel * 4 + channel;
        largest = Math.max(largest, Math.abs(gpu.data[at] - reference.data[at]));
      }
    }
    return { largest, compared, image, width: gpu.width, height: gpu.height };
  });
}

/** Where image point (column, row) of viewport `index` is, in page (CSS) pixels. */
export async function pagePoint(page, index, column, row) {
  return page.evaluate(([index, column, row]) => {
    const t = window.viewer.viewportTransform(index);
    const canvas = document.querySelector("#viewer canvas");
    const box = canvas.getBoundingClientRect();
    const scale = box.width / canvas.width;
    return {
      x: box.left + (t.origin.x + column * t.pixels_per_column) * scale,
      y: box.top + (t.origin.y + row * t.pixels_per_row) * scale,
    };
  }, [index, column, row]);
}

/** Collects the viewer's `name` events into an array on the page. */
export async function record(page, name) {
  await page.evaluate((name) => {
    window.recorded ??= {};
    window.recorded[name] = [];
    window.viewer.on(name, (detail) => window.recorded[name].push(detail));
  }, name);
  return () => page.evaluate((name) => window.recorded[name], name);
}
