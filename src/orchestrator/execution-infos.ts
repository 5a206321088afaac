/**
 * What workers ask of every command's execution (`ControlPlane.getExecution`): read from the
 * log's `playbook.initialized` event once, then kept (it never changes).
 */
import type { ExecutionId } from "../kernel/index.ts";
import { NoetlError } from "../kernel/index.ts";
import type { ExecutionInfo } from "../protocol/index.ts";
import type { Store } from "../store/index.ts";

export class ExecutionInfos {
  private readonly infoByExecution = new Map<ExecutionId, ExecutionInfo>();

  constructor(private readonly store: Store) {}

  async getExecution(executionId: ExecutionId): Promise<ExecutionInfo> {
    const known = this.infoByExecution.get(executionId);
    if (known) return known;
    const [first] = await this.store.readEvents(executionId, { limit: 1 });
    if (first?.type !== "playbook.initialized") {
      throw new NoetlError("NOETL_E_EXECUTION_NOT_FOUND", `execution ${executionId} not found`);
    }
    const p = first.payload;
    const info: ExecutionInfo = {
      execution_id: executionId,
      path: p.path,
      workload: p.workload,
      ...(p.catalog_version !== undefined ? { catalog_version: p.catalog_version } : {}),
      ...(p.parent_execution_id ? { parent_execution_id: p.parent_execution_id } : {}),
    };
    this.remember(info);
    return info;
  }

  /** Keeps what workers ask of every command's execution (it never changes). */
  remember(info: ExecutionInfo): void {
    if (this.infoByExecution.size >= 10_000) this.infoByExecution.clear();
    this.infoByExecution.set(info.execution_id, info);
  }
}
