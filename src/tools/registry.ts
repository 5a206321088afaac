import type { Tool } from "./tool.ts";

/** Tools by kind. Built by `app/`; the worker looks kinds up here. */
export class ToolRegistry {
  private readonly tools = new Map<string, Tool>();

  constructor(tools: Iterable<Tool> = []) {
    for (const t of tools) this.register(t);
  }

  register(tool: Tool): this {
    this.tools.set(tool.kind, tool);
    return this;
  }

  get(kind: string): Tool | undefined {
    return this.tools.get(kind);
  }

  kinds(): string[] {
    return [...this.tools.keys()].sort();
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.tools.values()].map((t) => t.close?.()));
  }
}
