// The web application in headless Chromium against a server on the demo bank: signing in and
// its refusals, changing one's password, the trainee's home and progress, the lead's
// dashboards, forms and exports and the printable record, the admin pages, and an axe-core
// audit and a screenshot of every page.
// The figures the pages show come from real submissions made through the API beforehand.

import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

import { SCREENS, apiAs, auditPage, correctReport, openApp, screenshot, signInThroughForm, startApp, wrongReport } from "./harness.mjs";

const { server, browser, pageAs } = await startApp();

/** What the trainee read before the tests look: 4 cases right, then 2 wrong, and feedback on the first. */
const world = {};
before(async () => {
  const trainee = await apiAs(browser, server.url, "trainee");
  const expert = await apiAs(browser, server.url, "expert");
  const [assignment] = await trainee.get("/assignments");
  world.caseIds = assignment.cases.map((c) => c.case_id);
  world.attempts = [];
  for (const [index, caseId] of world.caseIds.slice(0, 6).entries()) {
    const truth = await expert.get(`/cases/${caseId}/truth`);
    const attempt = await trainee.post("/attempts", { case_id: caseId });
    await trainee.post(`/attempts/${attempt.id}/submit`, index < 4 ? correctReport(truth) : wrongReport(truth));
    world.attempts.push(attempt.id);
  }
  await expert.post(`/attempts/${world.attempts[0]}/messages`, { kind: "feedback", body: "Well seen: the lesion is in the right posterior-medial PZ." });
  world.trainee = trainee.user;
  world.programme = (await expert.get("/programmes"))[0];
  await trainee.close();
  await expert.close();
});

describe("signing in", () => {
  test("a wrong password is refused with a clear message, and the right one signs in", async () => {
    const { page, context, errors } = await openApp(browser, server.url);
    await page.getByRole("heading", { name: "Sign in to Readroom" }).waitFor();
    await page.getByLabel("Username").fill("trainee");
    await page.getByLabel("Password").fill("not the password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await assert.doesNotReject(page.getByRole("alert").getByText("Wrong username or password.").waitFor());
    await page.getByLabel("Password").fill("demo-trainee");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Welcome, Demo trainee" }).waitFor();
    assert.match(await page.locator("#who").innerText(), /Demo trainee[\s\S]*trainee/);
    assert.deepEqual(await page.locator("#nav a").allInnerTexts(), ["Home", "My progress"]);
    // Signing out ends the session: the API refuses the old cookie.
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in to Readroom" }).waitFor();
    assert.equal((await context.request.get(`${server.url}/api/session`)).status(), 401);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("a disabled account and a throttled sign-in are each told as such", async () => {
    const admin = await apiAs(browser, server.url, "admin");
    const user = await admin.post("/users", { username: "left-early", password: "a long password", roles: ["trainee"] });
    await admin.put(`/users/${user.id}/disabled`, { disabled: true });
    await admin.close();
    const { page, context } = await openApp(browser, server.url);
    await page.getByLabel("Username").fill("left-early");
    await page.getByLabel("Password").fill("a long password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").getByText("This account is disabled.", { exact: false }).waitFor();
    // Five failures for one username pause its sign-ins (SignInLimits::default).
    for (let failure = 0; failure < 5; failure++) {
      await page.getByLabel("Username").fill("nobody-here");
      await page.getByLabel("Password").fill(`wrong ${failure}`);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByRole("alert").getByText("Wrong username or password.").waitFor();
      await page.getByRole("button", { name: "Sign in" }).waitFor({ state: "visible" });
      await page.waitForFunction(() => !document.querySelector("form button[disabled]"));
    }
    await page.getByLabel("Password").fill("wrong again");
    await page.getByRole("button", { name: "Sign in" }).click();
    const alert = page.getByRole("alert");
    await alert.getByText(/Too many failed sign-ins: try again in \d+ minutes?\./).waitFor();
    await context.close();
  });
});

describe("one's own account", () => {
  test("a person changes their password from their name in the header; the old one no longer signs in", async () => {
    const admin = await apiAs(browser, server.url, "admin");
    await admin.post("/users", { username: "renewing", display_name: "Renewing resident", password: "the first password", roles: ["trainee"] });
    await admin.close();
    const { page, context, errors } = await openApp(browser, server.url);
    await signInThroughForm(page, "renewing", "the first password");
    await page.locator("#who").getByRole("link", { name: "Renewing resident" }).click();
    await page.getByRole("heading", { name: "Your account" }).waitFor();
    const current = page.getByLabel("Current password");
    const next = page.getByLabel("New password");
    const error = async (control) => page.locator(`#${await control.getAttribute("id")}-error`).innerText();
    // A wrong current password, then a short new one: each refused beside its field.
    await current.fill("not the password");
    await next.fill("short");
    await page.getByRole("button", { name: "Change password" }).click();
    await page.locator("[name=current_password][aria-invalid=true]").waitFor();
    assert.match(await error(current), /^This is not your current password\.$/);
    await current.fill("the first password");
    await page.getByRole("button", { name: "Change password" }).click();
    await page.locator("[name=new_password][aria-invalid=true]").waitFor();
    assert.match(await error(next), /^At least 8 characters\.$/);
    await next.fill("the second password");
    await page.getByRole("button", { name: "Change password" }).click();
    await page.getByText(/^Password changed\./).waitFor();
    assert.equal(await current.inputValue(), "", "the form is cleared");
    // Signed out: the old password is refused, the new one signs in.
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("Username").fill("renewing");
    await page.getByLabel("Password").fill("the first password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").getByText("Wrong username or password.").waitFor();
    await signInThroughForm(page, "renewing", "the second password");
    assert.deepEqual(errors, []);
    await context.close();
  });
});

describe("the trainee", () => {
  test("home shows the case set with dates and progress, the rolling accuracy with n and interval, and what is new", async () => {
    const { page, context, errors } = await pageAs("trainee", "/");
    const main = page.locator("main");
    await page.getByRole("heading", { name: "The demo bank" }).waitFor();
    assert.match(await main.innerText(), /Demo cohort · opens .+ · due .+/);
    assert.equal(await page.getByLabel(/6 of 30 read/).getAttribute("value"), "6");
    const last20 = await page.locator(".figure-card", { hasText: "Last 20 cases" }).innerText();
    assert.match(last20, /67%/);
    assert.match(last20, /95% CI \d+%–\d+% · 4 of n = 6 correct \(fewer than 20 read so far\)/);
    // The case links open the reading page of that case; read ones, their result.
    const first = await page.getByRole("link", { name: /^Read / }).first().getAttribute("href");
    assert.equal(first, `/read/${world.caseIds[6]}`);
    assert.equal(await page.getByRole("link", { name: /^See the result of / }).first().getAttribute("href"), `/attempts/${world.attempts[0]}`);
    // The expert's feedback is new; marking it read lowers the unread count.
    assert.match(await page.locator("#unread").innerText(), /^1 unread message/);
    const news = page.locator("#new");
    assert.match(await news.innerText(), /Well seen: the lesion is in the right posterior-medial PZ\./);
    await news.getByRole("button", { name: "Mark as read" }).click();
    await page.locator("#unread", { hasText: /^0 unread messages/ }).waitFor();
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("progress draws the rolling accuracy with bands, the CUSUM with its limits, the sector map and reading time", async () => {
    const { page, context, errors } = await pageAs("trainee", "/progress");
    const analytics = await (await context.request.get(`${server.url}/api/trainees/${world.trainee.id}/analytics`)).json();
    await page.getByRole("heading", { name: "Rolling accuracy over time" }).waitFor();
    const rolling = page.getByRole("img", { name: /Rolling accuracy after each first read/ });
    assert.equal(await rolling.locator("polygon").count(), 2, "one interval band per window");
    assert.match(await rolling.getAttribute("aria-labelledby") ? await rolling.locator("desc").textContent() : "", /After 6 first reads: last 20 67%/);
    const cusum = page.getByRole("img", { name: /CUSUM of wrong reads/ });
    assert.equal(await cusum.locator("line.limit").count(), 2);
    const last = analytics.cusum.values.at(-1).toFixed(2);
    assert.match(await cusum.locator("desc").textContent(), new RegExp(`Now at ${last.replace(".", "\\.")}`));
    const map = page.getByRole("img", { name: /Missed lesions by sector/ });
    assert.equal(await map.locator("[data-sector]").count(), 41);
    for (const [sector, misses] of Object.entries(analytics.misses_by_sector)) {
      assert.equal(await map.locator(`[data-sector="${sector}"]`).getAttribute("data-count"), String(misses), sector);
    }
    assert.equal(await page.getByRole("img", { name: /Minutes from opening a case/ }).locator("circle").count(), 6);
    assert.match(await page.locator("main").innerText(), /Sensitivity and specificity/);
    // The trainee's own training record is one link away.
    await page.getByRole("link", { name: "Your training record" }).click();
    await page.getByRole("heading", { name: "Training record" }).waitFor();
    assert.match(await page.locator("main").innerText(), /Cases read\s+6/);
    assert.deepEqual(errors, []);
    await context.close();
  });
});

describe("the lead", () => {
  test("sees the cohort table, sorts it, exports CSV and prints a verifiable training record", async () => {
    const { page, context, errors } = await pageAs("lead", "/");
    await page.getByRole("heading", { name: "Programmes" }).waitFor();
    await page.getByRole("link", { name: world.programme.name }).click();
    await page.getByRole("heading", { name: world.programme.name, level: 1 }).waitFor();
    const table = page.getByRole("table", { name: /Every trainee of the programme/ });
    const row = table.getByRole("row", { name: /Demo trainee/ });
    const cells = await row.getByRole("cell").allInnerTexts();
    assert.match(cells[1], /^67% \(\d+%–\d+%, n = 6\)$/);
    assert.equal(cells[5], "6");
    await table.getByRole("button", { name: "Cases read" }).click();
    assert.equal(await table.locator("th", { hasText: "Cases read" }).getAttribute("aria-sort"), "ascending");

    // The CSV the link gives holds the same figures.
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "trainees' figures" }).click()]);
    const csv = await (await import("node:fs/promises")).readFile(await download.path(), "utf8");
    const [header, line] = csv.trim().split("\n");
    const record = Object.fromEntries(header.split(",").map((name, i) => [name, line.split(",")[i]]));
    assert.equal(record.username, "trainee");
    assert.equal(record.cases_read, "6");
    assert.equal(record.last_20_correct, "4");
    assert.equal(record.last_20_n, "6");

    // The group's trend: accuracy with its band and reads per week, as plots and as numbers.
    const trend = page.getByRole("region", { name: "Trend by week" });
    const accuracyPlot = trend.getByRole("img", { name: /The group's accuracy by week/ });
    await accuracyPlot.waitFor();
    assert.match(await accuracyPlot.getAttribute("aria-labelledby") ?? "", /\S+ \S+/);
    assert.match(await trend.locator("figcaption").first().innerText(), /^6 first reads in \d+ weeks?/);
    assert.equal(await accuracyPlot.locator("polygon").count(), 1, "the interval band");
    await trend.getByRole("img", { name: /The group's first reads by week/ }).waitFor();
    const weeks = await trend.getByRole("table", { name: "The group's first reads by week" }).locator("tbody tr").allInnerTexts();
    const counted = weeks.map((row) => Number(row.split("\t")[1]));
    assert.equal(counted.reduce((a, b) => a + b, 0), 6, weeks.join("\n"));

    // The cohort's own dashboard.
    await page.getByRole("link", { name: "Demo cohort" }).click();
    await page.getByRole("heading", { name: "Cohort: Demo cohort" }).waitFor();
    await page.getByRole("table", { name: /Trainees of Demo cohort/ }).getByRole("row", { name: /Demo trainee/ }).waitFor();
    await page.getByRole("region", { name: "Trend by week" }).getByRole("img", { name: /The group's accuracy by week/ }).waitFor();

    // The printable record, its print layout and its code.
    await page.getByRole("link", { name: "Training record of Demo trainee" }).click();
    await page.getByRole("heading", { name: "Training record" }).waitFor();
    const main = await page.locator("main").innerText();
    assert.match(main, /Cases read\s+6/);
    assert.match(main, /Accuracy of first reads \(95% CI\)\s+67%/);
    const code = await page.locator("#verification-code").innerText();
    assert.match(code, /^RR1-[0-9A-Z]+-[0-9A-F]{16}$/);
    await page.emulateMedia({ media: "print" });
    assert.equal(await page.locator("header.top").isVisible(), false, "no navigation on paper");
    assert.equal(await page.getByRole("button", { name: "Print this record" }).isVisible(), false);
    await screenshot(page, "lead-training-record-print");
    await page.emulateMedia({ media: "screen" });
    await page.getByRole("link", { name: "the verification page" }).click();
    await page.getByText(/^Valid: this code matches the training record of Demo trainee/).waitFor();
    // One changed digit and the code no longer verifies.
    const tampered = code.slice(0, -1) + (code.endsWith("0") ? "1" : "0");
    await page.getByLabel("Verification code").fill(tampered);
    await page.getByRole("button", { name: "Verify" }).click();
    await page.getByText(/^Not valid/).waitFor();
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("builds a cohort, enrols, makes a case set and assigns it, with each field's message from the API", async () => {
    const { page, context, errors } = await pageAs("lead", `/programmes/${world.programme.id}`);
    // An empty cohort name: the API's message lands beside the field.
    const cohortForm = page.locator("form", { has: page.getByLabel("Cohort name") });
    await cohortForm.getByRole("button", { name: "Create cohort" }).click();
    const name = page.getByLabel("Cohort name");
    await page.waitForFunction(() => document.querySelector("[name=name][aria-invalid=true]"));
    assert.match(await page.locator(`#${await name.getAttribute("id")}-error`).innerText(), /^Name: 1 to 200 characters\.$|^1 to 200 characters\.$/);
    await name.fill("Autumn 2026");
    await cohortForm.getByRole("button", { name: "Create cohort" }).click();
    await page.getByRole("link", { name: "Autumn 2026" }).waitFor();

    const admin = await apiAs(browser, server.url, "admin");
    await admin.post("/users", { username: "new-resident", display_name: "New resident", password: "a long password", roles: ["trainee"] });
    await admin.close();
    await page.reload();
    await page.getByLabel("Person").selectOption({ label: "New resident (new-resident)" });
    await page.getByLabel("As", { exact: true }).selectOption("trainee");
    await page.getByRole("button", { name: "Enrol" }).click();
    await page.getByRole("table", { name: "Who takes part, and as what" }).getByRole("row", { name: /New resident/ }).waitFor();

    const join = page.locator("form", { has: page.getByRole("button", { name: "Add to cohort" }) });
    await join.getByLabel("Cohort").selectOption({ label: "Autumn 2026" });
    await join.getByLabel("Trainee").selectOption({ label: "New resident (new-resident)" });
    await join.getByRole("button", { name: "Add to cohort" }).click();
    await page.getByRole("table", { name: "Cohorts of the programme" }).getByRole("row", { name: /Autumn 2026 1 New resident/ }).waitFor();

    // A case set without cases is refused with the field's message.
    const setForm = page.locator("form", { has: page.getByRole("button", { name: "Create case set" }) });
    await setForm.getByLabel("Name").fill("Three to start");
    await setForm.getByRole("button", { name: "Create case set" }).click();
    await setForm.locator("fieldset[aria-invalid=true]").waitFor();
    assert.match(await setForm.locator("fieldset .field-error").innerText(), /1 to 1000 cases/);
    for (const box of (await setForm.getByRole("checkbox").all()).slice(0, 3)) await box.check();
    await setForm.getByRole("button", { name: "Create case set" }).click();
    await page.getByRole("table", { name: "Case sets, in reading order" }).getByRole("row", { name: /Three to start 3/ }).waitFor();

    // Due before it opens: refused beside the due date; then assigned.
    const assign = page.locator("form", { has: page.getByRole("button", { name: "Assign" }) });
    await assign.getByLabel("Case set").selectOption({ label: "Three to start (3 cases)" });
    await assign.getByLabel("Cohort").selectOption({ label: "Autumn 2026" });
    await assign.getByLabel("Opens on").fill("2030-03-10");
    await assign.getByLabel("Due on").fill("2030-03-01");
    await assign.getByRole("button", { name: "Assign" }).click();
    await assign.locator("[name=due_at][aria-invalid=true]").waitFor();
    assert.match(await assign.locator(".field-error", { hasText: /./ }).first().innerText(), /after opens_at/i);
    await assign.getByLabel("Due on").fill("2030-04-30");
    await assign.getByRole("button", { name: "Assign" }).click();
    await page.getByRole("table", { name: /Case sets given to cohorts/ }).getByRole("row", { name: /Three to start Autumn 2026/ }).waitFor();
    assert.deepEqual(errors, []);
    await context.close();
  });
});

describe("the admin", () => {
  test("creates a user with field messages, changes roles, disables; sees the case bank and the audit log", async () => {
    const { page, context, errors } = await pageAs("admin", "/");
    await page.getByRole("heading", { name: "Users and roles" }).waitFor();
    const form = page.locator("form", { has: page.getByRole("button", { name: "Create user" }) });
    await form.getByLabel("Username").fill("fellow");
    await form.getByLabel("Password").fill("short");
    await form.getByRole("button", { name: "Create user" }).click();
    await form.locator("[name=password][aria-invalid=true]").waitFor();
    assert.match(await form.locator(".field-error", { hasText: /./ }).innerText(), /^At least 8 characters\.$/);
    await form.getByLabel("Display name").fill("Fellow in training");
    await form.getByLabel("Password").fill("a long enough password");
    await form.getByRole("button", { name: "Create user" }).click();
    const row = page.getByRole("row", { name: /Fellow in training/ });
    await row.waitFor();
    await row.getByRole("checkbox", { name: "expert" }).check();
    await row.getByRole("button", { name: "Save roles" }).click();
    await page.locator("#status", { hasText: "fellow now has: trainee, expert" }).waitFor();
    await row.getByRole("button", { name: "Disable fellow" }).click();
    await page.getByRole("row", { name: /Fellow in training/ }).getByText("Disabled", { exact: true }).waitFor();
    const users = await (await context.request.get(`${server.url}/api/users`)).json();
    const fellow = users.find((u) => u.username === "fellow");
    assert.deepEqual([fellow.roles, fellow.disabled], [["trainee", "expert"], true]);

    // An import from the command line beside the running server, of a file that is not DICOM:
    // the command reports the refusal (and fails), and the server keeps it for the page.
    const folder = mkdtempSync(join(tmpdir(), "readroom-import-"));
    const broken = join(folder, "broken.dcm");
    writeFileSync(broken, "This is a letter, not an image.");
    const exit = await promisify(execFile)(process.env.READROOM_BIN, ["import", "--data-dir", server.dataDir, broken])
      .then(() => 0, (error) => error.code);
    rmSync(folder, { recursive: true, force: true });
    assert.equal(exit, 1, "readroom import fails when it refuses a file");

    await page.getByRole("link", { name: "Case bank" }).click();
    await page.getByRole("heading", { name: "Case bank" }).waitFor();
    const cards = await page.locator(".figure-card").allInnerTexts();
    assert.match(cards[0], /Studies\s+30/);
    assert.match(cards[1], /Cases\s+30\s+30 synthetic/);
    assert.match(cards[2], /Lacking truth\s+0/);

    // The imports, newest first: the command's, then the demo bank's on first start.
    const runs = page.getByRole("table", { name: /^2 import runs, the newest first/ });
    const rows = runs.locator("tbody tr");
    assert.equal(await rows.count(), 2);
    const demo = await rows.nth(1).getByRole("cell").allInnerTexts();
    assert.match(demo[1], /^Finished\s/);
    assert.match(demo[2], /^the demo case bank: 30 synthetic cases \(seed \d+\)$/);
    assert.match(demo[3], /^30 studies, \d+ series, \d+ images \([\d.]+ MB\); 30 cases with truth; 0 studies already stored$/);
    assert.equal(demo[4], "0");
    const command = await rows.nth(0).getByRole("cell").allInnerTexts();
    assert.equal(command[2], broken);
    assert.match(command[3], /^0 studies, 0 series, 0 images/);
    await rows.nth(0).getByRole("button", { name: /^Show 1 refusal of the import started / }).click();
    const heading = page.getByRole("heading", { name: /^Refusals of the import started / });
    await heading.waitFor();
    assert.equal(await heading.evaluate((node) => node === document.activeElement), true, "the focus moves to the refusals");
    const refusals = await page.getByRole("table", { name: /^1 of 1 refusal/ }).locator("tbody tr").getByRole("cell").allInnerTexts();
    assert.equal(refusals[0], broken);
    assert.match(refusals[1], /^Not a DICOM Part 10 file/);
    await auditPage(page, errors, "admin-import-refusals");

    await page.getByRole("link", { name: "Audit log" }).click();
    await page.getByRole("heading", { name: "Audit log" }).waitFor();
    const log = page.getByRole("table", { name: /newest entries/ });
    await log.getByRole("row", { name: /user disable\s+fellow/ }).waitFor();
    await log.getByRole("row", { name: /role change\s+fellow: trainee, expert/ }).waitFor();
    assert.deepEqual(errors, []);
    await context.close();
  });
});

describe("every page", () => {
  const pages = [
    ["sign-in", null, "/"],
    ["trainee-home", "trainee", "/"],
    ["trainee-progress", "trainee", "/progress"],
    ["trainee-record", "trainee", () => `/trainees/${world.trainee.id}/record`],
    ["trainee-account", "trainee", "/account"],
    ["lead-programmes", "lead", "/programmes"],
    ["lead-programme", "lead", () => `/programmes/${world.programme.id}`],
    ["lead-cohort", "lead", async (api) => `/cohorts/${(await api.get(`/programmes/${world.programme.id}`)).cohorts[0].id}`],
    ["lead-trainee-progress", "lead", () => `/trainees/${world.trainee.id}/progress?programme=${world.programme.id}`],
    ["lead-verify-record", "lead", "/records/verify"],
    ["expert-programmes", "expert", "/programmes"],
    ["admin-users", "admin", "/admin/users"],
    ["admin-case-bank", "admin", "/admin/cases"],
    ["admin-audit-log", "admin", "/admin/audit"],
    ["not-found", "trainee", "/no/such/page"],
  ];
  for (const [name, user, where] of pages) {
    test(`${name} has no serious or critical accessibility violation, on a desktop and a phone`, async () => {
      for (const [suffix, viewport] of SCREENS) {
        let app;
        if (user === null) {
          app = await openApp(browser, server.url, viewport);
          await app.page.getByRole("heading", { name: "Sign in to Readroom" }).waitFor();
        } else {
          const api = await apiAs(browser, server.url, user);
          const path = typeof where === "function" ? await where(api) : where;
          await api.close();
          app = await pageAs(user, path, viewport);
        }
        await auditPage(app.page, app.errors, `${name}${suffix}`);
        await app.context.close();
      }
    });
  }
});
