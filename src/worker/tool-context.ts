/**
 * The context a tool call gets from the worker: the command's identity, the task's rendered
 * input, the render context code tools see, credentials that feed the redactor, and the bounded
 * capture of stdout/stderr as `task.output` events.
 */
import type { Json, JsonObject } from "../kernel/index.ts";
import type { Command, ControlPlane, Task, WorkerEvent } from "../protocol/index.ts";
import type { CredentialAccessor, ToolContext, ToolLogger } from "../tools/index.ts";
import { credentialSecrets } from "./credential-secrets.ts";
import type { Redactor } from "./redactor.ts";

/** What the worker lends every tool context (the same for all its commands). */
export interface ToolContextDeps {
  readonly controlPlane: ControlPlane;
  readonly credentials: CredentialAccessor;
  readonly log: ToolLogger;
  /** Bound on captured stdout/stderr per command (bytes; default 64 KiB). */
  readonly maxCapturedOutput?: number;
}

export function toolContext(
  deps: ToolContextDeps,
  command: Command,
  task: Task,
  input: JsonObject,
  signal: AbortSignal,
  timeoutMs: number | undefined,
  redactor: Redactor,
  scope: { get(name: string): unknown },
  captured: { bytes: number },
  events: WorkerEvent[],
): ToolContext {
  const credentials = deps.credentials;
  const limit = deps.maxCapturedOutput ?? 65_536;
  return {
    executionId: command.execution_id,
    commandId: command.command_id,
    step: command.step,
    task: task.name,
    input,
    get context() {
      return renderContext(command, scope);
    },
    signal,
    ...(timeoutMs ? { timeoutMs } : {}),
    log: deps.log,
    credentials: {
      async get(name: string) {
        const value = await credentials.get(name);
        redactor.add(credentialSecrets(value));
        return value;
      },
    },
    controlPlane: deps.controlPlane,
    addSecret: (value) => redactor.add(value),
    emitOutput(stream, text) {
      if (captured.bytes >= limit) return;
      const chunk =
        text.length + captured.bytes > limit ? `${text.slice(0, limit - captured.bytes)}…[truncated]` : text;
      captured.bytes += chunk.length;
      events.push({
        type: "task.output",
        step: command.step,
        payload: { command_id: command.command_id, task: task.name, stream, text: chunk },
      });
    },
  };
}

/** The render context handed to code tools (python `context`): the names templates can see. */
export function renderContext(command: Command, scope: { get(name: string): unknown }): JsonObject {
  const out: JsonObject = {};
  for (const name of [
    "workload",
    "ctx",
    "input",
    "iter",
    "event",
    "error",
    "result",
    "execution_id",
    "results",
  ]) {
    const v = scope.get(name);
    if (v !== undefined) out[name] = v as Json;
  }
  for (const name of Object.keys(command.steps)) out[name] = scope.get(name) as Json;
  if (command.iter) out[command.iter.iterator] = command.iter.item;
  return out;
}
