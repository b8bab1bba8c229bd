// The signed-in person's own account: who they are, their roles, and a new password
// (PUT /api/session/password). A wrong current password counts as a failed sign-in on the
// server; a change signs the account's other sessions out and keeps this one.

import { api } from "../api.js";
import { field, h, onSubmit } from "../dom.js";
import { me } from "../session.js";

export async function accountPage() {
  const user = me();
  const done = h("p", { class: "notice good", role: "status", hidden: true });
  const form = /** @type {HTMLFormElement} */ (h("form", { class: "stack", novalidate: true },
    field("Current password", h("input", { name: "current_password", type: "password", autocomplete: "current-password" })),
    field("New password", h("input", { name: "new_password", type: "password", autocomplete: "new-password" }), "At least 8 characters"),
    h("div", {}, h("button", { type: "submit" }, "Change password"))));
  onSubmit(form, async (data) => {
    done.hidden = true;
    await api.put("/session/password", {
      current_password: String(data.get("current_password") ?? ""),
      new_password: String(data.get("new_password") ?? ""),
    });
    form.reset();
    done.textContent = "Password changed. Your other sessions are signed out; this one goes on.";
    done.hidden = false;
    return "Password changed";
  });
  const node = h("div", {},
    h("h1", { tabindex: -1 }, "Your account"),
    h("dl", { class: "facts" },
      h("dt", {}, "Name"), h("dd", {}, user.display_name),
      h("dt", {}, "Username"), h("dd", {}, user.username),
      h("dt", {}, "Roles"), h("dd", {}, user.roles.join(", "))),
    h("section", { class: "panel", "aria-labelledby": "password-h" },
      h("h2", { id: "password-h" }, "Change your password"),
      done,
      form),
    h("p", { class: "muted small" }, "Your name and roles are changed by an administrator."));
  return { title: "Your account", node };
}
