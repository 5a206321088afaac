/**
 * @module dsl
 * Playbook YAML → legacy normalisation → validation (with positions) → typed Playbook.
 */
export type { Diagnostic } from "./diagnostics.ts";
export { PlaybookInvalidError } from "./diagnostics.ts";
export { ERROR_CODES } from "./error-codes.ts";
export { canonicalDocument, migratePlaybook } from "./migrate.ts";
export type * from "./model.ts";
export type { ParseOptions, ParseResult } from "./parse.ts";
export { MAX_PLAYBOOK_BYTES, parsePlaybook } from "./parse.ts";
export { playbookJsonSchema } from "./schema.ts";
export { isCoreKind, TOOL_CONFIG_SCHEMAS, toolConfigProblems } from "./tool-config.ts";

import { PlaybookInvalidError } from "./diagnostics.ts";
import type { Playbook } from "./model.ts";
import { type ParseOptions, parsePlaybook } from "./parse.ts";

/** Parses or throws PlaybookInvalidError carrying every diagnostic. */
export function loadPlaybook(text: string, options: ParseOptions = {}): Playbook {
  const result = parsePlaybook(text, options);
  if (!result.playbook) throw new PlaybookInvalidError(result.diagnostics);
  return result.playbook;
}
