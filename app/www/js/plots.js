// Plots drawn as SVG from the analytics endpoints: lines with interval bands, limits, and
// bars with intervals. Small on purpose: each plot is a figure with a text alternative, and
// the pages give the numbers as tables too.

import { h, s, uid } from "./dom.js";

/**
 * @typedef {{ label: string, color: string, points: [number, number][], band?: [number, number, number][], bandColor?: string, dots?: boolean, whiskers?: boolean }} Line
 * @typedef {{ y: number, label: string, className?: string }} Limit
 */

const M = { left: 48, right: 16, top: 14, bottom: 38 };

/**
 * A line plot with optional bands (low–high around each line) and horizontal limits.
 * @param {{ title: string, summary: string, lines: Line[], limits?: Limit[], xLabel: string,
 *           yMin: number, yMax: number, yTicks: number[], yFormat: (y: number) => string,
 *           xFormat?: (x: number) => string, width?: number, height?: number }} spec
 */
export function linePlot(spec) {
  const { lines, limits = [], xLabel, yMin, yMax, yTicks, yFormat, xFormat = String, width = 640, height = 260 } = spec;
  const xs = lines.flatMap((line) => line.points.map(([x]) => x));
  const xMin = Math.min(1, ...xs);
  const xMax = Math.max(xMin + 1, ...xs);
  const px = (/** @type {number} */ x) => M.left + ((x - xMin) / (xMax - xMin)) * (width - M.left - M.right);
  const py = (/** @type {number} */ y) => M.top + (1 - (y - yMin) / (yMax - yMin)) * (height - M.top - M.bottom);
  const titleId = uid("plot-title");
  const descId = uid("plot-desc");
  const svg = s("svg", { class: "plot", viewBox: `0 0 ${width} ${height}`, role: "img", "aria-labelledby": `${titleId} ${descId}` },
    s("title", { id: titleId }, spec.title),
    s("desc", { id: descId }, spec.summary));
  for (const tick of yTicks) {
    svg.append(s("line", { class: "grid", x1: M.left, x2: width - M.right, y1: py(tick), y2: py(tick) }),
      s("text", { x: M.left - 6, y: py(tick) + 4, "text-anchor": "end" }, yFormat(tick)));
  }
  for (const tick of xTicks(xMin, xMax)) {
    svg.append(s("text", { x: px(tick), y: height - M.bottom + 16, "text-anchor": "middle" }, xFormat(tick)));
  }
  svg.append(
    s("line", { class: "axis", x1: M.left, x2: width - M.right, y1: height - M.bottom, y2: height - M.bottom }),
    s("line", { class: "axis", x1: M.left, x2: M.left, y1: M.top, y2: height - M.bottom }),
    s("text", { x: (M.left + width - M.right) / 2, y: height - 6, "text-anchor": "middle" }, xLabel));
  for (const line of lines) {
    if (line.band && line.band.length > 0) {
      const upper = line.band.map(([x, , high]) => `${px(x).toFixed(1)},${py(high).toFixed(1)}`);
      const lower = line.band.map(([x, low]) => `${px(x).toFixed(1)},${py(low).toFixed(1)}`).reverse();
      svg.append(s("polygon", { points: [...upper, ...lower].join(" "), fill: line.bandColor ?? "rgba(255,255,255,.15)", stroke: "none" }));
      // Each point's interval as a whisker too: a band of one point has no width.
      if (line.whiskers) {
        for (const [x, low, high] of line.band) svg.append(s("line", { x1: px(x), x2: px(x), y1: py(low), y2: py(high), stroke: line.color, "stroke-width": 1.5, "stroke-opacity": 0.6 }));
      }
    }
  }
  for (const limit of limits) {
    svg.append(s("line", { class: `limit ${limit.className ?? ""}`, x1: M.left, x2: width - M.right, y1: py(limit.y), y2: py(limit.y) }),
      s("text", { x: width - M.right - 4, y: py(limit.y) - 5, "text-anchor": "end" }, limit.label));
  }
  for (const line of lines) {
    if (line.points.length === 0) continue;
    const d = line.points.map(([x, y], i) => `${i ? "L" : "M"}${px(x).toFixed(1)},${py(y).toFixed(1)}`).join("");
    if (!line.dots) svg.append(s("path", { d, fill: "none", stroke: line.color, "stroke-width": 2.5, "stroke-linejoin": "round" }));
    if (line.dots || line.points.length === 1) {
      for (const [x, y] of line.points) svg.append(s("circle", { cx: px(x), cy: py(y), r: 3.5, fill: line.color }));
    }
  }
  return h("figure", {}, svg,
    h("ul", { class: "legend" }, lines.map((line) => h("li", {}, swatch(line.color), line.label))),
    h("figcaption", {}, spec.summary));
}

/** About six round ticks from lo to hi. */
function xTicks(/** @type {number} */ lo, /** @type {number} */ hi) {
  const span = hi - lo;
  const step = [1, 2, 5, 10, 20, 25, 50, 100, 200, 500, 1000].find((step) => span / step <= 8) ?? Math.ceil(span / 8);
  const ticks = [];
  for (let tick = Math.ceil(lo / step) * step; tick <= hi; tick += step) ticks.push(tick);
  return ticks;
}

/**
 * Horizontal bars from 0 to 100 % with each interval as a whisker.
 * @param {{ title: string, summary: string, bars: { label: string, value: number | null, low: number | null, high: number | null, n: number }[] }} spec
 */
export function intervalBars(spec) {
  const width = 640;
  const row = 34;
  const left = 190;
  const right = 100;
  const height = spec.bars.length * row + 34;
  const px = (/** @type {number} */ v) => left + v * (width - left - right);
  const titleId = uid("plot-title");
  const descId = uid("plot-desc");
  const svg = s("svg", { class: "plot", viewBox: `0 0 ${width} ${height}`, role: "img", "aria-labelledby": `${titleId} ${descId}` },
    s("title", { id: titleId }, spec.title), s("desc", { id: descId }, spec.summary));
  for (const tick of [0, 0.25, 0.5, 0.75, 1]) {
    svg.append(s("line", { class: "grid", x1: px(tick), x2: px(tick), y1: 8, y2: height - 22 }),
      s("text", { x: px(tick), y: height - 6, "text-anchor": "middle" }, `${tick * 100}%`));
  }
  spec.bars.forEach((bar, i) => {
    const y = 10 + i * row;
    svg.append(s("text", { x: left - 8, y: y + 17, "text-anchor": "end" }, bar.label));
    if (bar.value == null) {
      svg.append(s("text", { x: left + 6, y: y + 17 }, "no cases yet"));
      return;
    }
    svg.append(s("rect", { x: left, y: y + 4, width: Math.max(1, px(bar.value) - left), height: 18, rx: 3, fill: "#3d7cb8" }));
    if (bar.low != null && bar.high != null) {
      svg.append(s("line", { x1: px(bar.low), x2: px(bar.high), y1: y + 13, y2: y + 13, stroke: "#e6e9ee", "stroke-width": 2 }),
        s("line", { x1: px(bar.low), x2: px(bar.low), y1: y + 7, y2: y + 19, stroke: "#e6e9ee", "stroke-width": 2 }),
        s("line", { x1: px(bar.high), x2: px(bar.high), y1: y + 7, y2: y + 19, stroke: "#e6e9ee", "stroke-width": 2 }));
    }
    svg.append(s("text", { x: width - right + 6, y: y + 17 }, `${Math.round(bar.value * 100)}% n=${bar.n}`));
  });
  return h("figure", {}, svg, h("figcaption", {}, spec.summary));
}

/** A legend's colour square; coloured through the CSSOM, since the page's policy allows no
 * inline style attribute. */
export function swatch(/** @type {string} */ color) {
  const square = h("span", { class: "swatch", "aria-hidden": "true" });
  square.style.background = color;
  return square;
}
