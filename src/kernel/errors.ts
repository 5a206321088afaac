/** Where a problem is in a source file (1-based line and column). */
export interface SourcePosition {
  file?: string;
  line: number;
  column: number;
}

/**
 * Base error of the project: a stable code (documented in docs/errors.md), a message,
 * and where it applies. Business outcomes are events, not exceptions.
 */
export class NoetlError extends Error {
  readonly code: string;
  readonly position: SourcePosition | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: string,
    message: string,
    options: { position?: SourcePosition; details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "NoetlError";
    this.code = code;
    this.position = options.position;
    this.details = options.details;
  }
}

/**
 * A run-time error's playbook line (DECISIONS 31): the suffix of its message and the
 * `line`/`column` fields of the error; nothing without a position.
 */
export function playbookLine(pos: SourcePosition | undefined): {
  text: string;
  fields: { line?: number; column?: number };
} {
  if (!pos) return { text: "", fields: {} };
  return {
    text: ` (playbook line ${pos.line}, column ${pos.column})`,
    fields: { line: pos.line, column: pos.column },
  };
}

export function formatPosition(pos: SourcePosition | undefined): string {
  if (!pos) return "";
  return `${pos.file ?? "<input>"}:${pos.line}:${pos.column}`;
}

/** A documented error code: each module exports a list of these; a test keeps docs/errors.md in sync. */
export interface ErrorCodeDoc {
  code: string;
  summary: string;
}
