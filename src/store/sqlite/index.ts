export type { SqliteStoreOptions } from "./sqlite-store.ts";
export { SqliteStore } from "./sqlite-store.ts";
