export type { SqliteDurability, SqliteStoreOptions } from "./sqlite-store.ts";
export { SqliteStore } from "./sqlite-store.ts";
