import type { Diagnostic } from "../dsl/index.ts";

/** One line per diagnostic: `file:line:col: error CODE: message`. */
export function formatDiagnostic(d: Diagnostic, file?: string): string {
  const pos = d.position
    ? `${d.position.file ?? file ?? "<input>"}:${d.position.line}:${d.position.column}: `
    : "";
  return `${pos}${d.severity} ${d.code}: ${d.message}`;
}

export function printDiagnostics(
  out: NodeJS.WriteStream,
  diagnostics: readonly Diagnostic[],
  file?: string,
): void {
  for (const d of diagnostics) out.write(`${formatDiagnostic(d, file)}\n`);
}
