/**
 * Which values of a stored credential are secrets, to be redacted from everything a worker
 * reports (DECISIONS 36). A credential also says where to connect and as whom (`db_host:
 * 127.0.0.1`, `db_user: postgres`, `db_name: test`): registering those too would rewrite every
 * result holding them, and every word containing them (`latest` → `la[REDACTED]`), so the fields
 * that only locate a service are not secrets; every other field is, whatever its name, so a
 * credential of a kind unknown here stays redacted whole. A locating URL's password (in its
 * `user:password@`) is a secret.
 */
import type { Json } from "../kernel/index.ts";

/** Fields that locate a service or name an account: not secrets (compared lower-cased). */
const LOCATING = new Set([
  "type",
  "host",
  "db_host",
  "hostname",
  "port",
  "db_port",
  "user",
  "db_user",
  "username",
  "database",
  "db_name",
  "dbname",
  "schema",
  "sslmode",
  "region",
  "header",
  "name",
  "description",
  "tags",
  "url",
  "base_url",
  "endpoint",
  "uri",
  "servers",
]);

/** The secret values of a credential (its data: an object, or a bare value, all secret). */
export function credentialSecrets(credential: Json): Json[] {
  if (credential === null || typeof credential !== "object" || Array.isArray(credential)) return [credential];
  const secrets: Json[] = [];
  for (const [field, value] of Object.entries(credential)) {
    if (!LOCATING.has(field.toLowerCase())) secrets.push(value);
    else for (const url of Array.isArray(value) ? value : [value]) pushUrlPassword(url, secrets);
  }
  return secrets;
}

/** The password of a URL's `user:password@`, when `value` is such a URL. */
function pushUrlPassword(value: Json, secrets: Json[]): void {
  if (typeof value !== "string" || !value.includes("@")) return;
  try {
    const password = new URL(value).password;
    if (password) secrets.push(decodeURIComponent(password));
  } catch {
    // not a URL: nothing embedded
  }
}
