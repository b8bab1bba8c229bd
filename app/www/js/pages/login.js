// Signing in. The server's refusals are worded for people (backend/server/src/session.rs):
// a wrong password, a disabled account, and too many failed sign-ins with the wait; each is
// shown as it is, in an alert.

import { api, ApiError } from "../api.js";
import { field, h, sentence } from "../dom.js";

/**
 * @param {URLSearchParams} query `next`: where to go after; `ended`: the session had ended
 * @param {(reply: any, next: string | null) => Promise<void>} done
 */
export async function loginPage(query, done) {
  const error = h("p", { class: "form-error", role: "alert", id: "sign-in-error" });
  const username = h("input", { name: "username", autocomplete: "username", required: true, autocapitalize: "none", spellcheck: "false" });
  const password = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true });
  const button = h("button", { type: "submit" }, "Sign in");
  const form = /** @type {HTMLFormElement} */ (h("form", { class: "stack", "aria-describedby": "sign-in-error", novalidate: true },
    error,
    field("Username", username),
    field("Password", password),
    button));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    const data = Object.fromEntries(new FormData(form));
    if (!data.username || !data.password) {
      error.textContent = "Enter your username and your password.";
      (data.username ? password : username).focus();
      return;
    }
    button.setAttribute("disabled", "");
    button.textContent = "Signing in…";
    try {
      const reply = await api.post("/session", data);
      await done(reply, query.get("next"));
    } catch (problem) {
      error.textContent = explain(problem);
      password.focus();
      /** @type {HTMLInputElement} */ (password).select();
    } finally {
      button.removeAttribute("disabled");
      button.textContent = "Sign in";
    }
  });
  const node = h("section", { class: "login" },
    h("h1", { tabindex: -1 }, "Sign in to Readroom"),
    query.has("ended") ? h("p", { class: "notice" }, "Your session has ended: sign in again to go on.") : null,
    form,
    h("p", { class: "muted small" }, "Forgotten your password? Ask your administrator. Once signed in, you change it from your name at the top of the page."));
  return { title: "Sign in", node };
}

/** What to tell the person, from the server's refusal. */
function explain(/** @type {unknown} */ problem) {
  if (problem instanceof ApiError) {
    if (problem.status === 429) return `${sentence(problem.message)} Sign-ins are paused after repeated failures to protect your account.`;
    if (problem.status === 401 && /disabled/i.test(problem.message)) return `${sentence(problem.message)} Ask your administrator to enable it.`;
    return sentence(problem.message);
  }
  return sentence(String(problem));
}
