/**
 * The SSE stream of an execution's events (`GET /api/executions/:id/stream`): each `data` is the
 * event as the events routes answer it (ours plus NoETL's field names, `noetlEvent`).
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import type { ExecutionId } from "../kernel/index.ts";
import type { Orchestrator } from "../orchestrator/index.ts";
import type { NoetlEvent } from "../protocol/index.ts";
import { TERMINAL_EVENTS } from "../protocol/index.ts";
import type { Store } from "../store/index.ts";
import { noetlEvent } from "./noetl-event.ts";

/**
 * Server-sent events: the stored log after `after`, then live events until the execution ends.
 * `path`: the execution's playbook path (NoETL's `node_name` of the playbook-level events).
 */
export async function streamEvents(
  store: Store,
  orchestrator: Orchestrator,
  id: ExecutionId,
  path: string,
  after: number,
  req: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    "content-type": "text/event-stream",
    "cache-control": "no-cache",
    connection: "keep-alive",
    "x-accel-buffering": "no",
  });
  let last = after;
  let ended = false;
  const queue: NoetlEvent[] = [];
  const send = (e: NoetlEvent) => {
    if ((e.seq ?? 0) <= last) return;
    last = e.seq ?? last;
    raw.write(`id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify(noetlEvent(e, path))}\n\n`);
    if (TERMINAL_EVENTS.has(e.type)) ended = true;
  };
  let replaying = true;
  const unsubscribe = orchestrator.onEvents((eid, events) => {
    if (eid !== id) return;
    if (replaying) queue.push(...events);
    else for (const e of events) send(e);
    if (ended) finish();
  });
  const ping = setInterval(() => raw.write(": ping\n\n"), 15_000);
  const finish = () => {
    clearInterval(ping);
    unsubscribe();
    if (!raw.writableEnded) raw.end();
  };
  req.raw.on("close", finish);
  for (;;) {
    const page = await store.readEvents(id, { afterSeq: last, limit: 1000 });
    for (const e of page) send(e);
    if (page.length < 1000) break;
  }
  replaying = false;
  for (const e of queue.sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0))) send(e);
  const row = await store.getExecution(id);
  if (ended || (row && row.status !== "running")) finish();
}
