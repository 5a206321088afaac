// The HTTP API client (docs/api.md). The bearer token, when one is needed, lives in
// sessionStorage for this tab only and is never rendered.

const TOKEN_KEY = "noetl-token";

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export function getToken() {
  return sessionStorage.getItem(TOKEN_KEY) ?? "";
}

export function setToken(token) {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
  window.dispatchEvent(new CustomEvent("noetl:token"));
}

/** Calls the API; a 401 raises `noetl:unauthorized` on window (the app asks for a token). */
export async function api(path, { method = "GET", body, signal } = {}) {
  const token = getToken();
  const headers = { accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(path, {
    method,
    headers,
    signal,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const data = await res.json().catch(() => ({}));
  if (res.status === 401) {
    window.dispatchEvent(new CustomEvent("noetl:unauthorized"));
    throw new ApiError(401, "NOETL_E_API_UNAUTHORIZED", "this server needs an API token");
  }
  if (!res.ok) {
    const err = data?.error ?? {};
    throw new ApiError(res.status, err.code ?? "HTTP", err.message ?? `HTTP ${res.status}`, err.details);
  }
  return data;
}

export const get = (path, options) => api(path, options);
export const post = (path, body, options) => api(path, { ...options, method: "POST", body: body ?? {} });
