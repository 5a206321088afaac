import type { Json, JsonObject } from "../../kernel/index.ts";
import { ToolError } from "../tool.ts";
import type { HttpRequest } from "./http-request.ts";
import { redact } from "./http-request.ts";

/** Largest response body read, bytes. */
export const MAX_BODY = 50 * 1024 * 1024;

/** The tool's result (DECISIONS 33); also `output.data` of a non-2xx error. */
export interface HttpResult extends JsonObject {
  status_code: number;
  headers: Record<string, string>;
  url: string;
  /** Seconds from sending the request to the end of the body. */
  elapsed: number;
  data: Json;
  body: Json;
}

export function headersOf(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (value !== undefined) out[key] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

export async function readBody(
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
export function decode(bytes: Buffer, contentType: string | undefined): Json {
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

export function finalUrl(context: object | undefined, requested: URL): string {
  const history = (context as { history?: unknown } | undefined)?.history;
  if (Array.isArray(history) && history.length > 0) return String(history[history.length - 1]);
  return requested.toString();
}

function tooLarge(req: HttpRequest): ToolError {
  return new ToolError({
    kind: "tool_error",
    retryable: false,
    code: "NOETL_E_HTTP_TOO_LARGE",
    message: `${req.method} ${redact(req.url)}: response body exceeds ${MAX_BODY / 1024 / 1024} MiB`,
  });
}
