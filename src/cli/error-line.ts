/**
 * The line the CLI prints for an execution's error: `where: error CODE: message`, where `where` is
 * the playbook's `file:line:column` of the failing task (or template) when known. The whole error
 * object is in `--json`.
 */
import type { StepLocator } from "./step-locator.ts";

export function errorLine(error: unknown, where?: StepLocator): string {
  if (error === null || typeof error !== "object") return `error: ${JSON.stringify(error)}`;
  const e = error as { code?: unknown; message?: unknown; task?: unknown; line?: unknown; column?: unknown };
  const task = typeof e.task === "string" ? e.task : undefined;
  const position =
    typeof e.line === "number" && typeof e.column === "number"
      ? { line: e.line, column: e.column }
      : undefined;
  const at = where?.(undefined, task, position);
  const code = typeof e.code === "string" ? ` ${e.code}` : "";
  const message = typeof e.message === "string" ? e.message : JSON.stringify(error);
  return `${at ? `${at}: ` : ""}error${code}: ${message}`;
}
