/**
 * Removes secret values (credentials, keychain entries) from everything a worker reports:
 * events, results, error messages (DECISIONS 36).
 */
import { MIN_SECRET_LENGTH } from "../tools/index.ts";

export const REDACTED = "[REDACTED]";

export class Redactor {
  private readonly secrets = new Set<string>();

  add(value: unknown): void {
    if (typeof value === "string") {
      if (value.length >= MIN_SECRET_LENGTH) this.secrets.add(value);
    } else if (Array.isArray(value)) for (const v of value) this.add(v);
    else if (typeof value === "object" && value !== null) for (const v of Object.values(value)) this.add(v);
    else if (typeof value === "number" && String(value).length >= 6) this.secrets.add(String(value));
  }

  get empty(): boolean {
    return this.secrets.size === 0;
  }

  redact<T>(value: T): T {
    if (this.secrets.size === 0) return value;
    return this.walk(value) as T;
  }

  text(s: string): string {
    let out = s;
    for (const secret of this.secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    return out;
  }

  private walk(value: unknown): unknown {
    if (typeof value === "string") return this.text(value);
    if (Array.isArray(value)) return value.map((v) => this.walk(v));
    if (typeof value === "object" && value !== null) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = this.walk(v);
      return out;
    }
    return value;
  }
}
