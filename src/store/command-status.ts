import type { CommandStatus } from "../protocol/index.ts";

export function isTerminalStatus(status: CommandStatus): boolean {
  return status === "COMPLETED" || status === "FAILED" || status === "CANCELLED";
}
