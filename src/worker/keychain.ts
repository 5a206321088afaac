/**
 * Resolves the playbook's `keychain` on the worker, only when a task's templates name it
 * (reference §1.4). Kinds: `static` (values written in the playbook: `value`, `data` or `map`),
 * `bearer` (`token`: `{token}`), `env` (`env`/`var`: an environment variable, or `map` of key → variable), `credential`
 * (`ref`/`credential`: a stored credential), `oauth2` (a token request: `oauth2-token.ts`). Templated fields are rendered against `workload` and
 * the entries before (`keychain.<earlier>`). Every value is registered for redaction (of a stored
 * credential, its secret fields: `credential-secrets.ts`).
 */
import { renderValue, scopeOf } from "../expr/index.ts";
import type { Json, JsonObject } from "../kernel/index.ts";
import { NoetlError } from "../kernel/index.ts";
import type { CredentialAccessor } from "../tools/index.ts";
import { credentialSecrets } from "./credential-secrets.ts";
import { requestToken, tokenSecrets } from "./oauth2-token.ts";
import type { Redactor } from "./redactor.ts";

export interface KeychainDeps {
  credentials: CredentialAccessor;
  redactor: Redactor;
  /** What entries' templates render against (with `keychain.<earlier>`). */
  workload?: JsonObject;
  env?: NodeJS.ProcessEnv;
  /** The token of a rendered `oauth2` entry (a worker's `TokenCache`). */
  token?: (name: string, entry: JsonObject) => Promise<JsonObject>;
}

export async function resolveKeychain(
  entries: readonly JsonObject[],
  deps: KeychainDeps,
): Promise<JsonObject> {
  const { credentials, redactor, workload = {}, env = process.env } = deps;
  const out: JsonObject = {};
  for (const raw of entries) {
    const name = String(raw.name);
    const entry = rendered(raw, name, workload, out);
    let value: Json;
    // what is redacted: the value whole, unless the kind says which of its fields are secrets
    let secrets: unknown;
    switch (entry.kind) {
      case "static":
        value = entry.value ?? entry.data ?? entry.map ?? entry.token ?? null;
        break;
      case "bearer":
        // a bearer token written (or templated) in the playbook: `keychain.<name>.token`
        value = { token: entry.token ?? entry.value ?? null };
        break;
      case "env": {
        if (entry.map && typeof entry.map === "object" && !Array.isArray(entry.map)) {
          const m: JsonObject = {};
          for (const [k, v] of Object.entries(entry.map)) m[k] = env[String(v)] ?? null;
          value = m;
        } else value = env[String(entry.env ?? entry.var ?? name)] ?? null;
        break;
      }
      case "credential": {
        const ref = String(entry.ref ?? entry.credential ?? name);
        const credential = await credentials.get(ref);
        value = credential;
        // a stored credential's host, user, database… are not secrets (`credential-secrets.ts`)
        secrets = credentialSecrets(credential);
        break;
      }
      case "oauth2": {
        const token = await (deps.token ?? requestToken)(name, entry);
        value = token;
        // the token fields only: `token_type: Bearer` must not turn every "Bearer" into [REDACTED]
        secrets = tokenSecrets(token);
        break;
      }
      default:
        throw new NoetlError(
          "NOETL_E_KEYCHAIN_KIND",
          `keychain entry '${name}' has unsupported kind '${String(entry.kind)}'`,
        );
    }
    redactor.add(secrets ?? value);
    out[name] = value;
  }
  return out;
}

/**
 * An entry with its templated fields rendered against `workload` and the entries resolved before
 * it (`keychain.<earlier>`), on the worker (reference §1.4): the values never reach the server.
 */
function rendered(entry: JsonObject, name: string, workload: JsonObject, resolved: JsonObject): JsonObject {
  const { name: _n, kind, ...fields } = entry;
  try {
    const scope = scopeOf({ workload, keychain: resolved });
    return { name, kind: kind ?? null, ...(renderValue(fields, scope) as JsonObject) };
  } catch (error) {
    throw new NoetlError(
      "NOETL_E_KEYCHAIN_TEMPLATE",
      `keychain entry '${name}' could not be rendered: ${(error as Error).message}`,
    );
  }
}
