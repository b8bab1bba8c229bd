// The one way the application talks to the server: JSON in and out, the session's CSRF token
// on every change (the server refuses a change without it: backend/server/src/session.rs),
// and the API's error shape {"error": {"code", "message", "fields"}} turned into an ApiError
// whose `fields` the forms show beside each control.

/** @typedef {{ code: string, message: string, fields?: Record<string, string> }} ErrorBody */

export class ApiError extends Error {
  /** @param {number} status @param {ErrorBody} body */
  constructor(status, body) {
    super(body.message);
    this.status = status;
    this.code = body.code;
    /** @type {Record<string, string>} */
    this.fields = body.fields ?? {};
  }
}

let csrfToken = "";
/** @type {() => void} */
let onSessionEnded = () => {};

/** Keeps the token the sign-in reply (or GET /api/session) gave. */
export function setCsrfToken(/** @type {string} */ token) {
  csrfToken = token;
}

/** What to do when the server says the session has ended (401 on anything but /session). */
export function whenSessionEnds(/** @type {() => void} */ callback) {
  onSessionEnded = callback;
}

/**
 * @param {string} method
 * @param {string} path under /api
 * @param {unknown} [body]
 * @returns {Promise<any>}
 */
export async function request(method, path, body) {
  /** @type {Record<string, string>} */
  const headers = { accept: "application/json" };
  if (method !== "GET") headers["x-csrf-token"] = csrfToken;
  if (body !== undefined) headers["content-type"] = "application/json";
  let response;
  try {
    response = await fetch(`/api${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
    });
  } catch {
    throw new ApiError(0, { code: "network", message: "Readroom cannot be reached: check the connection and try again" });
  }
  if (response.status === 204) return null;
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    const error = data?.error ?? { code: "http", message: `the server answered ${response.status} ${response.statusText}` };
    if (response.status === 401 && path !== "/session") onSessionEnded();
    throw new ApiError(response.status, error);
  }
  return data;
}

export const api = {
  get: (/** @type {string} */ path) => request("GET", path),
  post: (/** @type {string} */ path, /** @type {unknown} */ body) => request("POST", path, body),
  put: (/** @type {string} */ path, /** @type {unknown} */ body) => request("PUT", path, body),
  delete: (/** @type {string} */ path) => request("DELETE", path),
};

/** A path segment, escaped. */
export const seg = (/** @type {string} */ value) => encodeURIComponent(value);
