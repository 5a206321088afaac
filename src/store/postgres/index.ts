export { MIGRATIONS, migrate } from "./migrations.ts";
export type { PostgresStoreOptions } from "./postgres-store.ts";
export { PostgresStore } from "./postgres-store.ts";
