/**
 * Two server replicas on one PostgreSQL schema and one NATS stream, each with a worker that
 * reports to it only: the events of one execution reach both replicas, interleaved. Each
 * replica decides optimistically on its cached state and falls back to the execution lock when
 * the store refuses (the other replica moved the execution on); no decision may be lost or
 * taken twice. Skipped, with the reason printed, when PostgreSQL or NATS is not reachable.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { RunningServer, RunningWorker } from "../../src/app/index.ts";
import { HttpClient } from "../../src/client/index.ts";
import {
  playbook as pb,
  runOverHttp,
  servicesSkipReason,
  startNode,
  suiteServices,
} from "../support/services.ts";

const skip = await servicesSkipReason();
const services = suiteServices("repl");
const servers: RunningServer[] = [];
const workers: RunningWorker[] = [];

interface StoredEvent {
  seq: number;
  type: string;
  step?: string;
  payload: { loop_index?: number; command_id?: string };
}

async function run(http: HttpClient, content: string, payload: object = {}) {
  const result = await runOverHttp(http, content, payload);
  const { execution_id } = result;
  const events: StoredEvent[] = [];
  for (;;) {
    const page = await http.get<{ events: StoredEvent[] }>(
      `/api/executions/${execution_id}/events?after_seq=${events.length}&limit=10000`,
    );
    events.push(...page.events);
    if (page.events.length < 10_000) break;
  }
  return { ...result, events };
}

/** The log is gap-free and every command has exactly one outcome. */
function assertConsistent(events: StoredEvent[]): void {
  assert.deepEqual(
    events.map((e) => e.seq),
    events.map((_, i) => i + 1),
    "seqs are 1..n without gaps",
  );
  const issued = events.filter((e) => e.type === "command.issued").length;
  const outcomes = events.filter((e) => e.type === "call.done" || e.type === "call.error");
  const byCommand = new Set(outcomes.map((e) => e.payload.command_id));
  assert.equal(byCommand.size, outcomes.length, "a command has one outcome");
  assert.equal(outcomes.length, issued, "every issued command has an outcome");
}

describe("distributed: two server replicas", { skip }, () => {
  before(async () => {
    for (let i = 0; i < 2; i++) {
      const node = await startNode(services, {
        shard: i,
        reapIntervalMs: 1000,
        leaseMs: 5000,
        workerIds: [`w${i}`],
        concurrency: 16,
      });
      servers.push(node.server);
      workers.push(...node.workers);
    }
  });
  after(async () => {
    for (const w of workers) await w.stop(false);
    for (const s of servers) await s.close();
    await services.drop();
  });

  it("a parallel loop reported to both replicas: every iteration recorded once, the right sum", async () => {
    const http = new HttpClient({ baseUrl: servers[0]?.url ?? "" });
    const r = await run(http, pb("big-loop"), { n: 400 });
    assert.equal(r.status, "completed", JSON.stringify(r.error));
    assert.deepEqual(r.result, { sum: 159_600, n: 400 });
    assertConsistent(r.events);
    const done = r.events.filter((e) => e.type === "call.done" && e.step === "many");
    assert.deepEqual(
      done.map((e) => e.payload.loop_index).sort((p, q) => (p ?? 0) - (q ?? 0)),
      Array.from({ length: 400 }, (_, i) => i),
    );
  });

  it("chains and joins started on either replica complete exactly once", async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => {
        const http = new HttpClient({ baseUrl: servers[i % 2]?.url ?? "" });
        return run(http, pb(i % 2 ? "fanout-join" : "linear"));
      }),
    );
    for (const [i, r] of results.entries()) {
      assert.equal(r.status, "completed", JSON.stringify(r.error));
      if (i % 2) {
        assert.equal(r.result, 3);
        assert.equal(r.runs.join, 1);
      } else {
        assert.deepEqual(r.result, { value: 21, seen: 2 });
      }
      assertConsistent(r.events);
    }
  });
});
