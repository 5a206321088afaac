/**
 * A minimal ToolContext for tool unit tests. Not used in production code.
 */
import type { CommandId, ExecutionId } from "../kernel/index.ts";
import type { ControlPlane } from "../protocol/index.ts";
import type { ToolContext, ToolLogger } from "./tool.ts";

const silentLogger: ToolLogger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};

function unsupported(name: string): () => Promise<never> {
  return () => Promise.reject(new Error(`test context: controlPlane.${name} is not available`));
}

const noControlPlane: ControlPlane = {
  claim: unsupported("claim"),
  report: unsupported("report"),
  heartbeat: unsupported("heartbeat"),
  isCancelled: unsupported("isCancelled"),
  getExecution: unsupported("getExecution"),
  putResult: unsupported("putResult"),
  resolveResult: unsupported("resolveResult"),
  execute: unsupported("execute"),
  waitFor: unsupported("waitFor"),
  cancel: unsupported("cancel"),
};

/**
 * Builds a ToolContext with empty input/context, a never-aborted signal, a silent logger and a
 * control plane that rejects every call; `overrides` replace any field.
 */
export function toolContext(overrides: Partial<ToolContext> = {}): ToolContext {
  return {
    executionId: "1" as ExecutionId,
    commandId: "1" as CommandId,
    step: "step",
    task: "task",
    input: {},
    context: {},
    signal: new AbortController().signal,
    log: silentLogger,
    credentials: { get: (name: string) => Promise.reject(new Error(`test context: no credential ${name}`)) },
    controlPlane: noControlPlane,
    addSecret() {},
    ...overrides,
  };
}
