// A small router on the History API: real paths (/progress, /lead/programmes/<id>) that work
// when reloaded or linked to, because the server answers every path that is not a file with
// the application's shell. Links inside the application are followed without a reload;
// /api/ and /viewer/ are left to the browser.

/** @typedef {(params: Record<string, string>, query: URLSearchParams) => Promise<Page>} PageFn */
/** @typedef {{ title: string, node: Node, leave?: () => void }} Page */

/** @type {{ pattern: RegExp, keys: string[], page: PageFn }[]} */
const routes = [];
/** @type {(path: string) => Promise<Page>} */
let notFound = async () => ({ title: "Not found", node: document.createTextNode("Not found") });
/** @type {(page: Page, path: string) => void} */
let show = () => {};

/** `/lead/programmes/:id` → a pattern with the named parameter. */
export function route(/** @type {string} */ path, /** @type {PageFn} */ page) {
  const keys = [];
  const source = path.replace(/:(\w+)/g, (_, key) => {
    keys.push(key);
    return "([^/]+)";
  });
  routes.push({ pattern: new RegExp(`^${source}/?$`), keys, page });
}

export function configure(/** @type {{ show: typeof show, notFound: typeof notFound }} */ options) {
  show = options.show;
  notFound = options.notFound;
}

/** Goes to `path` in the application, adding a history entry unless `replace`. */
export async function navigate(/** @type {string} */ path, { replace = false } = {}) {
  if (replace) history.replaceState(null, "", path);
  else history.pushState(null, "", path);
  await render();
}

let rendering = 0;

/** Draws the page for the current location. A later navigation wins over a slower earlier one. */
export async function render() {
  const ticket = ++rendering;
  const path = location.pathname;
  const query = new URLSearchParams(location.search);
  let page;
  const match = routes.map((r) => ({ r, m: r.pattern.exec(path) })).find(({ m }) => m);
  if (match) {
    const params = Object.fromEntries(match.r.keys.map((key, i) => [key, decodeURIComponent(match.m[i + 1])]));
    page = await match.r.page(params, query);
  } else {
    page = await notFound(path);
  }
  if (ticket === rendering) show(page, path);
}

/** Whether a click on `link` is one the router should take over. */
function ours(/** @type {HTMLAnchorElement} */ link, /** @type {MouseEvent} */ event) {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return false;
  if (link.target || link.hasAttribute("download") || link.origin !== location.origin) return false;
  if (link.pathname.startsWith("/api/") || link.pathname.startsWith("/viewer")) return false;
  // A link to a place on this page (the skip link) stays a link.
  if (link.pathname === location.pathname && link.search === location.search && link.hash) return false;
  return true;
}

export function start() {
  document.addEventListener("click", (event) => {
    const link = /** @type {HTMLElement} */ (event.target).closest?.("a[href]");
    if (!(link instanceof HTMLAnchorElement) || !ours(link, event)) return;
    event.preventDefault();
    navigate(link.pathname + link.search);
  });
  window.addEventListener("popstate", () => render());
}
