// The structured PI-RADS v2.1 report (backend/domain/src/report.rs): up to four lesions, each
// with its sectors (chosen on the sector map), the point marked in the viewer, T2W and DWI
// scores, DCE, size, extraprostatic extension and category; the overall category; a comment.
// Each lesion is tied to its numbered marker in the viewer: placing a marker adds a lesion,
// deleting either removes the other, and "Show in viewer" selects the marker on its slice.
// The form checks nothing itself: the API's field messages (`lesions[1].t2w_score`) are shown
// beside the controls they name.

import { announce, clearErrors, field, h, showErrors, uid } from "./dom.js";
import { sectorLabel, sectorPicker } from "./sectors.js";
import { describePoint } from "./viewer.js";

const MAX_LESIONS = 4;

/** @typedef {{ lps_mm: number[], series_uid: string, slice: number }} Point */
/** @typedef {{ sectors: string[], point?: Point | null, t2w_score?: number | null, dwi_score?: number | null, dce?: string | null, size_mm?: number | null, extraprostatic_extension?: boolean | null, category?: number | null }} Lesion */
/** @typedef {{ lesions: Lesion[], overall_category?: number | null, comment?: string }} Report */

/**
 * @param {{
 *   report: Report,
 *   series: any[],
 *   viewer: Promise<any>,
 *   actions: { label: string, primary?: boolean, confirm?: string, run: (report: Report) => Promise<string | void> }[],
 * }} spec
 */
export function reportForm({ report, series, viewer, actions }) {
  /** @type {(Lesion & { marker: number | null })[]} */
  const lesions = [];
  /** The marker whose lesion is highlighted (the last one grabbed or shown). @type {number | null} */
  let selected = null;
  /** @type {any} */
  let view = null;
  const list = h("div", { class: "lesions" });
  const form = /** @type {HTMLFormElement} */ (h("form", { class: "report-form", novalidate: true, "aria-label": "Structured report" }));

  const overall = h("select", { name: "overall_category" }, h("option", { value: "" }, "—"), [1, 2, 3, 4, 5].map((n) => h("option", { value: n }, String(n))));
  overall.value = report.overall_category == null ? "" : String(report.overall_category);
  const comment = /** @type {HTMLTextAreaElement} */ (h("textarea", { name: "comment", rows: 3 }));
  comment.value = report.comment ?? "";

  const addButton = h("button", { type: "button", class: "secondary" }, "Add a lesion without a marker");
  addButton.addEventListener("click", () => {
    if (lesions.length >= MAX_LESIONS) return announce(`A report holds at most ${MAX_LESIONS} lesions.`);
    lesions.push({ marker: null, sectors: [] });
    draw();
    /** @type {HTMLElement | null} */ (list.lastElementChild?.querySelector("legend") ?? null)?.focus?.();
    announce(`Lesion ${lesions.length} added`);
  });

  /** The report as the API takes it. */
  function current() {
    return {
      lesions: lesions.map(({ marker, ...lesion }) => ({ ...lesion, point: lesion.point ?? undefined })),
      overall_category: overall.value === "" ? null : Number(overall.value),
      comment: comment.value,
    };
  }

  function removeLesion(/** @type {number} */ index) {
    const [removed] = lesions.splice(index, 1);
    // Removing the marker too; its "marker_deleted" then finds no lesion left to remove.
    if (removed.marker != null) view?.removeMarker(removed.marker);
    draw();
    announce(`Lesion removed${removed.marker != null ? ` with marker ${removed.marker}` : ""}`);
  }

  function draw() {
    list.replaceChildren(...lesions.map(lesionFields));
    addButton.toggleAttribute("disabled", lesions.length >= MAX_LESIONS);
    if (lesions.length === 0) list.append(h("p", { class: "muted" }, "No lesion reported. Mark one in the viewer with the lesion marker tool, or add one here; with none, give the overall category (1 or 2)."));
  }

  function lesionFields(/** @type {Lesion & { marker: number | null }} */ lesion, /** @type {number} */ index) {
    const path = `lesions[${index}]`;
    const legendId = uid("lesion");
    const score = (/** @type {"t2w_score" | "dwi_score" | "category"} */ key, /** @type {string} */ label) => {
      const select = h("select", { name: `${path}.${key}` }, h("option", { value: "" }, "—"), [1, 2, 3, 4, 5].map((n) => h("option", { value: n, selected: lesion[key] === n }, String(n))));
      select.addEventListener("change", () => { lesion[key] = select.value === "" ? null : Number(select.value); });
      return field(label, select);
    };
    const dce = h("select", { name: `${path}.dce` }, [["", "—"], ["positive", "Positive"], ["negative", "Negative"], ["not_assessed", "Not assessed"]].map(([value, text]) => h("option", { value, selected: (lesion.dce ?? "") === value }, text)));
    dce.addEventListener("change", () => { lesion.dce = dce.value || null; });
    const size = /** @type {HTMLInputElement} */ (h("input", { name: `${path}.size_mm`, type: "number", inputmode: "decimal", min: 0, max: 100, step: "any", value: lesion.size_mm ?? "" }));
    size.addEventListener("input", () => { lesion.size_mm = size.value === "" ? null : Number(size.value); });
    const epe = h("select", { name: `${path}.extraprostatic_extension` }, [["", "—"], ["false", "No"], ["true", "Yes"]].map(([value, text]) => h("option", { value, selected: String(lesion.extraprostatic_extension ?? "") === value }, text)));
    epe.addEventListener("change", () => { lesion.extraprostatic_extension = epe.value === "" ? null : epe.value === "true"; });

    const chosen = h("p", { class: "small chosen-sectors", "aria-live": "polite" });
    const showChosen = () => {
      chosen.textContent = lesion.sectors.length ? `Sectors: ${lesion.sectors.map((one) => `${sectorLabel(one)} (${one})`).join("; ")}` : "No sector chosen yet.";
    };
    showChosen();
    const sectorErrorId = uid("sectors-error");
    const sectors = h("div", { class: "sector-field", "data-field": `${path}.sectors`, "data-error-id": sectorErrorId },
      sectorPicker({ label: `Sectors of lesion ${index + 1}`, selected: lesion.sectors, onChange: (picked) => { lesion.sectors = picked; showChosen(); } }),
      chosen,
      h("span", { class: "field-error", id: sectorErrorId }));

    const pointErrorId = uid("point-error");
    const where = h("div", { class: "marker-line", "data-field": `${path}.point`, "data-error-id": pointErrorId },
      h("span", {}, lesion.point
        ? `Marker ${lesion.marker ?? "—"}: ${describePoint(lesion.point, series)}`
        : "Not marked in the viewer (it is then matched by its sectors)."),
      lesion.marker != null ? h("button", { type: "button", class: "secondary", onclick: () => showMarker(/** @type {number} */ (lesion.marker)) }, `Show marker ${lesion.marker} in the viewer`) : null,
      h("span", { class: "field-error", id: pointErrorId }));

    const isSelected = lesion.marker != null && lesion.marker === selected;
    return h("fieldset", { class: isSelected ? "lesion selected" : "lesion", "aria-current": isSelected ? "true" : null, "data-marker": lesion.marker ?? "", "aria-labelledby": legendId },
      h("legend", { id: legendId, tabindex: -1 }, `Lesion ${index + 1}`),
      where,
      sectors,
      h("div", { class: "score-grid" },
        score("t2w_score", "T2W score"), score("dwi_score", "DWI score"), field("DCE", dce),
        field("Size (mm)", size), field("Extraprostatic extension", epe), score("category", "PI-RADS category")),
      h("button", { type: "button", class: "danger", onclick: () => removeLesion(index) }, `Remove lesion ${index + 1}`));
  }

  function showMarker(/** @type {number} */ number) {
    if (!view) return announce("The viewer is not ready yet.");
    view.selectMarker(number);
    select(number);
    announce(`Marker ${number} shown in the viewer`);
  }

  /** The lesion of marker `number` highlighted in the form (the canvas keeps the focus). */
  function select(/** @type {number} */ number) {
    selected = number;
    draw();
    list.querySelector("fieldset.selected")?.scrollIntoView({ block: "nearest" });
  }

  // Markers restored from the saved report: numbered in lesion order.
  let next = 1;
  for (const lesion of report.lesions ?? []) {
    lesions.push({ ...lesion, sectors: [...(lesion.sectors ?? [])], marker: lesion.point ? next++ : null });
  }
  draw();

  viewer.then((ready) => {
    if (!ready) return;
    view = ready;
    view.setMarkers(lesions.filter((lesion) => lesion.marker != null).map((lesion) => ({ number: lesion.marker, point: lesion.point })));
    view.on("marker_placed", (/** @type {any} */ detail) => {
      if (lesions.length >= MAX_LESIONS) {
        view.removeMarker(detail.marker.number);
        return announce(`A report holds at most ${MAX_LESIONS} lesions: remove one first.`);
      }
      lesions.push({ marker: detail.marker.number, point: detail.marker.point, sectors: [] });
      draw();
      announce(`Marker ${detail.marker.number} placed: lesion ${lesions.length} added to the report`);
    });
    // A marker grabbed in the viewer (moved, or only clicked) selects its lesion.
    view.on("marker_moved", (/** @type {any} */ detail) => {
      const index = lesions.findIndex((one) => one.marker === detail.marker.number);
      if (index < 0) return;
      lesions[index].point = detail.marker.point;
      select(detail.marker.number);
      announce(`Lesion ${index + 1} selected`);
    });
    view.on("marker_deleted", (/** @type {any} */ detail) => {
      const index = lesions.findIndex((one) => one.marker === detail.number);
      if (index < 0) return;
      lesions.splice(index, 1);
      draw();
      announce(`Marker ${detail.number} deleted: its lesion is removed from the report`);
    });
    view.on("marker_refused", (/** @type {any} */ detail) => announce(`No marker placed: ${detail.reason}`));
  });

  const buttons = actions.map((action) => {
    const button = h("button", { type: "button", class: action.primary ? null : "secondary" }, action.label);
    button.addEventListener("click", async () => {
      if (action.confirm && !(await confirmDialog(action.confirm, action.label))) return;
      clearErrors(form);
      form.setAttribute("aria-busy", "true");
      for (const one of form.querySelectorAll("button")) one.setAttribute("disabled", "");
      try {
        const message = await action.run(current());
        if (message) announce(message);
      } catch (error) {
        showErrors(form, error);
      } finally {
        form.removeAttribute("aria-busy");
        for (const one of form.querySelectorAll("button")) one.removeAttribute("disabled");
        addButton.toggleAttribute("disabled", lesions.length >= MAX_LESIONS);
      }
    });
    return button;
  });

  form.append(
    h("h2", {}, "Lesions"),
    list,
    addButton,
    h("h2", {}, "The case"),
    field("Overall PI-RADS category", overall, "With lesions it is the highest lesion category (leave it empty); with none, 1 or 2."),
    field("Comment", comment),
    h("div", { class: "actions" }, buttons));
  // Enter in a field saves nothing by surprise: the buttons act, not the form's submission.
  form.addEventListener("submit", (event) => event.preventDefault());
  return { node: form };
}

/** A modal question with Cancel and the action's own label; resolves to whether to go on. */
export function confirmDialog(/** @type {string} */ question, /** @type {string} */ label) {
  const headingId = uid("dialog");
  const dialog = /** @type {HTMLDialogElement} */ (h("dialog", { "aria-labelledby": headingId, class: "confirm" },
    h("h2", { id: headingId }, "Are you sure?"),
    h("p", {}, question),
    h("form", { method: "dialog", class: "actions" },
      h("button", { value: "cancel", class: "secondary" }, "Cancel"),
      h("button", { value: "yes" }, label.replace(/…$/, "")))));
  document.body.append(dialog);
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => {
      resolve(dialog.returnValue === "yes");
      dialog.remove();
    });
    dialog.showModal();
  });
}
