/**
 * Which worker holds which command. In exclusive mode (one orchestrator owns the store) the
 * claims live here, in memory: every command published and not yet finished, with the worker
 * that claimed it, if any. Otherwise the store's command rows tell, and this class only reads
 * them.
 */
import type { CommandId, ExecutionId } from "../kernel/index.ts";
import type { Command, NoetlEvent } from "../protocol/index.ts";
import type { CommandRow, Store } from "../store/index.ts";

/** A command published and not finished (exclusive mode), with its in-memory claim. */
export interface OpenCommand {
  command: Command;
  worker?: string;
}

const FINISHING = new Set(["call.done", "call.error", "command.failed", "command.cancelled"]);

export class HeldCommands {
  private readonly open = new Map<CommandId, OpenCommand>();

  constructor(
    private readonly store: Store,
    private readonly exclusive: boolean,
  ) {}

  /** Exclusive mode: the command published and not finished, if it is one. */
  get(commandId: CommandId): OpenCommand | undefined {
    return this.open.get(commandId);
  }

  /** Exclusive mode: a command announced on the bus, claimed by no one yet. */
  published(command: Command): void {
    if (this.exclusive) this.open.set(command.command_id, { command });
  }

  /** Exclusive mode: a command committed already claimed for `workerId` (a hand-off or an answer). */
  given(command: Command, workerId: string): void {
    if (this.exclusive) this.open.set(command.command_id, { command, worker: workerId });
  }

  /** Forgets the commands these committed events finish. */
  finished(events: readonly NoetlEvent[]): void {
    if (this.open.size === 0) return;
    for (const e of events) {
      if (FINISHING.has(e.type)) this.open.delete((e.payload as { command_id: CommandId }).command_id);
    }
  }

  /** The commands of an execution a worker holds on a live lease (not yet started, or running). */
  async byExecution(executionId: ExecutionId, workerId: string, now: number): Promise<Command[]> {
    if (this.exclusive) {
      const mine: Command[] = [];
      for (const o of this.open.values())
        if (o.worker === workerId && o.command.execution_id === executionId) mine.push(o.command);
      return mine;
    }
    const rows = await this.store.listCommands({ execution_id: executionId, status: ["CLAIMED"] });
    return rows.filter((r) => heldOnLease(r, workerId, now)).map((r) => r.command);
  }

  /** Which of `ids` a worker holds claimed on a live lease (not started, or running). */
  async among(ids: readonly CommandId[], workerId: string, now: number): Promise<Command[]> {
    if (this.exclusive) {
      return ids.flatMap((id) => {
        const o = this.open.get(id);
        return o !== undefined && o.worker === workerId ? [o.command] : [];
      });
    }
    const rows = await Promise.all(ids.map((id) => this.store.getCommand(id)));
    return rows.flatMap((r) => (r !== undefined && heldOnLease(r, workerId, now) ? [r.command] : []));
  }
}

/**
 * A command row claimed by `workerId` on a lease still running at `now` (a lease that ended is the
 * reaper's: another worker may be taking the command over).
 */
function heldOnLease(r: CommandRow, workerId: string, now: number): boolean {
  return r.status === "CLAIMED" && r.worker_id === workerId && (r.lease_until ?? 0) >= now;
}
