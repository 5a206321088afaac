import { artifactTool } from "../tools/artifact/index.ts";
import type { Tool, ToolContext } from "../tools/index.ts";
import { ToolRegistry } from "../tools/index.ts";
import { createJavascriptTool } from "../tools/javascript/index.ts";
import { noopTool } from "../tools/noop/index.ts";
import { playbookTool } from "../tools/playbook/index.ts";
import { createPythonTool } from "../tools/python/index.ts";
import { createSecretsTool } from "../tools/secrets/index.ts";
import { createShellTool } from "../tools/shell/index.ts";

export interface BuiltinToolOptions {
  python?: string;
  pythonPoolSize?: number;
  /** `kind: javascript` threads' polling for their next task, µs (see `JavascriptToolOptions.spinUs`). */
  javascriptSpinUs?: number;
}

/**
 * A tool whose module (and its client library: pg, DuckDB, NATS, undici) loads on first use,
 * so a run that does not need it pays neither the start-up time nor the memory.
 */
export function lazyTool(kind: string, load: () => Promise<Tool>): Tool {
  let tool: Promise<Tool> | undefined;
  return {
    kind,
    run(config, ctx: ToolContext) {
      tool ??= load();
      return tool.then((t) => t.run(config, ctx));
    },
    async close() {
      if (tool) await (await tool).close?.();
    },
  };
}

/** Every core tool kind (DECISIONS 35). Pools and connections start lazily. */
export function builtinTools(options: BuiltinToolOptions = {}): ToolRegistry {
  return new ToolRegistry([
    noopTool,
    createJavascriptTool(options.javascriptSpinUs !== undefined ? { spinUs: options.javascriptSpinUs } : {}),
    createPythonTool({
      ...(options.python ? { python: options.python } : {}),
      ...(options.pythonPoolSize ? { poolSize: options.pythonPoolSize } : {}),
    }),
    createShellTool(),
    lazyTool("http", async () => (await import("../tools/http/index.ts")).createHttpTool()),
    lazyTool("postgres", async () => (await import("../tools/postgres/index.ts")).createPostgresTool()),
    lazyTool("duckdb", async () => (await import("../tools/duckdb/index.ts")).createDuckdbTool()),
    artifactTool,
    lazyTool("nats", async () => (await import("../tools/nats/index.ts")).createNatsTool()),
    playbookTool,
    createSecretsTool(),
  ]);
}
