/**
 * The PostgreSQL store's schema migrations, in version order (`../migrations.ts` applies them).
 * Never edit a released migration: append a new one.
 *
 * JSON columns are `json`, not `jsonb`: `json` keeps the exact text (key order, duplicate-free
 * as produced by `JSON.stringify`) and accepts `\u0000` in strings, so every value reads back
 * exactly as the SQLite and memory stores return it. The `->`/`->>` operators work on both.
 * Text keys compared or sorted by the store use `COLLATE "C"` (code-point order, as in JS).
 */
import type { Migration } from "./migration.ts";
import { V1_INITIAL_SCHEMA } from "./v1-initial-schema.ts";
import { V2_COMMIT_BATCH } from "./v2-commit-batch.ts";
import { V3_COMMIT_BATCH_CLAIM } from "./v3-commit-batch-claim.ts";
import { V4_CLAIMED_INSERT } from "./v4-claimed-insert.ts";
import { V5_FEWER_STATEMENTS } from "./v5-fewer-statements.ts";
import { V6_CATALOG_ARCHIVE } from "./v6-catalog-archive.ts";

export type { Migration } from "./migration.ts";

export const MIGRATIONS: readonly Migration[] = [
  V1_INITIAL_SCHEMA,
  V2_COMMIT_BATCH,
  V3_COMMIT_BATCH_CLAIM,
  V4_CLAIMED_INSERT,
  V5_FEWER_STATEMENTS,
  V6_CATALOG_ARCHIVE,
];
