/** Prometheus metrics of a server (prom-client): process defaults plus engine counters. */
import { Counter, collectDefaultMetrics, Gauge, Registry } from "prom-client";
import type { Orchestrator } from "../orchestrator/index.ts";

export class ApiMetrics {
  private readonly registry = new Registry();
  private readonly unsubscribe: () => void;

  /** `channels`: how many worker channels are open. */
  constructor(orchestrator: Orchestrator, channels: () => number) {
    collectDefaultMetrics({ register: this.registry, prefix: "noetl_" });
    const events = new Counter({
      name: "noetl_events_total",
      help: "Events committed, by type",
      labelNames: ["type"],
      registers: [this.registry],
    });
    const ended = new Counter({
      name: "noetl_executions_finished_total",
      help: "Executions finished, by status",
      labelNames: ["status"],
      registers: [this.registry],
    });
    const started = new Counter({
      name: "noetl_executions_started_total",
      help: "Executions started",
      registers: [this.registry],
    });
    const commands = new Counter({
      name: "noetl_commands_issued_total",
      help: "Commands issued to workers",
      registers: [this.registry],
    });
    new Gauge({ name: "noetl_up", help: "1 while the server runs", registers: [this.registry] }).set(1);
    new Gauge({
      name: "noetl_work_requests_waiting",
      help: "Workers' requests for work waiting on this server (idle worker slots)",
      registers: [this.registry],
      collect() {
        this.set(orchestrator.waitingForWork);
      },
    });
    new Gauge({
      name: "noetl_worker_channels_open",
      help: "Worker channels (upgraded connections carrying workers' reports and requests for work) open",
      registers: [this.registry],
      collect() {
        this.set(channels());
      },
    });
    this.unsubscribe = orchestrator.onEvents((_id, list) => {
      for (const e of list) {
        events.inc({ type: e.type });
        if (e.type === "playbook.initialized") started.inc();
        else if (e.type === "command.issued") commands.inc();
        else if (e.type === "playbook.completed") ended.inc({ status: "completed" });
        else if (e.type === "playbook.failed") ended.inc({ status: "failed" });
        else if (e.type === "execution.cancelled") ended.inc({ status: "cancelled" });
      }
    });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  close(): void {
    this.unsubscribe();
  }
}
