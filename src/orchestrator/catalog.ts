/**
 * The orchestrator's catalog operations: registering playbooks, archiving and restoring catalog
 * entries, and resolving the entry an execution starts from.
 *
 * Resolved entries are kept for `cacheMs` (an execution start then reads no catalog row: one
 * database round trip of a distributed start in three). What this orchestrator registers,
 * archives or restores shows at once; what another replica (or process) does shows within
 * `cacheMs`.
 */
import type { Playbook } from "../dsl/index.ts";
import { PlaybookInvalidError, parsePlaybook } from "../dsl/index.ts";
import type { Clock } from "../kernel/index.ts";
import { NoetlError } from "../kernel/index.ts";
import type { CatalogEntry, Store } from "../store/index.ts";

/** A resolved entry and when it was read. */
interface Resolved {
  entry: CatalogEntry;
  at: number;
}

export class Catalog {
  /** Per path, the entries resolved by version (key: the version, or "" for the latest). */
  private readonly resolved = new Map<string, Map<string, Resolved>>();
  /** Bumped by every change made here: a read that overlapped one is not kept. */
  private changes = 0;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly cacheMs = 1000,
  ) {}

  /** Validate and register a playbook; returns the new catalog entry (version = max + 1). */
  async register(content: string, options: { file?: string } = {}): Promise<CatalogEntry> {
    const parsed = parsePlaybook(content, { file: options.file });
    if (!parsed.playbook) throw new PlaybookInvalidError(parsed.diagnostics);
    const path = catalogPath(parsed.playbook);
    const entry = await this.store.catalogRegister({
      path,
      kind: "Playbook",
      content,
      now: this.clock.now(),
    });
    this.forget(path);
    return entry;
  }

  /**
   * Delete catalog entries of `path` (one version, or all): they are archived — no longer listed
   * nor started — and kept for the executions already started from them. Returns them.
   */
  async archive(path: string, version?: number): Promise<CatalogEntry[]> {
    const archived = await this.store.catalogArchive(path, version, this.clock.now());
    this.forget(path);
    return archived;
  }

  /** Undo `archive` of `path` (one version, or all). Returns the entries restored. */
  async restore(path: string, version?: number): Promise<CatalogEntry[]> {
    const restored = await this.store.catalogRestore(path, version);
    this.forget(path);
    return restored;
  }

  /**
   * The entry an execution starts from, read from the store or as read within `cacheMs` (not from
   * the loader's cache, which also holds entries deleted since): an archived entry is not started.
   */
  async resolveEntry(path?: string, version?: number): Promise<CatalogEntry> {
    if (!path) throw new NoetlError("NOETL_E_EXECUTE_REQUEST", "execute needs a playbook path or content");
    const entry = await this.read(path, version);
    if (!entry || entry.archived_at !== undefined) {
      const v = version === undefined ? "" : ` version ${version}`;
      const message = entry
        ? `the playbook at path '${path}'${v} was deleted from the catalog`
        : `no playbook registered at path '${path}'${v}`;
      throw new NoetlError("NOETL_E_CATALOG_NOT_FOUND", message);
    }
    return entry;
  }

  /** The entry of id `catalogId` an execution starts from (as `resolveEntry` its path and version). */
  async resolveEntryById(catalogId: string): Promise<CatalogEntry> {
    const entry = await this.store.catalogGetById(catalogId);
    if (!entry) throw new NoetlError("NOETL_E_CATALOG_NOT_FOUND", `no catalog entry ${catalogId}`);
    return this.resolveEntry(entry.path, entry.version);
  }

  /** The entry from the store, or as read less than `cacheMs` ago. */
  private async read(path: string, version?: number): Promise<CatalogEntry | undefined> {
    const key = version === undefined ? "" : String(version);
    const now = this.clock.now();
    const known = this.resolved.get(path)?.get(key);
    if (known && now - known.at < this.cacheMs && now >= known.at) return known.entry;
    const changes = this.changes;
    const entry = await this.store.catalogGet(path, version);
    if (changes !== this.changes) return entry;
    if (entry) {
      if (this.resolved.size >= 1000) this.resolved.clear();
      const byVersion = this.resolved.get(path) ?? new Map<string, Resolved>();
      byVersion.set(key, { entry, at: now });
      this.resolved.set(path, byVersion);
    } else this.resolved.get(path)?.delete(key);
    return entry;
  }

  private forget(path: string): void {
    this.changes += 1;
    this.resolved.delete(path);
  }
}

function catalogPath(playbook: Playbook): string {
  return String(playbook.metadata.path ?? playbook.metadata.name);
}
