/**
 * The catalog of the SQLite store: entries versioned by path (the next version is taken inside
 * an IMMEDIATE transaction); archiving sets `archived_at`, restoring clears it.
 */
import type Database from "better-sqlite3";
import type { CatalogRecord } from "../rows.ts";
import { toCatalog } from "../rows.ts";
import type { CatalogEntry, CatalogListFilter, Store } from "../store.ts";
import { SQL } from "./sqlite-sql.ts";

/** What `catalogRegister` is given. */
export type CatalogRegistration = Parameters<Store["catalogRegister"]>[0];

export class SqliteCatalog {
  /** `stmt`: the store's cached prepared statement for an SQL text. */
  constructor(
    private readonly db: Database.Database,
    private readonly stmt: (sql: string) => Database.Statement,
  ) {}

  register(entry: CatalogRegistration): CatalogEntry {
    return this.db
      .transaction((): CatalogEntry => {
        const version = (this.stmt(SQL.maxVersion).pluck().get(entry.path) as number) + 1;
        const info = this.stmt(SQL.insertCatalog).run(
          entry.path,
          version,
          entry.kind,
          entry.content,
          entry.now,
        );
        return toCatalog({
          catalog_id: Number(info.lastInsertRowid),
          path: entry.path,
          version,
          kind: entry.kind,
          content: entry.content,
          created_at: entry.now,
        });
      })
      .immediate();
  }

  get(path: string, version?: number): CatalogEntry | undefined {
    const r = (
      version === undefined
        ? this.stmt(SQL.catalogLatest).get(path)
        : this.stmt(SQL.catalogVersion).get(path, version)
    ) as CatalogRecord | undefined;
    return r ? toCatalog(r) : undefined;
  }

  getById(catalogId: string): CatalogEntry | undefined {
    if (!/^\d+$/.test(catalogId)) return undefined;
    const r = this.stmt(SQL.catalogById).get(Number(catalogId)) as CatalogRecord | undefined;
    return r ? toCatalog(r) : undefined;
  }

  list(filter: CatalogListFilter = {}): CatalogEntry[] {
    const rows = this.stmt(SQL.catalogList).all({
      path: filter.path ?? null,
      kind: filter.kind ?? null,
      archived: filter.include_archived ? 1 : 0,
    }) as CatalogRecord[];
    return rows.map(toCatalog);
  }

  archive(path: string, version: number | undefined, now: number): CatalogEntry[] {
    const rows = this.stmt(SQL.catalogArchive).all({
      path,
      version: version ?? null,
      now,
    }) as CatalogRecord[];
    return rows.map(toCatalog).sort((a, b) => a.version - b.version);
  }

  restore(path: string, version?: number): CatalogEntry[] {
    const rows = this.stmt(SQL.catalogRestore).all({ path, version: version ?? null }) as CatalogRecord[];
    return rows.map(toCatalog).sort((a, b) => a.version - b.version);
  }
}
