// DOM and formatting helpers. Text always goes through textContent: nothing the server returns
// is ever parsed as HTML.

/**
 * Builds an element: `h("a", {href: "#/", class: "x", onclick: fn, dataset: {k: v}}, "text", child)`.
 * Attributes that are null, undefined or false are left out.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k === "class") el.className = v;
    else if (k === "value") el.value = v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export const pad = (n, w = 2) => String(n).padStart(w, "0");

/** Local date and time, e.g. `2025-01-31 14:05:09`. */
export function dateTime(ms) {
  if (!ms) return "";
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${clock(ms)}`;
}

/** Local time of day with milliseconds, e.g. `14:05:09.123`. */
export function clock(ms, millis = false) {
  if (!ms) return "";
  const d = new Date(ms);
  const base = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return millis ? `${base}.${pad(d.getMilliseconds(), 3)}` : base;
}

/** A duration: `850 ms`, `12.3 s`, `4 m 05 s`, `2 h 03 m`. */
export function duration(ms) {
  if (ms === undefined || ms === null || Number.isNaN(ms)) return "";
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const s = Math.floor(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} m ${pad(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${pad(Math.floor((s % 3600) / 60))} m`;
}

/** Keys whose values are never displayed (defence in depth: the server already redacts secrets). */
const SECRET_KEY =
  /^(password|passwd|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|authorization|auth|credentials?|client[_-]?secret|bearer|cookie|session[_-]?key|dsn|connection[_-]?string)$/i;

/** A copy of a JSON value with secret-looking fields masked. */
export function redact(value, depth = 0) {
  if (depth > 40 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = SECRET_KEY.test(k) && v !== null && typeof v !== "object" ? "[REDACTED]" : redact(v, depth + 1);
  }
  return out;
}

/** Pretty JSON of a value (redacted), cut at `limit` characters. */
export function pretty(value, limit = 20_000) {
  if (value === undefined) return "";
  let text;
  try {
    text = JSON.stringify(redact(value), null, 2);
  } catch {
    text = String(value);
  }
  return text.length > limit ? `${text.slice(0, limit)}\n… (${text.length - limit} more characters)` : text;
}

/** `<pre>` with pretty JSON. */
export const jsonBlock = (value, attrs = {}) => h("pre", { class: "json", ...attrs }, pretty(value));

export function isResultRef(v) {
  return typeof v === "object" && v !== null && v.kind === "result_ref" && typeof v.ref === "string";
}

/** Parses `#/path?a=b` into `{path, params}`. */
export function parseHash(hash = location.hash) {
  const raw = hash.replace(/^#/, "") || "/";
  const q = raw.indexOf("?");
  return {
    path: q === -1 ? raw : raw.slice(0, q),
    params: new URLSearchParams(q === -1 ? "" : raw.slice(q + 1)),
  };
}

export function hashWith(path, params) {
  const q = new URLSearchParams(
    Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== ""),
  ).toString();
  return `#${path}${q ? `?${q}` : ""}`;
}

/** A status badge; `data-status` lets tests and styles read it. */
export const badge = (status, attrs = {}) =>
  h("span", { class: `badge st-${status}`, "data-status": status, ...attrs }, status);
