import type { Dispatcher } from "undici";
import { Agent, interceptors, request } from "undici";
import type { Json, JsonObject } from "../../kernel/index.ts";
import type { Tool, ToolContext } from "../tool.ts";
import { ToolError } from "../tool.ts";
import { authHeaders } from "./http-auth.ts";
import { aborted, RequestTimeout, statusError, timeoutError, transportError } from "./http-errors.ts";
import { redact, requestOf, timeoutOf } from "./http-request.ts";
import type { HttpResult } from "./http-response.ts";
import { decode, finalUrl, headersOf, readBody } from "./http-response.ts";

const MAX_REDIRECTS = 5;
const REDIRECT_STATUSES = new Set([300, 301, 302, 303, 307, 308]);

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
