// The trainee's home: their case sets with dates and progress, their rolling accuracy over
// the last 20 and 50 first reads (with n and the 95% Wilson interval), and what is new:
// unread feedback and answers, and re-reads that are due.

import { api, seg } from "../api.js";
import { announce, fmt, h } from "../dom.js";
import { me } from "../session.js";
import { refreshUnread } from "../unread.js";

/** Where a case is read: the viewer beside the report form. */
export const readLink = (/** @type {string} */ caseId) => `/read/${seg(caseId)}`;

export async function traineeHome() {
  const user = me();
  const [assignments, rereads, unread, rolling] = await Promise.all([
    api.get("/assignments"),
    api.get("/rereads"),
    api.get("/unread"),
    api.get(`/trainees/${seg(user.id)}/rolling`),
  ]);
  const node = h("div", {},
    h("h1", { tabindex: -1 }, `Welcome, ${user.display_name}`),
    accuracySection(rolling),
    await newSection(unread, rereads),
    assignmentsSection(assignments));
  return { title: "Home", node };
}

/** One rolling window as a card: the percentage, its interval and n. */
export function rollingCard(/** @type {string} */ label, /** @type {import("../dom.js").Proportion} */ p, /** @type {number} */ window) {
  const partial = p.n > 0 && p.n < window;
  return h("div", { class: "card figure-card" },
    h("h3", {}, label),
    h("p", { class: "value" }, p.n === 0 ? "—" : fmt.percent(p.value)),
    h("p", { class: "muted small" }, p.n === 0
      ? "No scored first reads yet."
      : `95% CI ${fmt.percent(p.low)}–${fmt.percent(p.high)} · ${p.successes} of n = ${p.n} correct${partial ? ` (fewer than ${window} read so far)` : ""}`));
}

function accuracySection(/** @type {any} */ rolling) {
  return h("section", { "aria-labelledby": "accuracy-h" },
    h("h2", { id: "accuracy-h" }, "Your accuracy"),
    h("div", { class: "cards" },
      rollingCard("Last 20 cases", rolling.rolling.last_20, 20),
      rollingCard("Last 50 cases", rolling.rolling.last_50, 50)),
    h("p", {}, `${rolling.first_reads} first reads scored. `, h("a", { href: "/progress" }, "See your progress in detail")));
}

async function newSection(/** @type {any} */ unread, /** @type {any[]} */ rereads) {
  const due = rereads.filter((r) => r.due);
  const coming = rereads.filter((r) => !r.due);
  const threads = await Promise.all(Object.entries(unread.attempts).slice(0, 10)
    .map(async ([attemptId, count]) => ({ attempt: await api.get(`/attempts/${seg(attemptId)}`), count: /** @type {number} */ (count) })));
  const items = [];
  for (const { attempt, count } of threads) {
    const messages = attempt.result?.messages ?? [];
    const item = h("li", { class: "card" },
      h("h3", {}, h("a", { href: `/attempts/${seg(attempt.id)}` }, attempt.case.title), attempt.case.synthetic ? h("span", { class: "synthetic" }, "Synthetic") : null),
      h("p", {}, `${count} new ${count === 1 ? "message" : "messages"} on your ${attempt.reread_number ? `re-read ${attempt.reread_number}` : "read"} of ${fmt.date(attempt.submitted_at)}.`),
      h("ul", { class: "thread" }, messages.slice(-3).map((/** @type {any} */ m) => h("li", {},
        h("strong", {}, m.author_name), ` (${m.kind}, ${fmt.dateTime(m.created_at)}): `, m.body))));
    const done = h("button", { type: "button", class: "secondary" }, "Mark as read");
    done.addEventListener("click", async () => {
      done.setAttribute("disabled", "");
      try {
        await api.post(`/attempts/${seg(attempt.id)}/read`);
        item.remove();
        announce("Marked as read");
        refreshUnread();
      } catch (error) {
        announce(`Could not mark as read: ${/** @type {Error} */ (error).message}`);
        done.removeAttribute("disabled");
      }
    });
    item.append(done);
    items.push(item);
  }
  return h("section", { "aria-labelledby": "new-h", id: "new" },
    h("h2", { id: "new-h" }, "What is new"),
    items.length === 0 && due.length === 0 ? h("p", { class: "muted" }, "Nothing new: no unread feedback or answers, and no re-read due.") : null,
    items.length ? h("ul", { class: "thread" }, items) : null,
    due.length ? h("div", {},
      h("h3", {}, `Re-reads due (${due.length})`),
      h("p", { class: "muted small" }, "Cases you read wrongly come back, blinded, so that you can read them again."),
      h("ul", { class: "case-list" }, due.map((r) => h("li", {},
        h("span", {}, r.case_title, ` · re-read ${r.reread_number}, due ${fmt.date(r.due_at)}`),
        h("a", { href: readLink(r.case_id) }, "Read again"))))) : null,
    coming.length ? h("p", { class: "muted" }, `${coming.length} more re-read${coming.length === 1 ? "" : "s"} coming; the next on ${fmt.date(coming[0].due_at)}.`) : null);
}

const STATUS = { open: "Open", overdue: "Overdue", upcoming: "Not open yet", done: "Done" };

function assignmentsSection(/** @type {any[]} */ assignments) {
  return h("section", { "aria-labelledby": "sets-h" },
    h("h2", { id: "sets-h" }, "Your case sets"),
    assignments.length === 0 ? h("p", { class: "muted" }, "No case set has been assigned to you yet. Your programme lead assigns them.") : null,
    assignments.map((a) => {
      const read = a.cases.filter((/** @type {any} */ c) => c.submitted).length;
      const total = a.cases.length;
      const progressId = `progress-${a.id}`;
      return h("article", { class: "card", "aria-labelledby": `set-${a.id}` },
        h("h3", { id: `set-${a.id}` }, a.case_set_name, " ",
          h("span", { class: `status-pill status-${a.status}` }, STATUS[/** @type {keyof STATUS} */ (a.status)] ?? a.status)),
        h("p", { class: "muted" }, `${a.cohort_name} · opens ${fmt.date(a.opens_at)} · due ${fmt.date(a.due_at)}`),
        a.status === "upcoming" ? h("p", {}, `Its cases show when it opens on ${fmt.date(a.opens_at)}.`) : h("div", {},
          h("div", { class: "progress-row" },
            h("label", { for: progressId }, `${read} of ${total} read`),
            h("progress", { id: progressId, max: total || 1, value: read })),
          h("details", { open: a.status !== "done" && total <= 40 },
            h("summary", {}, `Cases (${total - read} left to read)`),
            h("ul", { class: "case-list" }, a.cases.map((/** @type {any} */ c) => h("li", {},
              h("span", {}, c.title, c.synthetic ? h("span", { class: "synthetic" }, "Synthetic") : null),
              c.submitted
                ? h("a", { href: `/attempts/${seg(c.attempt_id)}`, "aria-label": `See the result of ${c.title}` }, "See the result")
                : h("a", { href: readLink(c.case_id), "aria-label": `${c.attempt_id ? "Go on reading" : "Read"} ${c.title}` }, c.attempt_id ? "Go on reading" : "Read")))))));
    }));
}
