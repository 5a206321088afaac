/**
 * @module protocol
 * The wire contract between the orchestrator, the engine, workers and edges: event payloads,
 * commands, results, and the ControlPlane interface.
 */

export type { Command, CommandStatus, ErrorKind, IterScope, ResultRef, ToolErrorInfo } from "./commands.ts";
export { isResultRef } from "./commands.ts";
export type {
  ClaimResult,
  ControlPlane,
  ExecuteRequest,
  ExecutionInfo,
  ExecutionSummary,
  Handoff,
  WorkerEvent,
  WorkRequest,
} from "./control-plane.ts";
export type {
  CallOutcome,
  EventEnvelope,
  EventPayloads,
  EventType,
  ExecutionStatus,
  IssuedCommand,
  NoetlEvent,
} from "./events.ts";
export { ACTIONABLE_EVENTS, TERMINAL_EVENTS, WORKER_EVENT_TYPES } from "./events.ts";
export type { Backoff, PolicyAction, PolicyRule, PolicyThen, SetMap, Task, TaskPolicy } from "./task.ts";
export type { ChannelAnswer, ChannelCall, LineSink } from "./worker-channel.ts";
export { WORKER_CHANNEL_PATH, WORKER_CHANNEL_PROTOCOL, writeLine } from "./worker-channel.ts";
