/**
 * Loads the `noetl-wal` VFS shim (`native/wal-coalesce.c`, compiled by `scripts/build-native.mjs`
 * into `build/native/` at the project root) as the process's default SQLite VFS: a commit's WAL
 * frames then reach the file in one write instead of two per frame (a chain step's commit: 9
 * system calls → 1). Where the library was not built (no C compiler at install, Windows) or
 * `NOETL_SQLITE_WAL_COALESCE=0` is set, SQLite writes as it always does: only slower.
 *
 * The shim is process-wide (SQLite's default VFS), so it is enabled once, before the first file
 * is opened, and covers every SQLite connection opened after it in this process.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";

/** Whether the shim is in use, and why not. */
export type WalCoalescing = { active: true; library: string } | { active: false; reason: string };

/** What the shim did so far in this process (see the C file). */
export interface WalCoalescingStats {
  /** Writes held in a buffer rather than written one by one. */
  held: number;
  /** Buffers written (about one per commit). */
  flushes: number;
  /** Buffers still held when SQLite published a commit: always 0 unless the shim is wrong. */
  late: number;
  /** Buffer writes that failed (the commit failed with them). */
  errors: number;
}

/** Where the build puts the library (the same path from `src/` and `dist/`). */
export const WAL_COALESCE_LIBRARY = fileURLToPath(
  new URL(
    `../../../build/native/wal-coalesce.${process.platform === "darwin" ? "dylib" : "so"}`,
    import.meta.url,
  ),
);

let state: WalCoalescing | undefined;
/** The connection that loaded the extension; kept open for `noetl_wal_stats()`. */
let loader: Database.Database | undefined;

/** Enables the shim (once per process) and tells whether it is in use. */
export function enableWalCoalescing(library: string = WAL_COALESCE_LIBRARY): WalCoalescing {
  if (state !== undefined) return state;
  if (process.env.NOETL_SQLITE_WAL_COALESCE === "0") {
    state = { active: false, reason: "disabled by NOETL_SQLITE_WAL_COALESCE=0" };
  } else if (!existsSync(library)) {
    state = { active: false, reason: `not built: ${library} is missing (npm run build compiles it)` };
  } else {
    try {
      const db = new Database(":memory:");
      // entry point from the file name: sqlite3_walcoalesce_init
      db.loadExtension(library);
      loader = db;
      state = { active: true, library };
    } catch (error) {
      state = { active: false, reason: `${library} did not load: ${(error as Error).message}` };
    }
  }
  return state;
}

/** The shim's counters, or undefined when it is not in use. */
export function walCoalescingStats(): WalCoalescingStats | undefined {
  if (loader === undefined) return undefined;
  const row = loader.prepare("SELECT noetl_wal_stats() AS s").get() as { s: string };
  const [held = 0, flushes = 0, late = 0, errors = 0] = row.s.split("|").map(Number);
  return { held, flushes, late, errors };
}
