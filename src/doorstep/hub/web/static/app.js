// Doorstep pages: the CSRF token for htmx and for JSON calls to /v1, and page messages.
// Loaded by base.html on every page (after htmx.min.js, which base.html loads with defer).
// Other modules import { api, csrfToken, showMessage } from "/static/app.js".

/** The signed-in session's CSRF token (from <meta name="csrf-token">), or "" when signed out. */
export function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.getAttribute("content") || "" : "";
}

/** An Error carrying the hub's status and error code as well as its `detail` sentence. */
export class ApiError extends Error {
  constructor(status, code, detail) {
    super(detail);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
  }
}

/**
 * A JSON call to the hub with the session cookie and the X-CSRF-Token header.
 * Resolves to the parsed JSON body (or null for 204); throws ApiError with the hub's detail.
 */
export async function api(path, { method = "GET", body, headers = {} } = {}) {
  const init = {
    method,
    credentials: "same-origin",
    headers: { Accept: "application/json", ...headers },
  };
  if (method !== "GET" && method !== "HEAD") {
    init.headers["X-CSRF-Token"] = csrfToken();
  }
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  if (response.status === 204) return null;
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    const detail = (data && data.detail) || `${method} ${path} failed (${response.status})`;
    throw new ApiError(response.status, (data && data.error) || "error", detail);
  }
  return data;
}

/** Show a message in the page's live region (#messages); kind is "ok", "error" or "warn". */
export function showMessage(text, kind = "ok") {
  const region = document.getElementById("messages");
  if (!region) return;
  const box = document.createElement("div");
  box.className = `alert alert-${kind}`;
  if (kind === "error") box.setAttribute("role", "alert");
  const p = document.createElement("p");
  p.textContent = text;
  box.append(p);
  region.replaceChildren(box);
}

function detailOf(xhr) {
  try {
    const data = JSON.parse(xhr.responseText);
    if (data && typeof data.detail === "string") return data.detail;
  } catch {
    // not JSON: fall through
  }
  return `the request failed (${xhr.status})`;
}

// htmx events bubble to <body>; modules run after the document is parsed, so it exists.
document.body.addEventListener("htmx:configRequest", (event) => {
  const verb = (event.detail.verb || "get").toUpperCase();
  if (verb !== "GET") event.detail.headers["X-CSRF-Token"] = csrfToken();
});
document.body.addEventListener("htmx:responseError", (event) => {
  showMessage(detailOf(event.detail.xhr), "error");
});
document.body.addEventListener("htmx:sendError", () => {
  showMessage("Doorstep could not be reached; check the connection and try again.", "error");
});
