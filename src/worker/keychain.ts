/**
 * Resolves the playbook's `keychain` on the worker, only when a task's templates name it
 * (reference §1.4). Kinds: `static` (values written in the playbook: `value`, `data` or `map`),
 * `env` (`env`/`var`: an environment variable, or `map` of key → variable), `credential`
 * (`ref`/`credential`: a stored credential). Every value is registered for redaction (of a stored
 * credential, its secret fields: `credential-secrets.ts`).
 */
import type { Json, JsonObject } from "../kernel/index.ts";
import { NoetlError } from "../kernel/index.ts";
import type { CredentialAccessor } from "../tools/index.ts";
import { credentialSecrets } from "./credential-secrets.ts";
import type { Redactor } from "./redactor.ts";

export async function resolveKeychain(
  entries: readonly JsonObject[],
  credentials: CredentialAccessor,
  redactor: Redactor,
  env: NodeJS.ProcessEnv = process.env,
): Promise<JsonObject> {
  const out: JsonObject = {};
  for (const entry of entries) {
    const name = String(entry.name);
    let value: Json;
    switch (entry.kind) {
      case "static":
        value = entry.value ?? entry.data ?? entry.map ?? entry.token ?? null;
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
        value = await credentials.get(ref);
        // a stored credential's host, user, database… are not secrets (`credential-secrets.ts`)
        redactor.add(credentialSecrets(value));
        out[name] = value;
        continue;
      }
      default:
        throw new NoetlError(
          "NOETL_E_KEYCHAIN_KIND",
          `keychain entry '${name}' has unsupported kind '${String(entry.kind)}'`,
        );
    }
    redactor.add(value);
    out[name] = value;
  }
  return out;
}
