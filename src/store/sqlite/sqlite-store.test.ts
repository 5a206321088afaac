import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { it } from "node:test";
import type { ExecutionId } from "../../kernel/index.ts";
import { storeConformance } from "../conformance.ts";
import { SqliteStore } from "./sqlite-store.ts";

const dir = mkdtempSync(join(tmpdir(), "noetl-sqlite-"));

storeConformance("sqlite (:memory:)", async () => new SqliteStore({ path: ":memory:" }));
storeConformance(
  "sqlite (file, durability full)",
  async () => new SqliteStore({ path: join(dir, "conf.db"), durability: "full" }),
);

it("sqlite: data survives reopening the file", async () => {
  const path = join(dir, "reopen.db");
  const a = new SqliteStore({ path });
  await a.init();
  const x = "77" as ExecutionId;
  await a.commit({
    events: [
      {
        execution_id: x,
        event_id: "e1",
        type: "workflow.initialized",
        at: 1,
        payload: { first_step: "s" },
      } as never,
    ],
    execution: { execution_id: x, path: "p", status: "running", started_at: 1 },
  });
  await a.close();
  const b = new SqliteStore({ path });
  await b.init();
  assert.equal((await b.readEvents(x)).length, 1);
  const again = await b.commit({
    events: [
      {
        execution_id: x,
        event_id: "e2",
        type: "workflow.initialized",
        at: 2,
        payload: { first_step: "s" },
      } as never,
    ],
  });
  assert.equal(again.inserted[0]?.seq, 2);
  await b.close();
  rmSync(dir, { recursive: true, force: true });
});
