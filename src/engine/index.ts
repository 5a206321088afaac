/**
 * @module engine
 * The pure, event-sourced execution engine: `apply`/`fold` rebuild state from events,
 * `handle` decides the events and commands that follow an actionable event.
 */
export { apply } from "./apply.ts";
export type { EngineOptions } from "./engine-options.ts";
export { DEFAULT_ENGINE_OPTIONS } from "./engine-options.ts";
export { ERROR_CODES } from "./error-codes.ts";
export { fold } from "./fold.ts";
export { buildGraph, isJoin } from "./graph.ts";
export type { DecideEnv, Decision } from "./handle.ts";
export { handle } from "./handle.ts";
export { loopRef } from "./loop-aggregate.ts";
export { openCommands } from "./open-commands.ts";
export { pipelineNames } from "./pipeline-names.ts";
export { executionScope, iterObject } from "./render-scope.ts";
export { ctxPath, writePath } from "./set-writes.ts";
export type { ExecutionState } from "./state.ts";
export { createState, ENGINE_VERSION, isTerminal } from "./state.ts";
export type { ExecutionStateView } from "./state-view.ts";
export { stateView } from "./state-view.ts";
export type { ExecutionSummaryView } from "./summarize.ts";
export { summarize } from "./summarize.ts";
