import pino from "pino";

/** `(message, fields)` logging, as the orchestrator, worker and tools expect it. */
export interface AppLogger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** Structured JSON logs to stderr (stdout is reserved for command output). */
export function createLogger(level: string): AppLogger {
  const p = pino({ level, base: undefined }, pino.destination(2));
  return {
    debug: (msg, fields) => p.debug(fields ?? {}, msg),
    info: (msg, fields) => p.info(fields ?? {}, msg),
    warn: (msg, fields) => p.warn(fields ?? {}, msg),
    error: (msg, fields) => p.error(fields ?? {}, msg),
  };
}
