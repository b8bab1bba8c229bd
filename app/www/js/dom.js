// Building the DOM without innerHTML (nothing the server sends is ever parsed as HTML),
// formatting figures, forms with per-field messages, and sortable tables.

import { ApiError } from "./api.js";

/**
 * An element: h("a", { href: "/x", class: "button" }, "text", child). Attributes that are
 * false, null or undefined are left out; `on*` functions become listeners.
 * @param {string} tag
 * @param {Record<string, any>} [attrs]
 * @param {...(Node | string | number | null | undefined | false | (Node | string)[])} children
 * @returns {HTMLElement}
 */
export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  setAttributes(element, attrs);
  append(element, children);
  return element;
}

const SVG_NS = "http://www.w3.org/2000/svg";

/** An SVG element, as h(). @returns {SVGElement} */
export function s(/** @type {string} */ tag, /** @type {Record<string, any>} */ attrs = {}, /** @type {any[]} */ ...children) {
  const element = document.createElementNS(SVG_NS, tag);
  setAttributes(element, attrs);
  append(element, children);
  return element;
}

function setAttributes(/** @type {Element} */ element, /** @type {Record<string, any>} */ attrs) {
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith("on") && typeof value === "function") {
      element.addEventListener(name.slice(2), value);
    } else {
      element.setAttribute(name, value === true ? "" : String(value));
    }
  }
}

function append(/** @type {Element} */ element, /** @type {any[]} */ children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
}

/** Says something to screen readers and sighted users alike (the aria-live status line). */
export function announce(/** @type {string} */ message) {
  const status = document.getElementById("status");
  if (!status) return;
  status.textContent = "";
  // A fresh text node, so that the same message said twice is read twice.
  requestAnimationFrame(() => {
    status.textContent = message;
  });
  clearTimeout(/** @type {any} */ (announce).timer);
  /** @type {any} */ (announce).timer = setTimeout(() => { status.textContent = ""; }, 6000);
}

/** "Wrong username or password." from the API's "wrong username or password". */
export function sentence(/** @type {string} */ text) {
  const trimmed = text.trim();
  if (!trimmed) return trimmed;
  const capital = trimmed[0].toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

// ---- Formatting --------------------------------------------------------------------------

const dateFormat = new Intl.DateTimeFormat(undefined, { year: "numeric", month: "short", day: "numeric" });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });

export const fmt = {
  date: (/** @type {number | null | undefined} */ ms) => (ms == null ? "—" : dateFormat.format(new Date(ms))),
  dateTime: (/** @type {number | null | undefined} */ ms) => (ms == null ? "—" : dateTimeFormat.format(new Date(ms))),
  /** 0.723 → "72%" */
  percent: (/** @type {number | null | undefined} */ value) => (value == null ? "—" : `${Math.round(value * 100)}%`),
  number: (/** @type {number | null | undefined} */ value, digits = 2) => (value == null ? "—" : value.toFixed(digits)),
  /** Milliseconds as "4 min 05 s" or "1 h 02 min". */
  duration(/** @type {number | null | undefined} */ ms) {
    if (ms == null) return "—";
    const seconds = Math.round(ms / 1000);
    if (seconds < 60) return `${seconds} s`;
    const minutes = Math.floor(seconds / 60);
    if (minutes < 60) return `${minutes} min ${String(seconds % 60).padStart(2, "0")} s`;
    return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min`;
  },
  /** A Wilson proportion: "72% (95% CI 61–81%), 15 of 20", or "no cases yet". */
  proportion(/** @type {Proportion} */ p) {
    if (!p || p.n === 0 || p.value == null) return "no cases yet";
    return `${fmt.percent(p.value)} (95% CI ${fmt.percent(p.low)}–${fmt.percent(p.high)}), ${p.successes} of ${p.n}`;
  },
};

/** @typedef {{ successes: number, n: number, value: number | null, low: number | null, high: number | null }} Proportion */

// ---- Forms -------------------------------------------------------------------------------

let nextId = 0;
/** A unique id for a control and its error text. */
export const uid = (/** @type {string} */ prefix) => `${prefix}-${++nextId}`;

/**
 * A labelled control with a place for its error: the API's `fields[name]` lands there.
 * @param {string} label
 * @param {HTMLElement} control an input, select or textarea with a `name`
 * @param {string} [hint]
 */
export function field(label, control, hint) {
  const id = control.id || uid("f");
  control.id = id;
  const errorId = `${id}-error`;
  const hintId = hint ? `${id}-hint` : null;
  control.setAttribute("aria-describedby", [hintId, errorId].filter(Boolean).join(" "));
  control.dataset.errorId = errorId;
  return h("div", { class: "field" },
    h("label", { for: id }, label),
    hint ? h("span", { class: "hint", id: hintId }, hint) : null,
    control,
    h("span", { class: "field-error", id: errorId }));
}

/** A group of checkboxes or radios under one legend, with one error place for its `name`. */
export function fieldset(/** @type {string} */ legend, /** @type {string} */ name, /** @type {Node[]} */ controls) {
  const errorId = uid("fs-error");
  return h("fieldset", { "data-field": name, "data-error-id": errorId, "aria-describedby": errorId },
    h("legend", {}, legend),
    h("div", { class: "checks" }, controls),
    h("span", { class: "field-error", id: errorId }));
}

export function checkbox(/** @type {string} */ name, /** @type {string} */ value, /** @type {string} */ label, checked = false) {
  return h("label", {}, h("input", { type: "checkbox", name, value, checked }), label);
}

/** The element where `form`'s messages not tied to one field go. */
function formError(/** @type {HTMLFormElement} */ form) {
  let box = form.querySelector(":scope > .form-error");
  if (!box) {
    box = h("p", { class: "form-error", role: "alert" });
    form.prepend(box);
  }
  return box;
}

export function clearErrors(/** @type {HTMLFormElement} */ form) {
  formError(form).textContent = "";
  for (const invalid of form.querySelectorAll("[aria-invalid]")) invalid.removeAttribute("aria-invalid");
  for (const message of form.querySelectorAll(".field-error")) message.textContent = "";
}

/**
 * Shows an API error on a form: each field's message beside its control (matched by `name`,
 * or a fieldset's data-field), the rest at the top; focuses the first wrong control.
 */
export function showErrors(/** @type {HTMLFormElement} */ form, /** @type {unknown} */ error) {
  clearErrors(form);
  if (!(error instanceof ApiError)) {
    formError(form).textContent = sentence(String(/** @type {any} */ (error)?.message ?? error));
    return;
  }
  const unplaced = [];
  /** @type {HTMLElement | null} */
  let first = null;
  for (const [name, message] of Object.entries(error.fields)) {
    const control = /** @type {HTMLElement | null} */ (
      form.querySelector(`[data-field="${CSS.escape(name)}"]`) ?? form.querySelector(`[name="${CSS.escape(name)}"]`));
    const errorId = control?.dataset.errorId;
    const place = errorId ? document.getElementById(errorId) : null;
    if (!control || !place) {
      unplaced.push(`${name}: ${message}`);
      continue;
    }
    control.setAttribute("aria-invalid", "true");
    place.textContent = sentence(message);
    // A group (checkboxes, the sector map) is focused at its first control.
    first ??= control.matches("fieldset, div") ? control.querySelector("input, select, [tabindex='0']") : control;
  }
  const general = Object.keys(error.fields).length === 0 ? error.message : unplaced.join("; ");
  formError(form).textContent = general ? sentence(general) : "";
  (first ?? formError(form)).focus?.();
}

/**
 * Wires a form: on submit, clears its messages, disables its buttons and shows the work in
 * progress, runs `action` (which reads the form and calls the API), and shows the API's
 * errors beside the fields. `action` returns what to announce on success.
 * @param {HTMLFormElement} form
 * @param {(data: FormData) => Promise<string | void>} action
 */
export function onSubmit(form, action) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const buttons = [...form.querySelectorAll("button")];
    for (const button of buttons) button.disabled = true;
    form.setAttribute("aria-busy", "true");
    try {
      const message = await action(new FormData(form));
      if (message) announce(message);
    } catch (error) {
      showErrors(form, error);
    } finally {
      for (const button of buttons) button.disabled = false;
      form.removeAttribute("aria-busy");
    }
  });
  return form;
}

// ---- Tables ------------------------------------------------------------------------------

/**
 * @template T
 * @typedef {{ label: string, value: (row: T) => any, cell?: (row: T) => Node | string, numeric?: boolean, sortable?: boolean }} Column
 */

/**
 * A table whose columns sort by their header buttons (ascending, then descending), with
 * aria-sort telling assistive technology which column sorts and how.
 * @template T
 * @param {{ caption: string, columns: Column<T>[], rows: T[], empty?: string, sortable?: boolean }} spec
 */
export function table({ caption, columns, rows, empty = "Nothing yet.", sortable = true }) {
  const body = h("tbody");
  /** @type {{ column: number, ascending: boolean } | null} */
  let order = null;
  const headers = columns.map((column, index) => {
    const th = h("th", { scope: "col", class: column.numeric ? "num" : null });
    if (sortable && column.sortable !== false) {
      th.append(h("button", { type: "button", class: "sort", onclick: () => sortBy(index) }, column.label));
    } else {
      th.append(column.label);
    }
    return th;
  });
  function draw() {
    let shown = rows;
    if (order) {
      const { column, ascending } = order;
      const value = columns[column].value;
      shown = [...rows].sort((a, b) => compare(value(a), value(b)) * (ascending ? 1 : -1));
    }
    body.replaceChildren(...(shown.length === 0
      ? [h("tr", {}, h("td", { colspan: columns.length, class: "muted" }, empty))]
      : shown.map((row) => h("tr", {}, columns.map((column) =>
        h("td", { class: column.numeric ? "num" : null }, column.cell ? column.cell(row) : display(column.value(row))))))));
    headers.forEach((th, index) => {
      if (order?.column === index) th.setAttribute("aria-sort", order.ascending ? "ascending" : "descending");
      else th.removeAttribute("aria-sort");
    });
  }
  function sortBy(/** @type {number} */ column) {
    order = { column, ascending: order?.column === column ? !order.ascending : true };
    draw();
    announce(`Sorted by ${columns[column].label}, ${order.ascending ? "ascending" : "descending"}`);
  }
  draw();
  return scrollBox(caption, h("table", {}, h("caption", {}, caption), h("thead", {}, h("tr", {}, headers)), body));
}

/** A wide table's box, which scrolls sideways on a narrow screen: focusable and named, so that
 * it can be scrolled by keyboard too. */
export const scrollBox = (/** @type {string} */ label, /** @type {Node} */ content) =>
  h("div", { class: "table-wrap", tabindex: 0, role: "region", "aria-label": label }, content);

const display = (/** @type {any} */ value) => (value == null ? "—" : String(value));

/** Missing values sort last whichever the direction would put them. */
function compare(/** @type {any} */ a, /** @type {any} */ b) {
  if (a == null && b == null) return 0;
  if (a == null) return 1;
  if (b == null) return -1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a).localeCompare(String(b), undefined, { numeric: true });
}

/** A "Loading…" line with an indeterminate progress bar, while a page fetches. */
export const loading = (/** @type {string} */ what) =>
  h("div", { class: "loading", role: "status" }, h("span", {}, `Loading ${what}…`), h("progress", { "aria-label": `Loading ${what}` }));

/** Whether the user holds `role`. */
export const holds = (/** @type {{ roles: string[] }} */ user, /** @type {string} */ role) => user.roles.includes(role);
