/**
 * An event as the API answers it: ours, plus the field names NoETL's clients read (reference
 * §7 `GET /api/executions/{id}/events`, §6.3 event status values) — `event_type`, `node_name`,
 * `created_at` (ISO 8601) and `status`. Additive: our own fields stay as they are.
 */
import type { NoetlEvent } from "../protocol/index.ts";

export type NoetlEventView = NoetlEvent & {
  event_type: string;
  node_name: string;
  created_at: string;
  status: string;
};

/** `path`: the execution's playbook path, NoETL's node name of the playbook-level events. */
export function noetlEvent(event: NoetlEvent, path: string): NoetlEventView {
  const node = event.step ?? (event.type.startsWith("workflow.") ? "workflow" : path);
  return {
    ...event,
    event_type: event.type,
    node_name: node,
    created_at: new Date(event.at).toISOString(),
    status: eventStatus(event),
  };
}

/**
 * Reference §6.3: a status the event carries (`step.exit`, `loop.done`, `task.done`), else
 * derived from the name — `command.issued` PENDING, cancellations CANCELLED, skips SKIPPED,
 * `done|exit|completed` COMPLETED, `error|failed` FAILED, anything else RUNNING.
 */
export function eventStatus(event: NoetlEvent): string {
  switch (event.type) {
    case "step.exit":
      return event.payload.status;
    case "loop.done":
      return event.payload.status === "failed" ? "FAILED" : "COMPLETED";
    case "task.done":
      return event.payload.status === "error" ? "FAILED" : "COMPLETED";
    case "command.issued":
      return "PENDING";
    case "step.skipped":
      return "SKIPPED";
    default:
      if (event.type.endsWith(".cancelled")) return "CANCELLED";
      if (/done|exit|completed/.test(event.type)) return "COMPLETED";
      if (/error|failed/.test(event.type)) return "FAILED";
      return "RUNNING";
  }
}
