import type { NoetlEvent } from "../protocol/index.ts";
import type { StepLocator } from "./step-locator.ts";

/**
 * Human progress of one execution on stderr: one line per step transition, and a loop
 * progress bar redrawn in place on a terminal.
 */
export class Progress {
  private readonly loops = new Map<string, { done: number; failed: number; total: number }>();
  private barShown = false;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly enabled: boolean,
    /** Where a step (or its task) is written, for failure lines. */
    private readonly where?: StepLocator,
  ) {}

  onEvents(events: readonly NoetlEvent[]): void {
    if (!this.enabled) return;
    for (const e of events) this.onEvent(e);
  }

  private onEvent(e: NoetlEvent): void {
    const step = e.step ?? "";
    switch (e.type) {
      case "command.issued": {
        const c = e.payload.command;
        if (c.iter) {
          const l = this.loops.get(step) ?? { done: 0, failed: 0, total: c.iter.total };
          l.total = c.iter.total;
          this.loops.set(step, l);
          if (c.iter.index === 0) this.line(`▶ ${step} (loop of ${c.iter.total})`);
        } else {
          this.line(`▶ ${step}`);
        }
        return;
      }
      case "call.done":
      case "call.error": {
        const loopIndex = e.payload.loop_index;
        if (loopIndex !== undefined) {
          const l = this.loops.get(step);
          if (l) {
            if (e.type === "call.done") l.done += 1;
            else l.failed += 1;
            this.bar(step, l);
          }
          return;
        }
        if (e.type === "call.done") this.line(`✔ ${step}`);
        else {
          const at = this.where?.(step, e.payload.error.task);
          this.line(`✖ ${step}: ${e.payload.error.message}${at ? ` (${at})` : ""}`);
        }
        return;
      }
      case "loop.done": {
        const s = e.payload.stats;
        this.line(`${s.failed > 0 ? "✖" : "✔"} ${step} loop: ${s.success}/${s.total} ok, ${s.failed} failed`);
        return;
      }
      case "step.skipped":
        this.line(`↷ ${step} skipped (${e.payload.reason})`);
        return;
      case "execution.cancelled":
        this.line("■ cancelled");
        return;
      default:
        return;
    }
  }

  private bar(step: string, l: { done: number; failed: number; total: number }): void {
    if (!this.out.isTTY) return;
    const n = l.done + l.failed;
    const width = 30;
    const filled = l.total > 0 ? Math.round((n / l.total) * width) : width;
    this.out.write(`\r  ${step} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${n}/${l.total}`);
    this.barShown = true;
  }

  private line(text: string): void {
    if (this.barShown) {
      this.out.write("\n");
      this.barShown = false;
    }
    this.out.write(`${text}\n`);
  }
}
