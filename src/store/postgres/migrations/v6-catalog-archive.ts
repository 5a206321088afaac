import type { Migration } from "./migration.ts";

export const V6_CATALOG_ARCHIVE: Migration = {
  version: 6,
  name: "catalog entries can be archived (deleted from the catalog, kept for the executions started from them)",
  sql: `
ALTER TABLE {schema}.catalog ADD COLUMN archived_at BIGINT;
`,
};
