/**
 * The orchestrator's catalog operations: registering playbooks, archiving and restoring catalog
 * entries, and resolving the entry an execution starts from.
 */
import type { Playbook } from "../dsl/index.ts";
import { PlaybookInvalidError, parsePlaybook } from "../dsl/index.ts";
import type { Clock } from "../kernel/index.ts";
import { NoetlError } from "../kernel/index.ts";
import type { CatalogEntry, Store } from "../store/index.ts";

export class Catalog {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  /** Validate and register a playbook; returns the new catalog entry (version = max + 1). */
  async register(content: string, options: { file?: string } = {}): Promise<CatalogEntry> {
    const parsed = parsePlaybook(content, { file: options.file });
    if (!parsed.playbook) throw new PlaybookInvalidError(parsed.diagnostics);
    const path = catalogPath(parsed.playbook);
    return this.store.catalogRegister({ path, kind: "Playbook", content, now: this.clock.now() });
  }

  /**
   * Delete catalog entries of `path` (one version, or all): they are archived — no longer listed
   * nor started — and kept for the executions already started from them. Returns them.
   */
  archive(path: string, version?: number): Promise<CatalogEntry[]> {
    return this.store.catalogArchive(path, version, this.clock.now());
  }

  /** Undo `archive` of `path` (one version, or all). Returns the entries restored. */
  restore(path: string, version?: number): Promise<CatalogEntry[]> {
    return this.store.catalogRestore(path, version);
  }

  /**
   * The entry an execution starts from, read from the store (not the loader's cache, which also
   * holds entries deleted since): an archived entry is not started.
   */
  async resolveEntry(path?: string, version?: number): Promise<CatalogEntry> {
    if (!path) throw new NoetlError("NOETL_E_EXECUTE_REQUEST", "execute needs a playbook path or content");
    const entry = await this.store.catalogGet(path, version);
    if (!entry || entry.archived_at !== undefined) {
      const v = version === undefined ? "" : ` version ${version}`;
      const message = entry
        ? `the playbook at path '${path}'${v} was deleted from the catalog`
        : `no playbook registered at path '${path}'${v}`;
      throw new NoetlError("NOETL_E_CATALOG_NOT_FOUND", message);
    }
    return entry;
  }
}

function catalogPath(playbook: Playbook): string {
  return String(playbook.metadata.path ?? playbook.metadata.name);
}
