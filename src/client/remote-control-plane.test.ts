import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { after, before, describe, it } from "node:test";
import type { CommandId, ExecutionId } from "../kernel/index.ts";
import type { WorkerEvent } from "../protocol/index.ts";
import { HttpClient } from "./http-client.ts";
import { RemoteControlPlane } from "./remote-control-plane.ts";

interface Seen {
  path: string;
  body: Record<string, unknown>;
  key: string | undefined;
}

/** A real HTTP server that records the requests and answers as the NoETL API does. */
let server: Server;
let seen: Seen[] = [];
let refuseMultiReports = false;
let cp: RemoteControlPlane;

const enter = (c: string): WorkerEvent => ({
  type: "step.enter",
  step: "s",
  payload: { command_id: c as CommandId },
});
const info = (id: string) => ({ execution_id: id, path: "p", workload: { w: id } });
const claimed = (id: string) => ({ status: "claimed", command: { command_id: id }, lease_ms: 1000 });

async function bodyOf(req: IncomingMessage): Promise<Record<string, unknown>> {
  let text = "";
  for await (const chunk of req) text += chunk;
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

before(async () => {
  server = createServer(async (req, res) => {
    const body = await bodyOf(req);
    const path = req.url ?? "";
    seen.push({ path, body, key: req.headers["idempotency-key"] as string | undefined });
    const send = (status: number, data: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(data));
    };
    if (path === "/api/commands/claim") {
      const ids = body.command_ids as string[];
      return send(200, { claims: ids.map((id) => ({ ...claimed(id), execution: info(`x${id}`) })) });
    }
    const one = /^\/api\/commands\/([^/]+)\/claim$/.exec(path);
    if (one) return send(200, { ...claimed(one[1] ?? ""), execution: info(`x${one[1]}`) });
    if (path === "/api/events/reports" && refuseMultiReports)
      return send(413, { error: { code: "TOO_LARGE" } });
    if (path === "/api/events/reports") {
      // the server takes each report on its own: one for execution "bad" fails alone
      const reports = body.reports as Array<{ execution_id: string }>;
      const results = reports.map((r: { execution_id: string; handoff?: unknown }) =>
        r.execution_id === "bad"
          ? { error: { status: 404, code: "NOETL_E_EXECUTION_NOT_FOUND" } }
          : r.handoff
            ? { ok: true, commands: [claimed(`next-of-${r.execution_id}`)] }
            : { ok: true },
      );
      return send(202, { accepted: 1, results });
    }
    if (path === "/api/events/batch" && body.execution_id === "bad")
      return send(422, { error: { code: "NOETL_E_API_VALIDATION", message: "no such execution" } });
    if (path === "/api/events/batch" && body.handoff)
      return send(202, { accepted: 1, commands: [claimed(`next-of-${body.execution_id}`)] });
    if (path === "/api/events/batch") return send(202, { accepted: 1 });
    send(404, { error: { code: "NOT_FOUND" } });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  cp = new RemoteControlPlane(new HttpClient({ baseUrl: `http://127.0.0.1:${port}` }), "t");
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("RemoteControlPlane batching", () => {
  it("claims made in one turn go in one request; a lone claim uses the single-command route", async () => {
    seen = [];
    const results = await Promise.all(["c1", "c2", "c3"].map((id) => cp.claim(id as CommandId, "w")));
    assert.deepEqual(
      results.map((r) => r.command?.command_id),
      ["c1", "c2", "c3"],
    );
    assert.deepEqual(seen, [
      {
        path: "/api/commands/claim",
        body: { worker_id: "w", command_ids: ["c1", "c2", "c3"] },
        key: undefined,
      },
    ]);
    // the execution info that came along is kept: no request for it
    assert.deepEqual(await cp.getExecution("xc2" as ExecutionId), info("xc2"));
    assert.equal(seen.length, 1);
    seen = [];
    assert.equal((await cp.claim("c4" as CommandId, "w")).status, "claimed");
    assert.deepEqual(
      seen.map((s) => s.path),
      ["/api/commands/c4/claim"],
    );
  });

  it("tells the server which executions' info it holds, so the claim reply leaves it out", async () => {
    seen = [];
    await cp.claim("c5" as CommandId, "w", "xc5" as ExecutionId);
    await cp.claim("c6" as CommandId, "w", "xc5" as ExecutionId);
    await Promise.all([
      cp.claim("c7" as CommandId, "w", "xc5" as ExecutionId),
      cp.claim("c8" as CommandId, "w", "unknown" as ExecutionId),
    ]);
    assert.deepEqual(
      seen.map((s) => s.body),
      [
        { worker_id: "w" },
        { worker_id: "w", known_executions: ["xc5"] },
        { worker_id: "w", command_ids: ["c7", "c8"], known_executions: ["xc5"] },
      ],
    );
  });

  it("reports made in one turn go in one request, every event with its id; a lone report keeps its key", async () => {
    seen = [];
    await Promise.all([
      cp.report("1" as ExecutionId, [enter("c")], "k1"),
      cp.report("2" as ExecutionId, [enter("c")], "k2"),
    ]);
    assert.equal(seen.length, 1);
    assert.equal(seen[0]?.path, "/api/events/reports");
    assert.deepEqual(seen[0]?.body, {
      reports: [
        { execution_id: "1", events: [{ ...enter("c"), event_id: "k1-0" }] },
        { execution_id: "2", events: [{ ...enter("c"), event_id: "k2-0" }] },
      ],
    });
    seen = [];
    await cp.report("3" as ExecutionId, [enter("c")], "k3");
    assert.deepEqual(seen, [
      {
        path: "/api/events/batch",
        body: { execution_id: "3", events: [{ ...enter("c"), event_id: "k3-0" }] },
        key: "k3",
      },
    ]);
  });

  it("a report asking for a hand-off sends it and answers the handed commands", async () => {
    seen = [];
    const handoff = { worker_id: "w", pool: "default", max: 1 };
    const alone = await cp.report("h1" as ExecutionId, [enter("c")], "kh1", handoff);
    assert.deepEqual(
      alone.map((c) => c.command?.command_id),
      ["next-of-h1"],
    );
    assert.deepEqual(seen[0]?.body.handoff, handoff);
    seen = [];
    const [asked, notAsked] = await Promise.all([
      cp.report("h2" as ExecutionId, [enter("c")], "kh2", handoff),
      cp.report("h3" as ExecutionId, [enter("c")], "kh3"),
    ]);
    assert.deepEqual(
      asked.map((c) => c.command?.command_id),
      ["next-of-h2"],
    );
    assert.deepEqual(notAsked, []);
    assert.equal(seen.length, 1);
    assert.deepEqual(
      ((seen[0]?.body.reports ?? []) as Array<{ handoff?: unknown }>).map((r) => r.handoff),
      [handoff, undefined],
    );
  });

  it("a multi-report request refused as too large is sent report by report", async () => {
    seen = [];
    refuseMultiReports = true;
    try {
      await Promise.all([
        cp.report("4" as ExecutionId, [enter("c")], "k4"),
        cp.report("5" as ExecutionId, [enter("c")], "k5"),
      ]);
    } finally {
      refuseMultiReports = false;
    }
    assert.deepEqual(
      seen.map((s) => [s.path, s.key]),
      [
        ["/api/events/reports", undefined],
        ["/api/events/batch", "k4"],
        ["/api/events/batch", "k5"],
      ],
    );
  });

  it("a report the server could not take is sent again alone and fails by itself", async () => {
    seen = [];
    const outcomes = await Promise.allSettled([
      cp.report("6" as ExecutionId, [enter("c")], "k6"),
      cp.report("bad" as ExecutionId, [enter("c")], "k7"),
    ]);
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ["fulfilled", "rejected"],
    );
    assert.match(String((outcomes[1] as PromiseRejectedResult).reason), /no such execution/);
    assert.deepEqual(
      seen.map((s) => [s.path, s.key]),
      [
        ["/api/events/reports", undefined],
        ["/api/events/batch", "k7"],
      ],
    );
  });
});
