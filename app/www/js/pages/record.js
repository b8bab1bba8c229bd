// The printable training record of a trainee (for accreditation or CPD): cases read, time
// spent and scores, with the verification code the server derives from the record's content
// (backend/server/src/records.rs), and the page that checks such a code.

import { api, ApiError, seg } from "../api.js";
import { field, fmt, h, onSubmit, scrollBox, sentence } from "../dom.js";
import { navigate } from "../router.js";

export async function recordPage(/** @type {string} */ traineeId) {
  const record = await api.get(`/trainees/${seg(traineeId)}/record`);
  const verifyUrl = `${location.origin}/records/verify?trainee=${seg(traineeId)}&code=${seg(record.verification_code)}`;
  const node = h("article", { class: "record" },
    h("div", { class: "no-print" },
      h("p", {}, h("a", { href: `/trainees/${seg(traineeId)}/progress` }, "Progress plots")),
      h("button", { type: "button", onclick: () => window.print() }, "Print this record")),
    recordBody(record),
    h("section", { class: "panel", "aria-labelledby": "verify-h" },
      h("h2", { id: "verify-h" }, "Verification"),
      h("p", {}, "Verification code: ", h("strong", { id: "verification-code" }, record.verification_code)),
      h("p", { class: "small" }, "Whoever holds an account that may follow this trainee can check the code at ", h("span", { class: "print-only" }, verifyUrl),
        h("a", { class: "no-print", href: `/records/verify?trainee=${seg(traineeId)}&code=${seg(record.verification_code)}` }, "the verification page"),
        ". It matches only while every read and score in this record is exactly what Readroom holds.")));
  return { title: `Training record: ${record.trainee.display_name}`, node };
}

/** The record itself: used by the printable page and by the verification page. */
function recordBody(/** @type {any} */ record) {
  const firstReads = record.reads.filter((/** @type {any} */ r) => r.reread_number === 0);
  return h("div", {},
    h("h1", { tabindex: -1 }, "Training record"),
    h("p", {}, h("strong", {}, record.trainee.display_name), ` (${record.trainee.username}) · prostate MRI, PI-RADS v2.1 · reads submitted up to ${fmt.dateTime(record.as_of)}`),
    scrollBox("Summary", h("table", {},
      h("caption", {}, "Summary"),
      h("tbody", {}, [
        ["Cases read", `${record.cases_read}`],
        ["First reads; re-reads", `${record.first_reads}; ${record.rereads}`],
        ["Time spent reading", fmt.duration(record.time_spent_ms)],
        ["Median time per read", fmt.duration(record.median_reading_ms)],
        ["Accuracy of first reads (95% CI)", fmt.proportion(record.accuracy)],
        ["Accuracy of re-reads (95% CI)", fmt.proportion(record.reread_accuracy)],
        ["Significant lesions found (95% CI)", fmt.proportion(record.lesion_detection)],
        ["False positive lesions", `${record.false_positives}`],
      ].map(([label, value]) => h("tr", {}, h("th", { scope: "row" }, label), h("td", {}, value)))))),
    h("h2", {}, `Reads (${record.reads.length})`),
    scrollBox("Every submitted read", h("table", {},
      h("caption", {}, `Every submitted read, oldest first; ${firstReads.length} first reads`),
      h("thead", {}, h("tr", {}, ["Submitted", "Case", "Read", "Overall PI-RADS", "Result", "Time"].map((label) => h("th", { scope: "col" }, label)))),
      h("tbody", {}, record.reads.length === 0
        ? h("tr", {}, h("td", { colspan: 6, class: "muted" }, "No submitted read yet."))
        : record.reads.map((/** @type {any} */ r) => h("tr", {},
          h("td", {}, fmt.dateTime(r.submitted_at)),
          h("td", {}, r.case_title),
          h("td", {}, r.reread_number === 0 ? "first" : `re-read ${r.reread_number}`),
          h("td", { class: "num" }, r.overall_category ?? "—"),
          h("td", { class: r.correct ? "good" : "bad" }, r.correct == null ? "—" : r.correct ? "correct" : "incorrect"),
          h("td", { class: "num" }, fmt.duration(r.reading_ms))))))));
}

export async function verifyPage(/** @type {URLSearchParams} */ query) {
  const trainee = query.get("trainee") ?? "";
  const code = query.get("code") ?? "";
  const form = /** @type {HTMLFormElement} */ (h("form", { class: "stack no-print", novalidate: true },
    field("Trainee id", h("input", { name: "trainee", value: trainee, autocomplete: "off", spellcheck: "false" }), "As printed in the record's verification address"),
    field("Verification code", h("input", { name: "code", value: code, autocomplete: "off", spellcheck: "false" }), "For example RR1-MHX2K3L0-4F2A9C01B7D3E8F0"),
    h("div", {}, h("button", { type: "submit" }, "Verify"))));
  onSubmit(form, async (data) => {
    const next = new URLSearchParams({ trainee: String(data.get("trainee") ?? "").trim(), code: String(data.get("code") ?? "").trim() });
    if (!next.get("trainee")) throw new ApiError(422, { code: "invalid", message: "trainee: enter the trainee id", fields: { trainee: "enter the trainee id printed with the code" } });
    await navigate(`/records/verify?${next}`);
  });
  let outcome = null;
  if (trainee && code) {
    try {
      const result = await api.get(`/trainees/${seg(trainee)}/record/verify?code=${seg(code)}`);
      outcome = result.valid
        ? h("div", {}, h("p", { class: "notice good", role: "status" }, `Valid: this code matches the training record of ${result.record.trainee.display_name} as of ${fmt.dateTime(result.record.as_of)}, shown below as Readroom holds it.`), recordBody(result.record))
        : h("p", { class: "notice bad", role: "alert" }, "Not valid: no record of this trainee with this code. The record was altered, the code mistyped, or its scores have been recomputed since it was issued.");
    } catch (error) {
      if (!(error instanceof ApiError) || error.status >= 500) throw error;
      outcome = h("p", { class: "notice bad", role: "alert" }, error.status === 403
        ? "You may not see this trainee's records: only the trainee, their programme's leads and experts, and administrators can verify them."
        : sentence(Object.values(error.fields)[0] ? `${Object.keys(error.fields)[0]}: ${Object.values(error.fields)[0]}` : error.message));
    }
  }
  const node = h("div", {}, h("h1", { tabindex: -1 }, "Verify a training record"), form, outcome);
  return { title: "Verify a training record", node };
}
