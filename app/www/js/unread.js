// The unread count in the header: feedback and answers for a trainee, questions for an expert.

import { api } from "./api.js";
import { h } from "./dom.js";
import { session } from "./session.js";

export async function refreshUnread() {
  const link = document.getElementById("unread");
  if (!link || !session.user) return;
  try {
    const unread = await api.get("/unread");
    link.replaceChildren(h("span", { class: "badge" }, String(unread.total)), unread.total === 1 ? " unread message" : " unread messages");
  } catch {
    link.textContent = "";
  }
}
