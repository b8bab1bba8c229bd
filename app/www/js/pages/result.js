// A submitted read: the case in the viewer with the true lesions overlaid beside the reader's
// marks, which marks hit, missed or were false positives, the histology, the score, the
// experts' reference reads and the feedback thread (pinned marks drawn in the viewer). The
// trainee asks questions here; an expert reviews here: feedback and answers, with marks pinned
// by placing them in the viewer. Opening the page marks the thread read.

import { api, seg } from "../api.js";
import { announce, fmt, h, onSubmit, field, scrollBox } from "../dom.js";
import { me } from "../session.js";
import { sectorLabel } from "../sectors.js";
import { refreshUnread } from "../unread.js";
import { describePoint, viewerBox } from "../viewer.js";
import { caseHeading, clinicalContext } from "./reading.js";

export async function resultPage(/** @type {string} */ attemptId) {
  const user = me();
  const detail = await api.get(`/attempts/${seg(attemptId)}`);
  const reader = detail.trainee_id === user.id;
  if (!detail.result) return notSubmitted(detail, reader);
  const reviewer = !reader && user.roles.includes("expert");
  const box = viewerBox({ caseId: detail.case_id, label: `Images of ${detail.case.title}, with the true lesions` });
  const series = detail.case.series;
  const lesions = detail.report.lesions;
  const truth = detail.result.truth;

  /** The marks drawn as pinned marks: the thread's, and for a reviewer the trainee's lesions. */
  const pinned = (/** @type {any[]} */ messages) => [
    ...(reader ? [] : lesions.flatMap((/** @type {any} */ lesion, /** @type {number} */ i) => lesion.point ? [{ ...lesion.point, label: `T${i + 1}` }] : [])),
    ...messages.flatMap((/** @type {any} */ m) => m.marks),
  ];
  let messages = detail.result.messages;
  box.ready.then((viewer) => {
    if (!viewer) return;
    // The reader's own marks as the numbered markers they placed; a reviewer's markers are
    // the marks they pin to their feedback.
    if (reader) {
      const markers = lesions.flatMap((/** @type {any} */ lesion, /** @type {number} */ i) => lesion.point ? [{ number: i + 1, point: lesion.point }] : []);
      viewer.setMarkers(markers);
      // Opens on the slice of the first marked lesion, where the truth is to be compared.
      if (markers.length) viewer.selectMarker(markers[0].number);
    }
    viewer.setTrueLesions(truth.lesions.flatMap((/** @type {any} */ lesion, /** @type {number} */ i) =>
      lesion.centre_lps_mm && lesion.radius_mm ? [{ number: i + 1, centre_lps_mm: lesion.centre_lps_mm, radius_mm: lesion.radius_mm, isup_grade_group: lesion.isup_grade_group }] : []));
    viewer.setExpertMarks(pinned(messages));
  });

  const thread = h("ol", { class: "thread messages" });
  const drawThread = () => {
    thread.replaceChildren(...(messages.length === 0
      ? [h("li", { class: "muted" }, reader ? "No feedback yet. Your programme's experts review submitted reads." : "No message yet.")]
      : messages.map((/** @type {any} */ m) => h("li", { class: `message ${m.kind}` },
        h("p", { class: "small muted" }, h("strong", {}, m.author_name), ` · ${KIND[/** @type {keyof KIND} */ (m.kind)] ?? m.kind} · ${fmt.dateTime(m.created_at)}`),
        h("p", { class: "body" }, m.body),
        m.marks.length ? h("ul", { class: "small" }, m.marks.map((/** @type {any} */ mark) => h("li", {}, `Pinned mark “${mark.label}”: ${describePoint(mark, series)}`))) : null))));
  };
  drawThread();
  const afterPost = (/** @type {any[]} */ posted) => {
    messages = posted;
    drawThread();
    box.ready.then((viewer) => viewer?.setExpertMarks(pinned(messages)));
  };

  const node = h("div", { class: "result" },
    caseHeading(reader ? "Your result" : "Review", detail.case),
    h("p", { class: "muted" }, `${detail.reread_number ? `Re-read ${detail.reread_number}` : "First read"}, submitted ${fmt.dateTime(detail.submitted_at)} after ${fmt.duration(detail.submitted_at - detail.started_at)}.`),
    verdict(detail),
    h("div", { class: "reading-layout" },
      h("div", {}, box.node, legend(reader)),
      // Beside the images (which stay in view on a wide screen): the score, then the thread
      // and its form, so that marks can be pinned while writing.
      h("div", { class: "report-side" },
        scoreCards(detail),
        reportedTable(detail, series),
        truthTable(detail, reader),
        h("section", { "aria-labelledby": "thread-h" },
          h("h2", { id: "thread-h" }, "Feedback and questions"),
          thread,
          reader ? questionForm(detail.id, afterPost) : null,
          reviewer ? feedbackForm(detail, box.ready, series, afterPost) : null,
          reviewer ? h("p", {}, h("a", { href: `/cases/${seg(detail.case_id)}/reference-read` }, "File your reference read of this case")) : null),
        truth.teaching_notes ? h("section", { "aria-labelledby": "notes-h" }, h("h2", { id: "notes-h" }, "Teaching notes"), h("p", {}, truth.teaching_notes)) : null,
        referenceReads(detail, reader),
        clinicalContext(detail.case))));

  // Seen: the unread count drops.
  api.post(`/attempts/${seg(detail.id)}/read`).then(refreshUnread, (error) => announce(`Could not mark the thread read: ${error.message}`));
  return { title: reader ? `Result: ${detail.case.title}` : `Review: ${detail.case.title}`, node, leave: box.destroy };
}

const KIND = { feedback: "feedback", question: "question", answer: "answer" };

function notSubmitted(/** @type {any} */ detail, /** @type {boolean} */ reader) {
  return {
    title: detail.case.title,
    node: h("section", {},
      caseHeading(reader ? "Reading" : "Not submitted", detail.case),
      h("p", {}, reader
        ? "This read is not submitted yet: its result is shown once you submit it."
        : "The trainee has not submitted this read yet; there is nothing to review."),
      reader ? h("a", { href: `/read/${seg(detail.case_id)}` }, "Go on reading") : h("a", { href: "/review" }, "Back to the review queue")),
  };
}

function verdict(/** @type {any} */ detail) {
  const score = detail.score;
  const what = score.case_positive
    ? (score.correct ? "Correct: a clinically significant cancer was present and was found." : "Not correct: a clinically significant cancer was present and was not found.")
    : (score.correct ? "Correct: no clinically significant cancer, and none was reported." : "Not correct: there was no clinically significant cancer, but a lesion was reported as positive.");
  return h("p", { class: `notice ${score.correct ? "good" : "bad"}`, id: "verdict" }, what);
}

function scoreCards(/** @type {any} */ detail) {
  const score = detail.score;
  const card = (/** @type {string} */ label, /** @type {string} */ value, /** @type {string} */ note) =>
    h("div", { class: "card figure-card" }, h("h3", {}, label), h("p", { class: "value" }, value), h("p", { class: "muted small" }, note));
  return h("section", { "aria-labelledby": "score-h" },
    h("h2", { id: "score-h" }, "Score"),
    h("div", { class: "cards" },
      card("Overall category", `PI-RADS ${score.overall_category}`, score.case_positive ? "The case is positive (a clinically significant lesion)." : "The case is negative."),
      card("Hits", `${score.hits} of ${score.targets}`, "Clinically significant lesions found."),
      card("Misses", String(score.misses), "Clinically significant lesions not found."),
      card("False positives", String(score.false_positives), "Positive reported lesions with no significant cancer.")));
}

function reportedTable(/** @type {any} */ detail, /** @type {any[]} */ series) {
  const outcome = (/** @type {any} */ o) => {
    if (o.kind === "hit") return h("span", { class: "good" }, `Hit: true lesion ${o.truth_index + 1}${o.distance_mm != null ? ` (${o.distance_mm.toFixed(1)} mm away)` : " (by sectors)"}`);
    if (o.kind === "false_positive") return h("span", { class: "bad" }, `False positive${o.non_significant_truth_index != null ? `: true lesion ${o.non_significant_truth_index + 1} is not clinically significant` : ""}`);
    return h("span", { class: "muted" }, "Below the positive category: neither hit nor false positive");
  };
  const rows = detail.report.lesions.map((/** @type {any} */ lesion, /** @type {number} */ i) => ({ lesion, i, outcome: detail.score.reported[i] }));
  return h("section", { "aria-labelledby": "yours-h" },
    h("h2", { id: "yours-h" }, "Reported lesions"),
    rows.length === 0 ? h("p", {}, `No lesion reported; overall category ${detail.report.overall_category}.`) : scrollBox("Reported lesions", h("table", {},
      h("caption", {}, "Each reported lesion and what became of it"),
      h("thead", {}, h("tr", {}, ["Lesion", "Report", "Sectors", "Outcome"].map((label) => h("th", { scope: "col" }, label)))),
      h("tbody", {}, rows.map(({ lesion, i, outcome: o }) => h("tr", {},
        h("td", {}, `${i + 1}`, lesion.point ? h("span", { class: "muted small", title: describePoint(lesion.point, series) }, " (marked)") : null),
        h("td", {}, `PI-RADS ${lesion.category}: T2W ${lesion.t2w_score}, DWI ${lesion.dwi_score}, DCE ${DCE[/** @type {keyof DCE} */ (lesion.dce)] ?? lesion.dce}, ${lesion.size_mm} mm, EPE ${lesion.extraprostatic_extension ? "yes" : "no"}`),
        h("td", {}, sectorList(lesion.sectors)),
        h("td", {}, outcome(o))))))));
}

const DCE = { positive: "positive", negative: "negative", not_assessed: "not assessed" };

function truthTable(/** @type {any} */ detail, /** @type {boolean} */ reader) {
  const truth = detail.result.truth;
  const outcome = (/** @type {any} */ o) => {
    if (o.kind === "hit") return h("span", { class: "good" }, `Found by ${reader ? "your" : "the trainee's"} lesion ${o.reported_index + 1}`);
    if (o.kind === "missed") return h("span", { class: "bad" }, "Missed");
    return h("span", { class: "muted" }, "Not clinically significant: not a target");
  };
  return h("section", { "aria-labelledby": "truth-h" },
    h("h2", { id: "truth-h" }, "Histology: the true lesions"),
    truth.lesions.length === 0 ? h("p", {}, "No cancer at histology.") : scrollBox("True lesions", h("table", {},
      h("caption", {}, `Clinically significant from ISUP grade group ${truth.significant_from_isup}`),
      h("thead", {}, h("tr", {}, ["Lesion", "Histology", "Sectors", "Outcome"].map((label) => h("th", { scope: "col" }, label)))),
      h("tbody", {}, truth.lesions.map((/** @type {any} */ lesion, /** @type {number} */ i) => h("tr", {},
        h("td", {}, `${i + 1}${lesion.index ? " (index lesion)" : ""}`),
        h("td", {}, `ISUP ${lesion.isup_grade_group}, ${lesion.zone}${lesion.radius_mm == null ? "" : `, radius ${lesion.radius_mm} mm`}`),
        h("td", {}, sectorList(lesion.sectors)),
        h("td", {}, outcome(detail.score.truth[i]))))))));
}

/** Sector names, each kept on one line. */
const sectorList = (/** @type {string[]} */ sectors) => sectors.length === 0 ? "—"
  : h("ul", { class: "sector-names" }, sectors.map((sector) => h("li", { title: sectorLabel(sector) }, sector)));

function referenceReads(/** @type {any} */ detail, /** @type {boolean} */ reader) {
  const reads = detail.result.reference_reads;
  return h("section", { "aria-labelledby": "reference-h" },
    h("h2", { id: "reference-h" }, "Expert reference reads"),
    reads.length === 0 ? h("p", { class: "muted" }, "No expert has filed a reference read of this case yet.") : h("ul", { class: "thread" }, reads.map((/** @type {any} */ read) => h("li", {},
      h("p", {}, h("strong", {}, read.expert_name), `: overall PI-RADS ${read.overall_category} (${fmt.date(read.submitted_at)})`),
      read.report.lesions.length ? h("ul", { class: "small" }, read.report.lesions.map((/** @type {any} */ lesion, /** @type {number} */ i) =>
        h("li", {}, `Lesion ${i + 1}: ${lesion.sectors.join(", ")}; T2W ${lesion.t2w_score}, DWI ${lesion.dwi_score}, DCE ${DCE[/** @type {keyof DCE} */ (lesion.dce)] ?? lesion.dce}, ${lesion.size_mm} mm, category ${lesion.category}`))) : null,
      read.report.comment ? h("p", { class: "small" }, read.report.comment) : null))),
    detail.result.agreement_with_first_read ? agreement(detail.result.agreement_with_first_read, reader) : null);
}

function agreement(/** @type {any} */ a, /** @type {boolean} */ reader) {
  return h("p", { class: "notice" }, `Compared with ${reader ? "your" : "the trainee's"} first read (category ${a.first_overall_category}, ${a.first_correct ? "correct" : "not correct"}): `,
    a.same_overall_category ? "the same overall category" : "a different overall category", ", ",
    a.same_correctness ? "the same outcome." : "a different outcome. ",
    h("a", { href: `/attempts/${seg(a.first_attempt_id)}` }, "See the first read"));
}

function legend(/** @type {boolean} */ reader) {
  return h("ul", { class: "legend" },
    h("li", {}, reader ? "Numbered markers: your lesions" : "T1, T2…: the trainee's marked lesions"),
    h("li", {}, "Circles with their ISUP grade group: the true lesions"),
    h("li", {}, "Labelled marks: marks the experts pinned to their feedback"));
}

function questionForm(/** @type {string} */ attemptId, /** @type {(messages: any[]) => void} */ afterPost) {
  const body = /** @type {HTMLTextAreaElement} */ (h("textarea", { name: "body", rows: 3 }));
  const form = /** @type {HTMLFormElement} */ (h("form", { class: "stack" },
    field("Ask the experts a question", body, "About this case and your read of it; the experts of your programme answer here."),
    h("button", { type: "submit" }, "Ask")));
  return onSubmit(form, async () => {
    afterPost(await api.post(`/attempts/${seg(attemptId)}/messages`, { kind: "question", body: body.value }));
    body.value = "";
    return "Question sent";
  });
}

/** An expert's feedback or answer, with the markers they place in the viewer pinned to it. */
function feedbackForm(/** @type {any} */ detail, /** @type {Promise<any>} */ ready, /** @type {any[]} */ series, /** @type {(messages: any[]) => void} */ afterPost) {
  const open = detail.result.messages.some((/** @type {any} */ m) => m.kind === "question");
  const kind = h("select", { name: "kind" }, h("option", { value: "feedback", selected: !open }, "Feedback"), h("option", { value: "answer", selected: open }, "Answer to a question"));
  const body = /** @type {HTMLTextAreaElement} */ (h("textarea", { name: "body", rows: 4 }));
  const marks = h("ul", { class: "pins", "data-field": "marks" });
  /** @type {Map<number, string>} */
  const labels = new Map();
  /** @type {any} */
  let viewer = null;
  const drawMarks = () => {
    const markers = viewer ? viewer.markers() : [];
    marks.replaceChildren(...(markers.length === 0
      ? [h("li", { class: "muted small" }, "To pin a mark, choose the lesion marker tool and click the image; each mark is posted with its series, slice and position.")]
      : markers.map((/** @type {any} */ m) => {
        const input = /** @type {HTMLInputElement} */ (h("input", { type: "text", maxlength: 200, value: labels.get(m.number) ?? `${m.number}`, "aria-label": `Label of mark ${m.number}` }));
        input.addEventListener("input", () => labels.set(m.number, input.value));
        return h("li", {}, `Mark ${m.number}: ${describePoint(m.point, series)} `, input,
          h("button", { type: "button", class: "secondary", onclick: () => viewer.removeMarker(m.number) }, `Remove mark ${m.number}`));
      })));
  };
  ready.then((ready) => {
    viewer = ready;
    if (!viewer) return;
    for (const event of ["marker_placed", "marker_moved", "marker_deleted"]) viewer.on(event, drawMarks);
    drawMarks();
  });
  drawMarks();
  const form = /** @type {HTMLFormElement} */ (h("form", { class: "stack feedback-form" },
    h("h3", {}, "Write feedback"),
    field("Kind", kind),
    field("Message", body),
    h("fieldset", {}, h("legend", {}, "Pinned marks"), marks),
    h("button", { type: "submit" }, "Post")));
  return onSubmit(form, async () => {
    const markers = viewer ? viewer.markers() : [];
    const posted = await api.post(`/attempts/${seg(detail.id)}/messages`, {
      kind: kind.value,
      body: body.value,
      marks: markers.map((/** @type {any} */ m) => ({ ...m.point, label: labels.get(m.number) ?? `${m.number}` })),
    });
    for (const m of markers) viewer.removeMarker(m.number);
    labels.clear();
    body.value = "";
    afterPost(posted);
    return markers.length ? `Posted with ${markers.length} pinned mark${markers.length === 1 ? "" : "s"}` : "Posted";
  });
}
