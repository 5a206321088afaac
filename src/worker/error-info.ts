/** Any thrown value → the classified error of DECISIONS 22–23. */
import { TemplateError } from "../expr/index.ts";
import { NoetlError, playbookLine, type SourcePosition } from "../kernel/index.ts";
import type { ToolErrorInfo } from "../protocol/index.ts";
import { ToolError } from "../tools/index.ts";

/** `pos`: where the task is written; a template error names that line (DECISIONS 31). */
export function toErrorInfo(error: unknown, task?: string, pos?: SourcePosition): ToolErrorInfo {
  const at = task ? { task } : {};
  if (error instanceof ToolError) return { ...error.info, ...at };
  if (error instanceof TemplateError) {
    const line = playbookLine(pos);
    return {
      kind: "schema",
      retryable: false,
      code: error.code,
      message: `${error.describe()}${line.text}`,
      ...(error.missing ? { missing: error.missing } : {}),
      ...line.fields,
      ...at,
    };
  }
  if (error instanceof NoetlError)
    return { kind: "tool_error", retryable: false, code: error.code, message: error.message, ...at };
  if (error instanceof Error && error.name === "AbortError") {
    return {
      kind: "cancelled",
      retryable: false,
      code: "NOETL_E_CANCELLED",
      message: "task cancelled",
      ...at,
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { kind: "tool_error", retryable: false, code: "NOETL_E_TOOL", message, ...at };
}
