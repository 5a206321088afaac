/**
 * The catalog of the PostgreSQL store: entries versioned by path (the next version is taken by
 * the insert; two concurrent registrations collide on UNIQUE and one retries); archiving sets
 * `archived_at`, restoring clears it.
 */
import type pg from "pg";
import type { CatalogEntry, CatalogListFilter, Store } from "../store.ts";
import type { SqlName } from "./postgres-sql.ts";
import type { CatalogRecord } from "./rows.ts";
import { toCatalog } from "./rows.ts";
import { sqlState, UNIQUE_VIOLATION } from "./sql-state.ts";

/** What `catalogRegister` is given. */
export type CatalogRegistration = Parameters<Store["catalogRegister"]>[0];

/** Runs a statement of the store (on its main pool) and answers its rows. */
export type QueryRows = <R extends pg.QueryResultRow = pg.QueryResultRow>(
  sql: string,
  params: unknown[],
) => Promise<R[]>;

export class PostgresCatalog {
  /** `sql`: the store's statements, in its schema. */
  constructor(
    private readonly rows: QueryRows,
    private readonly sql: Record<SqlName, string>,
  ) {}

  /** Next version of the path; two concurrent registrations collide on UNIQUE and one retries. */
  async register(entry: CatalogRegistration): Promise<CatalogEntry> {
    for (let attempt = 1; ; attempt++) {
      try {
        const [r] = await this.rows<{ catalog_id: number; version: number }>(this.sql.insertCatalog, [
          entry.path,
          entry.kind,
          entry.content,
          entry.now,
        ]);
        if (!r) throw new Error("catalog insert returned no row");
        return toCatalog({
          catalog_id: r.catalog_id,
          path: entry.path,
          version: r.version,
          kind: entry.kind,
          content: entry.content,
          created_at: entry.now,
        });
      } catch (error) {
        if (attempt >= 20 || sqlState(error) !== UNIQUE_VIOLATION) throw error;
      }
    }
  }

  async get(path: string, version?: number): Promise<CatalogEntry | undefined> {
    const [r] =
      version === undefined
        ? await this.rows<CatalogRecord>(this.sql.catalogLatest, [path])
        : await this.rows<CatalogRecord>(this.sql.catalogVersion, [path, version]);
    return r ? toCatalog(r) : undefined;
  }

  async getById(catalogId: string): Promise<CatalogEntry | undefined> {
    if (!/^\d{1,18}$/.test(catalogId)) return undefined;
    const [r] = await this.rows<CatalogRecord>(this.sql.catalogById, [catalogId]);
    return r ? toCatalog(r) : undefined;
  }

  async list(filter: CatalogListFilter = {}): Promise<CatalogEntry[]> {
    const rows = await this.rows<CatalogRecord>(this.sql.catalogList, [
      filter.path ?? null,
      filter.kind ?? null,
      filter.include_archived === true,
    ]);
    return rows.map(toCatalog);
  }

  async archive(path: string, version: number | undefined, now: number): Promise<CatalogEntry[]> {
    const rows = await this.rows<CatalogRecord>(this.sql.catalogArchive, [path, version ?? null, now]);
    return rows.map(toCatalog).sort((a, b) => a.version - b.version);
  }

  async restore(path: string, version?: number): Promise<CatalogEntry[]> {
    const rows = await this.rows<CatalogRecord>(this.sql.catalogRestore, [path, version ?? null]);
    return rows.map(toCatalog).sort((a, b) => a.version - b.version);
  }
}
