import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Json, JsonObject } from "../kernel/index.ts";
import { isJsonObject } from "../kernel/index.ts";
import { splitSql } from "./split-sql.ts";
import type { ToolContext } from "./tool.ts";
import { ToolError } from "./tool.ts";

/** SQL helpers of one SQL tool kind; errors carry that kind's codes. */
export interface SqlStatements {
  /** The task's SQL statements, split on top-level `;`. */
  loadStatements(config: JsonObject, ctx: ToolContext): Promise<string[]>;
  configError(message: string): ToolError;
}

/**
 * SQL sources shared by the SQL tools (postgres, duckdb): `command`/`commands` (aliases `query`,
 * `queries`, `cmd`, `cmds`, `sql`; a string or a list of strings), `command_b64`/`commands_b64`/
 * `query_b64`, or `script` (a file path, or `{path | uri, source: {type: file|http|inline}}`).
 */
export function sqlStatements(kind: string, codes: { config: string; script: string }): SqlStatements {
  const CONFIG = codes.config;
  const SCRIPT = codes.script;
  /**
   * The task's SQL statements, split on top-level `;`: `command`/`commands` (aliases `query`,
   * `queries`, `cmd`, `cmds`, `sql`; a string or a list of strings), `command_b64`/`commands_b64`/
   * `query_b64`, or `script` (a file path, or `{path | uri, source: {type: file|http|inline}}`).
   */
  async function loadStatements(config: JsonObject, ctx: ToolContext): Promise<string[]> {
    const raw =
      config.commands ??
      config.command ??
      config.queries ??
      config.query ??
      config.cmds ??
      config.cmd ??
      config.sql;
    let sources: string[];
    if (raw !== undefined && raw !== null) sources = stringsOf(raw);
    else {
      const b64 = config.commands_b64 ?? config.command_b64 ?? config.query_b64;
      if (typeof b64 === "string") sources = [Buffer.from(b64, "base64").toString("utf8")];
      else if (config.script !== undefined && config.script !== null)
        sources = [await loadScript(config.script, ctx)];
      else throw configError(`kind: ${kind} needs \`command\`, \`commands\` or \`script\``);
    }
    const statements = sources.flatMap(splitSql);
    if (statements.length === 0) throw configError(`kind: ${kind}: the SQL holds no statement`);
    return statements;
  }

  function stringsOf(raw: Json): string[] {
    if (typeof raw === "string") return [raw];
    if (Array.isArray(raw)) {
      return raw.map((item, i) => {
        if (typeof item !== "string") throw configError(`kind: ${kind}: commands[${i}] is not a string`);
        return item;
      });
    }
    throw configError(`kind: ${kind}: \`command\` must be a string or a list of strings`);
  }

  async function loadScript(script: Json, ctx: ToolContext): Promise<string> {
    if (typeof script === "string") return readScriptFile(script);
    if (!isJsonObject(script)) throw scriptError("`script` must be a file path or {path | uri, source}");
    const source = isJsonObject(script.source) ? script.source : {};
    const uri = stringOf(script.uri);
    const path = stringOf(script.path) ?? stringOf(source.path);
    const type = String(
      source.type ?? (uri && /^https?:\/\//i.test(uri) ? "http" : uri || path ? "file" : "inline"),
    );
    switch (type) {
      case "inline": {
        const sql = source.code ?? source.sql ?? script.code ?? script.sql;
        if (typeof sql !== "string") throw scriptError("inline script needs `code`");
        return sql;
      }
      case "file": {
        const location = path ?? uri;
        if (!location) throw scriptError("file script needs `path` or `uri`");
        return readScriptFile(location);
      }
      case "http":
      case "https": {
        const url = stringOf(source.url) ?? uri;
        if (!url) throw scriptError("http script needs `url` or `uri`");
        try {
          const response = await fetch(url, { signal: ctx.signal });
          if (!response.ok) throw new Error(`HTTP ${response.status}`);
          return await response.text();
        } catch (error) {
          throw scriptError(`cannot fetch SQL script ${url}: ${(error as Error).message}`);
        }
      }
      default:
        throw scriptError(`script source type ${type} is not supported (file, http, inline)`);
    }
  }

  async function readScriptFile(location: string): Promise<string> {
    const path = location.startsWith("file:") ? fileURLToPath(location) : resolve(location);
    try {
      return await readFile(path, "utf8");
    } catch (error) {
      throw scriptError(`cannot read SQL script ${path}: ${(error as Error).message}`);
    }
  }

  function stringOf(value: Json | undefined): string | undefined {
    return typeof value === "string" && value !== "" ? value : undefined;
  }

  function configError(message: string): ToolError {
    return new ToolError({ kind: "schema", retryable: false, code: CONFIG, message });
  }

  function scriptError(message: string): ToolError {
    return new ToolError({ kind: "schema", retryable: false, code: SCRIPT, message });
  }

  return { loadStatements, configError };
}
