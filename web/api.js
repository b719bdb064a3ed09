// The public REST API, and the bearer token of a server started with --auth-reads: asked
// for once, kept for this tab only (sessionStorage).

const TOKEN_KEY = "aidf.token";

/** An answer other than 2xx: `status`, and the API's error code and message. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export function token() {
  try {
    return sessionStorage.getItem(TOKEN_KEY) || "";
  } catch {
    return "";
  }
}

export function setToken(t) {
  try {
    if (t) sessionStorage.setItem(TOKEN_KEY, t);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    /* storage disabled: the token lasts until the next 401 */
  }
}

/** The query string of `params` (values: a string or an array of strings; empty ones left out). */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    for (const one of Array.isArray(v) ? v : [v]) if (one !== undefined && one !== null && one !== "") q.append(k, one);
  }
  const text = q.toString();
  return text ? "?" + text : "";
}

/** GET `path` with `params` as JSON; throws ApiError (status 401: a token is needed). */
export async function get(path, params) {
  const headers = { Accept: "application/json" };
  const t = token();
  if (t) headers.Authorization = "Bearer " + t;
  const res = await fetch(path + query(params), { headers, cache: "no-cache" });
  if (!res.ok) {
    let code = "http_" + res.status, message = res.statusText || "request failed";
    try {
      const body = await res.json();
      if (body && body.error) ({ code, message } = body.error);
    } catch {
      /* not JSON */
    }
    throw new ApiError(res.status, code, message);
  }
  return res.json();
}
