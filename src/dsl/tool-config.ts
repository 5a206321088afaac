/**
 * Per-kind tool configuration schemas (zod) for the core kinds (DECISIONS 4, 35). Templates
 * are allowed anywhere a value is expected, so schemas check presence and shape of the
 * fields that are literal in practice. The JSON Schema for editors uses the same schemas.
 */
import { z } from "zod";
import type { Task } from "../protocol/index.ts";

const text = z.string();
const sql = z.union([z.string(), z.array(z.string())]);
const templ = z.string().regex(/\{\{|\{%/);
const mapOrTemplate = z.union([z.record(z.string(), z.unknown()), templ]);

/** Where an SQL tool finds its SQL (`sql-statements.ts` reads them in this order). */
const SQL_SOURCES = [
  "command",
  "commands",
  "query",
  "queries",
  "cmd",
  "cmds",
  "sql",
  "command_b64",
  "commands_b64",
  "query_b64",
  "script",
] as const;
const hasAny = (c: Record<string, unknown>, keys: readonly string[]) => keys.some((k) => c[k] !== undefined);

const scriptRef = z
  .object({
    uri: z.string().optional(),
    source: z
      .object({
        type: z.enum(["file", "http", "https", "inline", "gcs", "s3"]).optional(),
        path: z.string().optional(),
        code: z.string().optional(),
        url: z.string().optional(),
      })
      .loose()
      .optional(),
  })
  .loose();

/** Schemas of the `config` part of a task (everything but name/kind/spec/output). */
export const TOOL_CONFIG_SCHEMAS = {
  noop: z.object({}).loose(),
  python: z
    .object({
      code: text.optional(),
      script: z.union([scriptRef, text]).optional(),
      libs: mapOrTemplate.optional(),
    })
    .loose()
    .refine(
      (c) => hasAny(c, ["code", "code_b64", "code_base64", "script"]),
      "python needs `code`, `code_b64` or `script`",
    ),
  javascript: z.object({ code: text }).loose(),
  http: z
    .object({
      url: text,
      method: z.string().optional(),
      headers: mapOrTemplate.optional(),
      params: mapOrTemplate.optional(),
      timeout: z
        .union([
          z.number(),
          z.string(),
          z.object({ connect: z.unknown(), read: z.unknown(), total: z.unknown() }).partial().loose(),
        ])
        .optional(),
    })
    .loose(),
  postgres: z
    .object({
      command: sql.optional(),
      commands: sql.optional(),
      sql: sql.optional(),
      script: z.unknown().optional(),
    })
    .loose()
    .refine(
      (c) => hasAny(c, SQL_SOURCES),
      "postgres needs SQL in `command`, `commands` (or `query`, `queries`, `cmd`, `cmds`, `sql`, `*_b64`) or `script`",
    ),
  duckdb: z
    .object({
      command: sql.optional(),
      commands: sql.optional(),
      sql: sql.optional(),
      script: z.unknown().optional(),
    })
    .loose()
    .refine(
      (c) => hasAny(c, SQL_SOURCES),
      "duckdb needs SQL in `command`, `commands` (or `query`, `queries`, `cmd`, `cmds`, `sql`, `*_b64`) or `script`",
    ),
  shell: z
    .object({
      command: text.optional(),
      cmds: z.union([text, z.array(text)]).optional(),
      commands: z.array(text).optional(),
    })
    .loose()
    .refine(
      (c) => c.command !== undefined || c.cmds !== undefined || c.commands !== undefined,
      "shell needs `command` or `cmds`",
    ),
  playbook: z
    .object({ path: text.optional(), file: text.optional(), version: z.union([z.number(), text]).optional() })
    .loose()
    .refine(
      (c) => c.path !== undefined || c.file !== undefined,
      "playbook needs `path` (catalog path) or `file`",
    ),
  workbook: z
    .object({ task: text.optional(), name: text.optional() })
    .loose()
    .refine((c) => c.task !== undefined || c.name !== undefined, "workbook needs `task: <workbook entry>`"),
  artifact: z.object({ action: z.enum(["get", "put"]).optional() }).loose(),
  nats: z.object({ operation: text.optional(), action: text.optional() }).loose(),
  secrets: z
    .object({
      name: text.optional(),
      secret: text.optional(),
      provider: z.union([z.literal("env"), templ]).optional(),
    })
    .loose()
    .refine(
      (c) => c.name !== undefined || c.secret !== undefined,
      "secrets needs `name` (the environment variable the worker reads)",
    ),
} as const;

export type CoreToolKind = keyof typeof TOOL_CONFIG_SCHEMAS;

export function isCoreKind(kind: string): kind is CoreToolKind {
  return Object.hasOwn(TOOL_CONFIG_SCHEMAS, kind);
}

/** Human-readable problems of a task's config; empty when it is fine or the kind is not a core kind. */
export function toolConfigProblems(task: Task): string[] {
  if (!isCoreKind(task.kind)) return [];
  const parsed = TOOL_CONFIG_SCHEMAS[task.kind].safeParse(task.config);
  if (parsed.success) return [];
  return parsed.error.issues.map((issue) => {
    const where = issue.path.length > 0 ? `\`${issue.path.join(".")}\`: ` : "";
    const message =
      issue.code === "invalid_type" && issue.input === undefined ? "is required" : issue.message;
    return `${task.kind} task '${task.name}': ${where}${message}`;
  });
}
