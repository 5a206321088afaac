import type { JsonObject } from "../../kernel/index.ts";
import { isJsonObject } from "../../kernel/index.ts";
import { ToolError } from "../tool.ts";

const DEFAULT_TIMEOUT_SECONDS = 30;

export interface HttpRequest {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
}

export function requestOf(config: JsonObject): HttpRequest {
  const raw = config.url ?? config.endpoint;
  if (typeof raw !== "string" || raw === "") throw configError("kind: http needs `url`");
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw configError(`kind: http: invalid url ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw configError(`kind: http: url must be http or https (got ${url.protocol})`);
  }
  const method = String(config.method ?? "GET").toUpperCase();
  if (!/^[A-Z]+$/.test(method)) throw configError(`kind: http: invalid method ${JSON.stringify(method)}`);
  // NoETL's `data` (reference §5): `{query, body}` splits into the query string and the body;
  // on a GET, HEAD or DELETE a plain `data` map is the query string; otherwise it is form fields
  let data = config.data;
  let plainData = true;
  const query: JsonObject[] = isJsonObject(config.params) ? [config.params] : [];
  if (isJsonObject(data)) {
    const keys = Object.keys(data);
    if (keys.length > 0 && keys.every((k) => k === "query" || k === "body")) {
      if (isJsonObject(data.query)) query.push(data.query);
      data = data.body;
      plainData = false;
    } else if (method === "GET" || method === "HEAD" || method === "DELETE") {
      query.push(data);
      data = undefined;
    }
  }
  for (const params of query) {
    for (const [key, value] of Object.entries(params)) {
      for (const v of Array.isArray(value) ? value : [value]) {
        if (v !== null) url.searchParams.append(key, typeof v === "object" ? JSON.stringify(v) : String(v));
      }
    }
  }

  const headers: Record<string, string> = {};
  if (isJsonObject(config.headers)) {
    for (const [key, value] of Object.entries(config.headers)) {
      if (value !== null)
        headers[key.toLowerCase()] = typeof value === "string" ? value : JSON.stringify(value);
    }
  }
  let body: string | undefined;
  const payload = config.json ?? config.body ?? data ?? config.payload;
  // a plain `data` map is form fields (httpx `data=`), unless a JSON content type is asked for
  const formFields = isJsonObject(config.form)
    ? config.form
    : payload === data && plainData && isJsonObject(data) && !/json/i.test(headers["content-type"] ?? "")
      ? data
      : undefined;
  if (config.json !== undefined && config.json !== null) {
    body = JSON.stringify(config.json);
    headers["content-type"] ??= "application/json";
  } else if (formFields) {
    const form = new URLSearchParams();
    for (const [key, value] of Object.entries(formFields)) {
      for (const v of Array.isArray(value) ? value : [value]) {
        if (v !== null) form.append(key, typeof v === "object" ? JSON.stringify(v) : String(v));
      }
    }
    body = form.toString();
    headers["content-type"] ??= "application/x-www-form-urlencoded";
  } else if (typeof payload === "string") {
    body = payload;
  } else if (payload !== undefined && payload !== null) {
    body = JSON.stringify(payload);
    headers["content-type"] ??= "application/json";
  }
  return { url, method, headers, body };
}

export function timeoutOf(config: JsonObject): number {
  const raw = config.timeout;
  const seconds = isJsonObject(raw)
    ? Number(raw.total ?? raw.read ?? raw.connect)
    : typeof raw === "number" || typeof raw === "string"
      ? Number(raw)
      : Number.NaN;
  return Number.isFinite(seconds) && seconds > 0 ? seconds : DEFAULT_TIMEOUT_SECONDS;
}

/** The URL without credentials or query (for messages). */
export function redact(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

function configError(message: string): ToolError {
  return new ToolError({ kind: "schema", retryable: false, code: "NOETL_E_HTTP_CONFIG", message });
}
