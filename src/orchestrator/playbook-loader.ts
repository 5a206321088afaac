import type { Playbook, Task } from "../dsl/index.ts";
import { PlaybookInvalidError, parsePlaybook } from "../dsl/index.ts";
import { NoetlError } from "../kernel/index.ts";
import type { CatalogEntry, Store } from "../store/index.ts";

export interface LoadedPlaybook {
  entry: CatalogEntry;
  playbook: Playbook;
}

/**
 * Reads playbooks from the catalog, parses them once per catalog entry and keeps them
 * (entries are immutable: a new registration is a new version).
 */
export class PlaybookLoader {
  private readonly cache = new Map<string, LoadedPlaybook>();
  /** Entries looked up by exact (path, version): those never change, so no store read. */
  private readonly byVersion = new Map<string, LoadedPlaybook>();

  constructor(private readonly store: Store) {}

  async byPath(path: string, version?: number): Promise<LoadedPlaybook> {
    const key = version === undefined ? undefined : `${version}\u0000${path}`;
    const known = key === undefined ? undefined : this.byVersion.get(key);
    if (known) return known;
    const entry = await this.store.catalogGet(path, version);
    if (!entry) {
      const v = version === undefined ? "" : ` version ${version}`;
      throw new NoetlError("NOETL_E_CATALOG_NOT_FOUND", `no playbook registered at path '${path}'${v}`);
    }
    const loaded = this.load(entry);
    if (key !== undefined) {
      if (this.byVersion.size >= 1000) this.byVersion.clear();
      this.byVersion.set(key, loaded);
    }
    return loaded;
  }

  async byId(catalogId: string): Promise<LoadedPlaybook> {
    const entry = await this.store.catalogGetById(catalogId);
    if (!entry) throw new NoetlError("NOETL_E_CATALOG_NOT_FOUND", `no catalog entry ${catalogId}`);
    return this.load(entry);
  }

  load(entry: CatalogEntry): LoadedPlaybook {
    const cached = this.cache.get(entry.catalog_id);
    if (cached) return cached;
    const parsed = parsePlaybook(entry.content, { file: entry.path });
    if (!parsed.playbook) throw new PlaybookInvalidError(parsed.diagnostics);
    const loaded = { entry, playbook: inlineWorkbook(parsed.playbook) };
    this.cache.set(entry.catalog_id, loaded);
    return loaded;
  }
}

/**
 * `kind: workbook` tasks call a named tool of the playbook's `workbook`: expand them in place
 * (the call's label and policy stay; the workbook tool's config is used with the call's input
 * merged over the workbook entry's input).
 */
export function inlineWorkbook(playbook: Playbook): Playbook {
  if (playbook.workbook.length === 0) return playbook;
  const byName = new Map(playbook.workbook.map((w) => [w.name, w.tool] as const));
  const expand = (task: Task): Task => {
    if (task.kind !== "workbook") return task;
    const name = String(task.config.task ?? task.config.name ?? "");
    const target = byName.get(name);
    if (!target) return task; // the validator reports unknown workbook names
    const { task: _t, name: _n, input, args, ...rest } = task.config;
    const targetInput = (target.config.input ?? target.config.args ?? {}) as Record<string, unknown>;
    const callInput = { ...((args ?? {}) as object), ...((input ?? {}) as object) };
    return {
      ...task,
      kind: target.kind,
      config: { ...target.config, ...rest, input: { ...targetInput, ...callInput } } as Task["config"],
      policy: task.policy.rules.length > 0 ? task.policy : target.policy,
      spec: { ...target.spec, ...task.spec },
      ...(target.output ? { output: target.output } : {}),
    };
  };
  return {
    ...playbook,
    workflow: playbook.workflow.map((step) =>
      step.tasks.some((t) => t.kind === "workbook") ? { ...step, tasks: step.tasks.map(expand) } : step,
    ),
  };
}
