import { STATUS_CODES } from "node:http";
import type { Dispatcher } from "undici";
import { Agent, interceptors, request } from "undici";
import type { Json, JsonObject } from "../../kernel/index.ts";
import { isJsonObject } from "../../kernel/index.ts";
import type { ErrorKind } from "../../protocol/index.ts";
import { abortError } from "../abort-error.ts";
import type { Tool, ToolContext } from "../tool.ts";
import { ToolError } from "../tool.ts";
import { authHeaders } from "./http-auth.ts";
import { parseRetryAfter } from "./retry-after.ts";

/** Largest response body read, bytes. */
const MAX_BODY = 50 * 1024 * 1024;
const MAX_REDIRECTS = 5;
const DEFAULT_TIMEOUT_SECONDS = 30;
const REDIRECT_STATUSES = new Set([300, 301, 302, 303, 307, 308]);

/** The tool's result (DECISIONS 33); also `output.data` of a non-2xx error. */
interface HttpResult extends JsonObject {
  status_code: number;
  headers: Record<string, string>;
  url: string;
  /** Seconds from sending the request to the end of the body. */
  elapsed: number;
  data: Json;
  body: Json;
}

interface HttpRequest {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
}

/** Marks an abort caused by the tool's own `timeout`. */
class RequestTimeout extends Error {
  override readonly name = "RequestTimeout";
}

/**
 * `kind: http` (DECISIONS 23, 33): one request with `url`, `method` (GET), `params`, `headers`,
 * a body from `json`/`body`/`payload` (objects JSON-encoded, strings raw), `form` or a plain
 * `data` map (urlencoded form fields; a GET's plain `data` is its query; `data: {query, body}`
 * splits into query string and JSON body), `auth` (credential name), `timeout` (seconds, default
 * 30), `follow_redirects` (default false as in the reference; when true at most 5) and `verify`
 * (TLS, default true). Result `{status_code, headers, url,
 * elapsed, data, body}` with `data` = `body` = parsed JSON or text. A non-2xx final answer (an
 * unfollowed 3xx included) throws a classified ToolError that carries the result as data and
 * `{http: {status, headers}}`.
 */
export function createHttpTool(): Tool {
  const agents = new Map<boolean, Agent>();
  const dispatchers = new Map<string, Dispatcher>();

  const dispatcherFor = (verify: boolean, follow: boolean): Dispatcher => {
    const key = `${verify}:${follow}`;
    let dispatcher = dispatchers.get(key);
    if (!dispatcher) {
      let agent = agents.get(verify);
      if (!agent) {
        agent = new Agent(verify ? {} : { connect: { rejectUnauthorized: false } });
        agents.set(verify, agent);
      }
      dispatcher = follow ? agent.compose(interceptors.redirect({ maxRedirections: MAX_REDIRECTS })) : agent;
      dispatchers.set(key, dispatcher);
    }
    return dispatcher;
  };

  return {
    kind: "http",
    async run(config: JsonObject, ctx: ToolContext): Promise<Json> {
      const req = requestOf(config);
      Object.assign(req.headers, await authHeaders(config.auth, ctx));
      const timeoutMs = timeoutOf(config) * 1000;
      const follow = (config.follow_redirects ?? config.allow_redirects) === true;
      const verify = (config.verify ?? config.verify_ssl) !== false;
      if (ctx.signal.aborted) throw aborted(ctx.signal, req);

      const timer = new AbortController();
      const timeout = setTimeout(() => timer.abort(new RequestTimeout("timeout")), timeoutMs);
      const signal = AbortSignal.any([ctx.signal, timer.signal]);
      const started = performance.now();
      let result: HttpResult;
      let statusText: string;
      try {
        const response = await request(req.url, {
          dispatcher: dispatcherFor(verify, follow),
          method: req.method as Dispatcher.HttpMethod,
          headers: req.headers,
          ...(req.body === undefined ? {} : { body: req.body }),
          signal,
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
        });
        statusText = response.statusText;
        const headers = headersOf(response.headers);
        const bytes = await readBody(response.body, headers["content-length"], req);
        const data = decode(bytes, headers["content-type"]);
        result = {
          status_code: response.statusCode,
          headers,
          url: finalUrl(response.context, req.url),
          elapsed: Math.round(performance.now() - started) / 1000,
          data,
          body: data,
        };
      } catch (error) {
        if (error instanceof ToolError) throw error;
        if (timer.signal.aborted) throw timeoutError(req, timeoutMs, error);
        if (ctx.signal.aborted) throw aborted(ctx.signal, req);
        throw transportError(error, req, timeoutMs);
      } finally {
        clearTimeout(timeout);
      }

      const status = result.status_code;
      if (
        status >= 300 &&
        status < 400 &&
        follow &&
        REDIRECT_STATUSES.has(status) &&
        result.headers.location
      ) {
        throw new ToolError(
          {
            kind: "client_error",
            retryable: false,
            code: "NOETL_E_HTTP_REDIRECTS",
            message: `${req.method} ${redact(req.url)}: more than ${MAX_REDIRECTS} redirects`,
            status_code: status,
          },
          { data: result, extra: { http: { status, headers: result.headers } } },
        );
      }
      // any final non-2xx answer fails, an unfollowed 3xx included (reference §5, DECISIONS 33)
      if (status < 200 || status >= 300) throw statusError(result, statusText);
      return result;
    },

    async close(): Promise<void> {
      const all = [...agents.values()];
      agents.clear();
      dispatchers.clear();
      await Promise.allSettled(all.map((a) => a.close()));
    },
  };
}

function requestOf(config: JsonObject): HttpRequest {
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

function timeoutOf(config: JsonObject): number {
  const raw = config.timeout;
  const seconds = isJsonObject(raw)
    ? Number(raw.total ?? raw.read ?? raw.connect)
    : typeof raw === "number" || typeof raw === "string"
      ? Number(raw)
      : Number.NaN;
  return Number.isFinite(seconds) && seconds > 0 ? seconds : DEFAULT_TIMEOUT_SECONDS;
}

function headersOf(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (value !== undefined) out[key] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

async function readBody(
  body: AsyncIterable<Buffer> & { destroy(): void },
  contentLength: string | undefined,
  req: HttpRequest,
): Promise<Buffer> {
  if (contentLength !== undefined && Number(contentLength) > MAX_BODY) {
    body.destroy();
    throw tooLarge(req);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > MAX_BODY) {
      body.destroy();
      throw tooLarge(req);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

/** Parsed JSON for a JSON content type (text when it does not parse), else text. */
function decode(bytes: Buffer, contentType: string | undefined): Json {
  const text = textOf(bytes, contentType);
  if (contentType && /[/+]json\b/i.test(contentType) && text.trim() !== "") {
    try {
      return JSON.parse(text) as Json;
    } catch {
      return text;
    }
  }
  return text;
}

function textOf(bytes: Buffer, contentType: string | undefined): string {
  const charset = contentType ? /charset\s*=\s*"?([^";\s]+)/i.exec(contentType)?.[1] : undefined;
  if (charset && !/^utf-?8$/i.test(charset)) {
    try {
      return new TextDecoder(charset).decode(bytes);
    } catch {
      // unknown charset: fall back to UTF-8
    }
  }
  return bytes.toString("utf8");
}

function finalUrl(context: object | undefined, requested: URL): string {
  const history = (context as { history?: unknown } | undefined)?.history;
  if (Array.isArray(history) && history.length > 0) return String(history[history.length - 1]);
  return requested.toString();
}

/** The URL without credentials or query (for messages). */
function redact(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

function statusError(result: HttpResult, statusText: string): ToolError {
  const status = result.status_code;
  const [kind, retryable] = kindOf(status);
  const retryAfter = parseRetryAfter(result.headers["retry-after"], Date.now());
  const reason = statusText || STATUS_CODES[status] || "error";
  return new ToolError(
    {
      kind,
      retryable,
      code: "NOETL_E_HTTP_STATUS",
      message: `HTTP ${status}: ${reason}`,
      status_code: status,
      ...(retryAfter === undefined ? {} : { retry_after: retryAfter }),
    },
    { data: result, extra: { http: { status, headers: result.headers } } },
  );
}

function kindOf(status: number): [ErrorKind, boolean] {
  if (status === 429) return ["rate_limit", true];
  if (status === 401 || status === 403) return ["auth", false];
  if (status === 404) return ["not_found", false];
  if (status >= 500) return ["server_error", true];
  return ["client_error", false];
}

const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
]);
const TIMEOUT_CODES = new Set([
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "UND_ERR_CONNECT_TIMEOUT",
  "ETIMEDOUT",
]);

function transportError(error: unknown, req: HttpRequest, timeoutMs: number): ToolError {
  const code = codeOf(error);
  const message = error instanceof Error ? error.message : String(error);
  const where = `${req.method} ${redact(req.url)}`;
  if (code && TIMEOUT_CODES.has(code)) return timeoutError(req, timeoutMs, error);
  if (/redirect loop/i.test(message)) {
    return new ToolError(
      {
        kind: "client_error",
        retryable: false,
        code: "NOETL_E_HTTP_REDIRECTS",
        message: `${where}: ${message}`,
      },
      { cause: error },
    );
  }
  if (code === "UND_ERR_INVALID_ARG" || code === "ERR_INVALID_ARG_TYPE" || code === "ERR_INVALID_CHAR") {
    return new ToolError(
      { kind: "schema", retryable: false, code: "NOETL_E_HTTP_CONFIG", message: `${where}: ${message}` },
      { cause: error },
    );
  }
  const tls = code !== undefined && /CERT|SELF_SIGNED|ERR_TLS|ERR_SSL/.test(code);
  return new ToolError(
    {
      kind: "connection",
      // a refused or reset connection may work later; a certificate problem will not
      retryable: !tls,
      code: "NOETL_E_HTTP_CONNECTION",
      message: `${where}: ${message}${code && !message.includes(code) ? ` (${code})` : ""}`,
    },
    { cause: error },
  );
}

function codeOf(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && (CONNECTION_CODES.has(code) || TIMEOUT_CODES.has(code) || depth === 0))
      return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

function timeoutError(req: HttpRequest, timeoutMs: number, cause: unknown): ToolError {
  return new ToolError(
    {
      kind: "timeout",
      retryable: true,
      code: "NOETL_E_HTTP_TIMEOUT",
      message: `${req.method} ${redact(req.url)} timed out after ${timeoutMs / 1000} s`,
    },
    { cause },
  );
}

function aborted(signal: AbortSignal, req: HttpRequest): ToolError {
  const what = `${req.method} ${redact(req.url)}`;
  return abortError(signal, {
    timeoutCode: "NOETL_E_HTTP_TIMEOUT",
    timeout: `${what} ran past the task timeout`,
    cancelled: `${what} cancelled`,
  });
}

function tooLarge(req: HttpRequest): ToolError {
  return new ToolError({
    kind: "tool_error",
    retryable: false,
    code: "NOETL_E_HTTP_TOO_LARGE",
    message: `${req.method} ${redact(req.url)}: response body exceeds ${MAX_BODY / 1024 / 1024} MiB`,
  });
}

function configError(message: string): ToolError {
  return new ToolError({ kind: "schema", retryable: false, code: "NOETL_E_HTTP_CONFIG", message });
}
