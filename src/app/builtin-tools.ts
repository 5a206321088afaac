import { artifactTool } from "../tools/artifact/index.ts";
import { ToolRegistry } from "../tools/index.ts";
import { createJavascriptTool } from "../tools/javascript/index.ts";
import { noopTool } from "../tools/noop/index.ts";
import { playbookTool } from "../tools/playbook/index.ts";
import { createPythonTool } from "../tools/python/index.ts";
import { createShellTool } from "../tools/shell/index.ts";

export interface BuiltinToolOptions {
  python?: string;
  pythonPoolSize?: number;
}

/** The core tool kinds available in this build (DECISIONS 35). Pools start lazily. */
export function builtinTools(options: BuiltinToolOptions = {}): ToolRegistry {
  return new ToolRegistry([
    noopTool,
    createJavascriptTool(),
    createPythonTool({
      ...(options.python ? { python: options.python } : {}),
      ...(options.pythonPoolSize ? { poolSize: options.pythonPoolSize } : {}),
    }),
    createShellTool(),
    artifactTool,
    playbookTool,
  ]);
}
