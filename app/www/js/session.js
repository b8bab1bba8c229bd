// Who is signed in, shared by every page.

/** @typedef {{ id: string, username: string, display_name: string, roles: string[] }} User */

/** @type {{ user: User | null }} */
export const session = { user: null };

/** The signed-in user; pages run only once there is one. */
export function me() {
  if (!session.user) throw new Error("no one is signed in");
  return session.user;
}

/** The page a user starts on: what their main role does first. */
export function homeOf(/** @type {User} */ user) {
  if (user.roles.includes("trainee")) return "/";
  if (user.roles.includes("lead")) return "/programmes";
  if (user.roles.includes("expert")) return "/review";
  if (user.roles.includes("admin")) return "/admin/users";
  return "/";
}
