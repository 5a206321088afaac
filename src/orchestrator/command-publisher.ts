/**
 * Hands committed commands to workers: answers the waiting requests for work their commands,
 * announces the others on the bus, and releases (back to PENDING, then announced) the commands
 * claimed for a worker that will not run them.
 */
import type { Bus } from "../bus/index.ts";
import type { Clock } from "../kernel/index.ts";
import type { Command } from "../protocol/index.ts";
import type { Store } from "../store/index.ts";
import type { HeldCommands } from "./held-commands.ts";
import type { OrchestratorLog } from "./log.ts";
import type { RequestAssignment } from "./work-requests.ts";

export interface CommandPublisherDeps {
  store: Store;
  bus: Bus;
  clock: Clock;
  log: OrchestratorLog;
  held: HeldCommands;
  leaseMs: number;
  /** Whether the store holds command rows (not in exclusive mode: see DrainContext.commandRows). */
  commandRows: boolean;
}

export class CommandPublisher {
  private readonly store: Store;
  private readonly bus: Bus;
  private readonly clock: Clock;
  private readonly log: OrchestratorLog;
  private readonly held: HeldCommands;
  private readonly options: { leaseMs: number; commandRows: boolean };

  constructor(deps: CommandPublisherDeps) {
    this.store = deps.store;
    this.bus = deps.bus;
    this.clock = deps.clock;
    this.log = deps.log;
    this.held = deps.held;
    this.options = { leaseMs: deps.leaseMs, commandRows: deps.commandRows };
  }

  /**
   * Tells workers about new commands. The commands are already committed (outbox): a notice
   * that cannot be published now (bus down) is re-published by the reaper, so a failure here
   * never fails the caller.
   */
  async publish(commands: readonly Command[]): Promise<void> {
    if (commands.length === 0) return;
    // all at once: a bus with acknowledged publishes (NATS) then waits one round trip, not one per command
    await Promise.all(commands.map((c) => this.publishOne(c)));
  }

  private async publishOne(c: Command): Promise<void> {
    this.held.published(c);
    try {
      await this.bus.publish(c.pool, { execution_id: c.execution_id, command_id: c.command_id });
    } catch (error) {
      this.log.warn("publish failed; the reaper will re-dispatch", {
        command_id: c.command_id,
        error: (error as Error).message,
      });
    }
  }

  /**
   * Answers the requests for work their committed commands; returns the commands still to be
   * announced: the others, and those of a request that went away meanwhile (released in the
   * background: they are PENDING again before they are announced).
   */
  answer(requested: readonly RequestAssignment[], commands: readonly Command[]): readonly Command[] {
    if (requested.length === 0) return commands;
    const answered = new Set<Command>();
    const lease = this.options.leaseMs;
    for (const { taken, commands: mine } of requested) {
      for (const c of mine) {
        this.held.given(c, taken.request.worker_id);
        answered.add(c);
      }
      const claims = mine.map((command) => ({ status: "claimed" as const, command, lease_ms: lease }));
      if (!taken.answer(claims)) void this.release(mine);
    }
    return commands.filter((c) => !answered.has(c));
  }

  /**
   * Commands claimed for a worker that will not run them (its request for work was answered
   * after it went away) go back to PENDING and are announced on the bus.
   */
  async release(commands: readonly Command[]): Promise<void> {
    if (commands.length === 0) return;
    if (!this.options.commandRows) return this.publish(commands); // the claims were in memory only
    const now = this.clock.now();
    try {
      await this.store.commit({
        events: [],
        commandUpdates: commands.map((c) => ({
          command_id: c.command_id,
          status: "PENDING" as const,
          at: now,
        })),
      });
    } catch (error) {
      // still claimed: the reaper re-dispatches them when the lease ends
      this.log.warn("could not release commands of a request for work", { error: (error as Error).message });
      return;
    }
    await this.publish(commands);
  }
}
