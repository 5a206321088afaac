import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type { CommandId, ExecutionId } from "../../kernel/index.ts";
import { NATS_URL, natsSkipReason } from "../../testing/index.ts";
import { busConformance } from "../conformance.ts";
import { NatsBus, type NatsBusOptions } from "./nats-bus.ts";

const skip = await natsSkipReason();
const run = `${process.pid}_${Date.now().toString(36)}`;
const base: NatsBusOptions = {
  servers: NATS_URL,
  stream: `NOETL_TEST_${run}`,
  subjectPrefix: `noetl.test.${run}`,
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let n = 0;
const notice = () => ({
  execution_id: `x-${run}` as ExecutionId,
  command_id: `c-${run}-${++n}` as CommandId,
});

async function waitFor(cond: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) assert.fail(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

if (skip) {
  it("nats bus", { skip }, () => undefined);
} else {
  after(async () => {
    const bus = await NatsBus.connect(base);
    await bus.deleteStream();
    await bus.close();
  });

  busConformance("nats", () => NatsBus.connect(base));

  describe("nats bus", () => {
    it("drops a re-publish of the same command (msgID dedup)", async () => {
      const bus = await NatsBus.connect(base);
      try {
        const pool = `dedup-${n}`;
        const seen: string[] = [];
        await bus.subscribe(pool, async (d) => {
          seen.push(d.notice.command_id);
          await d.ack();
        });
        const a = notice();
        await bus.publish(pool, a);
        await bus.publish(pool, a);
        await bus.publish(pool, notice());
        await waitFor(() => seen.length >= 2, "the deliveries");
        await sleep(300);
        assert.equal(seen.length, 2);
        assert.equal(seen[0], a.command_id);
      } finally {
        await bus.close();
      }
    });

    it("publish resolves once the stream stored the notice, and fails when no stream takes it", async () => {
      const bus = await NatsBus.connect(base);
      try {
        const pool = `acks-${n}`;
        const seen = new Set<string>();
        await bus.subscribe(
          pool,
          async (d) => {
            seen.add(d.notice.command_id);
            await d.ack();
          },
          { concurrency: 50 },
        );
        const batch = Array.from({ length: 200 }, () => notice());
        await Promise.all(batch.map((x) => bus.publish(pool, x)));
        await waitFor(() => seen.size === 200, "the deliveries");
      } finally {
        await bus.close();
      }
      // a stream that captures nothing of this prefix: the publish is refused, not lost silently
      const stray = await NatsBus.connect({
        ...base,
        stream: `${base.stream}_X`,
        subjectPrefix: `${base.subjectPrefix}x`,
      });
      try {
        await stray.deleteStream();
        await assert.rejects(stray.publish("nowhere", notice()), /JetStream is not available/);
      } finally {
        await stray.close();
      }
    });

    it("a handler running longer than ack_wait keeps its message (no redelivery)", async () => {
      const stream = `NOETL_TEST_${run}_ACK`;
      const bus = await NatsBus.connect({
        ...base,
        stream,
        subjectPrefix: `noetl.testack.${run}`,
        ackWaitMs: 1500,
      });
      try {
        let calls = 0;
        await bus.subscribe("slow", async (d) => {
          calls += 1;
          await sleep(3500);
          await d.ack();
        });
        await bus.publish("slow", notice());
        await waitFor(() => calls === 1, "the delivery");
        await sleep(4000);
        assert.equal(calls, 1, "redelivered while the handler was running");
      } finally {
        await bus.close();
        const admin = await NatsBus.connect({ ...base, stream, subjectPrefix: `noetl.testack.${run}` });
        await admin.deleteStream();
        await admin.close();
      }
    });

    const hasServer = spawnSync("nats-server", ["--version"]).status === 0;
    it("resumes consuming after the NATS server restarts", {
      skip: hasServer ? false : "nats-server is not installed",
      timeout: 60_000,
    }, async () => {
      const dir = mkdtempSync(join(tmpdir(), "noetl-nats-"));
      const port = await freePort();
      const start = (): ChildProcess =>
        spawn("nats-server", ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", dir], { stdio: "ignore" });
      let server = start();
      let bus: NatsBus | undefined;
      try {
        bus = await connectRetrying({ ...base, servers: `nats://127.0.0.1:${port}` });
        const seen: string[] = [];
        await bus.subscribe("restart", async (d) => {
          seen.push(d.notice.command_id);
          await d.ack();
        });
        await bus.publish("restart", notice());
        await waitFor(() => seen.length === 1, "the delivery before the restart");

        await stop(server);
        await sleep(500);
        server = start();
        const after = notice();
        await publishRetrying(bus, "restart", after);
        await waitFor(() => seen.includes(after.command_id), "the delivery after the restart", 30_000);
      } finally {
        await bus?.close();
        await stop(server);
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const address = srv.address();
      const port = typeof address === "object" && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

async function connectRetrying(options: NatsBusOptions): Promise<NatsBus> {
  for (let i = 0; ; i++) {
    try {
      return await NatsBus.connect(options);
    } catch (error) {
      if (i >= 50) throw error;
      await sleep(100);
    }
  }
}

async function publishRetrying(bus: NatsBus, pool: string, n: ReturnType<typeof notice>): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      return await bus.publish(pool, n);
    } catch (error) {
      if (i >= 20) throw error;
      await sleep(500);
    }
  }
}
