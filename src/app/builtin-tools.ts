import { artifactTool } from "../tools/artifact/index.ts";
import { createDuckdbTool } from "../tools/duckdb/index.ts";
import { createHttpTool } from "../tools/http/index.ts";
import { ToolRegistry } from "../tools/index.ts";
import { createJavascriptTool } from "../tools/javascript/index.ts";
import { createNatsTool } from "../tools/nats/index.ts";
import { noopTool } from "../tools/noop/index.ts";
import { playbookTool } from "../tools/playbook/index.ts";
import { createPostgresTool } from "../tools/postgres/index.ts";
import { createPythonTool } from "../tools/python/index.ts";
import { createShellTool } from "../tools/shell/index.ts";

export interface BuiltinToolOptions {
  python?: string;
  pythonPoolSize?: number;
}

/** Every core tool kind (DECISIONS 35). Pools and connections start lazily. */
export function builtinTools(options: BuiltinToolOptions = {}): ToolRegistry {
  return new ToolRegistry([
    noopTool,
    createJavascriptTool(),
    createPythonTool({
      ...(options.python ? { python: options.python } : {}),
      ...(options.pythonPoolSize ? { poolSize: options.pythonPoolSize } : {}),
    }),
    createShellTool(),
    createHttpTool(),
    createPostgresTool(),
    createDuckdbTool(),
    artifactTool,
    createNatsTool(),
    playbookTool,
  ]);
}
