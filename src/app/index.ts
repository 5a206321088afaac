/**
 * @module app
 * The composition root: reads configuration once, wires adapters and services into presets.
 */

export { builtinTools } from "./builtin-tools.ts";
export type { AppConfig } from "./config.ts";
export { readConfig } from "./config.ts";
export type { CliContext, ContextFile, ContextRuntime } from "./contexts.ts";
export {
  CONTEXT_RUNTIMES,
  contextFilePath,
  currentContext,
  currentOf,
  readContextFile,
  writeContextFile,
} from "./contexts.ts";
export { CredentialService } from "./credentials.ts";
export type { EmbeddedApp, EmbeddedOptions } from "./embedded.ts";
export { embedded, openEmbeddedStore, serveEmbeddedUi } from "./embedded.ts";
export { ERROR_CODES } from "./error-codes.ts";
export { createLogger } from "./logger.ts";
export type { RemoteWorkerOptions, RunningWorker } from "./remote-worker.ts";
export { startRemoteWorker } from "./remote-worker.ts";
export type { RunReport } from "./run-report.ts";
export { runReport } from "./run-report.ts";
export type { RunningServer, ServerOptions } from "./server.ts";
export { startServer } from "./server.ts";
export { systemClock } from "./system-clock.ts";

/** The distributed presets, loaded on demand (they pull in the PostgreSQL and NATS clients). */
export const loadDistributed = () => import("./distributed.ts");
