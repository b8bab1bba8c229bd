// The training loop through the web application, in headless Chromium on the demo bank, each
// step by real clicks and keys: a trainee reads a case (a marker placed on the canvas, the
// report filled through the sector map, submitted after the confirmation) and sees the score
// and the truth; an expert reviews it from the queue with a pinned mark; the trainee reads the
// feedback (the unread count drops), asks, and is answered; the lead's figures change; the
// expert files a reference read from the same reading page (marker and sector map again) and
// the trainee sees it with their result; nobody sees what is not theirs; the form works by keyboard alone at tablet width; and every new page
// passes the axe audit, with screenshots on a desktop and a phone.

import { before, describe, test } from "node:test";
import assert from "node:assert/strict";

import { SCREENS, apiAs, auditPage, imagesLoaded, openApp, signInThroughForm, startApp } from "./harness.mjs";

const { server, browser, pageAs } = await startApp();

/** The case read end to end, its truth and its lesion's place on the T2W axial images. */
const world = {};
before(async () => {
  const trainee = await apiAs(browser, server.url, "trainee");
  const expert = await apiAs(browser, server.url, "expert");
  const [assignment] = await trainee.get("/assignments");
  world.cases = assignment.cases;
  world.programme = (await expert.get("/programmes"))[0];
  // The first assigned case with a clinically significant lesion that has a centre and radius.
  for (const one of assignment.cases) {
    const truth = await expert.get(`/cases/${one.case_id}/truth`);
    const lesion = truth.lesions.find((l) => l.isup_grade_group >= truth.significant_from_isup && l.centre_lps_mm && l.radius_mm);
    if (lesion) {
      Object.assign(world, { caseId: one.case_id, title: one.title, truth, lesion });
      break;
    }
  }
  assert.ok(world.lesion, "the demo bank has a case with a significant lesion");
  world.detail = await trainee.get(`/cases/${world.caseId}`);
  world.trainee = trainee.user;
  await trainee.close();
  await expert.close();
});

/** `text` matched literally inside a regular expression. */
const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Where an LPS point lies in a series: the nearest slice, and its column and row there. */
function imagePoint(series, lps) {
  const dot = (a, b) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
  const frames = series.frames.filter((f) => f.phase === 0);
  const nearest = frames.reduce((best, f) =>
    Math.abs(dot(f.position_lps_mm, series.normal) - dot(lps, series.normal)) < Math.abs(dot(best.position_lps_mm, series.normal) - dot(lps, series.normal)) ? f : best);
  const d = [0, 1, 2].map((i) => lps[i] - nearest.position_lps_mm[i]);
  return { slice: nearest.slice, column: dot(d, series.row_direction) / series.pixel_spacing_mm[1], row: dot(d, series.column_direction) / series.pixel_spacing_mm[0] };
}

/** Scrolls viewport 0 to `slice` with the arrow keys, as a reader does. */
async function scrollTo(page, slice) {
  const canvas = page.locator(".viewer-canvas");
  await canvas.focus();
  const current = () => page.evaluate(() => document.querySelector(".viewer-canvas").readroomViewer.viewports()[0].slice);
  for (let guard = 0; guard < 200 && (await current()) !== slice; guard++) {
    await page.keyboard.press((await current()) < slice ? "ArrowDown" : "ArrowUp");
  }
  assert.equal(await current(), slice);
}

/** The page position of an image point in viewport 0. */
function pagePoint(page, column, row) {
  return page.evaluate(([column, row]) => {
    const viewer = document.querySelector(".viewer-canvas").readroomViewer;
    const t = viewer.viewportTransform(0);
    const canvas = document.querySelector(".viewer-canvas canvas");
    const box = canvas.getBoundingClientRect();
    const scale = box.width / canvas.width;
    return { x: Math.round(box.left + (t.origin.x + column * t.pixels_per_column) * scale), y: Math.round(box.top + (t.origin.y + row * t.pixels_per_row) * scale) };
  }, [column, row]);
}

/** The number of markers in the page's viewer. */
const markerCount = (page) => page.evaluate(() => document.querySelector(".viewer-canvas").readroomViewer.markers().length);

/**
 * Marks `lps` in viewport 0 as a reader does: scrolls to its slice with the arrow keys and
 * clicks it with the lesion marker tool. Returns the series shown there and the point's slice,
 * column and row in it.
 */
async function markInViewer(page, lps) {
  const shown = await page.evaluate(() => document.querySelector(".viewer-canvas").readroomViewer.viewports()[0].series_uid);
  const series = world.detail.series_detail.find((s) => s.uid === shown);
  const target = imagePoint(series, lps);
  await scrollTo(page, target.slice);
  await page.getByLabel("Tool", { exact: true }).selectOption("marker");
  const at = await pagePoint(page, target.column, target.row);
  await page.mouse.click(at.x, at.y);
  return { shown, target };
}

/** Fills a lesion of the report form: its sectors by clicking the map, its scores from the lists. */
async function fillLesion(lesion, { sectors, t2w, dwi, dce, size, epe, category }) {
  for (const sector of sectors) {
    await lesion.locator(`[data-sector="${sector}"]`).click();
    assert.equal(await lesion.locator(`[data-sector="${sector}"]`).getAttribute("aria-checked"), "true");
  }
  await lesion.getByLabel("T2W score").selectOption(String(t2w));
  await lesion.getByLabel("DWI score").selectOption(String(dwi));
  await lesion.getByLabel("DCE").selectOption(dce);
  await lesion.getByLabel("Size (mm)").fill(String(size));
  await lesion.getByLabel("Extraprostatic extension").selectOption(String(epe));
  await lesion.getByLabel("PI-RADS category").selectOption(String(category));
}

const cohortRow = async (page) => {
  await page.goto(`${server.url}/programmes/${world.programme.id}`);
  const row = page.getByRole("table", { name: /Every trainee of the programme/ }).getByRole("row", { name: /Demo trainee/ });
  await row.waitFor();
  return row.getByRole("cell").allInnerTexts();
};

describe("the training loop in the browser", () => {
  test("a trainee marks a lesion on the canvas, fills the report through the sector map, submits and sees the score and the truth", async () => {
    const lead = await pageAs("lead");
    world.cohortBefore = await cohortRow(lead.page);

    const { page, context, errors } = await pageAs("trainee");
    await page.getByRole("link", { name: `Read ${world.title}`, exact: true }).click();
    await page.getByRole("heading", { name: `Reading: ${world.title}` }).waitFor();
    assert.match(await page.locator(".clinical").innerText(), /Age[\s\S]+PSA[\s\S]+Indication/);
    await imagesLoaded(page);

    // The lesion's slice in the first viewport's series, then a click on it with the marker tool.
    const { shown, target } = await markInViewer(page, world.lesion.centre_lps_mm);
    const lesion = page.locator("fieldset.lesion");
    await lesion.getByText(/^Marker 1: /).waitFor();
    assert.equal(await lesion.count(), 1);

    // A second marker adds lesion 2; the Delete key in the viewer removes marker and lesion.
    const elsewhere = await pagePoint(page, target.column + 25, target.row + 25);
    await page.mouse.click(elsewhere.x, elsewhere.y);
    await page.getByRole("group", { name: "Sectors of lesion 2" }).waitFor();
    await page.keyboard.press("Delete");
    await page.getByRole("group", { name: "Sectors of lesion 2" }).waitFor({ state: "detached" });
    assert.equal(await markerCount(page), 1);
    // Removing lesion 2 from the form removes its marker.
    await page.mouse.click(elsewhere.x, elsewhere.y);
    await page.getByRole("button", { name: "Remove lesion 2" }).click();
    assert.equal(await lesion.count(), 1);
    assert.equal(await markerCount(page), 1);
    // Scrolled away, "Show marker 1" brings its slice back.
    await scrollTo(page, target.slice > 2 ? target.slice - 3 : target.slice + 3);
    await lesion.getByRole("button", { name: "Show marker 1 in the viewer" }).click();
    await page.waitForFunction((slice) => document.querySelector(".viewer-canvas").readroomViewer.viewports()[0].slice === slice, target.slice);
    // Clicking the marker in the viewer selects its lesion in the form, and moves nothing.
    await page.evaluate(() => document.querySelector("fieldset.lesion").classList.remove("selected"));
    const marked = await pagePoint(page, target.column, target.row);
    await page.mouse.click(marked.x, marked.y);
    await page.locator("fieldset.lesion.selected[aria-current='true']").waitFor();
    assert.equal(await lesion.count(), 1, "the click placed another marker");
    assert.equal(await markerCount(page), 1);

    // Submitting an incomplete report: each field's message from the API lands beside it.
    await page.getByRole("button", { name: "Submit report…" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Submit report" }).click();
    await page.locator("[name='lesions[0].t2w_score'][aria-invalid=true]").waitFor();
    assert.equal(await lesion.locator(".field-error", { hasText: "Choose at least one sector." }).count(), 1);
    assert.match(await lesion.locator(".field", { has: page.locator("[name='lesions[0].dce']") }).locator(".field-error").innerText(), /^Required \(positive, negative or not_assessed\)\.$/);

    // The sectors by clicking the map; the scores from the lists.
    await fillLesion(lesion, { sectors: world.lesion.sectors, t2w: 4, dwi: 5, dce: "positive", size: 14, epe: false, category: 5 });
    await page.getByRole("button", { name: "Save draft" }).click();
    await page.getByText(/^Draft saved at /).waitFor();
    // Cancelling the confirmation submits nothing.
    await page.getByRole("button", { name: "Submit report…" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();
    assert.equal(await page.getByRole("dialog").count(), 0);
    assert.match(page.url(), /\/read\//);
    await page.getByRole("button", { name: "Submit report…" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Submit report" }).click();

    await page.getByRole("heading", { name: `Your result: ${world.title}` }).waitFor();
    assert.match(await page.locator("#verdict").innerText(), /^Correct: a clinically significant cancer was present and was found\./);
    const reported = await page.getByRole("table", { name: /Each reported lesion/ }).innerText();
    assert.match(reported, /Hit: true lesion \d \(\d+\.\d mm away\)/);
    const truth = await page.getByRole("table", { name: /Clinically significant from ISUP/ }).innerText();
    assert.match(truth, new RegExp(`ISUP ${world.lesion.isup_grade_group}[\\s\\S]*Found by your lesion 1`));
    world.attemptId = page.url().split("/attempts/")[1];
    // What the page showed is what the server scored.
    const stored = await (await context.request.get(`${server.url}/api/attempts/${world.attemptId}`)).json();
    assert.equal(stored.score.hits, 1);
    assert.deepEqual(stored.report.lesions[0].sectors, world.lesion.sectors);
    assert.equal(stored.report.lesions[0].point.series_uid, shown);
    assert.equal(stored.report.lesions[0].point.slice, target.slice);
    await imagesLoaded(page);
    // The trainee's marker beside the truth, on its slice.
    assert.equal(await markerCount(page), 1);
    assert.equal(await page.evaluate(() => document.querySelector(".viewer-canvas").readroomViewer.viewports()[0].slice), target.slice);
    assert.deepEqual(errors, []);
    await context.close();
    await lead.context.close();
  });

  test("an expert opens the queue and writes feedback with a mark pinned in the viewer; the trainee sees it and the unread count drops", async () => {
    const expert = await pageAs("expert");
    const { page } = expert;
    await page.getByRole("heading", { name: "Review queue" }).waitFor();
    const row = page.getByRole("row", { name: new RegExp(`${escape(world.title)}.*Demo trainee`) });
    assert.match(await row.innerText(), /first read[\s\S]*feedback[\s\S]*Agrees/);
    await row.getByRole("link").click();
    await page.getByRole("heading", { name: `Review: ${world.title}` }).waitFor();
    // The reviewer reads whose lesion found the truth: the trainee's, not theirs.
    assert.match(await page.getByRole("table", { name: /Clinically significant from ISUP/ }).innerText(), /Found by the trainee's lesion 1/);
    await imagesLoaded(page);
    await page.getByLabel("Tool", { exact: true }).selectOption("marker");
    const box = await page.locator(".viewer-canvas canvas").boundingBox();
    await page.mouse.click(Math.round(box.x + box.width / 4), Math.round(box.y + box.height / 4));
    const form = page.locator(".feedback-form");
    await form.getByText(/^Mark 1: /).waitFor();
    await form.getByLabel("Label of mark 1").fill("edge");
    await form.getByLabel("Message").fill("Well found. Note the capsule at the pinned mark.");
    await form.getByRole("button", { name: "Post" }).click();
    await page.locator(".messages").getByText("Pinned mark “edge”", { exact: false }).waitFor();
    const posted = await (await expert.context.request.get(`${server.url}/api/attempts/${world.attemptId}`)).json();
    const [mark] = posted.result.messages[0].marks;
    assert.equal(mark.label, "edge");
    assert.equal(mark.lps_mm.length, 3);
    // The mark moved from the expert's markers to the pinned marks.
    assert.equal(await markerCount(page), 0);
    assert.deepEqual(expert.errors, []);

    const trainee = await pageAs("trainee");
    await trainee.page.locator("#unread", { hasText: /^1 unread message/ }).waitFor();
    await trainee.page.locator("#new").getByRole("link", { name: world.title }).click();
    await trainee.page.getByRole("heading", { name: `Your result: ${world.title}` }).waitFor();
    await trainee.page.locator(".messages").getByText("Well found. Note the capsule at the pinned mark.").waitFor();
    await trainee.page.locator("#unread", { hasText: /^0 unread messages/ }).waitFor();

    // The trainee asks; the question waits in the expert's queue; the expert answers.
    await trainee.page.getByLabel("Ask the experts a question").fill("Was the DWI score right?");
    await trainee.page.getByRole("button", { name: "Ask" }).click();
    await trainee.page.locator(".messages").getByText("Was the DWI score right?").waitFor();
    await page.goto(`${server.url}/review`);
    const waiting = page.getByRole("row", { name: new RegExp(`${escape(world.title)}.*Demo trainee`) });
    assert.match(await waiting.innerText(), /an answer/);
    await waiting.getByRole("link").click();
    await page.getByRole("heading", { name: `Review: ${world.title}` }).waitFor();
    assert.equal(await page.getByLabel("Kind").inputValue(), "answer");
    await page.getByLabel("Message").fill("Yes: 5 for the marked restriction.");
    await page.getByRole("button", { name: "Post" }).click();
    await page.locator(".messages").getByText("Yes: 5 for the marked restriction.").waitFor();
    await trainee.page.reload();
    await trainee.page.locator(".messages li.answer").getByText("Yes: 5 for the marked restriction.").waitFor();
    assert.deepEqual(trainee.errors, []);
    await trainee.context.close();
    await expert.context.close();
  });

  test("the lead sees the trainee's rolling accuracy and cohort row change after the submission", async () => {
    const { page, context, errors } = await pageAs("lead");
    const after = await cohortRow(page);
    assert.notDeepEqual(after, world.cohortBefore);
    assert.equal(world.cohortBefore[1], "—");
    assert.match(after[1], /^100% \(\d+%–100%, n = 1\)$/);
    assert.equal(after[5], "1");
    // Messages go to trainees and experts: a lead is shown no unread count.
    assert.equal(await page.locator("#unread").count(), 0);
    assert.match(await page.locator("#who").innerText(), /^Signed in as Demo lead\s+lead\s+Sign out$/);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("an expert files a reference read from the reading page, marking the lesion and filling the sector map; the trainee's result shows it", async () => {
    const { page, context, errors } = await pageAs("expert");
    // From the review queue's list of the bank's cases to the case's reference-read page.
    await page.getByRole("heading", { name: "Review queue" }).waitFor();
    await page.locator("summary", { hasText: /^Cases in the bank \(\d+\)$/ }).click();
    await page.getByRole("link", { name: `File a reference read of ${world.title}`, exact: true }).click();
    await page.getByRole("heading", { name: `Reference read: ${world.title}` }).waitFor();
    assert.equal(new URL(page.url()).pathname, `/cases/${world.caseId}/reference-read`);
    assert.match(await page.locator(".clinical").innerText(), /Age[\s\S]+PSA[\s\S]+Indication/);
    await imagesLoaded(page);

    const { shown, target } = await markInViewer(page, world.lesion.centre_lps_mm);
    const lesion = page.locator("fieldset.lesion");
    await lesion.getByText(/^Marker 1: /).waitFor();
    assert.equal(await lesion.count(), 1);
    await fillLesion(lesion, { sectors: world.lesion.sectors, t2w: 4, dwi: 4, dce: "positive", size: 11, epe: false, category: 4 });
    await page.getByLabel("Comment").fill("Reference: a PI-RADS 4 lesion of the posterior-medial PZ.");
    await page.getByRole("button", { name: "File reference read…" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "File reference read" }).click();
    await page.getByText(/^Reference read filed at /).waitFor();

    // What was filed is the report the page was given: the sectors, and the marker's point.
    const reads = await (await context.request.get(`${server.url}/api/cases/${world.caseId}/reference-reads`)).json();
    assert.equal(reads.length, 1);
    const [read] = reads;
    assert.equal(read.expert_name, "Demo expert");
    assert.equal(read.overall_category, 4);
    assert.deepEqual(read.report.lesions.map((l) => [l.sectors, l.category, l.size_mm]), [[world.lesion.sectors, 4, 11]]);
    assert.equal(read.report.lesions[0].point.series_uid, shown);
    assert.equal(read.report.lesions[0].point.slice, target.slice);
    // Reopened, the page says it is filed and shows the read with its marker, to be replaced.
    await page.reload();
    await page.getByText(/^You filed a reference read on .+; filing again replaces it\.$/).waitFor();
    await imagesLoaded(page);
    assert.equal(await markerCount(page), 1);
    assert.deepEqual(await page.locator("fieldset.lesion [aria-checked=true]").evaluateAll((nodes) => nodes.map((n) => n.dataset.sector)), world.lesion.sectors);
    assert.deepEqual(errors, []);
    await context.close();

    // The trainee, who has submitted a read of the case, sees the expert's read with their result.
    const trainee = await pageAs("trainee", `/attempts/${world.attemptId}`);
    await trainee.page.getByRole("heading", { name: `Your result: ${world.title}` }).waitFor();
    const shownRead = await trainee.page.getByRole("region", { name: "Expert reference reads" }).innerText();
    assert.match(shownRead, /Demo expert: overall PI-RADS 4 \(/);
    assert.match(shownRead, new RegExp(`Lesion 1: ${escape(world.lesion.sectors.join(", "))}; T2W 4, DWI 4, DCE positive, 11 mm, category 4`));
    assert.match(shownRead, /Reference: a PI-RADS 4 lesion of the posterior-medial PZ\./);
    assert.doesNotMatch(shownRead, /No expert has filed/);
    assert.deepEqual(trainee.errors, []);
    await trainee.context.close();
  });

  test("a trainee gets nothing of another trainee's attempt, nor a case's truth before submitting", async () => {
    const admin = await apiAs(browser, server.url, "admin");
    await admin.post("/users", { username: "other-resident", display_name: "Other resident", password: "a long password", roles: ["trainee"] });
    await admin.close();
    const other = await openApp(browser, server.url);
    await signInThroughForm(other.page, "other-resident", "a long password");
    await other.page.goto(`${server.url}/attempts/${world.attemptId}`);
    await other.page.getByRole("heading", { name: "Not yours to see" }).waitFor();
    assert.doesNotMatch(await other.page.locator("main").innerText(), /ISUP|Hit|feedback/i);
    const api = await other.context.request.get(`${server.url}/api/attempts/${world.attemptId}`);
    assert.equal(api.status(), 403);
    assert.doesNotMatch(await api.text(), /isup|lesions/);
    await other.context.close();

    // The demo trainee, reading another case: the page and the API keep its truth back.
    const next = world.cases.find((c) => c.case_id !== world.caseId);
    const { page, context } = await pageAs("trainee", `/read/${next.case_id}`);
    await page.getByRole("heading", { name: `Reading: ${next.title}` }).waitFor();
    const attempt = (await (await context.request.get(`${server.url}/api/attempts`)).json()).find((a) => a.case_id === next.case_id);
    assert.equal(attempt.submitted_at, null);
    await page.goto(`${server.url}/attempts/${attempt.id}`);
    await page.getByText("This read is not submitted yet").waitFor();
    assert.doesNotMatch(await page.locator("main").innerText(), /ISUP|true lesion/i);
    for (const path of [`/api/cases/${next.case_id}/truth`, `/api/cases/${next.case_id}/reference-reads`]) {
      const response = await context.request.get(`${server.url}${path}`);
      assert.equal(response.status(), 403, path);
      assert.doesNotMatch(await response.text(), /isup/);
    }
    const detail = await (await context.request.get(`${server.url}/api/attempts/${attempt.id}`)).json();
    assert.equal(detail.result, null);
    await context.close();
  });

  test("the report can be filled, saved and resumed by keyboard alone at tablet width", async () => {
    const { page, context, errors } = await pageAs("trainee", "/", { width: 768, height: 1024 });
    const next = world.cases.filter((c) => c.case_id !== world.caseId)[1];
    const link = page.getByRole("link", { name: `Read ${next.title}`, exact: true });
    await link.focus();
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: `Reading: ${next.title}` }).waitFor();
    const add = page.getByRole("button", { name: "Add a lesion without a marker" });
    await add.focus();
    await page.keyboard.press("Enter");
    // From the lesion's heading, Tab reaches the sector map (one stop), the arrows walk it.
    await page.getByRole("group", { name: "Sectors of lesion 1" }).waitFor();
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement.dataset.sector), "base-right-PZa");
    await page.keyboard.press("ArrowRight");
    await page.keyboard.press("Space");
    assert.equal(await page.locator("[data-sector='base-right-PZpm']").getAttribute("aria-checked"), "true");
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement.name), "lesions[0].t2w_score");
    await page.keyboard.press("3");
    await page.keyboard.press("Tab");
    await page.keyboard.press("4");
    for (let i = 0; i < 20 && (await page.evaluate(() => document.activeElement.textContent)) !== "Save draft"; i++) await page.keyboard.press("Tab");
    await page.keyboard.press("Enter");
    await page.getByText(/^Draft saved at /).waitFor();
    // Nothing in the layout is wider than the tablet's screen.
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), "no sideways scrolling");
    await page.reload();
    await page.getByText("Your saved draft is restored.").waitFor();
    assert.equal(await page.locator("[data-sector='base-right-PZpm']").getAttribute("aria-checked"), "true");
    assert.equal(await page.locator("[name='lesions[0].t2w_score']").inputValue(), "3");
    assert.equal(await page.locator("[name='lesions[0].dwi_score']").inputValue(), "4");
    assert.deepEqual(errors, []);
    await context.close();
  });
});

describe("the user's shortcuts", () => {
  test("keys remapped and saved to the account work on the reading page", async () => {
    const trainee = await apiAs(browser, server.url, "trainee");
    // A case no other test reads.
    const unread = world.cases.filter((c) => c.case_id !== world.caseId)[2];
    const { page, context, errors } = await pageAs("trainee", `/read/${unread.case_id}`);
    try {
      await imagesLoaded(page);
      const viewer = () => document.querySelector(".viewer-canvas").readroomViewer;
      const keymap = await page.evaluate(`(${viewer})().keymap()`);
      keymap.keys.j = "next_slice";
      await trainee.put("/preferences", { viewer_keymap: keymap });
      await page.reload();
      await imagesLoaded(page);
      assert.equal(await page.evaluate(`(${viewer})().keymap().keys.j`), "next_slice");
      await page.locator(".viewer-canvas").focus();
      const slice = () => page.evaluate(`(${viewer})().viewports()[0].slice`);
      const before = await slice();
      await page.keyboard.press("j");
      assert.equal(await slice(), before + 1, "the saved key does not move to the next slice");
      assert.deepEqual(errors, []);
    } finally {
      await trainee.put("/preferences", { viewer_keymap: null });
      await trainee.close();
      await context.close();
    }
  });
});

describe("every new page", () => {
  const pages = [
    ["trainee-reading", "trainee", () => `/read/${world.cases.find((c) => c.case_id !== world.caseId).case_id}`],
    ["trainee-result", "trainee", () => `/attempts/${world.attemptId}`],
    ["expert-review-queue", "expert", "/review"],
    ["expert-review", "expert", () => `/attempts/${world.attemptId}`],
    ["expert-reference-read", "expert", () => `/cases/${world.caseId}/reference-read`],
  ];
  for (const [name, user, where] of pages) {
    test(`${name} has no serious or critical accessibility violation, on a desktop and a phone`, async () => {
      for (const [suffix, viewport] of SCREENS) {
        const { page, context, errors } = await pageAs(user, typeof where === "function" ? where() : where, viewport);
        await auditPage(page, errors, `${name}${suffix}`);
        await context.close();
      }
    });
  }
});
