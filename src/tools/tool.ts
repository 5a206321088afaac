/**
 * The Tool contract: tools are leaves. They receive rendered config and a small context and
 * return data or throw a ToolError. They know nothing about orchestration.
 */
import type { CommandId, ExecutionId, Json, JsonObject } from "../kernel/index.ts";
import { NoetlError } from "../kernel/index.ts";
import type { ControlPlane, ToolErrorInfo } from "../protocol/index.ts";

export interface ToolLogger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** Resolves stored credentials by name (decrypted); the worker registers the values for redaction. */
export interface CredentialAccessor {
  get(name: string): Promise<JsonObject>;
}

/**
 * Registered secrets shorter than this are not redacted (replacing every "ab" would mangle
 * ordinary text): a tool whose result is a secret refuses a shorter one.
 */
export const MIN_SECRET_LENGTH = 4;

export interface ToolContext {
  executionId: ExecutionId;
  commandId: CommandId;
  step: string;
  /** Task label within the step pipeline. */
  task: string;
  /** The task's merged input (`tool.args ∪ tool.input ∪ step input`). */
  input: JsonObject;
  /** The render context the task's templates saw (python `context`, playbook child payload…). */
  context: JsonObject;
  /** Aborted on cancellation or task timeout. */
  signal: AbortSignal;
  /** Task timeout in ms, when set (`spec.timeout`, tool `timeout`). */
  timeoutMs?: number;
  log: ToolLogger;
  credentials: CredentialAccessor;
  /** For tools that start executions or read/write result references (playbook, artifact). */
  controlPlane: ControlPlane;
  /**
   * Registers a secret value so it is redacted from events, results and errors the worker reports
   * (strings of `MIN_SECRET_LENGTH` characters or more).
   */
  addSecret(value: string): void;
  /** Captured stdout/stderr (python, shell…), bounded by the worker. */
  emitOutput?(stream: "stdout" | "stderr", text: string): void;
}

export interface Tool {
  readonly kind: string;
  /** Runs once per task. Return the tool's data; throw ToolError (or anything) on failure. */
  run(config: JsonObject, ctx: ToolContext): Promise<Json>;
  /** Release pooled resources (interpreters, connections). */
  close?(): Promise<void>;
}

/**
 * A classified tool failure. `info` becomes `output.error`; `data` (e.g. an HTTP error
 * response) stays visible to task policies as `output.data`.
 */
export class ToolError extends NoetlError {
  readonly info: ToolErrorInfo;
  readonly data: Json | undefined;
  /** Extra envelope sections (`http`, `pg`, `py`). */
  readonly extra: JsonObject | undefined;

  constructor(info: ToolErrorInfo, options: { data?: Json; extra?: JsonObject; cause?: unknown } = {}) {
    super(info.code, info.message, { cause: options.cause });
    this.name = "ToolError";
    this.info = info;
    this.data = options.data;
    this.extra = options.extra;
  }
}
