// Reading a case: the viewer beside the structured report, with the clinical context a reader
// would have. A trainee's reading is an attempt (started or resumed when the page opens; a
// re-read is blinded like a first read: nothing of the earlier read is shown); an expert's is
// their reference read of the case, filed from the same page.

import { api, ApiError, seg } from "../api.js";
import { fmt, h, sentence } from "../dom.js";
import { navigate } from "../router.js";
import { me } from "../session.js";
import { reportForm } from "../report-form.js";
import { viewerBox } from "../viewer.js";

const SUBMIT_WARNING = "Once submitted, the report is frozen: it cannot be changed. Only then are the histology, the true lesions and your score shown.";

/** The trainee's reading page for a case. */
export async function readingPage(/** @type {string} */ caseId) {
  let attempt;
  try {
    attempt = await api.post("/attempts", { case_id: caseId });
  } catch (error) {
    if (error instanceof ApiError && error.status === 409) return alreadyRead(caseId, error);
    throw error;
  }
  const detail = await api.get(`/attempts/${seg(attempt.id)}`);
  const id = seg(attempt.id);
  const box = viewerBox({ caseId, label: `Images of ${detail.case.title}` });
  const saved = h("p", { class: "muted small", "aria-live": "polite" }, attempt.report.lesions.length || attempt.report.comment ? "Your saved draft is restored." : "");
  const form = reportForm({
    report: attempt.report,
    series: detail.case.series,
    viewer: box.ready,
    actions: [
      {
        label: "Save draft",
        run: async (report) => {
          await api.put(`/attempts/${id}/report`, report);
          saved.textContent = `Draft saved at ${fmt.dateTime(Date.now())}.`;
          return "Draft saved";
        },
      },
      {
        label: "Submit report…",
        primary: true,
        confirm: SUBMIT_WARNING,
        run: async (report) => {
          await api.post(`/attempts/${id}/submit`, report);
          await navigate(`/attempts/${id}`);
          return "Report submitted and scored";
        },
      },
    ],
  });
  const which = attempt.reread_number
    ? `Re-read ${attempt.reread_number}, blinded: your earlier read and its result stay hidden until you submit.`
    : "First read.";
  const node = h("div", { class: "reading" },
    caseHeading("Reading", detail.case),
    h("p", { class: "muted" }, `${which} Opened ${fmt.dateTime(attempt.started_at)}; the time to submission is recorded.`),
    h("div", { class: "reading-layout" },
      box.node,
      h("div", { class: "report-side" }, clinicalContext(detail.case), saved, form.node)));
  return { title: `Reading ${detail.case.title}`, node, leave: box.destroy };
}

/** A case already read with no re-read due: where its result is. */
async function alreadyRead(/** @type {string} */ caseId, /** @type {ApiError} */ error) {
  const attempts = await api.get("/attempts");
  const read = attempts.filter((/** @type {any} */ a) => a.case_id === caseId && a.submitted_at != null).at(-1);
  return {
    title: "Already read",
    node: h("section", {},
      h("h1", { tabindex: -1 }, "Already read"),
      h("p", { class: "notice" }, sentence(error.message)),
      read ? h("p", {}, h("a", { href: `/attempts/${seg(read.id)}` }, "See your result for this case")) : null,
      h("a", { href: "/" }, "Go to your home page")),
  };
}

/** An expert's reference read of a case, filed from the reading page. */
export async function referenceReadPage(/** @type {string} */ caseId) {
  const user = me();
  const [detail, reads] = await Promise.all([api.get(`/cases/${seg(caseId)}`), api.get(`/cases/${seg(caseId)}/reference-reads`)]);
  const mine = reads.find((/** @type {any} */ read) => read.expert_id === user.id);
  const box = viewerBox({ caseId, label: `Images of ${detail.title}` });
  const filed = h("p", { class: "muted small", "aria-live": "polite" }, mine ? `You filed a reference read on ${fmt.dateTime(mine.submitted_at)}; filing again replaces it.` : "");
  const form = reportForm({
    report: mine?.report ?? { lesions: [], overall_category: null, comment: "" },
    series: detail.series,
    viewer: box.ready,
    actions: [{
      label: "File reference read…",
      primary: true,
      confirm: "Trainees who have read this case will be compared with this report. Filing again later replaces it.",
      run: async (report) => {
        await api.put(`/cases/${seg(caseId)}/reference-read`, report);
        filed.textContent = `Reference read filed at ${fmt.dateTime(Date.now())}.`;
        return "Reference read filed";
      },
    }],
  });
  const node = h("div", { class: "reading" },
    caseHeading("Reference read", detail),
    h("p", { class: "muted" }, "Your own PI-RADS report of this case, which trainees' reads are compared with."),
    h("div", { class: "reading-layout" },
      box.node,
      h("div", { class: "report-side" }, clinicalContext(detail), filed, form.node)));
  return { title: `Reference read of ${detail.title}`, node, leave: box.destroy };
}

/** "Reading: Case 12 [synthetic]" */
export function caseHeading(/** @type {string} */ what, /** @type {any} */ summary) {
  return h("h1", { tabindex: -1 }, `${what}: ${summary.title}`, summary.synthetic ? h("span", { class: "synthetic" }, "Synthetic") : null);
}

/** What a reader knows before reading: age, PSA, PSA density, volume, indication, prior biopsy. */
export function clinicalContext(/** @type {any} */ summary) {
  const c = summary.clinical ?? {};
  const rows = [
    ["Age", c.age == null ? null : `${c.age} years`],
    ["PSA", c.psa_ng_ml == null ? null : `${c.psa_ng_ml} ng/mL`],
    ["PSA density", c.psa_density == null ? null : `${c.psa_density} ng/mL/mL`],
    ["Prostate volume", c.prostate_volume_ml == null ? null : `${c.prostate_volume_ml} mL`],
    ["Indication", c.indication],
    ["Prior biopsy", c.prior_biopsy],
  ];
  return h("section", { class: "card clinical", "aria-labelledby": "clinical-h" },
    h("h2", { id: "clinical-h" }, "Clinical context"),
    h("dl", { class: "facts" }, rows.flatMap(([label, value]) => [h("dt", {}, label), h("dd", {}, value ?? "not given")])),
    summary.synthetic ? h("p", { class: "muted small" }, "A synthetic case: a generated phantom, not patient data.") : null);
}
