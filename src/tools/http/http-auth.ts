import type { Json, JsonObject } from "../../kernel/index.ts";
import { isJsonObject } from "../../kernel/index.ts";
import type { ToolContext } from "../tool.ts";
import { ToolError } from "../tool.ts";

/**
 * Request headers for `auth`: a credential name (`auth: name`, `auth: {credential: name}` or
 * `{source: credential, key: name}`) or inline fields. Types: `bearer {token}` →
 * `Authorization: Bearer …`; `basic {username, password}` → `Authorization: Basic …`;
 * `api_key {header, key}` → `<header>: <key>` (header default `X-API-Key`). Without a known
 * `type` the fields decide. Secret values are registered with `ctx.addSecret`.
 */
export async function authHeaders(auth: Json | undefined, ctx: ToolContext): Promise<Record<string, string>> {
  if (auth === undefined || auth === null || auth === "") return {};
  const data = await credentialOf(auth, ctx);
  const type = typeOf(data);
  switch (type) {
    case "bearer": {
      const token = str(data.token) ?? str(data.access_token) ?? str(data.bearer);
      if (!token) throw authError("bearer credential has no `token`");
      ctx.addSecret(token);
      return { authorization: `Bearer ${token}` };
    }
    case "basic": {
      const username = str(data.username) ?? str(data.user) ?? "";
      const password = str(data.password) ?? "";
      if (password) ctx.addSecret(password);
      const encoded = Buffer.from(`${username}:${password}`).toString("base64");
      ctx.addSecret(encoded);
      return { authorization: `Basic ${encoded}` };
    }
    case "api_key": {
      const key = str(data.key) ?? str(data.api_key) ?? str(data.value);
      if (!key) throw authError("api_key credential has no `key`");
      ctx.addSecret(key);
      return { [(str(data.header) ?? "X-API-Key").toLowerCase()]: key };
    }
    default:
      throw authError(
        `credential type ${JSON.stringify(data.type ?? null)} is not usable for http (bearer, basic, api_key)`,
      );
  }
}

async function credentialOf(auth: Json, ctx: ToolContext): Promise<JsonObject> {
  if (typeof auth === "string") return ctx.credentials.get(auth);
  if (!isJsonObject(auth)) throw authError("`auth` must be a credential name or an object");
  const name = auth.credential ?? (auth.source === "credential" ? auth.key : undefined);
  if (typeof name === "string" && name !== "") return ctx.credentials.get(name);
  return auth;
}

function typeOf(data: JsonObject): string | undefined {
  const declared = str(data.type)?.toLowerCase().replace(/[-\s]/g, "_");
  if (declared === "bearer" || declared === "token") return "bearer";
  if (declared === "basic") return "basic";
  if (declared === "api_key" || declared === "apikey" || declared === "header") return "api_key";
  if (str(data.token) || str(data.access_token)) return "bearer";
  if (data.password !== undefined && (str(data.username) || str(data.user))) return "basic";
  if (str(data.key) || str(data.api_key)) return "api_key";
  return undefined;
}

function str(value: Json | undefined): string | undefined {
  if (typeof value === "number") return String(value);
  return typeof value === "string" && value !== "" ? value : undefined;
}

function authError(message: string): ToolError {
  return new ToolError({ kind: "schema", retryable: false, code: "NOETL_E_HTTP_CONFIG", message });
}
