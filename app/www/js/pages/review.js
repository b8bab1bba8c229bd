// The expert's review queue: submitted reads without feedback and questions without an answer
// from the trainees of the programmes they review, the longest waiting first, with reads that
// disagree with histology flagged; and the case bank, each case with the way to its reference
// read (the expert's own report, filed from the reading page), whether or not anything waits.

import { api, seg } from "../api.js";
import { fmt, h, table } from "../dom.js";

export async function reviewQueuePage() {
  const [queue, cases] = await Promise.all([api.get("/review-queue"), api.get("/cases")]);
  const now = Date.now();
  // The store lists by submission; what matters to the trainee is how long they have waited.
  queue.sort((/** @type {any} */ a, /** @type {any} */ b) => a.waiting_since - b.waiting_since);
  const flagged = queue.filter((/** @type {any} */ item) => item.disagrees_with_histology).length;
  const node = h("div", {},
    h("h1", { tabindex: -1 }, "Review queue"),
    h("p", {}, queue.length === 0
      ? "Nothing waiting: every submitted read has feedback and every question an answer."
      : `${queue.length} waiting, the longest waiting first; ${flagged} disagree${flagged === 1 ? "s" : ""} with histology.`),
    table({
      caption: "Reads and questions waiting for an expert",
      sortable: false,
      empty: "Nothing waiting.",
      rows: queue,
      columns: [
        { label: "Waiting", value: (item) => now - item.waiting_since, cell: (item) => h("span", { title: fmt.dateTime(item.waiting_since) }, fmt.duration(now - item.waiting_since)) },
        { label: "Case", value: (item) => item.case_title, cell: (item) => h("a", { href: `/attempts/${seg(item.attempt_id)}`, "aria-label": `Review ${item.trainee_name}'s read of ${item.case_title}` }, item.case_title) },
        { label: "Trainee", value: (item) => item.trainee_name },
        { label: "Read", value: (item) => (item.reread_number ? `re-read ${item.reread_number}` : "first read") },
        { label: "Submitted", value: (item) => fmt.dateTime(item.submitted_at) },
        {
          label: "Waiting for",
          value: (item) => item.open_question,
          cell: (item) => h("span", {}, [item.awaiting_feedback ? "feedback" : null, item.open_question ? "an answer" : null].filter(Boolean).join(" and ")),
        },
        {
          label: "Histology",
          value: (item) => item.disagrees_with_histology,
          cell: (item) => item.disagrees_with_histology ? h("span", { class: "status-pill status-overdue" }, "Disagrees") : h("span", { class: "muted" }, "Agrees"),
        },
      ],
    }),
    referenceReads(cases));
  return { title: "Review queue", node };
}

/** Every case of the bank, each with the way to the expert's reference read of it. */
function referenceReads(/** @type {any[]} */ cases) {
  return h("section", { "aria-labelledby": "reference-h" },
    h("h2", { id: "reference-h" }, "Reference reads"),
    h("p", { class: "muted" }, "Your own PI-RADS report of a case, filed from the reading page the trainees use: trainees who read the case are compared with it, and see it with their result."),
    cases.length === 0 ? h("p", { class: "muted" }, "The case bank is empty: an administrator imports studies and their truth.") : h("details", {},
      h("summary", {}, `Cases in the bank (${cases.length})`),
      h("ul", { class: "case-list" }, cases.map((/** @type {any} */ c) => h("li", {},
        h("span", {}, c.title, c.synthetic ? h("span", { class: "synthetic" }, "Synthetic") : null),
        h("a", { href: `/cases/${seg(c.id)}/reference-read`, "aria-label": `File a reference read of ${c.title}` }, "Reference read"))))));
}
