/**
 * Encrypted credentials (DECISIONS 36): AES-256-GCM with a key from `NOETL_SECRET_KEY`
 * (any string; hashed to 32 bytes) or a key file generated once (mode 0600). Stores only ever
 * see cipher text; listing never returns data.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { JsonObject } from "../kernel/index.ts";
import { NoetlError } from "../kernel/index.ts";
import type { CredentialRow, Store } from "../store/index.ts";
import type { CredentialAccessor } from "../tools/index.ts";

export interface CredentialInfo {
  name: string;
  type: string;
  description?: string;
  tags?: string[];
  created_at: number;
  updated_at: number;
}

export const CREDENTIAL_TYPES = [
  "postgres",
  "http",
  "bearer",
  "basic",
  "api_key",
  "nats",
  "duckdb",
  "generic",
] as const;

export class CredentialService {
  private key: Buffer | undefined;

  constructor(
    private readonly store: Store,
    private readonly options: { secretKey?: string; keyFile?: string; now?: () => number } = {},
  ) {}

  async put(
    name: string,
    type: string,
    data: JsonObject,
    extra: { description?: string; tags?: string[] } = {},
  ): Promise<CredentialInfo> {
    if (!/^[A-Za-z0-9_.-]+$/.test(name)) {
      throw new NoetlError(
        "NOETL_E_CREDENTIAL_NAME",
        `credential name '${name}' may use letters, digits, _ . - only`,
      );
    }
    const now = (this.options.now ?? Date.now)();
    const existing = await this.store.credentialGet(name);
    const row: CredentialRow = {
      name,
      type,
      data_encrypted: this.encrypt(JSON.stringify(data)),
      ...(extra.description ? { description: extra.description } : {}),
      ...(extra.tags ? { tags: extra.tags } : {}),
      created_at: existing?.created_at ?? now,
      updated_at: now,
    };
    await this.store.credentialPut(row);
    return info(row);
  }

  async get(name: string): Promise<JsonObject> {
    const row = await this.store.credentialGet(name);
    if (!row)
      throw new NoetlError(
        "NOETL_E_CREDENTIAL_NOT_FOUND",
        `credential '${name}' not found (add it with \`noetl credential add\`)`,
      );
    return {
      ...(JSON.parse(this.decrypt(row.data_encrypted)) as JsonObject),
      ...(row.type ? { type: row.type } : {}),
    };
  }

  async list(): Promise<CredentialInfo[]> {
    return (await this.store.credentialList()).map(info);
  }

  async info(name: string): Promise<CredentialInfo | undefined> {
    const row = await this.store.credentialGet(name);
    return row ? info(row) : undefined;
  }

  delete(name: string): Promise<boolean> {
    return this.store.credentialDelete(name);
  }

  accessor(): CredentialAccessor {
    return { get: (name) => this.get(name) };
  }

  private encrypt(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.secret(), iv);
    const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
    return `v1:${iv.toString("base64")}:${cipher.getAuthTag().toString("base64")}:${body.toString("base64")}`;
  }

  private decrypt(text: string): string {
    const [version, iv, tag, body] = text.split(":");
    if (version !== "v1" || !iv || !tag || body === undefined) {
      throw new NoetlError("NOETL_E_CREDENTIAL_CORRUPT", "stored credential has an unknown format");
    }
    try {
      const decipher = createDecipheriv("aes-256-gcm", this.secret(), Buffer.from(iv, "base64"));
      decipher.setAuthTag(Buffer.from(tag, "base64"));
      return Buffer.concat([decipher.update(Buffer.from(body, "base64")), decipher.final()]).toString("utf8");
    } catch {
      throw new NoetlError(
        "NOETL_E_CREDENTIAL_KEY",
        "cannot decrypt credential: the secret key differs from the one it was stored with",
      );
    }
  }

  private secret(): Buffer {
    if (this.key) return this.key;
    if (this.options.secretKey) {
      this.key = createHash("sha256").update(this.options.secretKey).digest();
      return this.key;
    }
    const file = this.options.keyFile;
    if (!file) throw new NoetlError("NOETL_E_CREDENTIAL_KEY", "no secret key: set NOETL_SECRET_KEY");
    if (existsSync(file)) {
      this.key = createHash("sha256").update(readFileSync(file, "utf8").trim()).digest();
    } else {
      mkdirSync(dirname(file), { recursive: true });
      const generated = randomBytes(32).toString("hex");
      writeFileSync(file, `${generated}\n`, { mode: 0o600 });
      chmodSync(file, 0o600);
      this.key = createHash("sha256").update(generated).digest();
    }
    return this.key;
  }
}

function info(row: CredentialRow): CredentialInfo {
  return {
    name: row.name,
    type: row.type,
    ...(row.description ? { description: row.description } : {}),
    ...(row.tags ? { tags: row.tags } : {}),
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}
