// A trainee's progress, from GET /api/trainees/{id}/analytics: the rolling accuracy over the
// last 20 and 50 first reads as it moved, with its 95% intervals as bands; the CUSUM learning
// curve with its decision limits; sensitivity, specificity, PPV and NPV; misses on the sector
// map; and reading time. The trainee sees their own; their leads and experts, and admins,
// see it from the cohort table.

import { api, seg } from "../api.js";
import { fmt, h, scrollBox } from "../dom.js";
import { intervalBars, linePlot } from "../plots.js";
import { sectorHeatMap } from "../sectors.js";
import { me } from "../session.js";
import { rollingCard } from "./trainee-home.js";

const PERCENT_TICKS = [0, 0.25, 0.5, 0.75, 1];
const percent = (/** @type {number} */ y) => `${Math.round(y * 100)}%`;

/** @param {string} traineeId @param {string | null} [programmeId] whose CUSUM rates to use */
export async function progressPage(traineeId, programmeId = null) {
  const own = traineeId === me().id;
  const query = programmeId ? `?programme_id=${seg(programmeId)}` : "";
  const [analytics, record] = await Promise.all([
    api.get(`/trainees/${seg(traineeId)}/analytics${query}`),
    api.get(`/trainees/${seg(traineeId)}/record`),
  ]);
  const name = record.trainee.display_name;
  const title = own ? "My progress" : `Progress of ${name}`;
  const n = analytics.first_reads;
  const node = h("div", {},
    h("h1", { tabindex: -1 }, title),
    h("p", {}, h("a", { href: `/trainees/${seg(traineeId)}/record` }, own ? "Your training record" : `Training record of ${name}`),
      own ? " (printable, with a verification code, for accreditation or CPD)" : null),
    h("section", { "aria-labelledby": "now-h" },
      h("h2", { id: "now-h" }, "Now"),
      h("div", { class: "cards" },
        rollingCard("Last 20 cases", analytics.rolling.last_20, 20),
        rollingCard("Last 50 cases", analytics.rolling.last_50, 50))),
    n === 0
      ? h("p", { class: "notice" }, `${own ? "You have" : `${name} has`} no scored first read yet: the plots appear after the first submitted report.`)
      : [
        curveSection(analytics),
        cusumSection(analytics),
        accuracySection(analytics),
        h("section", { class: "panel", "aria-labelledby": "misses-h" },
          h("h2", { id: "misses-h" }, "Where misses cluster"),
          h("p", { class: "muted" }, "Clinically significant lesions missed, counted in every PI-RADS v2.1 sector each lies in."),
          sectorHeatMap({ values: analytics.misses_by_sector, title: "Missed lesions by sector", unit: "misses" })),
        timeSection(analytics, record),
        otherFigures(analytics),
      ]);
  return { title, node };
}

function curveSection(/** @type {any} */ a) {
  const points = a.over_time.map((/** @type {any} */ p, /** @type {number} */ i) => ({ x: i + 1, r20: p.rolling.last_20, r50: p.rolling.last_50 }));
  const line = (/** @type {"r20" | "r50"} */ key) => points.filter((/** @type {any} */ p) => p[key].value != null).map((/** @type {any} */ p) => /** @type {[number, number]} */ ([p.x, p[key].value]));
  const band = (/** @type {"r20" | "r50"} */ key) => points.filter((/** @type {any} */ p) => p[key].low != null).map((/** @type {any} */ p) => /** @type {[number, number, number]} */ ([p.x, p[key].low, p[key].high]));
  const last = a.over_time[a.over_time.length - 1];
  return h("section", { class: "panel", "aria-labelledby": "curve-h" },
    h("h2", { id: "curve-h" }, "Rolling accuracy over time"),
    // Until the 21st first read both windows hold every read, and the last-50 line is drawn
    // over the last-20 one: said, so that nobody looks for a missing line.
    a.first_reads <= 20 ? h("p", { class: "muted" }, `With ${a.first_reads} first read${a.first_reads === 1 ? "" : "s"}, both windows hold every read: the two lines are one until the 21st first read.`) : null,
    linePlot({
      title: "Rolling accuracy after each first read",
      summary: `After ${a.first_reads} first reads: last 20 ${fmt.proportion(last.rolling.last_20)}; last 50 ${fmt.proportion(last.rolling.last_50)}. Shaded: 95% Wilson intervals.`,
      xLabel: "First reads, in order",
      yMin: 0, yMax: 1, yTicks: PERCENT_TICKS, yFormat: percent,
      lines: [
        { label: "Last 20 (band: 95% CI)", color: "#6cb8fa", points: line("r20"), band: band("r20"), bandColor: "rgba(108,184,250,.2)" },
        { label: "Last 50 (band: 95% CI)", color: "#c896ff", points: line("r50"), band: band("r50"), bandColor: "rgba(200,150,255,.2)" },
      ],
    }));
}

function cusumSection(/** @type {any} */ a) {
  const c = a.cusum;
  const values = c.values;
  const lo = Math.min(c.h0, ...values) - 0.5;
  const hi = Math.max(c.h1, ...values) + 0.5;
  const ticks = [];
  for (let t = Math.ceil(lo); t <= Math.floor(hi); t++) ticks.push(t);
  const signal = c.signal.kind === "none"
    ? "Neither limit has been crossed yet."
    : c.signal.kind === "acceptable"
      ? `The curve crossed the lower limit at read ${c.signal.at + 1}: performance is acceptable.`
      : `The curve crossed the upper limit at read ${c.signal.at + 1}: performance is not yet acceptable.`;
  const s = a.cusum_settings;
  return h("section", { class: "panel", "aria-labelledby": "cusum-h" },
    h("h2", { id: "cusum-h" }, "Learning curve (CUSUM)"),
    h("p", { class: "muted" }, `Bolsin and Colson's CUSUM over first reads: a wrong read adds ${fmt.number(1 - c.s)}, a right one subtracts ${fmt.number(c.s)}. Acceptable failure rate ${percent(s.p0)}, unacceptable ${percent(s.p1)}, α = ${s.alpha}, β = ${s.beta}.`),
    linePlot({
      title: "CUSUM of wrong reads",
      summary: `${signal} Now at ${fmt.number(values[values.length - 1])}; limits ${fmt.number(c.h0)} (acceptable) and ${fmt.number(c.h1)} (unacceptable).`,
      xLabel: "First reads, in order",
      yMin: lo, yMax: hi, yTicks: ticks, yFormat: (y) => String(y),
      limits: [
        { y: c.h1, label: `h1 = ${fmt.number(c.h1)} unacceptable` },
        { y: c.h0, label: `h0 = ${fmt.number(c.h0)} acceptable`, className: "low" },
      ],
      lines: [{ label: "CUSUM", color: "#ffd479", points: [[0, 0], ...values.map((/** @type {number} */ v, /** @type {number} */ i) => /** @type {[number, number]} */ ([i + 1, v]))] }],
    }));
}

function accuracySection(/** @type {any} */ a) {
  const bars = [];
  for (const [threshold, figures] of [[3, a.at_category_3], [4, a.at_category_4]]) {
    for (const [key, label] of [["sensitivity", "Sensitivity"], ["specificity", "Specificity"], ["ppv", "PPV"], ["npv", "NPV"]]) {
      const p = figures[key];
      bars.push({ label: `${label}, PI-RADS ≥ ${threshold}`, value: p.value, low: p.low, high: p.high, n: p.n });
    }
  }
  return h("section", { class: "panel", "aria-labelledby": "sens-h" },
    h("h2", { id: "sens-h" }, "Sensitivity and specificity"),
    intervalBars({
      title: "Patient-level figures with 95% intervals",
      summary: `At PI-RADS ≥ 3: sensitivity ${fmt.proportion(a.at_category_3.sensitivity)}, specificity ${fmt.proportion(a.at_category_3.specificity)}.`,
      bars,
    }));
}

function timeSection(/** @type {any} */ a, /** @type {any} */ record) {
  const firstReads = record.reads.filter((/** @type {any} */ r) => r.reread_number === 0);
  const minutes = firstReads.map((/** @type {any} */ r, /** @type {number} */ i) => /** @type {[number, number]} */ ([i + 1, r.reading_ms / 60000]));
  const top = Math.max(1, ...minutes.map(([, m]) => m)) * 1.1;
  const step = top > 20 ? 10 : top > 8 ? 2 : 1;
  const ticks = [];
  for (let t = 0; t <= top; t += step) ticks.push(t);
  const median = a.median_reading_ms == null ? null : a.median_reading_ms / 60000;
  return h("section", { class: "panel", "aria-labelledby": "time-h" },
    h("h2", { id: "time-h" }, "Reading time"),
    linePlot({
      title: "Minutes from opening a case to submitting the report",
      summary: `Median ${fmt.duration(a.median_reading_ms)} over ${firstReads.length} first reads.`,
      xLabel: "First reads, in order",
      yMin: 0, yMax: top, yTicks: ticks, yFormat: (y) => `${y} min`,
      limits: median == null ? [] : [{ y: median, label: `median ${fmt.duration(a.median_reading_ms)}`, className: "low" }],
      lines: [{ label: "Minutes per read", color: "#7fd99a", points: minutes, dots: true }],
    }));
}

function otherFigures(/** @type {any} */ a) {
  const rows = [
    ["Lesion detection (hits / significant lesions)", fmt.proportion(a.lesion_detection)],
    ["False positives per case", fmt.number(a.false_positives_per_case)],
    ["AUROC of the overall category", fmt.number(a.auroc)],
    ["Agreement with experts (quadratic-weighted κ)", a.kappa_with_experts == null ? "no reference reads yet" : `${fmt.number(a.kappa_with_experts)} over ${a.kappa_pairs} pairs`],
    ["Median reading time", fmt.duration(a.median_reading_ms)],
    ["Re-reads", a.rereads.rereads === 0 ? "none yet" : `${a.rereads.rereads}: ${a.rereads.correct} right, ${a.rereads.same_overall_category} with the same overall category as the first read`],
  ];
  return h("section", { "aria-labelledby": "more-h" },
    h("h2", { id: "more-h" }, "More figures"),
    scrollBox("More figures", h("table", {},
      h("caption", {}, "Over all scored first reads"),
      h("tbody", {}, rows.map(([label, value]) => h("tr", {}, h("th", { scope: "row" }, label), h("td", {}, value)))))));
}
