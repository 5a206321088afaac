/**
 * Cross-reference and content checks on a normalised playbook (DECISIONS 4): names, targets,
 * jumps, templates, per-kind tool config, reachability. Reports every problem at once.
 */
import { checkSyntax } from "../expr/index.ts";
import type { Task } from "../protocol/index.ts";
import type { Diagnostics, Path } from "./diagnostics.ts";
import type { Playbook, Step } from "./model.ts";
import { RESERVED_STEP_NAMES } from "./normalize-step.ts";
import { toolConfigProblems } from "./tool-config.ts";

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

export function validatePlaybook(playbook: Playbook, d: Diagnostics, _locate?: unknown): void {
  const steps = new Map<string, number>();
  playbook.workflow.forEach((step, i) => {
    const p = ["workflow", i, "step"];
    if (step.step === "") d.error("NOETL_E_DSL_STEP_NAME", "a step needs `step: <name>`", ["workflow", i]);
    else if (steps.has(step.step)) d.error("NOETL_E_DSL_STEP_NAME", `duplicate step name '${step.step}'`, p);
    else if (RESERVED_STEP_NAMES.has(step.step)) {
      d.error(
        "NOETL_E_DSL_STEP_NAME",
        `'${step.step}' is a reserved name (it would shadow a template namespace)`,
        p,
      );
    } else if (!NAME.test(step.step)) {
      d.error(
        "NOETL_E_DSL_STEP_NAME",
        `step name '${step.step}' must start with a letter or _ and use letters, digits, _ . -`,
        p,
      );
    }
    if (!steps.has(step.step)) steps.set(step.step, i);
  });

  const target = (name: string | undefined, what: string, path: Path): void => {
    if (name !== undefined && !steps.has(name)) {
      d.error("NOETL_E_DSL_ARC_TARGET", `${what} '${name}' is not a step of this workflow`, path);
    }
  };
  const spec = ["executor", "spec"];
  if (playbook.workflow.length > 0)
    target(playbook.executor.entry_step, "entry_step", [...spec, "entry_step"]);
  target(playbook.executor.final_step, "final_step", [...spec, "final_step"]);
  target(playbook.executor.on_error, "on_error", [...spec, "on_error"]);

  const workbookNames = new Set(playbook.workbook.map((w) => w.name));
  playbook.workflow.forEach((step, i) => {
    const sp: Path = ["workflow", i];
    step.next?.arcs.forEach((arc, k) => target(arc.step, "arc target", [...sp, "next", "arcs", k, "step"]));
    checkTasks(step, sp, d, workbookNames);
    checkTemplates(step, sp, d);
  });
  playbook.workbook.forEach((w, i) => {
    for (const problem of toolConfigProblems(w.tool))
      d.error("NOETL_E_DSL_TOOL_CONFIG", problem, ["workbook", i, "tool"]);
    walkTemplates(w.tool.config, ["workbook", i, "tool"], d);
  });

  warnUnreachable(playbook, d);
}

function taskPath(step: Step, stepPath: Path, index: number): Path {
  return step.pipeline ? [...stepPath, "tool", index] : [...stepPath, "tool"];
}

function checkTasks(step: Step, sp: Path, d: Diagnostics, workbook: Set<string>): void {
  const labels = new Set(step.tasks.map((t) => t.name));
  step.tasks.forEach((task, j) => {
    const tp = taskPath(step, sp, j);
    if (task.kind === "workbook") {
      const name = task.config.task ?? task.config.name;
      if (typeof name !== "string" || !workbook.has(name)) {
        d.error(
          "NOETL_E_DSL_WORKBOOK",
          `workbook call names '${String(name ?? "")}', which is not in \`workbook\``,
          tp,
        );
      }
    } else {
      for (const problem of toolConfigProblems(task)) d.error("NOETL_E_DSL_TOOL_CONFIG", problem, tp);
    }
    task.policy.rules.forEach((rule, r) => {
      const to = rule.then.to;
      if (rule.then.do === "jump" && to !== undefined && to !== "previous" && !labels.has(to)) {
        d.error(
          "NOETL_E_DSL_JUMP_TARGET",
          `jump target '${to}' is not a task of step '${step.step}' (labels: ${[...labels].join(", ")})`,
          [...tp, "spec", "policy", "rules", r],
        );
      }
    });
  });
}

function checkTemplates(step: Step, sp: Path, d: Diagnostics): void {
  walkTemplates(step.input, [...sp, "input"], d);
  walkTemplates(step.set, [...sp, "set"], d);
  if (step.loop) {
    walkTemplates(step.loop.in, [...sp, "loop", "in"], d);
    if (step.loop.max_in_flight !== undefined) walkTemplates(step.loop.max_in_flight, [...sp, "loop"], d);
    if (step.loop.filter !== undefined) walkTemplates(step.loop.filter, [...sp, "loop", "filter"], d);
  }
  step.admit.forEach((rule, r) =>
    walkTemplates(rule.when, [...sp, "spec", "policy", "admit", "rules", r], d),
  );
  step.tasks.forEach((task: Task, j) => {
    const tp = taskPath(step, sp, j);
    walkTemplates(task.config, tp, d);
    task.policy.rules.forEach((rule, r) => {
      const rp = [...tp, "spec", "policy", "rules", r];
      walkTemplates(rule.when, rp, d);
      walkTemplates(rule.then.set, rp, d);
    });
  });
  step.next?.arcs.forEach((arc, k) => {
    const ap = [...sp, "next", "arcs", k];
    walkTemplates(arc.when, [...ap, "when"], d);
    walkTemplates(arc.set, [...ap, "set"], d);
    walkTemplates(arc.input, [...ap, "input"], d);
  });
}

function walkTemplates(value: unknown, path: Path, d: Diagnostics): void {
  if (typeof value === "string") {
    const error = checkSyntax(value);
    if (error) d.error("NOETL_E_DSL_TEMPLATE", `template does not parse: ${error.describe()}`, path);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => walkTemplates(v, [...path, i], d));
  } else if (typeof value === "object" && value !== null) {
    for (const [k, v] of Object.entries(value)) walkTemplates(v, [...path, k], d);
  }
}

/** Steps that no path from the entry (arcs, implicit `end`, handlers) can reach. */
function warnUnreachable(playbook: Playbook, d: Diagnostics): void {
  const byName = new Map(playbook.workflow.map((s) => [s.step, s] as const));
  const seen = new Set<string>();
  const queue = [playbook.executor.entry_step];
  if (playbook.executor.on_error) queue.push(playbook.executor.on_error);
  if (playbook.executor.final_step) queue.push(playbook.executor.final_step);
  while (queue.length > 0) {
    const name = queue.pop() as string;
    if (seen.has(name)) continue;
    seen.add(name);
    const step = byName.get(name);
    if (!step) continue;
    if (step.next) for (const arc of step.next.arcs) queue.push(arc.step);
    else if (byName.has("end")) queue.push("end");
  }
  playbook.workflow.forEach((step, i) => {
    if (step.step !== "" && !seen.has(step.step)) {
      d.warn(
        "NOETL_W_DSL_UNREACHABLE",
        `step '${step.step}' cannot be reached from '${playbook.executor.entry_step}'`,
        ["workflow", i, "step"],
      );
    }
  });
}
