import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import Database from "better-sqlite3";
import { enableWalCoalescing, WAL_COALESCE_LIBRARY, walCoalescingStats } from "./wal-coalescing.ts";

const dir = mkdtempSync(join(tmpdir(), "noetl-wal-"));
after(() => rmSync(dir, { recursive: true, force: true, maxRetries: 5 }));

const built = existsSync(WAL_COALESCE_LIBRARY);
if (!built) console.log(`# wal-coalescing: skipped, ${WAL_COALESCE_LIBRARY} is not built (npm run build)`);

function open(name: string, cachePages = 2000): Database.Database {
  const db = new Database(join(dir, name));
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma(`cache_size = ${cachePages}`);
  // every frame stays in the WAL until the test checkpoints or closes
  db.pragma("wal_autocheckpoint = 0");
  return db;
}

/**
 * A plain node process that loads the shim itself, opens `path` as `db`, then runs `body`. Killed
 * after 90 s (a test fails rather than leaving a child that keeps the test file from exiting).
 */
function spawnWithShim(path: string, body: string, stdout: "pipe" | "ignore") {
  return spawn(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      `import Database from "better-sqlite3";
       new Database(":memory:").loadExtension(${JSON.stringify(WAL_COALESCE_LIBRARY)});
       const db = new Database(${JSON.stringify(path)});
       ${body}`,
    ],
    { cwd: process.cwd(), stdio: ["ignore", stdout, "inherit"], timeout: 90_000, killSignal: "SIGKILL" },
  );
}

describe("the SQLite WAL shim", { skip: !built && "the shim is not built" }, () => {
  it("is the default VFS once enabled, and writes a commit's frames at once", () => {
    const state = enableWalCoalescing();
    assert.equal(state.active, true, state.active ? "" : state.reason);
    const db = open("commits.db");
    db.exec("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT NOT NULL)");
    const reader = new Database(join(dir, "commits.db"), { readonly: true });
    const insert = db.prepare("INSERT INTO t (k, v) VALUES (?, ?)");
    const read = reader.prepare("SELECT v FROM t WHERE k = ?");
    const before = walCoalescingStats();
    assert.ok(before);
    for (let k = 1; k <= 300; k++) {
      db.transaction(() => insert.run(k, `v${k}`.repeat(200)))();
      // another connection sees each commit as soon as it returns
      assert.deepEqual(read.get(k), { v: `v${k}`.repeat(200) });
    }
    const stats = walCoalescingStats();
    assert.ok(stats);
    // each commit: its frames' headers and pages held (two writes or more), one buffer written
    const held = stats.held - before.held;
    const flushes = stats.flushes - before.flushes;
    assert.ok(held >= 300 * 2, `held ${held}`);
    assert.ok(flushes >= 300 && flushes <= held / 2, `${flushes} buffers for ${held} writes`);
    assert.equal(stats.late, 0);
    assert.equal(stats.errors, 0);
    reader.close();
    db.close();
  });

  it("keeps a transaction that spills its cache and rewrites its frames whole in the log", () => {
    enableWalCoalescing();
    // a cache of 10 pages: the transaction's pages go to the WAL before the commit, then are
    // written again in place (SQLite then rewrites the frames' checksums)
    const db = open("spill.db", 10);
    db.exec("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT NOT NULL)");
    const insert = db.prepare("INSERT INTO t (k, v) VALUES (?, ?)");
    db.transaction(() => {
      for (let k = 1; k <= 2000; k++) insert.run(k, `a${k}`.padEnd(600, "x"));
      db.prepare("UPDATE t SET v = 'b' || k WHERE k % 3 = 0").run();
      for (let k = 2001; k <= 2500; k++) insert.run(k, `c${k}`.padEnd(300, "y"));
    })();
    const expected = db.prepare("SELECT count(*) AS n, sum(length(v)) AS bytes FROM t").get();
    // a copy of the file and its log, taken while the log holds every frame: opening it recovers
    // the database from the log, which keeps only frames whose checksums chain
    copyFileSync(join(dir, "spill.db"), join(dir, "spill-copy.db"));
    copyFileSync(join(dir, "spill.db-wal"), join(dir, "spill-copy.db-wal"));
    const copy = new Database(join(dir, "spill-copy.db"));
    assert.deepEqual(copy.prepare("SELECT count(*) AS n, sum(length(v)) AS bytes FROM t").get(), expected);
    assert.deepEqual(copy.pragma("integrity_check"), [{ integrity_check: "ok" }]);
    assert.equal(walCoalescingStats()?.late, 0);
    copy.close();
    db.close();
  });

  it("keeps the log whole when two connections take turns writing and the log restarts", () => {
    enableWalCoalescing();
    // each connection appends where the other left the log, and checkpoints every few pages make
    // the writers start the log over: each handle's idea of the log's end is often stale
    const a = open("turns.db");
    a.exec("CREATE TABLE t (k INTEGER PRIMARY KEY, by TEXT NOT NULL, v TEXT NOT NULL)");
    const b = open("turns.db");
    for (const db of [a, b]) db.pragma("wal_autocheckpoint = 8");
    const inserts = [a, b].map((db) => db.prepare("INSERT INTO t (k, by, v) VALUES (?, ?, ?)"));
    for (let k = 1; k <= 1200; k++) {
      const turn = Math.floor(k / 7) % 2;
      inserts[turn]?.run(k, turn === 0 ? "a" : "b", "v".repeat(k % 900));
    }
    copyFileSync(join(dir, "turns.db"), join(dir, "turns-copy.db"));
    copyFileSync(join(dir, "turns.db-wal"), join(dir, "turns-copy.db-wal"));
    const copy = new Database(join(dir, "turns-copy.db"));
    for (const db of [a, b, copy]) {
      assert.deepEqual(db.prepare("SELECT count(*) AS n, sum(length(v)) AS bytes FROM t").get(), {
        n: 1200,
        bytes: Array.from({ length: 1200 }, (_, i) => (i + 1) % 900).reduce((x, y) => x + y, 0),
      });
      assert.deepEqual(db.pragma("integrity_check"), [{ integrity_check: "ok" }]);
    }
    assert.equal(walCoalescingStats()?.late, 0);
    copy.close();
    b.close();
    a.close();
  });

  it("keeps the log whole when several processes write the same file at once", async () => {
    const path = join(dir, "processes.db");
    const setup = open("processes.db");
    setup.exec("CREATE TABLE t (k INTEGER PRIMARY KEY, by INTEGER NOT NULL, v TEXT NOT NULL)");
    setup.close();
    const writer = (n: number) =>
      new Promise<number | null>((resolve) => {
        const child = spawnWithShim(
          path,
          `db.pragma("busy_timeout = 10000");
           db.pragma("wal_autocheckpoint = 16");
           const insert = db.prepare("INSERT INTO t (k, by, v) VALUES (?, ?, ?)");
           for (let i = 0; i < 300; i++) insert.run(${n} * 1000 + i, ${n}, "v".repeat((i * 37) % 2000));`,
          "ignore",
        );
        child.on("exit", (code) => resolve(code));
      });
    assert.deepEqual(await Promise.all([1, 2, 3].map(writer)), [0, 0, 0]);
    const db = new Database(path);
    assert.deepEqual(db.prepare("SELECT by, count(*) AS n FROM t GROUP BY by ORDER BY by").all(), [
      { by: 1, n: 300 },
      { by: 2, n: 300 },
      { by: 3, n: 300 },
    ]);
    assert.deepEqual(db.pragma("integrity_check"), [{ integrity_check: "ok" }]);
    db.close();
  });

  it("keeps every commit acknowledged before the process was killed", async () => {
    const path = join(dir, "killed.db");
    // the child loads the shim itself (a plain node process), commits one row per transaction and
    // prints each key once its commit returned. It waits for its output to drain when the pipe is
    // full (a synchronous loop would queue the output unwritten and never be killed, writing
    // gigabytes while the test waits), and stops by itself after 200,000 rows.
    const child = spawnWithShim(
      path,
      `db.pragma("journal_mode = WAL");
       db.pragma("synchronous = NORMAL");
       db.exec("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT NOT NULL)");
       const insert = db.prepare("INSERT INTO t (k, v) VALUES (?, ?)");
       for (let k = 1; k <= 200000; k++) {
         insert.run(k, "v".repeat(k % 5000));
         if (!process.stdout.write(k + "\\n")) await new Promise((r) => process.stdout.once("drain", r));
       }`,
      "pipe",
    );
    let acknowledged = 0;
    let text = "";
    await new Promise<void>((resolve) => {
      child.stdout?.on("data", (chunk: Buffer) => {
        text += chunk.toString();
        const lines = text.split("\n");
        text = lines.pop() ?? "";
        if (lines.length > 0) acknowledged = Number(lines[lines.length - 1]);
        if (acknowledged >= 2000 && child.exitCode === null) child.kill("SIGKILL");
      });
      child.on("exit", () => resolve());
    });
    assert.ok(acknowledged >= 2000);
    const db = new Database(path);
    const { n, top } = db.prepare("SELECT count(*) AS n, max(k) AS top FROM t").get() as {
      n: number;
      top: number;
    };
    assert.ok(top >= acknowledged, `rows up to ${top}, ${acknowledged} acknowledged`);
    assert.equal(n, top);
    assert.deepEqual(db.pragma("integrity_check"), [{ integrity_check: "ok" }]);
    db.close();
  });
});
