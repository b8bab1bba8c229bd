// The PI-RADS v2.1 sector map (41 sectors) drawn in SVG: the base, the mid gland and the apex
// as axial sections (anterior up, the patient's right on the viewer's left, as images are
// read), each with PZa, PZpm, PZpl, TZa, TZp and AS on both sides; the central zone at the
// base; the seminal vesicles above the base; the urethral sphincter below the apex.
// Sector names are the server's (backend/domain/src/sector.rs): `mid-left-PZpl`,
// `base-right-CZ`, `SV-left`, `US`. Used here as a heat map; the reading page can reuse the
// geometry (`sectorShapes`) to make the sectors clickable.

import { h, s, scrollBox, uid } from "./dom.js";

export const LEVELS = ["base", "mid", "apex"];
export const SIDES = ["right", "left"];
export const REGIONS = ["PZa", "PZpm", "PZpl", "TZa", "TZp", "AS"];

/** All 41 sector names, in the server's map order. */
export const SECTORS = [
  ...LEVELS.flatMap((level) => SIDES.flatMap((side) => REGIONS.map((region) => `${level}-${side}-${region}`))),
  "base-right-CZ", "base-left-CZ", "SV-right", "SV-left", "US",
];

const REGION_NAMES = {
  PZa: "peripheral zone, anterior", PZpm: "peripheral zone, posterior-medial", PZpl: "peripheral zone, posterior-lateral",
  TZa: "transition zone, anterior", TZp: "transition zone, posterior", AS: "anterior fibromuscular stroma", CZ: "central zone",
};

/** A sector's name for people: "mid left: peripheral zone, posterior-lateral". */
export function sectorLabel(/** @type {string} */ sector) {
  if (sector === "US") return "urethral sphincter";
  const [a, b, c] = sector.split("-");
  if (a === "SV") return `seminal vesicle, ${b}`;
  return `${a} ${b}: ${REGION_NAMES[/** @type {keyof REGION_NAMES} */ (c)] ?? c}`;
}

const OUTER = { rx: 100, ry: 78 };
const INNER = { rx: 56, ry: 40, dy: -12 };
// The outer ring's regions by angle on the patient's left (0° lateral, 90° posterior, −90°
// anterior); the right side is their mirror image.
const RING = [["AS", -90, -58], ["PZa", -58, -15], ["PZpl", -15, 50], ["PZpm", 50, 90]];
const CENTRE_Y = 168;
const LEVEL_X = { base: 130, mid: 380, apex: 630 };

const rad = (/** @type {number} */ deg) => (deg * Math.PI) / 180;

/** Points along an ellipse from angle a to b (degrees), mirrored for the patient's right. */
function arc(/** @type {number} */ cx, /** @type {number} */ cy, /** @type {{rx:number, ry:number}} */ e, /** @type {number} */ a, /** @type {number} */ b, /** @type {number} */ mirror) {
  const points = [];
  const steps = Math.max(4, Math.ceil(Math.abs(b - a) / 6));
  for (let i = 0; i <= steps; i++) {
    const t = rad(a + ((b - a) * i) / steps);
    points.push([cx + mirror * e.rx * Math.cos(t), cy + e.ry * Math.sin(t)]);
  }
  return points;
}

const path = (/** @type {number[][]} */ points) => `M${points.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join("L")}Z`;

/**
 * Every sector's outline and where its label goes.
 * @returns {{ sector: string, d?: string, ellipse?: { cx: number, cy: number, rx: number, ry: number }, label: [number, number], text: string }[]}
 */
export function sectorShapes() {
  const shapes = [];
  for (const level of LEVELS) {
    const cx = LEVEL_X[/** @type {keyof LEVEL_X} */ (level)];
    for (const side of SIDES) {
      const mirror = side === "left" ? 1 : -1;
      const cyi = CENTRE_Y + INNER.dy;
      for (const [region, a, b] of RING) {
        const outer = arc(cx, CENTRE_Y, OUTER, /** @type {number} */ (a), /** @type {number} */ (b), mirror);
        const inner = arc(cx, cyi, INNER, /** @type {number} */ (a), /** @type {number} */ (b), mirror).reverse();
        const mid = rad((/** @type {number} */ (a) + /** @type {number} */ (b)) / 2);
        shapes.push({
          sector: `${level}-${side}-${region}`,
          d: path([...outer, ...inner]),
          label: [cx + mirror * 80 * Math.cos(mid), CENTRE_Y - 4 + 60 * Math.sin(mid)],
          text: String(region),
        });
      }
      // The transition zone: anterior and posterior halves; at the base the central zone
      // takes the posterior-medial part.
      const inner = [["TZa", -90, 0], ...(level === "base" ? [["TZp", 0, 55], ["CZ", 55, 90]] : [["TZp", 0, 90]])];
      for (const [region, a, b] of inner) {
        const mid = rad((/** @type {number} */ (a) + /** @type {number} */ (b)) / 2);
        shapes.push({
          sector: `${level}-${side}-${region}`,
          d: path([[cx, cyi], ...arc(cx, cyi, INNER, /** @type {number} */ (a), /** @type {number} */ (b), mirror)]),
          label: [cx + mirror * 32 * Math.cos(mid), cyi + 4 + 24 * Math.sin(mid)],
          text: String(region),
        });
      }
    }
  }
  for (const side of SIDES) {
    const cx = LEVEL_X.base + (side === "left" ? 44 : -44);
    shapes.push({ sector: `SV-${side}`, ellipse: { cx, cy: 40, rx: 38, ry: 16 }, label: [cx, 44], text: "SV" });
  }
  shapes.push({ sector: "US", ellipse: { cx: LEVEL_X.apex, cy: 296, rx: 18, ry: 13 }, label: [LEVEL_X.apex, 300], text: "US" });
  return shapes;
}

/** Dark when nothing, brighter orange with more. */
function heat(/** @type {number} */ value, /** @type {number} */ max) {
  if (!value) return "#27323d";
  const t = max > 0 ? value / max : 0;
  const mix = (/** @type {number} */ a, /** @type {number} */ b) => Math.round(a + (b - a) * t);
  return `rgb(${mix(110, 255)},${mix(60, 120)},${mix(40, 60)})`;
}

/**
 * The map as a heat map of `values` (sector → count), with the numbers written on it and a
 * table of the sectors that have any.
 * @param {{ values: Record<string, number>, title: string, unit: string }} spec
 */
export function sectorHeatMap({ values, title, unit }) {
  const max = Math.max(0, ...Object.values(values));
  const ranked = Object.entries(values).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
  const titleId = uid("map-title");
  const descId = uid("map-desc");
  const summary = ranked.length === 0
    ? `No ${unit} in any sector.`
    : `Most ${unit}: ${ranked.slice(0, 3).map(([sector, n]) => `${sectorLabel(sector)} (${n})`).join("; ")}.`;
  const svg = s("svg", { class: "sector-map", viewBox: "0 0 760 320", role: "img", "aria-labelledby": `${titleId} ${descId}` },
    s("title", { id: titleId }, title), s("desc", { id: descId }, summary));
  for (const level of LEVELS) {
    const cx = LEVEL_X[/** @type {keyof LEVEL_X} */ (level)];
    svg.append(s("text", { x: cx, y: 266, "text-anchor": "middle", "font-weight": "600" }, level[0].toUpperCase() + level.slice(1)),
      s("text", { x: cx - 112, y: CENTRE_Y + 4, "text-anchor": "middle" }, "R"),
      s("text", { x: cx + 112, y: CENTRE_Y + 4, "text-anchor": "middle" }, "L"));
  }
  // The sphincter's name to its left, where the map has room for it.
  svg.append(s("text", { x: LEVEL_X.base + 100, y: 22 }, "Seminal vesicles"), s("text", { x: LEVEL_X.apex - 24, y: 301, "text-anchor": "end" }, "Urethral sphincter"));
  for (const shape of sectorShapes()) {
    const count = values[shape.sector] ?? 0;
    const fill = heat(count, max);
    const tip = s("title", {}, `${sectorLabel(shape.sector)}: ${count} ${unit}`);
    const outline = shape.d
      ? s("path", { d: shape.d, fill, "data-sector": shape.sector, "data-count": count }, tip)
      : s("ellipse", { ...shape.ellipse, fill, "data-sector": shape.sector, "data-count": count }, tip);
    svg.append(outline);
    const [x, y] = shape.label;
    svg.append(s("text", { x, y, "text-anchor": "middle", "font-size": count ? 13 : 9, "font-weight": count ? 700 : 400, fill: count && count / max > 0.5 ? "#1b0d00" : "#c9d1da", "pointer-events": "none", "aria-hidden": "true" },
      count ? String(count) : shape.text));
  }
  // With nothing to list, the caption says so already.
  const list = ranked.length === 0 ? null : h("details", {},
    h("summary", {}, `${title}: every sector with ${unit}`),
    scrollBox(title, h("table", {},
      h("caption", {}, title),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Sector"), h("th", { scope: "col", class: "num" }, unit[0].toUpperCase() + unit.slice(1)))),
      h("tbody", {}, ranked.map(([sector, n]) => h("tr", {}, h("td", {}, `${sectorLabel(sector)} (${sector})`), h("td", { class: "num" }, String(n))))))));
  return h("figure", {}, svg, h("figcaption", {}, summary), list);
}

/**
 * The map as a control: each sector a checkbox (click, tap, or Space/Enter on the focused
 * one), the arrow keys moving between sectors in map order with one tab stop for the whole
 * map. `onChange` gets the chosen sectors in map order.
 * @param {{ label: string, selected: string[], onChange: (sectors: string[]) => void }} spec
 */
export function sectorPicker({ label, selected, onChange }) {
  const chosen = new Set(selected);
  const titleId = uid("picker-title");
  const svg = s("svg", { class: "sector-map sector-picker", viewBox: "0 0 760 320", role: "group", "aria-labelledby": titleId },
    s("title", { id: titleId }, label));
  for (const level of LEVELS) {
    const cx = LEVEL_X[/** @type {keyof LEVEL_X} */ (level)];
    svg.append(s("text", { x: cx, y: 266, "text-anchor": "middle", "font-weight": "600", "aria-hidden": "true" }, level[0].toUpperCase() + level.slice(1)),
      s("text", { x: cx - 112, y: CENTRE_Y + 4, "text-anchor": "middle", "aria-hidden": "true" }, "R"),
      s("text", { x: cx + 112, y: CENTRE_Y + 4, "text-anchor": "middle", "aria-hidden": "true" }, "L"));
  }
  /** @type {Map<string, SVGElement>} */
  const controls = new Map();
  const shapes = sectorShapes();
  // Map order (the server's), so that arrow keys walk base → mid → apex predictably.
  shapes.sort((a, b) => SECTORS.indexOf(a.sector) - SECTORS.indexOf(b.sector));
  for (const shape of shapes) {
    const attrs = { role: "checkbox", tabindex: -1, "aria-label": `${sectorLabel(shape.sector)} (${shape.sector})`, "data-sector": shape.sector };
    const control = shape.d ? s("path", { d: shape.d, ...attrs }) : s("ellipse", { ...shape.ellipse, ...attrs });
    controls.set(shape.sector, control);
    const [x, y] = shape.label;
    svg.append(control, s("text", { x, y, "text-anchor": "middle", "font-size": 10, "pointer-events": "none", "aria-hidden": "true" }, shape.text));
  }
  const ordered = [...controls.values()];
  const draw = () => {
    for (const [sector, control] of controls) control.setAttribute("aria-checked", String(chosen.has(sector)));
  };
  const toggle = (/** @type {string} */ sector) => {
    if (chosen.has(sector)) chosen.delete(sector);
    else chosen.add(sector);
    draw();
    onChange(SECTORS.filter((one) => chosen.has(one)));
  };
  const focusOn = (/** @type {number} */ index) => {
    for (const control of ordered) control.setAttribute("tabindex", "-1");
    const control = ordered[(index + ordered.length) % ordered.length];
    control.setAttribute("tabindex", "0");
    /** @type {any} */ (control).focus();
  };
  (ordered.find((control) => chosen.has(/** @type {string} */ (control.getAttribute("data-sector")))) ?? ordered[0]).setAttribute("tabindex", "0");
  svg.addEventListener("click", (event) => {
    const sector = /** @type {Element} */ (event.target).getAttribute?.("data-sector");
    if (!sector) return;
    focusOn(ordered.indexOf(/** @type {SVGElement} */ (controls.get(sector))));
    toggle(sector);
  });
  svg.addEventListener("keydown", (event) => {
    const index = ordered.indexOf(/** @type {SVGElement} */ (event.target));
    if (index < 0) return;
    const step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[event.key];
    if (step) focusOn(index + step);
    else if (event.key === "Home") focusOn(0);
    else if (event.key === "End") focusOn(ordered.length - 1);
    else if (event.key === " " || event.key === "Enter") toggle(/** @type {string} */ (ordered[index].getAttribute("data-sector")));
    else return;
    event.preventDefault();
  });
  draw();
  return svg;
}
