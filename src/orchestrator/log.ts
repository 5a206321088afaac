/** The orchestrator's logging needs (pino satisfies it). */
export interface OrchestratorLog {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

const nothing = () => {};
export const silentLog: OrchestratorLog = { debug: nothing, info: nothing, warn: nothing, error: nothing };
