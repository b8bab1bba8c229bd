// The application's browser tests start Readroom and Chromium as the viewer's tests do, with
// the same server start-up and Chromium flags (imported, not copied), but launch one browser
// with a context per user, so that a trainee, a lead and an admin are signed in side by side.
// The viewer's harness resolves playwright-core from its own folder: `cargo xtask test` runs
// `npm ci` there before these tests.

import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import assert from "node:assert/strict";
import { after } from "node:test";
import { chromium } from "playwright-core";

export { startServer, GPU_FLAGS } from "../../viewer/web/tests/browser/harness.mjs";
import { GPU_FLAGS, startServer } from "../../viewer/web/tests/browser/harness.mjs";

const here = dirname(fileURLToPath(import.meta.url));

/** Where every page's screenshot goes, for review. */
export const SCREENSHOTS = join(here, "..", "..", "target", "app-screenshots");

export const PASSWORDS = { trainee: "demo-trainee", expert: "demo-expert", lead: "demo-lead", admin: "demo-admin" };

export async function startChromium() {
  const executablePath = process.env.CHROMIUM;
  if (!executablePath) throw new Error("CHROMIUM is not set: run these tests with cargo xtask test");
  return chromium.launch({ executablePath, headless: true, args: GPU_FLAGS });
}

/**
 * A fresh browser context (its own cookies) with a page on the application.
 * @param {import("playwright-core").Browser} browser
 */
export async function openApp(browser, url, { width = 1200, height = 900 } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, deviceScaleFactor: 1, acceptDownloads: true });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (error) => errors.push(error));
  page.on("console", (message) => {
    // The browser logs every refused request; refusals (401 before signing in, 422 for a
    // wrong field) are the application's to show, and the tests check that it does.
    if (message.type() === "error" && !/status of 4\d\d/.test(message.text())) errors.push(new Error(message.text()));
  });
  await page.goto(`${url}/`);
  return { context, page, errors };
}

/**
 * Readroom on a fresh demo bank and one Chromium for a test file, both stopped after it, and
 * `pageAs(username, path, viewport)`: a fresh context signed in through the form on `path`.
 */
export async function startApp() {
  const server = await startServer();
  const browser = await startChromium();
  after(async () => {
    await browser.close();
    server.stop();
  });
  const pageAs = async (username, path = "/", viewport = undefined) => {
    const app = await openApp(browser, server.url, viewport);
    await signInThroughForm(app.page, username);
    if (path !== "/") await app.page.goto(`${server.url}${path}`);
    await app.page.locator("main h1").waitFor();
    return app;
  };
  return { server, browser, pageAs };
}

/** Waits until the page's viewer has every image. */
export async function imagesLoaded(page) {
  await page.locator(".viewer-status", { hasText: /^Images loaded/ }).waitFor({ timeout: 90_000 });
}

/** The viewports every page is audited and photographed on. */
export const SCREENS = [["", { width: 1200, height: 900 }], ["-phone", { width: 390, height: 844 }]];

/**
 * The page once loaded (its images too, where it shows the viewer): no serious or critical
 * axe violation, no script error; its screenshot saved as `name`.
 */
export async function auditPage(page, errors, name) {
  await page.waitForFunction(() => !document.querySelector("main .loading"));
  if (await page.locator(".viewer-canvas").count()) await imagesLoaded(page);
  assert.deepEqual(await seriousViolations(page), [], name);
  await screenshot(page, name);
  assert.deepEqual(errors, [], name);
}

/** Signs in through the form, as a person does, and waits for the home page's heading. */
export async function signInThroughForm(page, username, password = PASSWORDS[username]) {
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.locator("#who strong").waitFor();
}

/** A signed-in API client for seeding through the API (the same calls the pages make). */
export async function apiAs(browser, url, username, password = PASSWORDS[username]) {
  const context = await browser.newContext();
  const signIn = await context.request.post(`${url}/api/session`, { data: { username, password } });
  if (!signIn.ok()) throw new Error(`sign-in of ${username}: ${signIn.status()} ${await signIn.text()}`);
  const { user, csrf_token } = await signIn.json();
  const call = async (method, path, data) => {
    const response = await context.request.fetch(`${url}/api${path}`, {
      method,
      headers: { "x-csrf-token": csrf_token },
      data,
    });
    const text = await response.text();
    if (!response.ok()) throw new Error(`${method} ${path} as ${username}: ${response.status()} ${text}`);
    return text ? JSON.parse(text) : null;
  };
  return {
    user,
    context,
    get: (path) => call("GET", path),
    post: (path, data) => call("POST", path, data),
    put: (path, data) => call("PUT", path, data),
    close: () => context.close(),
  };
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** The axe-core audit of the page as it is now: the serious and critical violations. */
export async function seriousViolations(page) {
  // Evaluated through the DevTools protocol, which the page's Content-Security-Policy does not
  // govern: the audit needs no change to the policy.
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () => {
    const { violations } = await window.axe.run(document, { resultTypes: ["violations"] });
    return violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ")) }));
  });
  return result.filter((v) => v.impact === "serious" || v.impact === "critical");
}

export async function screenshot(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** The report that reads a case right from its truth (as tests/src/world.rs builds it). */
export function correctReport(truth) {
  const lesions = truth.lesions
    .filter((lesion) => lesion.isup_grade_group >= truth.significant_from_isup)
    .slice(0, 4)
    .map((lesion) => ({
      sectors: lesion.sectors,
      point: lesion.centre_lps_mm ? { lps_mm: lesion.centre_lps_mm, series_uid: "1.2.3", slice: 0 } : undefined,
      t2w_score: 4, dwi_score: 4, dce: "positive", size_mm: 12, extraprostatic_extension: false, category: 4,
    }));
  return lesions.length ? { lesions, comment: "" } : { lesions: [], overall_category: 2, comment: "No suspicious lesion." };
}

/** A report that reads it wrong: nothing on a positive case, a PI-RADS 4 lesion on a negative one. */
export function wrongReport(truth) {
  const positive = truth.lesions.some((lesion) => lesion.isup_grade_group >= truth.significant_from_isup);
  return positive
    ? { lesions: [], overall_category: 1, comment: "" }
    : { lesions: [{ sectors: ["apex-right-TZa"], t2w_score: 4, dwi_score: 4, dce: "positive", size_mm: 12, extraprostatic_extension: false, category: 4 }], comment: "" };
}
