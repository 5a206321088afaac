import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { JsonObject } from "../../kernel/index.ts";
import { isJsonObject } from "../../kernel/index.ts";
import type { ToolContext } from "../tool.ts";
import { ToolError } from "../tool.ts";

/** Python source of one task and the file name its tracebacks show. */
export interface PythonSource {
  code: string;
  filename: string;
}

/**
 * Finds the task's python code: `code` (inline), `code_b64`/`code_base64`, or
 * `script: {uri, source: {type: file|http|inline, path|url|code}}` (`type` defaults from the uri
 * scheme). Files are relative to the worker's cwd; http is fetched with the task's signal.
 */
export async function loadCode(config: JsonObject, ctx: ToolContext): Promise<PythonSource> {
  const inlineName = `<python:${ctx.step}.${ctx.task}>`;
  if (typeof config.code === "string") return { code: config.code, filename: inlineName };
  const b64 = config.code_b64 ?? config.code_base64;
  if (typeof b64 === "string")
    return { code: Buffer.from(b64, "base64").toString("utf8"), filename: inlineName };
  const script = config.script;
  if (typeof script === "string") return { code: script, filename: inlineName };
  if (!isJsonObject(script)) throw scriptError("kind: python needs `code` or `script`");
  const source = isJsonObject(script.source) ? script.source : {};
  const uri = typeof script.uri === "string" ? script.uri : undefined;
  const type = String(source.type ?? (uri && /^https?:\/\//i.test(uri) ? "http" : uri ? "file" : "inline"));
  switch (type) {
    case "inline": {
      const code = source.code ?? script.code;
      if (typeof code !== "string") throw scriptError("script source inline needs `code`");
      return { code, filename: inlineName };
    }
    case "file": {
      const location = stringOf(source.path) ?? uri;
      if (!location) throw scriptError("script source file needs `path` or `uri`");
      const path = location.startsWith("file:") ? fileURLToPath(location) : resolve(location);
      try {
        return { code: await readFile(path, "utf8"), filename: path };
      } catch (error) {
        throw scriptError(`cannot read python script ${path}: ${(error as Error).message}`);
      }
    }
    case "http":
    case "https": {
      const url = stringOf(source.url) ?? stringOf(source.endpoint) ?? uri;
      if (!url) throw scriptError("script source http needs `url` or `uri`");
      try {
        const response = await fetch(url, { signal: ctx.signal });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        return { code: await response.text(), filename: url };
      } catch (error) {
        throw scriptError(`cannot fetch python script ${url}: ${(error as Error).message}`);
      }
    }
    default:
      throw scriptError(`script source type ${type} is not supported (file, http, inline)`);
  }
}

function stringOf(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function scriptError(message: string): ToolError {
  return new ToolError({ kind: "schema", retryable: false, code: "NOETL_E_PYTHON_SCRIPT", message });
}
