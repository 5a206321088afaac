/**
 * Canonical form of a playbook (`noetl migrate`): the normalised model written back in the
 * current DSL shapes, so legacy files can be rewritten once and for all.
 */
import { stringify } from "yaml";
import type { JsonObject } from "../kernel/index.ts";
import type { Task } from "../protocol/index.ts";
import type { Playbook, Step } from "./model.ts";

export function canonicalDocument(playbook: Playbook): JsonObject {
  const doc: JsonObject = {
    apiVersion: "noetl.io/v2",
    kind: "Playbook",
    metadata: playbook.metadata as JsonObject,
  };
  if (playbook.keychain.length > 0) doc.keychain = playbook.keychain as unknown as JsonObject[];
  const spec: JsonObject = { ...playbook.executor.spec };
  const first = playbook.workflow[0]?.step;
  if (playbook.executor.entry_step !== first) spec.entry_step = playbook.executor.entry_step;
  if (playbook.executor.final_step) spec.final_step = playbook.executor.final_step;
  if (playbook.executor.on_error) spec.on_error = playbook.executor.on_error;
  if (playbook.executor.no_next_is_error) spec.no_next_is_error = true;
  if (playbook.executor.profile || Object.keys(spec).length > 0) {
    doc.executor = {
      ...(playbook.executor.profile ? { profile: playbook.executor.profile } : {}),
      ...(Object.keys(spec).length > 0 ? { spec } : {}),
    };
  }
  if (Object.keys(playbook.workload).length > 0) doc.workload = playbook.workload;
  doc.workflow = playbook.workflow.map(canonicalStep);
  if (playbook.workbook.length > 0) {
    doc.workbook = playbook.workbook.map((w) => ({ name: w.name, tool: canonicalTask(w.tool, false) }));
  }
  return doc;
}

function canonicalStep(step: Step): JsonObject {
  const out: JsonObject = { step: step.step };
  if (step.desc) out.desc = step.desc;
  const spec: JsonObject = { ...step.spec };
  const policy: JsonObject =
    typeof spec.policy === "object" && spec.policy !== null && !Array.isArray(spec.policy)
      ? { ...(spec.policy as JsonObject) }
      : {};
  if (step.admit.length > 0) {
    const rules = step.admit.map(
      (r): JsonObject =>
        r.when === undefined
          ? { else: { then: { allow: r.allow } } }
          : { when: r.when, then: { allow: r.allow } },
    );
    policy.admit = { rules };
  }
  if (Object.keys(policy).length > 0) spec.policy = policy;
  if (Object.keys(spec).length > 0) out.spec = spec;
  if (Object.keys(step.input).length > 0) out.input = step.input;
  if (step.loop) {
    out.loop = {
      in: step.loop.in,
      iterator: step.loop.iterator,
      spec: {
        mode: step.loop.mode,
        ...(step.loop.max_in_flight !== undefined ? { max_in_flight: step.loop.max_in_flight } : {}),
      },
      // no canonical equivalent for an arbitrary per-item condition: kept (see its warning)
      ...(step.loop.filter !== undefined ? { filter: step.loop.filter } : {}),
    };
  }
  const onlyNoop =
    step.tasks.length === 1 &&
    step.tasks[0]?.kind === "noop" &&
    Object.keys(step.tasks[0].config).length === 0;
  if (!onlyNoop || step.pipeline) {
    out.tool = step.pipeline
      ? step.tasks.map((t) => canonicalTask(t, true))
      : canonicalTask(step.tasks[0] as Task, false);
  }
  if (Object.keys(step.set).length > 0) out.set = step.set;
  if (step.next) {
    out.next = {
      ...(step.next.mode !== "exclusive" || step.next.on_no_match !== "complete"
        ? {
            spec: {
              mode: step.next.mode,
              ...(step.next.on_no_match !== "complete" ? { on_no_match: step.next.on_no_match } : {}),
            },
          }
        : {}),
      arcs: step.next.arcs.map((a) => ({
        step: a.step,
        ...(a.when !== undefined ? { when: a.when } : {}),
        ...(Object.keys(a.set).length > 0 ? { set: a.set } : {}),
        ...(Object.keys(a.input).length > 0 ? { input: a.input } : {}),
      })),
    };
  }
  return out;
}

function canonicalTask(task: Task, named: boolean): JsonObject {
  const spec: JsonObject = { ...task.spec };
  if (task.policy.rules.length > 0 || task.policy.on_unmatched) {
    const rules = task.policy.rules.map(
      (r): JsonObject =>
        r.else
          ? { else: { then: r.then as unknown as JsonObject } }
          : { when: r.when ?? null, then: r.then as unknown as JsonObject },
    );
    spec.policy = {
      rules,
      ...(task.policy.on_unmatched ? { on_unmatched: task.policy.on_unmatched } : {}),
    };
  }
  return {
    ...(named ? { name: task.name } : {}),
    kind: task.kind,
    ...task.config,
    ...(task.output ? { output: task.output } : {}),
    ...(Object.keys(spec).length > 0 ? { spec } : {}),
  };
}

/** The canonical YAML text of a playbook. */
export function migratePlaybook(playbook: Playbook): string {
  return stringify(canonicalDocument(playbook), { lineWidth: 0, aliasDuplicateObjects: false });
}
