/**
 * The CLI's contexts (reference §8): named servers with a preferred runtime, and which one is
 * current, kept in `<home>/config.yaml` (`~/.noetl`, or NOETL_HOME: `AppConfig.contextsHome`) in NoETL's shape:
 *
 *   current_context: prod
 *   contexts:
 *     prod: { server_url: "https://noetl.example.com", runtime: distributed }
 *
 * Keys this port does not use (NoETL's auth0 settings, a cached session token) are kept as they
 * are when the file is rewritten. The file is written whole (temporary file + rename), mode 0600.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { NoetlError } from "../kernel/index.ts";

export type ContextRuntime = "local" | "distributed" | "auto";
export const CONTEXT_RUNTIMES: readonly ContextRuntime[] = ["local", "distributed", "auto"];

export interface CliContext {
  server_url: string;
  runtime: ContextRuntime;
  /** Other keys found in the file (kept on rewrite). */
  [key: string]: unknown;
}

export interface ContextFile {
  current_context?: string;
  contexts: Record<string, CliContext>;
  [key: string]: unknown;
}

/** `<home>/config.yaml`. */
export function contextFilePath(home: string): string {
  return join(home, "config.yaml");
}

/** The contexts file of `home`; undefined when there is none. A file that is not one throws NOETL_E_CONFIG_FILE. */
export function readContextFile(home: string): ContextFile | undefined {
  const path = contextFilePath(home);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw corrupt(path, `cannot read it (${(error as Error).message})`);
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (error) {
    throw corrupt(path, `not valid YAML (${(error as Error).message.split("\n")[0]?.replace(/:$/, "")})`);
  }
  if (doc === null || doc === undefined) return { contexts: {} };
  if (!isMapping(doc)) throw corrupt(path, "not a mapping of current_context and contexts");
  const contexts = doc.contexts ?? {};
  if (!isMapping(contexts)) throw corrupt(path, "'contexts' is not a mapping of names to contexts");
  for (const [name, c] of Object.entries(contexts)) {
    if (!isMapping(c)) throw corrupt(path, `context '${name}' is not a mapping`);
    if (typeof c.server_url !== "string" || c.server_url === "")
      throw corrupt(path, `context '${name}' has no server_url`);
    if (c.runtime === undefined) c.runtime = "auto";
    if (!CONTEXT_RUNTIMES.includes(c.runtime as ContextRuntime))
      throw corrupt(
        path,
        `context '${name}': runtime is local, distributed or auto, not '${String(c.runtime)}'`,
      );
  }
  const current = doc.current_context;
  if (current !== undefined && current !== null && typeof current !== "string")
    throw corrupt(path, "'current_context' is not a context name");
  const file: ContextFile = { ...doc, contexts: contexts as Record<string, CliContext> };
  if (typeof current === "string") file.current_context = current;
  else delete file.current_context;
  return file;
}

/** Writes the contexts file of `home` whole: a temporary file (mode 0600) renamed over it. */
export function writeContextFile(home: string, file: ContextFile): void {
  mkdirSync(home, { recursive: true });
  const path = contextFilePath(home);
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    const { current_context, ...rest } = file; // current_context first, as NoETL writes it
    const ordered = current_context === undefined ? rest : { current_context, ...rest };
    writeFileSync(temporary, stringify(ordered), { mode: 0o600 });
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

/** The current context of `home` (undefined: no file, no current context, or one the file lacks). */
export function currentContext(home: string): (CliContext & { name: string }) | undefined {
  const file = readContextFile(home);
  return file ? currentOf(file) : undefined;
}

/** The current context of `file` (undefined: none is current, or the file lacks it). */
export function currentOf(file: ContextFile): (CliContext & { name: string }) | undefined {
  const name = file.current_context;
  const context = name === undefined ? undefined : file.contexts[name];
  return name !== undefined && context ? { ...context, name } : undefined;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function corrupt(path: string, what: string): NoetlError {
  return new NoetlError("NOETL_E_CONFIG_FILE", `${path}: ${what}`);
}
