// Administration: users and their roles (create, change roles, disable), the case bank
// (studies, the cases made of them, which studies still lack truth, and each import with its
// refusals), and the audit log.

import { api, seg } from "../api.js";
import { announce, checkbox, field, fieldset, fmt, h, loading, onSubmit, sentence, showErrors, table } from "../dom.js";
import { render } from "../router.js";
import { me } from "../session.js";

const ROLES = ["trainee", "expert", "lead", "admin"];

export async function usersPage() {
  const users = await api.get("/users");
  const self = me();
  const node = h("div", {},
    h("h1", { tabindex: -1 }, "Users and roles"),
    table({
      caption: `${users.length} accounts`,
      rows: users,
      columns: [
        { label: "Name", value: (u) => u.display_name },
        { label: "Username", value: (u) => u.username },
        { label: "Roles", value: (u) => u.roles.join(", "), cell: (u) => rolesForm(u, u.id === self.id) },
        { label: "Status", value: (u) => (u.disabled ? "disabled" : "active"), cell: (u) => disableButton(u, u.id === self.id) },
      ],
    }),
    newUserForm());
  return { title: "Users", node };
}

/** The roles of one account, as checkboxes with a Save button, in its table cell. */
function rolesForm(/** @type {any} */ user, /** @type {boolean} */ self) {
  const form = /** @type {HTMLFormElement} */ (h("form", { class: "inline", "aria-label": `Roles of ${user.username}`, novalidate: true },
    fieldset(`Roles of ${user.username}`, "roles", ROLES.map((role) => checkbox("roles", role, role, user.roles.includes(role)))),
    h("button", { type: "submit", class: "secondary" }, "Save roles")));
  onSubmit(form, async (data) => {
    const roles = data.getAll("roles").map(String);
    const saved = await api.put(`/users/${seg(user.id)}/roles`, { roles });
    return `${saved.username} now has: ${saved.roles.join(", ")}`;
  });
  if (self) form.append(h("p", { class: "muted small" }, "You cannot remove your own admin role."));
  return form;
}

function disableButton(/** @type {any} */ user, /** @type {boolean} */ self) {
  const state = h("span", { class: user.disabled ? "bad" : "good" }, user.disabled ? "Disabled" : "Active");
  if (self) return h("span", {}, state, h("span", { class: "muted small" }, " (you)"));
  const form = /** @type {HTMLFormElement} */ (h("form", { class: "inline", "aria-label": `Status of ${user.username}` },
    state,
    h("button", { type: "submit", class: user.disabled ? "secondary" : "danger" }, user.disabled ? `Enable ${user.username}` : `Disable ${user.username}`)));
  onSubmit(form, async () => {
    const saved = await api.put(`/users/${seg(user.id)}/disabled`, { disabled: !user.disabled });
    await render();
    return saved.disabled ? `${saved.username} is disabled and signed out` : `${saved.username} is enabled`;
  });
  return form;
}

function newUserForm() {
  const form = /** @type {HTMLFormElement} */ (h("form", { class: "stack", novalidate: true },
    field("Username", h("input", { name: "username", autocomplete: "off", autocapitalize: "none", spellcheck: "false" })),
    field("Display name", h("input", { name: "display_name", autocomplete: "off" }), "As others see it; the username when left empty"),
    field("Password", h("input", { name: "password", type: "password", autocomplete: "new-password" }), "Give it to the person in a safe way; they can change it"),
    fieldset("Roles", "roles", ROLES.map((role) => checkbox("roles", role, role, role === "trainee"))),
    h("div", {}, h("button", { type: "submit" }, "Create user"))));
  onSubmit(form, async (data) => {
    const displayName = String(data.get("display_name") ?? "").trim();
    const user = await api.post("/users", {
      username: String(data.get("username") ?? ""),
      display_name: displayName || undefined,
      password: String(data.get("password") ?? ""),
      roles: data.getAll("roles").map(String),
    });
    await render();
    return `User ${user.username} created`;
  });
  return h("section", { class: "panel", "aria-labelledby": "new-user-h" }, h("h2", { id: "new-user-h" }, "New user"), form);
}

export async function caseBankPage() {
  const [studies, cases, runs] = await Promise.all([api.get("/studies"), api.get("/cases"), api.get("/imports")]);
  const byId = new Map(cases.map((/** @type {any} */ c) => [c.id, c]));
  const lacking = studies.filter((/** @type {any} */ s) => !s.case_id);
  const node = h("div", {},
    h("h1", { tabindex: -1 }, "Case bank"),
    h("div", { class: "cards" },
      h("div", { class: "card figure-card" }, h("h3", {}, "Studies"), h("p", { class: "value" }, String(studies.length)), h("p", { class: "muted small" }, "imported and anonymised")),
      h("div", { class: "card figure-card" }, h("h3", {}, "Cases"), h("p", { class: "value" }, String(cases.length)), h("p", { class: "muted small" }, `${cases.filter((/** @type {any} */ c) => c.synthetic).length} synthetic`)),
      h("div", { class: "card figure-card" }, h("h3", {}, "Lacking truth"), h("p", { class: `value ${lacking.length ? "bad" : ""}` }, String(lacking.length)), h("p", { class: "muted small" }, "studies that cannot be read or assigned yet"))),
    h("p", { class: "muted" }, "Studies come in with ", h("code", {}, "readroom import"), "; a study becomes a case when its truth manifest is imported (", h("code", {}, "readroom import --truth truth.toml"), ")."),
    importsSection(runs),
    h("h2", {}, "Studies"),
    table({
      caption: "Every stored study (by its replacement UID) and its case",
      rows: studies,
      columns: [
        { label: "Study UID", value: (s) => s.uid, cell: (s) => h("code", {}, s.uid) },
        { label: "Case", value: (s) => byId.get(s.case_id)?.title ?? null, cell: (s) => (s.case_id ? byId.get(s.case_id)?.title ?? s.case_id : h("strong", { class: "bad" }, "No truth attached")) },
      ],
    }),
    h("h2", {}, "Cases"),
    table({
      caption: "Cases with their clinical context and series",
      rows: cases,
      columns: [
        { label: "Case", value: (c) => c.title, cell: (c) => h("span", {}, c.title, c.synthetic ? h("span", { class: "synthetic" }, "Synthetic") : null) },
        { label: "Age", numeric: true, value: (c) => c.clinical.age },
        { label: "PSA (ng/mL)", numeric: true, value: (c) => c.clinical.psa_ng_ml },
        { label: "Series", value: (c) => c.series.map((/** @type {any} */ s) => s.kind.toUpperCase()).join(", ") },
        { label: "View", sortable: false, value: () => null, cell: (c) => h("a", { href: `/viewer/?case=${seg(c.id)}`, "aria-label": `Open in the viewer: ${c.title}` }, "Open in the viewer") },
      ],
    }));
  return { title: "Case bank", node };
}

/** How many refusals a run's refusal list shows at a time. */
const REFUSALS_PAGE = 100;

const plural = (/** @type {number} */ n, /** @type {string} */ one, /** @type {string} */ many) => `${n} ${n === 1 ? one : many}`;

/** The import runs, newest first (a running one as running), and the refusals of the run chosen. */
function importsSection(/** @type {any[]} */ runs) {
  const refusals = h("div", { id: "import-refusals" });
  return h("section", { "aria-labelledby": "imports-h" },
    h("h2", { id: "imports-h" }, "Imports"),
    h("p", { class: "muted" }, "Each run of ", h("code", {}, "readroom import"), ", and the demo bank's import on first start: what it imported, and each file it refused with the reason."),
    table({
      caption: `${plural(runs.length, "import run", "import runs")}, the newest first`,
      rows: runs,
      empty: "No import has run yet.",
      columns: [
        { label: "Started", value: (r) => r.started_at, cell: (r) => fmt.dateTime(r.started_at) },
        { label: "Status", value: (r) => r.status, cell: runStatus },
        { label: "Sources", value: (r) => r.sources, cell: (r) => h("span", { class: "path" }, r.sources) },
        { label: "Imported", value: (r) => r.counts?.studies ?? null, cell: runCounts },
        { label: "Refused", numeric: true, value: (r) => (r.status === "finished" ? r.refused : null), cell: (r) => refusedCell(r, refusals) },
      ],
    }),
    refusals);
}

function runStatus(/** @type {any} */ run) {
  if (run.status === "running") {
    return h("span", { class: "run-status" },
      h("span", { class: "status-pill" }, "Running"),
      h("progress", { "aria-label": `The import started ${fmt.dateTime(run.started_at)} is running` }));
  }
  if (run.status === "failed") {
    return h("span", { class: "run-status" },
      h("span", { class: "status-pill bad" }, "Failed"),
      h("span", { class: "small" }, `${fmt.dateTime(run.finished_at)}: ${sentence(run.error ?? "")}`));
  }
  return h("span", { class: "run-status" },
    h("span", { class: "status-pill good" }, "Finished"),
    h("span", { class: "muted small" }, fmt.dateTime(run.finished_at)));
}

function runCounts(/** @type {any} */ run) {
  const counts = run.counts;
  if (!counts) return h("span", { class: "muted" }, run.status === "running" ? "Not yet known" : "Not known: the import failed");
  return `${plural(counts.studies, "study", "studies")}, ${plural(counts.series, "series", "series")}, ${plural(counts.images, "image", "images")} (${(counts.bytes_read / 1e6).toFixed(1)} MB); ${plural(counts.cases, "case", "cases")} with truth; ${plural(counts.unchanged_studies, "study", "studies")} already stored`;
}

function refusedCell(/** @type {any} */ run, /** @type {HTMLElement} */ place) {
  if (run.status !== "finished") return "—";
  if (run.refused === 0) return "0";
  const label = `Show ${plural(run.refused, "refusal", "refusals")}`;
  return h("button", {
    type: "button",
    class: "secondary",
    "aria-controls": place.id,
    "aria-label": `${label} of the import started ${fmt.dateTime(run.started_at)}`,
    onclick: () => showRefusals(run, place),
  }, label);
}

/** Shows a run's refusals in `place`, a page at a time, and moves the focus to them. */
async function showRefusals(/** @type {any} */ run, /** @type {HTMLElement} */ place) {
  place.replaceChildren(loading("the refusals"));
  place.setAttribute("aria-busy", "true");
  const path = `/imports/${seg(run.id)}`;
  try {
    const first = await api.get(`${path}?limit=${REFUSALS_PAGE}`);
    const total = first.run.refused;
    /** @type {any[]} */
    const rows = [...first.refusals];
    const heading = h("h3", { tabindex: -1 }, `Refusals of the import started ${fmt.dateTime(run.started_at)}`);
    const list = h("div");
    const problem = h("p", { class: "form-error", role: "alert" });
    const more = h("button", { type: "button", class: "secondary" }, "Show more refusals");
    const moreBox = h("div");
    const draw = () => {
      list.replaceChildren(table({
        caption: `${rows.length} of ${plural(total, "refusal", "refusals")}, in the order they were found`,
        rows,
        columns: [
          { label: "Path", value: (r) => r.path, cell: (r) => h("code", { class: "path" }, r.path) },
          { label: "Reason", value: (r) => r.reason, cell: (r) => sentence(r.reason) },
        ],
      }));
      moreBox.replaceChildren(...(rows.length < total ? [more] : []));
    };
    more.addEventListener("click", async () => {
      more.setAttribute("disabled", "");
      problem.textContent = "";
      try {
        const next = await api.get(`${path}?offset=${rows.length}&limit=${REFUSALS_PAGE}`);
        rows.push(...next.refusals);
        draw();
        announce(`${rows.length} of ${plural(total, "refusal", "refusals")} shown`);
        // The button goes with the last page: the focus moves to the list rather than be lost.
        if (!more.isConnected) /** @type {HTMLElement | null} */ (list.querySelector(".table-wrap"))?.focus();
      } catch (error) {
        problem.textContent = sentence(/** @type {Error} */ (error).message);
      } finally {
        more.removeAttribute("disabled");
      }
    });
    draw();
    place.replaceChildren(heading, h("p", { class: "muted path" }, first.run.sources), list, problem, moreBox);
    heading.focus();
  } catch (error) {
    place.replaceChildren(h("p", { class: "form-error", role: "alert" }, `The refusals could not be loaded: ${sentence(/** @type {Error} */ (error).message)}`));
  } finally {
    place.removeAttribute("aria-busy");
  }
}

export async function auditPage(/** @type {any} */ _params, /** @type {URLSearchParams} */ query) {
  const limit = query.get("limit") ?? "100";
  const select = h("select", { name: "limit" }, ["50", "100", "500", "1000"].map((n) => h("option", { value: n, selected: n === limit }, `${n} newest`)));
  const form = /** @type {HTMLFormElement} */ (h("form", { class: "inline no-print" }, field("Show", select), h("button", { type: "submit", class: "secondary" }, "Show")));
  const node = h("div", {}, h("h1", { tabindex: -1 }, "Audit log"), form);
  try {
    const entries = await api.get(`/audit?limit=${seg(limit)}`);
    node.append(table({
      caption: `The ${entries.length} newest entries, newest first`,
      rows: entries,
      columns: [
        { label: "When", value: (e) => e.at, cell: (e) => fmt.dateTime(e.at) },
        { label: "Who", value: (e) => e.actor_username ?? "(not signed in)" },
        { label: "Action", value: (e) => e.action.replaceAll("_", " ") },
        { label: "Concerning", value: (e) => e.subject },
        { label: "From", value: (e) => e.address },
      ],
    }));
  } catch (error) {
    showErrors(form, error);
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    history.pushState(null, "", `/admin/audit?limit=${seg(String(new FormData(form).get("limit")))}`);
    render().then(() => announce("Audit log updated"));
  });
  return { title: "Audit log", node };
}
