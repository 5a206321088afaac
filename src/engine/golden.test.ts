/**
 * Golden event logs: each playbook is driven with scripted worker outcomes and deterministic
 * ids; the whole log (inputs and decisions) must match the recorded file byte for byte, and
 * replaying the recorded inputs must decide exactly the recorded events and commands.
 * Regenerate with UPDATE_GOLDEN=1 after an intended change of semantics (and bump ENGINE_VERSION).
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { describe, it } from "node:test";
import { loadPlaybook } from "../dsl/index.ts";
import type { ExecutionId, Json } from "../kernel/index.ts";
import type { Command, NoetlEvent } from "../protocol/index.ts";
import { ACTIONABLE_EVENTS } from "../protocol/index.ts";
import { CounterIds } from "../testing/index.ts";
import { apply, createState, handle } from "./index.ts";

const EID = "42" as ExecutionId;
const ENV = (ids: CounterIds) => ({ ids, options: { maxInFlightCap: 100, inlineResultLimit: 65_536 } });

interface Golden {
  log: NoetlEvent[];
  commands: Command[];
}

/** Runs a playbook to the end, answering each command with `answer` (FIFO, deterministic). */
function record(yaml: string, answer: (c: Command) => { ok: boolean; result: Json }): Golden {
  const playbook = loadPlaybook(yaml);
  const ids = new CounterIds("id");
  const state = createState(playbook, EID);
  const log: NoetlEvent[] = [];
  const commands: Command[] = [];
  const queue: Command[] = [];
  let at = 1000;
  const feed = (e: NoetlEvent) => {
    log.push(e);
    const d = handle(state, e, ENV(ids));
    log.push(...d.events);
    commands.push(...d.commands);
    queue.push(...d.commands);
  };
  feed({
    execution_id: EID,
    event_id: ids.next(),
    type: "playbook.initialized",
    at,
    payload: { path: "g", workload: playbook.workload, engine_version: 1 },
  } as NoetlEvent);
  while (queue.length > 0) {
    const c = queue.shift() as Command;
    const { ok, result } = answer(c);
    at += 1;
    const loop = c.loop ? { loop_id: c.loop.loop_id, loop_index: c.loop.index } : {};
    feed(
      (ok
        ? {
            execution_id: EID,
            event_id: ids.next(),
            type: "call.done",
            step: c.step,
            at,
            payload: { command_id: c.command_id, result, status: "ok", ...loop },
          }
        : {
            execution_id: EID,
            event_id: ids.next(),
            type: "call.error",
            step: c.step,
            at,
            payload: {
              command_id: c.command_id,
              result,
              error: { kind: "tool_error", retryable: false, code: "X", message: String(result) },
              ...loop,
            },
          }) as NoetlEvent,
    );
  }
  return { log, commands };
}

/** Replays the inputs of a recorded log: decided events and commands must be identical. */
function replay(yaml: string, golden: Golden): Golden {
  const playbook = loadPlaybook(yaml);
  const ids = new CounterIds("id");
  const state = createState(playbook, EID);
  const log: NoetlEvent[] = [];
  const commands: Command[] = [];
  let i = 0;
  while (i < golden.log.length) {
    const input = golden.log[i] as NoetlEvent;
    ids.next(); // the input's own id was drawn from the same sequence
    log.push(input);
    const d = handle(state, input, ENV(ids));
    log.push(...d.events);
    commands.push(...d.commands);
    i += 1 + d.events.length;
  }
  return { log, commands };
}

const pb = (name: string) =>
  readFileSync(new URL(`../../test/playbooks/${name}.yaml`, import.meta.url), "utf8");
const CASES: Array<[string, string, (c: Command) => { ok: boolean; result: Json }]> = [
  ["linear", pb("linear"), (c) => ({ ok: true, result: { value: c.step === "a" ? 2 : 20 } })],
  ["branching", pb("branching"), (c) => ({ ok: true, result: c.step })],
  ["fanout-join", pb("fanout-join"), (c) => ({ ok: true, result: c.step.length })],
  ["pagination", pb("pagination"), (c) => ({ ok: true, result: { items: [c.input.page as number] } })],
  [
    "loops",
    pb("loops"),
    (c) => ({ ok: true, result: { item: (c.iter?.item ?? 0) as number, sq: 1, doubled: 2, acc: 0 } }),
  ],
  [
    "error-handler",
    pb("error-handler"),
    (c) => ({ ok: c.step !== "risky", result: c.step === "risky" ? "bad input 42" : "handled" }),
  ],
  ["on-error", pb("on-error"), (c) => ({ ok: c.step !== "start", result: c.step })],
  ["final-step", pb("final-step"), (c) => ({ ok: true, result: c.step })],
];

describe("golden event logs", () => {
  for (const [name, yaml, answer] of CASES) {
    it(`${name}: the log is stable and replays to identical decisions`, () => {
      const golden = record(yaml, answer);
      const file = new URL(`./fixtures/golden-${name}.json`, import.meta.url);
      const text = `${JSON.stringify(golden, null, 1)}\n`;
      if (process.env.UPDATE_GOLDEN || !existsSync(file)) writeFileSync(file, text);
      const stored = JSON.parse(readFileSync(file, "utf8")) as Golden;
      assert.deepEqual(
        JSON.parse(text),
        stored,
        "engine decisions changed: review, bump ENGINE_VERSION, UPDATE_GOLDEN=1",
      );
      const again = replay(yaml, stored);
      assert.deepEqual(again.log, stored.log);
      assert.deepEqual(again.commands, stored.commands);
      // folding the log alone gives the same final state as deciding it
      const folded = createState(loadPlaybook(yaml), EID);
      for (const e of stored.log)
        if (!ACTIONABLE_EVENTS.has(e.type) || e.type !== "playbook.initialized") apply(folded, e);
      assert.equal(folded.status, stored.log.at(-1)?.type === "playbook.completed" ? "completed" : "failed");
    });
  }
});
