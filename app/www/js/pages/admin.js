// Administration: users and their roles (create, change roles, disable), the case bank
// (studies, the cases made of them, and which studies still lack truth), and the audit log.

import { api, seg } from "../api.js";
import { announce, checkbox, field, fieldset, fmt, h, onSubmit, showErrors, table } from "../dom.js";
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
  const [studies, cases] = await Promise.all([api.get("/studies"), api.get("/cases")]);
  const byId = new Map(cases.map((/** @type {any} */ c) => [c.id, c]));
  const lacking = studies.filter((/** @type {any} */ s) => !s.case_id);
  const node = h("div", {},
    h("h1", { tabindex: -1 }, "Case bank"),
    h("div", { class: "cards" },
      h("div", { class: "card figure-card" }, h("h3", {}, "Studies"), h("p", { class: "value" }, String(studies.length)), h("p", { class: "muted small" }, "imported and anonymised")),
      h("div", { class: "card figure-card" }, h("h3", {}, "Cases"), h("p", { class: "value" }, String(cases.length)), h("p", { class: "muted small" }, `${cases.filter((/** @type {any} */ c) => c.synthetic).length} synthetic`)),
      h("div", { class: "card figure-card" }, h("h3", {}, "Lacking truth"), h("p", { class: `value ${lacking.length ? "bad" : ""}` }, String(lacking.length)), h("p", { class: "muted small" }, "studies that cannot be read or assigned yet"))),
    h("p", { class: "muted" }, "Studies come in with ", h("code", {}, "readroom import"), "; a study becomes a case when its truth manifest is imported (", h("code", {}, "readroom import --truth truth.toml"), "). Each import's studies and refusals, with their reasons, are in the command's summary (", h("code", {}, "--json"), " for a machine); the server does not keep them."),
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
