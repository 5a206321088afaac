import type { CommandStatus } from "../protocol/index.ts";

/** COMPLETED, FAILED and CANCELLED are terminal: a terminal command never changes status again. */
export function isTerminalStatus(status: CommandStatus): boolean {
  return status === "COMPLETED" || status === "FAILED" || status === "CANCELLED";
}
