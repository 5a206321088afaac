/**
 * The `oauth2` keychain kind (reference §1.4): a token request — `endpoint`, `method` (POST),
 * `headers`, `data` (form fields) — whose JSON response (`access_token`, `expires_in`, …) is the
 * entry's value. A worker asks once per execution and entry while the token lives
 * (`expires_in`, less a minute; an hour when the response does not say), not once per task.
 */
import type { JsonObject } from "../kernel/index.ts";
import { isJsonObject, NoetlError } from "../kernel/index.ts";

/** Requests the token of a rendered `oauth2` entry. */
export type TokenRequester = (name: string, entry: JsonObject) => Promise<JsonObject>;

const TIMEOUT_MS = 30_000;
/** A token response is a few hundred bytes; anything this large is not one. */
const MAX_RESPONSE_CHARS = 1_000_000;

export const requestToken: TokenRequester = async (name, entry) => {
  const endpoint = typeof entry.endpoint === "string" ? entry.endpoint : "";
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw failure(name, "needs `endpoint`, the token URL");
  }
  const headers: Record<string, string> = {};
  if (isJsonObject(entry.headers))
    for (const [k, v] of Object.entries(entry.headers)) headers[k.toLowerCase()] = String(v);
  const method = typeof entry.method === "string" ? entry.method.toUpperCase() : "POST";
  let body: string | undefined;
  if (isJsonObject(entry.data)) {
    if (headers["content-type"]?.includes("json")) body = JSON.stringify(entry.data);
    else {
      headers["content-type"] ??= "application/x-www-form-urlencoded";
      body = new URLSearchParams(
        Object.entries(entry.data).map(([k, v]): [string, string] => [
          k,
          typeof v === "string" ? v : JSON.stringify(v),
        ]),
      ).toString();
    }
  }
  headers.accept ??= "application/json";
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers,
      ...(body !== undefined && method !== "GET" ? { body } : {}),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    throw failure(name, `could not reach ${url.origin}: ${(error as Error).message}`);
  }
  const text = await response.text();
  if (text.length > MAX_RESPONSE_CHARS)
    throw failure(name, `token response from ${url.origin} is larger than ${MAX_RESPONSE_CHARS} characters`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!response.ok) {
    // the provider's error code and description, never the response body as a whole
    const why = isJsonObject(parsed)
      ? [parsed.error, parsed.error_description].filter((x) => typeof x === "string").join(": ")
      : "";
    throw failure(
      name,
      `token request to ${url.origin} failed with HTTP ${response.status}${why ? ` (${why})` : ""}`,
    );
  }
  if (!isJsonObject(parsed)) throw failure(name, `token response from ${url.origin} is not a JSON object`);
  return parsed;
};

/** The token fields of a response, to be redacted (not `token_type`, `expires_in`, `scope`). */
export function tokenSecrets(response: JsonObject): unknown[] {
  return Object.entries(response)
    .filter(([k]) => k !== "token_type" && /token|secret|password|key/i.test(k))
    .map(([, v]) => v);
}

/** Tokens by execution and entry, while they live. */
export class TokenCache {
  private readonly tokens = new Map<string, { value: JsonObject; until: number }>();

  constructor(
    private readonly request: TokenRequester = requestToken,
    private readonly now: () => number = Date.now,
    private readonly maxEntries = 1000,
  ) {}

  async get(executionId: string, name: string, entry: JsonObject): Promise<JsonObject> {
    const key = `${executionId}\u0000${name}\u0000${JSON.stringify(entry)}`;
    const hit = this.tokens.get(key);
    if (hit && hit.until > this.now()) return hit.value;
    const value = await this.request(name, entry);
    const seconds = Number(value.expires_in);
    const lifeMs = Number.isFinite(seconds) && seconds > 0 ? Math.max(0, seconds - 60) * 1000 : 3_600_000;
    if (this.tokens.size >= this.maxEntries) this.tokens.delete(this.tokens.keys().next().value as string);
    this.tokens.set(key, { value, until: this.now() + lifeMs });
    return value;
  }
}

function failure(name: string, why: string): NoetlError {
  return new NoetlError("NOETL_E_KEYCHAIN_OAUTH2", `keychain entry '${name}' (oauth2): ${why}`);
}
