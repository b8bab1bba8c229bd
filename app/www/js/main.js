// The application's start: finds out who is signed in, draws the header with the menu of
// their roles and their unread count, and hands each path to its page.

import { api, ApiError, setCsrfToken, whenSessionEnds } from "./api.js";
import { announce, h, sentence } from "./dom.js";
import { configure, navigate, render, route, start } from "./router.js";
import { homeOf, session } from "./session.js";
import { refreshUnread } from "./unread.js";
import { loginPage } from "./pages/login.js";
import { traineeHome } from "./pages/trainee-home.js";
import { progressPage } from "./pages/progress.js";
import { programmesPage, programmePage, cohortPage } from "./pages/lead.js";
import { recordPage, verifyPage } from "./pages/record.js";
import { usersPage, caseBankPage, auditPage } from "./pages/admin.js";
import { readingPage, referenceReadPage } from "./pages/reading.js";
import { resultPage } from "./pages/result.js";
import { reviewQueuePage } from "./pages/review.js";
import { accountPage } from "./pages/account.js";

/** @typedef {import("./router.js").Page} Page */

/** The menu of each role: a user with several roles gets each role's entries once. */
const MENUS = {
  trainee: [["/", "Home"], ["/progress", "My progress"]],
  expert: [["/review", "Review queue"], ["/programmes", "Programmes"]],
  lead: [["/programmes", "Programmes"], ["/records/verify", "Verify a record"]],
  admin: [["/admin/users", "Users"], ["/admin/cases", "Case bank"], ["/admin/audit", "Audit log"], ["/programmes", "Programmes"]],
};

/** A page that needs a session; anything else it throws becomes a message in the page. */
function signedIn(/** @type {import("./router.js").PageFn} */ page) {
  return async (/** @type {Record<string,string>} */ params, /** @type {URLSearchParams} */ query) => {
    if (!session.user) {
      const next = location.pathname + location.search;
      history.replaceState(null, "", `/login?next=${encodeURIComponent(next)}`);
      return loginPage(new URLSearchParams({ next }), signInDone);
    }
    try {
      return await page(params, query);
    } catch (error) {
      return problemPage(error);
    }
  };
}

function problemPage(/** @type {unknown} */ error) {
  if (error instanceof ApiError && error.status === 403) {
    return { title: "Not yours to see", node: h("section", {}, h("h1", { tabindex: -1 }, "Not yours to see"), h("p", {}, "Your roles do not give you this page. Your programme lead or an administrator can change that.")) };
  }
  if (error instanceof ApiError && error.status === 404) {
    return { title: "Not found", node: h("section", {}, h("h1", { tabindex: -1 }, "Not found"), h("p", {}, sentence(error.message)), h("a", { href: "/" }, "Go to your home page")) };
  }
  console.error(error);
  const message = error instanceof Error ? error.message : String(error);
  return { title: "Something went wrong", node: h("section", {}, h("h1", { tabindex: -1 }, "Something went wrong"), h("p", { class: "notice bad", role: "alert" }, sentence(message)), h("button", { type: "button", onclick: () => render() }, "Try again")) };
}

async function signInDone(/** @type {{ user: any, csrf_token: string }} */ reply, /** @type {string | null} */ next) {
  session.user = reply.user;
  setCsrfToken(reply.csrf_token);
  drawHeader();
  await navigate(next && next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/login") ? next : homeOf(reply.user), { replace: true });
  announce(`Signed in as ${reply.user.display_name}`);
}

async function signOut() {
  try {
    await api.delete("/session");
  } catch (error) {
    // The session may have ended already: signing out is done either way.
    if (!(error instanceof ApiError && error.status === 401)) throw error;
  }
  session.user = null;
  setCsrfToken("");
  drawHeader();
  await navigate("/login", { replace: true });
  announce("Signed out");
}

function drawHeader() {
  const nav = /** @type {HTMLElement} */ (document.getElementById("nav"));
  const who = /** @type {HTMLElement} */ (document.getElementById("who"));
  const user = session.user;
  if (!user) {
    nav.hidden = true;
    nav.replaceChildren();
    who.replaceChildren();
    return;
  }
  const seen = new Set();
  const items = [];
  for (const role of user.roles) {
    for (const [href, label] of MENUS[/** @type {keyof MENUS} */ (role)] ?? []) {
      if (seen.has(href)) continue;
      seen.add(href);
      items.push(h("li", {}, h("a", { href }, label)));
    }
  }
  nav.hidden = false;
  nav.replaceChildren(h("ul", {}, items));
  who.replaceChildren(
    // The name leads to the account page, where the password is changed.
    h("span", {}, "Signed in as ", h("a", { href: "/account", class: "account", title: "Your account and password" }, h("strong", {}, user.display_name)), " "),
    h("span", { class: "roles", "aria-label": `Roles: ${user.roles.join(", ")}` }, user.roles.map((role) => h("span", { class: "role" }, role, " "))),
    // Messages come to trainees (feedback, answers) and experts (questions); a lead or an
    // admin gets none, so is shown no count.
    ...(user.roles.includes("trainee") || user.roles.includes("expert")
      ? [h("a", { id: "unread", href: user.roles.includes("trainee") ? "/#new" : "/review", "aria-live": "polite" }, "…")]
      : []),
    h("button", { type: "button", class: "secondary", onclick: () => signOut().catch((error) => announce(sentence(error.message))) }, "Sign out"),
  );
  refreshUnread();
}

function markCurrent() {
  for (const link of document.querySelectorAll("#nav a")) {
    const here = /** @type {HTMLAnchorElement} */ (link).pathname === location.pathname;
    if (here) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

let firstPage = true;
/** What the page on screen does when it is replaced (a viewer gives its GPU back). */
let leaveCurrent = () => {};

function show(/** @type {Page} */ page) {
  const main = /** @type {HTMLElement} */ (document.getElementById("main"));
  leaveCurrent();
  leaveCurrent = page.leave ?? (() => {});
  document.title = `${page.title} · Readroom`;
  main.replaceChildren(page.node);
  markCurrent();
  // After a navigation, focus goes to the new page's heading so that a screen reader reads it
  // and the keyboard starts there; the first page keeps the browser's start.
  if (!firstPage) (main.querySelector("h1") ?? main).focus?.();
  firstPage = false;
}

route("/login", async (_, query) => {
  if (session.user) {
    history.replaceState(null, "", homeOf(session.user));
    return render().then(() => ({ title: document.title, node: /** @type {any} */ (document.getElementById("main")).firstChild }));
  }
  return loginPage(query, signInDone);
});
route("/", signedIn(async (params, query) => {
  const user = /** @type {any} */ (session.user);
  if (!user.roles.includes("trainee")) {
    history.replaceState(null, "", homeOf(user));
    return routeAgain();
  }
  return traineeHome();
}));
route("/progress", signedIn(async () => progressPage(/** @type {any} */ (session.user).id)));
route("/trainees/:id/progress", signedIn(async ({ id }, query) => progressPage(id, query.get("programme"))));
route("/trainees/:id/record", signedIn(async ({ id }) => recordPage(id)));
route("/records/verify", signedIn(async (_, query) => verifyPage(query)));
route("/programmes", signedIn(programmesPage));
route("/programmes/:id", signedIn(async ({ id }) => programmePage(id)));
route("/cohorts/:id", signedIn(async ({ id }) => cohortPage(id)));
route("/read/:caseId", signedIn(async ({ caseId }) => readingPage(caseId)));
route("/attempts/:id", signedIn(async ({ id }) => resultPage(id)));
route("/review", signedIn(reviewQueuePage));
route("/cases/:id/reference-read", signedIn(async ({ id }) => referenceReadPage(id)));
route("/account", signedIn(accountPage));
route("/admin/users", signedIn(usersPage));
route("/admin/cases", signedIn(caseBankPage));
route("/admin/audit", signedIn(auditPage));

/** The page for the location after a redirect inside a page function. */
async function routeAgain() {
  await render();
  return { title: document.title.replace(/ · Readroom$/, ""), node: /** @type {Node} */ (/** @type {HTMLElement} */ (document.getElementById("main")).firstChild) };
}

configure({
  show,
  notFound: signedIn(async () => ({
    title: "Not found",
    node: h("section", {}, h("h1", { tabindex: -1 }, "No such page"), h("p", {}, "This address is not a page of Readroom."), h("a", { href: "/" }, "Go to your home page")),
  })),
});

whenSessionEnds(() => {
  if (!session.user) return;
  session.user = null;
  drawHeader();
  navigate(`/login?next=${encodeURIComponent(location.pathname + location.search)}&ended=1`, { replace: true });
});

async function boot() {
  try {
    const reply = await api.get("/session");
    session.user = reply.user;
    setCsrfToken(reply.csrf_token);
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 401)) {
      announce(sentence(/** @type {Error} */ (error).message));
    }
  }
  drawHeader();
  start();
  await render();
}

boot();
