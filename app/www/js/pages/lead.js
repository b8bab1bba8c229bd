// Programmes as leads build and follow them: the list (and a new programme), one programme's
// figures, trainee table, cohorts, members, case sets and assignments (with the forms that
// create them, for its leads), and a cohort's dashboard. Experts of a programme and admins
// see the same figures without the forms. Every form posts to the API and shows its
// per-field messages beside the controls.

import { api, ApiError, seg } from "../api.js";
import { checkbox, field, fieldset, fmt, h, holds, onSubmit, table } from "../dom.js";
import { render } from "../router.js";
import { linePlot } from "../plots.js";
import { sectorHeatMap } from "../sectors.js";
import { me } from "../session.js";

export async function programmesPage() {
  const user = me();
  const programmes = await api.get("/programmes");
  const node = h("div", {},
    h("h1", { tabindex: -1 }, "Programmes"),
    programmes.length === 0 ? h("p", { class: "muted" }, holds(user, "lead") ? "You lead no programme yet: create one below." : "You take part in no programme yet.") : null,
    h("ul", { class: "case-list" }, programmes.map((/** @type {any} */ p) => h("li", {},
      h("a", { href: `/programmes/${seg(p.id)}` }, p.name),
      h("span", { class: "muted small" }, `since ${fmt.date(p.created_at)}`)))),
    holds(user, "lead") ? newProgrammeForm() : null);
  return { title: "Programmes", node };
}

function newProgrammeForm() {
  const form = /** @type {HTMLFormElement} */ (h("form", { class: "stack", novalidate: true },
    field("Name", h("input", { name: "name", autocomplete: "off" }), "For example: Prostate MRI fellowship 2026"),
    h("div", {}, h("button", { type: "submit" }, "Create programme"))));
  onSubmit(form, async (data) => {
    const programme = await api.post("/programmes", { name: String(data.get("name") ?? "") });
    history.pushState(null, "", `/programmes/${seg(programme.id)}`);
    await render();
    return `Programme ${programme.name} created`;
  });
  return h("section", { class: "panel", "aria-labelledby": "new-programme-h" }, h("h2", { id: "new-programme-h" }, "New programme"), form);
}

/** "1 trainee", "6 trainees". */
const count = (/** @type {number} */ n, /** @type {string} */ one, /** @type {string} */ many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The figures a group's dashboard shows above its table. */
function groupFigures(/** @type {any} */ d) {
  const f = d.figures;
  const t = d.feedback_turnaround;
  // The turnaround is kept per programme (feedback_waits): a cohort's page shows its programme's.
  const whole = d.cohort ? " (the whole programme)" : "";
  const card = (/** @type {string} */ label, /** @type {string} */ value, /** @type {string} */ detail) =>
    h("div", { class: "card figure-card" }, h("h3", {}, label), h("p", { class: "value" }, value), h("p", { class: "muted small" }, detail));
  return h("section", { "aria-labelledby": `figures-h` },
    h("h2", { id: "figures-h" }, "Group figures"),
    h("div", { class: "cards" },
      card("Accuracy", f.accuracy.n ? fmt.percent(f.accuracy.value) : "—", `${fmt.proportion(f.accuracy)} · ${count(f.trainees, "trainee")}, ${count(f.first_reads, "first read")}`),
      card("Sensitivity (PI-RADS ≥ 3)", f.at_category_3.sensitivity.n ? fmt.percent(f.at_category_3.sensitivity.value) : "—", fmt.proportion(f.at_category_3.sensitivity)),
      card("Specificity (PI-RADS ≥ 3)", f.at_category_3.specificity.n ? fmt.percent(f.at_category_3.specificity.value) : "—", fmt.proportion(f.at_category_3.specificity)),
      card("Lesion detection", f.lesion_detection.n ? fmt.percent(f.lesion_detection.value) : "—", `${fmt.proportion(f.lesion_detection)} · ${fmt.number(f.false_positives_per_case)} false positives per case`),
      card("AUROC", fmt.number(f.auroc), "overall category against case positivity"),
      card("Mean reading time", fmt.duration(f.mean_reading_ms), "per first read"),
      card(`Feedback turnaround${whole}`, t.n ? fmt.duration(t.median_ms) : "—", t.n ? `median; 90th percentile ${fmt.duration(t.p90_ms)}; ${count(t.n, "read")} with feedback` : "no feedback given yet")));
}

/** The trainee table: each trainee's rolling 20/50, sensitivity, specificity, cases read, last activity. */
function traineeTable(/** @type {any[]} */ rows, /** @type {string} */ caption, /** @type {string} */ programmeId) {
  const ci = (/** @type {any} */ p) => (p.n ? `${fmt.percent(p.value)} (${fmt.percent(p.low)}–${fmt.percent(p.high)}, n = ${p.n})` : "—");
  return [h("p", { class: "muted" }, "A trainee's name opens their progress: rolling accuracy and learning curve as plots, sensitivity and specificity, misses by sector, reading time."), table({
    caption,
    rows,
    empty: "No trainee in this group yet.",
    columns: [
      { label: "Trainee", value: (r) => r.display_name, cell: (r) => h("a", { href: `/trainees/${seg(r.trainee_id)}/progress?programme=${seg(programmeId)}` }, r.display_name) },
      { label: "Last 20", numeric: true, value: (r) => r.rolling.last_20.value, cell: (r) => ci(r.rolling.last_20) },
      { label: "Last 50", numeric: true, value: (r) => r.rolling.last_50.value, cell: (r) => ci(r.rolling.last_50) },
      { label: "Sensitivity", numeric: true, value: (r) => r.sensitivity.value, cell: (r) => ci(r.sensitivity) },
      { label: "Specificity", numeric: true, value: (r) => r.specificity.value, cell: (r) => ci(r.specificity) },
      { label: "Cases read", numeric: true, value: (r) => r.cases_read },
      { label: "Last activity", value: (r) => r.last_activity, cell: (r) => fmt.dateTime(r.last_activity) },
      { label: "Record", sortable: false, value: () => null, cell: (r) => h("a", { href: `/trainees/${seg(r.trainee_id)}/record`, "aria-label": `Training record of ${r.display_name}` }, "Record") },
    ],
  })];
}

const WEEK_MS = 7 * 24 * 60 * 60 * 1000;
// The trend's weeks start on Monday 00:00 UTC: shown in UTC, so that a week never seems to
// start on a Sunday.
const weekFormat = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short", timeZone: "UTC" });
const weekLongFormat = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
const PERCENT_TICKS = [0, 0.25, 0.5, 0.75, 1];

/** The group's accuracy week by week, with its 95% intervals as a band, and its reads per
 * week: two plots, each with its text alternative, and the numbers as a table. */
function trendSection(/** @type {any[]} */ trend) {
  const heading = h("h2", { id: "trend-h" }, "Trend by week");
  if (trend.length === 0) {
    return h("section", { class: "panel", "aria-labelledby": "trend-h" }, heading,
      h("p", { class: "muted" }, "No first reads in the last 26 weeks yet: the trend appears once a trainee of the group submits a first read."));
  }
  const first = trend[0].start;
  // Week 1 is the first week with a read; weeks without one keep their place on the axis.
  const week = (/** @type {any} */ p) => Math.round((p.start - first) / WEEK_MS) + 1;
  const label = (/** @type {number} */ x) => weekFormat.format(new Date(first + (x - 1) * WEEK_MS));
  const reads = trend.reduce((sum, p) => sum + p.reads, 0);
  const last = trend[trend.length - 1];
  const latest = `Latest week (from ${weekLongFormat.format(new Date(last.start))}): ${fmt.proportion(last.accuracy)}, ${count(last.trainees, "trainee")} reading.`;
  const most = Math.max(...trend.map((p) => p.reads));
  const step = Math.max(1, Math.ceil(most / 4));
  const readTicks = [0, 1, 2, 3, 4].map((i) => i * step);
  return h("section", { class: "panel", "aria-labelledby": "trend-h" }, heading,
    h("p", { class: "muted" }, "The group's scored first reads, counted by the week (from Monday, UTC) they were submitted, over the last 26 weeks; weeks without a read are left out."),
    h("div", { class: "grid2" },
      linePlot({
        title: "The group's accuracy by week",
        summary: `${count(reads, "first read")} in ${count(trend.length, "week")} with reads. ${latest} Shaded, with whiskers: 95% Wilson intervals.`,
        xLabel: "Week starting",
        xFormat: label,
        yMin: 0, yMax: 1, yTicks: PERCENT_TICKS, yFormat: (y) => `${Math.round(y * 100)}%`,
        lines: [{
          label: "Accuracy (band and whiskers: 95% CI)", color: "#6cb8fa", dots: true, whiskers: true,
          points: trend.map((p) => /** @type {[number, number]} */ ([week(p), p.accuracy.value])),
          band: trend.map((p) => /** @type {[number, number, number]} */ ([week(p), p.accuracy.low, p.accuracy.high])),
          bandColor: "rgba(108,184,250,.2)",
        }],
      }),
      linePlot({
        title: "The group's first reads by week",
        summary: `${count(reads, "first read")} in ${count(trend.length, "week")} with reads; at most ${most} in a week.`,
        xLabel: "Week starting",
        xFormat: label,
        yMin: 0, yMax: readTicks[4], yTicks: readTicks, yFormat: String,
        lines: [{ label: "First reads", color: "#ffd479", dots: true, points: trend.map((p) => /** @type {[number, number]} */ ([week(p), p.reads])) }],
      })),
    table({
      caption: "The group's first reads by week",
      rows: trend,
      columns: [
        { label: "Week starting", value: (p) => p.start, cell: (p) => weekLongFormat.format(new Date(p.start)) },
        { label: "First reads", numeric: true, value: (p) => p.reads },
        { label: "Correct", numeric: true, value: (p) => p.correct },
        { label: "Accuracy (95% CI)", numeric: true, value: (p) => p.accuracy.value, cell: (p) => fmt.proportion(p.accuracy) },
        { label: "Trainees reading", numeric: true, value: (p) => p.trainees },
      ],
    }));
}

function misses(/** @type {any} */ d) {
  return h("section", { class: "panel", "aria-labelledby": "misses-h" },
    h("h2", { id: "misses-h" }, "Where misses cluster"),
    sectorHeatMap({ values: Object.fromEntries(d.misses_by_sector), title: "The group's missed lesions by sector", unit: "misses" }));
}

export async function programmePage(/** @type {string} */ id) {
  const user = me();
  const [programme, dashboard, trend] = await Promise.all([
    api.get(`/programmes/${seg(id)}`), api.get(`/programmes/${seg(id)}/dashboard`), api.get(`/programmes/${seg(id)}/trend`)]);
  const leads = programme.members.some((/** @type {any} */ m) => m.user_id === user.id && m.role === "lead");
  const [users, cases] = leads ? await Promise.all([api.get("/users"), api.get("/cases")]) : [[], []];
  const caseTitle = new Map(cases.map((/** @type {any} */ c) => [c.id, c.title]));
  const names = new Map(programme.members.map((/** @type {any} */ m) => [m.user_id, m.display_name]));
  const trainees = programme.members.filter((/** @type {any} */ m) => m.role === "trainee");
  const base = `/api/programmes/${seg(id)}/export`;
  const node = h("div", {},
    h("h1", { tabindex: -1 }, programme.name),
    h("p", { class: "muted" }, leads ? "You lead this programme." : "You follow this programme."),
    groupFigures(dashboard),
    h("section", { "aria-labelledby": "trainees-h" },
      h("h2", { id: "trainees-h" }, "Trainees"),
      traineeTable(dashboard.rows, "Every trainee of the programme: select a column heading to sort", id),
      h("p", {}, "Export as CSV: ",
        h("a", { href: `${base}/trainees.csv`, download: "trainees.csv" }, "trainees' figures"), " · ",
        h("a", { href: `${base}/attempts.csv`, download: "attempts.csv" }, "every submitted read"))),
    trendSection(trend),
    misses(dashboard),
    h("section", { "aria-labelledby": "cohorts-h" },
      h("h2", { id: "cohorts-h" }, "Cohorts"),
      table({
        caption: "Cohorts of the programme",
        rows: programme.cohorts,
        empty: "No cohort yet.",
        columns: [
          { label: "Cohort", value: (c) => c.name, cell: (c) => h("a", { href: `/cohorts/${seg(c.id)}` }, c.name) },
          { label: "Trainees", numeric: true, value: (c) => c.members.length },
          { label: "Members", sortable: false, value: (c) => c.members.map((/** @type {string} */ m) => names.get(m) ?? m).join(", ") },
        ],
      }),
      leads ? h("div", { class: "grid2" }, cohortForm(id), cohortMemberForm(programme.cohorts, trainees)) : null),
    h("section", { "aria-labelledby": "members-h" },
      h("h2", { id: "members-h" }, "Members"),
      table({
        caption: "Who takes part, and as what",
        rows: programme.members,
        columns: [
          { label: "Name", value: (m) => m.display_name },
          { label: "Username", value: (m) => m.username },
          { label: "Role", value: (m) => m.role },
        ],
      }),
      leads ? enrolForm(id, users) : null),
    h("section", { "aria-labelledby": "sets-h" },
      h("h2", { id: "sets-h" }, "Case sets"),
      table({
        caption: "Case sets, in reading order",
        rows: programme.case_sets,
        empty: "No case set yet.",
        columns: [
          { label: "Case set", value: (s) => s.name },
          { label: "Cases", numeric: true, value: (s) => s.case_ids.length },
          { label: "First cases", sortable: false, value: (s) => s.case_ids.slice(0, 3).map((/** @type {string} */ c) => caseTitle.get(c) ?? c).join("; ") + (s.case_ids.length > 3 ? "; …" : "") },
        ],
      }),
      leads ? caseSetForm(id, cases) : null),
    h("section", { "aria-labelledby": "assignments-h" },
      h("h2", { id: "assignments-h" }, "Assignments"),
      table({
        caption: "Case sets given to cohorts, with their dates",
        rows: programme.assignments,
        empty: "Nothing assigned yet.",
        columns: [
          { label: "Case set", value: (a) => a.case_set_name },
          { label: "Cohort", value: (a) => a.cohort_name },
          { label: "Opens", value: (a) => a.opens_at, cell: (a) => fmt.date(a.opens_at) },
          { label: "Due", value: (a) => a.due_at, cell: (a) => fmt.date(a.due_at) },
        ],
      }),
      leads ? assignmentForm(id, programme.case_sets, programme.cohorts) : null));
  return { title: programme.name, node };
}

/** A form in a panel that re-draws the page once the API has taken it. */
function panelForm(/** @type {string} */ heading, /** @type {Node[]} */ controls, /** @type {string} */ button, /** @type {(data: FormData) => Promise<string>} */ action) {
  const form = /** @type {HTMLFormElement} */ (h("form", { class: "stack", novalidate: true }, controls, h("div", {}, h("button", { type: "submit" }, button))));
  onSubmit(form, async (data) => {
    const message = await action(data);
    await render();
    return message;
  });
  return h("section", { class: "panel" }, h("h3", {}, heading), form);
}

const options = (/** @type {{ value: string, label: string }[]} */ items, /** @type {string} */ placeholder) =>
  [h("option", { value: "" }, placeholder), ...items.map(({ value, label }) => h("option", { value }, label))];

function cohortForm(/** @type {string} */ programmeId) {
  return panelForm("New cohort", [field("Cohort name", h("input", { name: "name", autocomplete: "off" }))], "Create cohort", async (data) => {
    const cohort = await api.post(`/programmes/${seg(programmeId)}/cohorts`, { name: String(data.get("name") ?? "") });
    return `Cohort ${cohort.name} created`;
  });
}

function cohortMemberForm(/** @type {any[]} */ cohorts, /** @type {any[]} */ trainees) {
  return panelForm("Add a trainee to a cohort", [
    field("Cohort", h("select", { name: "cohort_id" }, options(cohorts.map((c) => ({ value: c.id, label: c.name })), "Choose a cohort"))),
    field("Trainee", h("select", { name: "user_id" }, options(trainees.map((t) => ({ value: t.user_id, label: `${t.display_name} (${t.username})` })), "Choose a trainee")),
      "Enrol a person as a trainee of the programme first."),
  ], "Add to cohort", async (data) => {
    const cohortId = String(data.get("cohort_id") ?? "");
    if (!cohortId) throw invalid("cohort_id", "choose a cohort");
    const cohort = await api.post(`/cohorts/${seg(cohortId)}/members`, { user_id: String(data.get("user_id") ?? "") });
    return `Added to ${cohort.name}`;
  });
}

function enrolForm(/** @type {string} */ programmeId, /** @type {any[]} */ users) {
  return panelForm("Enrol a person", [
    field("Person", h("select", { name: "user_id" }, options(users.filter((u) => !u.disabled).map((u) => ({ value: u.id, label: `${u.display_name} (${u.username})` })), "Choose a person"))),
    field("As", h("select", { name: "role" }, options([{ value: "trainee", label: "Trainee" }, { value: "expert", label: "Expert reviewer" }, { value: "lead", label: "Lead" }], "Choose a role"))),
  ], "Enrol", async (data) => {
    const role = String(data.get("role") ?? "");
    if (!role) throw invalid("role", "choose a role");
    await api.post(`/programmes/${seg(programmeId)}/members`, { user_id: String(data.get("user_id") ?? ""), role });
    return "Enrolled";
  });
}

function caseSetForm(/** @type {string} */ programmeId, /** @type {any[]} */ cases) {
  const all = h("button", { type: "button", class: "secondary" }, "Select every case");
  const picks = fieldset(`Cases (${cases.length} in the bank)`, "case_ids",
    cases.map((c) => checkbox("case_ids", c.id, c.synthetic ? `${c.title} (synthetic)` : c.title)));
  picks.querySelector(".checks")?.classList.add("case-picks");
  all.addEventListener("click", () => {
    const boxes = /** @type {NodeListOf<HTMLInputElement>} */ (picks.querySelectorAll("input[type=checkbox]"));
    const every = [...boxes].every((b) => b.checked);
    for (const box of boxes) box.checked = !every;
    all.textContent = every ? "Select every case" : "Clear the selection";
  });
  return panelForm("New case set", [field("Name", h("input", { name: "name", autocomplete: "off" })), all, picks], "Create case set", async (data) => {
    const set = await api.post(`/programmes/${seg(programmeId)}/case-sets`, {
      name: String(data.get("name") ?? ""),
      case_ids: data.getAll("case_ids").map(String),
    });
    return `Case set ${set.name} created with ${set.case_ids.length} cases`;
  });
}

function assignmentForm(/** @type {string} */ programmeId, /** @type {any[]} */ sets, /** @type {any[]} */ cohorts) {
  const today = new Date().toISOString().slice(0, 10);
  return panelForm("Assign a case set", [
    field("Case set", h("select", { name: "case_set_id" }, options(sets.map((s) => ({ value: s.id, label: `${s.name} (${s.case_ids.length} cases)` })), "Choose a case set"))),
    field("Cohort", h("select", { name: "cohort_id" }, options(cohorts.map((c) => ({ value: c.id, label: c.name })), "Choose a cohort"))),
    field("Opens on", h("input", { name: "opens_at", type: "date", value: today }), "Readable from the start of this day"),
    field("Due on", h("input", { name: "due_at", type: "date" }), "Due at the end of this day"),
  ], "Assign", async (data) => {
    const opens = String(data.get("opens_at") ?? "");
    const due = String(data.get("due_at") ?? "");
    const fields = {};
    if (!opens) Object.assign(fields, { opens_at: "choose the day it opens" });
    if (!due) Object.assign(fields, { due_at: "choose the day it is due" });
    if (Object.keys(fields).length) throw invalidFields(fields);
    await api.post(`/programmes/${seg(programmeId)}/assignments`, {
      case_set_id: String(data.get("case_set_id") ?? ""),
      cohort_id: String(data.get("cohort_id") ?? ""),
      opens_at: new Date(`${opens}T00:00:00`).getTime(),
      due_at: new Date(`${due}T23:59:59.999`).getTime(),
    });
    return "Case set assigned";
  });
}


/** A message for one field found wrong before asking the server (a choice not made). */
const invalid = (/** @type {string} */ name, /** @type {string} */ message) => invalidFields({ [name]: message });
const invalidFields = (/** @type {Record<string, string>} */ fields) =>
  new ApiError(422, { code: "invalid", message: Object.entries(fields).map(([k, v]) => `${k}: ${v}`).join("; "), fields });

export async function cohortPage(/** @type {string} */ id) {
  const [dashboard, trend] = await Promise.all([api.get(`/cohorts/${seg(id)}/dashboard`), api.get(`/cohorts/${seg(id)}/trend`)]);
  const [, name] = dashboard.cohort ?? [id, "Cohort"];
  const node = h("div", {},
    h("p", { class: "no-print" }, h("a", { href: `/programmes/${seg(dashboard.programme_id)}` }, "Back to the programme")),
    h("h1", { tabindex: -1 }, `Cohort: ${name}`),
    groupFigures(dashboard),
    h("section", { "aria-labelledby": "table-h" },
      h("h2", { id: "table-h" }, "Trainees"),
      traineeTable(dashboard.rows, `Trainees of ${name}: select a column heading to sort`, dashboard.programme_id)),
    trendSection(trend),
    misses(dashboard));
  return { title: `Cohort ${name}`, node };
}
