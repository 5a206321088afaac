/**
 * @module orchestrator
 * The control-plane service: ingest events → engine → persist events + commands in one
 * transaction → publish pointers. Leases, reaper, cancellation, resume.
 */

export { ERROR_CODES } from "./error-codes.ts";
export { toSummary } from "./execution-inspector.ts";
export { KeyedBatcher } from "./keyed-queue.ts";
export type { OrchestratorLog } from "./log.ts";
export { silentLog } from "./log.ts";
export type { CtxPatch } from "./operator-controls.ts";
export type { EventsListener, OrchestratorDeps } from "./orchestrator.ts";
export { Orchestrator } from "./orchestrator.ts";
export type { OrchestratorOptions } from "./orchestrator-options.ts";
export { DEFAULT_ORCHESTRATOR_OPTIONS } from "./orchestrator-options.ts";
export { inlineWorkbook } from "./playbook-loader.ts";
