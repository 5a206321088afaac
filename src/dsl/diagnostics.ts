import type { SourcePosition } from "../kernel/index.ts";
import { NoetlError } from "../kernel/index.ts";

export interface Diagnostic {
  severity: "error" | "warning";
  code: string;
  message: string;
  position?: SourcePosition;
  /** Path of the node, e.g. `workflow[2].next.arcs[0].step`. */
  path?: string;
}

export type Path = ReadonlyArray<string | number>;

export function pathText(path: Path): string {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : out ? `.${p}` : p;
  return out;
}

/** Collects every problem of a document (all at once, not only the first). */
export class Diagnostics {
  readonly items: Diagnostic[] = [];
  constructor(readonly locate: (path: Path) => SourcePosition | undefined) {}

  error(code: string, message: string, path: Path): void {
    this.add("error", code, message, path);
  }

  warn(code: string, message: string, path: Path): void {
    this.add("warning", code, message, path);
  }

  private add(severity: Diagnostic["severity"], code: string, message: string, path: Path): void {
    const position = this.locate(path);
    this.items.push({ severity, code, message, path: pathText(path), ...(position ? { position } : {}) });
  }

  get hasErrors(): boolean {
    return this.items.some((d) => d.severity === "error");
  }
}

/** Thrown by callers that need a valid playbook (carries every diagnostic). */
export class PlaybookInvalidError extends NoetlError {
  readonly diagnostics: Diagnostic[];
  constructor(diagnostics: Diagnostic[]) {
    const errors = diagnostics.filter((d) => d.severity === "error");
    const first = errors[0];
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : "";
    super("NOETL_E_PLAYBOOK_INVALID", `${first ? first.message : "invalid playbook"}${more}`, {
      ...(first?.position ? { position: first.position } : {}),
      details: { diagnostics: diagnostics as unknown as Record<string, unknown>[] },
    });
    this.name = "PlaybookInvalidError";
    this.diagnostics = diagnostics;
  }
}
