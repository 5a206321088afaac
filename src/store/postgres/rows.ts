/**
 * Row shapes of the PostgreSQL tables and their decoding into port types. The store's pool
 * returns BIGINT as a JS number and JSON columns as their raw text (see `PG_TYPES`), which is
 * parsed here, exactly as the SQLite store parses its TEXT columns. Absent optional fields are
 * NULL in SQL and omitted (not `undefined`) in the decoded objects.
 */
import pg from "pg";

const INT8 = 20;
const INT8_ARRAY = 1016;
const JSON_OID = 114;
const parseInt8Array = (pg.types.getTypeParser as (oid: number) => (v: string) => Array<string | null>)(
  INT8_ARRAY,
);

/**
 * Type parsers of the store's connections: INT8 → number (epoch ms, seq), INT8[] → (number |
 * null)[] (the seqs `commit_batch_claim` returns), JSON → raw text.
 */
export const PG_TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: "text" | "binary") => {
    if (oid === INT8) return (v: string) => Number(v);
    if (oid === INT8_ARRAY)
      return (v: string) => parseInt8Array(v).map((x) => (x === null ? null : Number(x)));
    if (oid === JSON_OID) return (v: string) => v;
    return pg.types.getTypeParser(oid, format);
  }) as pg.CustomTypesConfig["getTypeParser"],
};

export type {
  CatalogRecord,
  CommandRecord,
  CredentialRecord,
  EventRecord,
  ExecutionRecord,
} from "../rows.ts";
export { toCatalog, toCommand, toCredential, toEvent, toExecution } from "../rows.ts";
