// The GPU viewer (viewer/web, served under /viewer/ by `readroom serve --web-dir`) inside a
// page: its module is loaded once, on the first page that needs it, so that pages without
// images never download the WebAssembly. A toolbar of plain controls picks the tool and the
// layout, so that the viewer can be driven by keyboard, mouse and touch alike.

import { api } from "./api.js";
import { h, uid } from "./dom.js";

/** @type {Promise<any> | null} */
let module = null;

/** The viewer's module, initialised; rejects when this server serves no viewer. */
function viewerModule() {
  module ??= import("/viewer/readroom_viewer.js").then(async (loaded) => {
    await loaded.default();
    return loaded;
  });
  // A failed load (no --web-dir) is tried again on the next page rather than remembered.
  module.catch(() => { module = null; });
  return module;
}

const TOOLS = [
  ["scroll", "Scroll"], ["window_level", "Window/level"], ["pan", "Pan"], ["zoom", "Zoom"],
  ["length", "Length"], ["circle_roi", "Circle ROI"], ["marker", "Lesion marker"], ["crosshair", "Crosshair"], ["probe", "Value"],
];
const LAYOUTS = ["1x1", "1x2", "2x2", "3x3"];

/**
 * A viewer box: the toolbar, the canvas's container and a status line. `ready` resolves to
 * the `ReadroomViewer` with `caseId` open (or to null, with the reason shown, when the viewer
 * cannot start); the report forms work either way.
 * @param {{ caseId: string, label: string, tool?: string }} spec
 */
export function viewerBox({ caseId, label, tool = "scroll" }) {
  const status = h("p", { class: "viewer-status muted small", role: "status" }, "Starting the viewer…");
  const container = h("div", { class: "viewer-canvas", role: "application", "aria-label": `${label}. Arrow keys change the slice; the toolbar above picks the tool.` });
  const toolId = uid("tool");
  const layoutId = uid("layout");
  const toolSelect = h("select", { id: toolId, disabled: true }, TOOLS.map(([value, text]) => h("option", { value, selected: value === tool }, text)));
  const layoutSelect = h("select", { id: layoutId, disabled: true }, LAYOUTS.map((value) => h("option", { value }, value)));
  const toolbar = h("div", { class: "viewer-toolbar" },
    h("label", { for: toolId }, "Tool"), toolSelect,
    h("label", { for: layoutId }, "Layout"), layoutSelect);
  // The viewer's own help (every mouse button and key, as the user has them) is one key away,
  // which nobody finds without being told.
  const hint = h("p", { class: "muted small viewer-hint" }, "On the images: the wheel or the arrow keys change the slice; press ? there for every mouse and keyboard shortcut.");
  const node = h("section", { class: "viewer-box", "aria-label": label }, toolbar, container, status, hint);

  const ready = (async () => {
    let viewer;
    try {
      const { ReadroomViewer } = await viewerModule();
      viewer = await ReadroomViewer.create(container, "auto");
    } catch (error) {
      status.textContent = "The image viewer is not available here (the server was started without the built viewer, or this browser has neither WebGPU nor WebGL2). The report can still be filled in.";
      status.classList.add("bad");
      console.warn(error);
      return null;
    }
    // The user's own shortcuts and mouse buttons, remapped in the viewer and kept on the
    // server; read beside the case (applied once the case is open) and the defaults when none
    // are saved or they cannot be read.
    const keymap = api.get("/preferences").then(
      (preferences) => preferences?.viewer_keymap,
      (error) => console.warn("the saved shortcuts could not be read", error),
    );
    // For tests and for the curious: the viewer belongs to its box.
    /** @type {any} */ (container).readroomViewer = viewer;
    viewer.on("progress", (/** @type {any} */ detail) => { status.textContent = `Loading images: ${Math.round(detail.fraction * 100)}%`; });
    viewer.on("loaded", () => { status.textContent = `Images loaded (${viewer.backend === "webgpu" ? "WebGPU" : "WebGL2"}).`; });
    viewer.on("error", (/** @type {any} */ detail) => { status.textContent = `Viewer: ${detail.message}`; });
    viewer.on("tool_changed", (/** @type {any} */ detail) => { toolSelect.value = detail.tool; });
    viewer.on("layout_changed", (/** @type {any} */ detail) => { layoutSelect.value = detail.layout; });
    toolSelect.addEventListener("change", () => viewer.setTool(toolSelect.value));
    layoutSelect.addEventListener("change", () => viewer.setLayout(layoutSelect.value));
    await viewer.openCase(caseId);
    const saved = await keymap;
    if (saved) viewer.setKeymap(saved);
    viewer.setTool(tool);
    layoutSelect.value = { 1: "1x1", 2: "1x2", 4: "2x2", 9: "3x3" }[/** @type {1|2|4|9} */ (viewer.viewports().length)] ?? layoutSelect.value;
    toolSelect.disabled = false;
    layoutSelect.disabled = false;
    status.textContent = "Loading images…";
    return viewer;
  })();

  return { node, ready, destroy: () => ready.then((viewer) => viewer?.destroy()) };
}

/** "series 3, slice 12, at (12.5, 20.1, −35.0) mm" for a marked point. */
export function describePoint(/** @type {{ series_uid: string, slice: number, lps_mm: number[] }} */ point, /** @type {{ uid: string, description: string, number: number | null }[]} */ series = []) {
  const one = series.find((s) => s.uid === point.series_uid);
  const name = one ? (one.description || `series ${one.number ?? "?"}`) : "a series";
  return `${name}, slice ${point.slice + 1}, at L ${point.lps_mm[0].toFixed(1)}, P ${point.lps_mm[1].toFixed(1)}, S ${point.lps_mm[2].toFixed(1)} mm`;
}
