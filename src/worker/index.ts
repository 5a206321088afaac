/**
 * @module worker
 * Claims commands, runs step task pipelines with task policies, reports events.
 */
export { retryDelayMs } from "./backoff.ts";
export { ERROR_CODES } from "./error-codes.ts";
export { toErrorInfo } from "./error-info.ts";
export type { PipelineOutcome, TaskRecord } from "./pipeline.ts";
export { runPipeline } from "./pipeline.ts";
export { REDACTED, Redactor } from "./redactor.ts";
export type { WorkerOptions } from "./worker.ts";
export { Worker } from "./worker.ts";
