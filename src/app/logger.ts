import pino from "pino";

export type AppLogger = pino.Logger;

/** Structured logs to stderr (stdout is reserved for command output). */
export function createLogger(level: string): AppLogger {
  return pino({ level, base: undefined }, pino.destination(2));
}
