export type { SqliteDurability, SqliteStoreOptions } from "./sqlite-store.ts";
export { SqliteStore } from "./sqlite-store.ts";
export type { WalCoalescing, WalCoalescingStats } from "./wal-coalescing.ts";
export { enableWalCoalescing, WAL_COALESCE_LIBRARY, walCoalescingStats } from "./wal-coalescing.ts";
