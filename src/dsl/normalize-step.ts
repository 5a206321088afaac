/** One raw step → the canonical Step (reference §2, legacy table §1.9, DECISIONS 2, 6, 13, 16). */
import type { JsonObject } from "../kernel/index.ts";
import type { Task } from "../protocol/index.ts";
import type { Diagnostics, Path } from "./diagnostics.ts";
import { legacyRetry } from "./legacy-retry.ts";
import type { AdmitRule, FailureMode, Loop, Step } from "./model.ts";
import { normalizeNext } from "./normalize-next.ts";
import { normalizeTools, task } from "./normalize-task.ts";
import { asJson, isObj, type Raw, without } from "./raw.ts";

const STEP_KEYS = new Set(["step", "desc", "description", "spec", "input", "loop", "tool", "set", "next"]);
const LEGACY_STEP_KEYS = new Set([
  "type",
  "call",
  "with",
  "args",
  "when",
  "run",
  "parallel",
  "task",
  "name",
  "collection",
  "element",
  "mode",
  "iterator",
  "in",
  "retry",
]);
export const RESERVED_STEP_NAMES = new Set([
  "ctx",
  "iter",
  "workload",
  "output",
  "event",
  "loop",
  "job",
  "input",
  "results",
  "steps",
  "execution_id",
  "catalog_id",
  "keychain",
]);

export function normalizeStep(raw: Raw, path: Path, d: Diagnostics, defaultFailure: FailureMode): Step {
  const name = typeof raw.step === "string" ? raw.step : "";
  const spec: Raw = isObj(raw.spec) ? raw.spec : {};
  let input: JsonObject = isObj(raw.input) ? (raw.input as JsonObject) : {};
  for (const legacy of ["with", "args"]) {
    if (raw[legacy] === undefined) continue;
    d.warn("NOETL_W_DSL_LEGACY", `step \`${legacy}\` is legacy; write \`input\``, [...path, legacy]);
    if (isObj(raw[legacy])) input = { ...(raw[legacy] as JsonObject), ...input };
  }
  for (const bad of ["case", "set_ctx", "set_iter", "vars", "result", "outcome"]) {
    if (raw[bad] !== undefined) {
      d.error(
        "NOETL_E_DSL_LEGACY_REJECTED",
        `step \`${bad}\` is not supported; use \`set\`, \`next.arcs\` and task policies`,
        [...path, bad],
      );
    }
  }

  const { tasks, pipeline, extraKeys, outcomesByTask } = stepTools(raw, name, path, d);
  if (raw.retry !== undefined) legacyRetry(raw.retry, tasks, [...path, "retry"], d);
  for (const key of Object.keys(raw)) {
    if (
      !STEP_KEYS.has(key) &&
      !LEGACY_STEP_KEYS.has(key) &&
      !extraKeys.has(key) &&
      !["case", "set_ctx", "set_iter", "vars", "result", "outcome"].includes(key)
    ) {
      d.error("NOETL_E_DSL_UNKNOWN_KEY", `unknown step key \`${key}\``, [...path, key]);
    }
  }

  let legacyMode = spec.next_mode;
  if (legacyMode !== undefined)
    d.warn("NOETL_W_DSL_LEGACY", "`spec.next_mode` is legacy; write `next.spec.mode`", [
      ...path,
      "spec",
      "next_mode",
    ]);
  if (raw.parallel === true) {
    d.warn("NOETL_W_DSL_LEGACY", "`parallel: true` (design notes) routes to every matching arc (inclusive)", [
      ...path,
      "parallel",
    ]);
    legacyMode = "inclusive";
  }
  let next = normalizeNext(raw.next, [...path, "next"], d, legacyMode);
  if (Array.isArray(raw.run)) {
    const targets = raw.run.filter((r) => isObj(r) && typeof r.step === "string") as Raw[];
    if (targets.length > 0) {
      const arcs = targets.map((t) => ({
        step: t.step as string,
        set: {},
        input: isObj(t.with) ? (t.with as JsonObject) : {},
      }));
      next = next
        ? { ...next, arcs: [...next.arcs, ...arcs] }
        : { mode: "inclusive", on_no_match: "complete", arcs };
    }
  }

  const loop = normalizeLoop(raw, path, d);
  const policy = isObj(spec.policy) ? spec.policy : {};
  const failure = isObj(policy.failure) ? policy.failure.mode : undefined;
  const admit = normalizeAdmit(policy.admit, raw.when, path, d);
  const set = isObj(raw.set) ? (raw.set as Step["set"]) : {};
  if (raw.set !== undefined && !isObj(raw.set))
    d.error("NOETL_E_DSL_UNKNOWN_KEY", "step `set` must be a map of scoped keys", [...path, "set"]);

  return {
    step: name,
    ...(typeof raw.desc === "string"
      ? { desc: raw.desc }
      : typeof raw.description === "string"
        ? { desc: raw.description }
        : {}),
    input,
    tasks,
    pipeline,
    ...(outcomesByTask ? { outcomesByTask } : {}),
    ...(loop ? { loop } : {}),
    set,
    ...(next ? { next } : {}),
    admit,
    failure_mode:
      failure === "best_effort" ? "best_effort" : failure === "fail_fast" ? "fail_fast" : defaultFailure,
    spec: without(spec, ["next_mode"]) as JsonObject,
  };
}

/** Tools of a step, including legacy `type:`/`call:`/`run:` and iterator `task:` forms. */
function stepTools(
  raw: Raw,
  name: string,
  path: Path,
  d: Diagnostics,
): { tasks: Task[]; pipeline: boolean; extraKeys: Set<string>; outcomesByTask?: boolean } {
  if (typeof raw.tool === "string" && raw.type === undefined) {
    // scalar `tool: python` with its fields on the step (`code:`, `url:` …), as `type:` below
    d.warn(
      "NOETL_W_DSL_LEGACY",
      `scalar \`tool: ${raw.tool}\` is legacy; write \`tool: {kind: ${raw.tool}, …}\``,
      [...path, "tool"],
    );
    return legacyKindTask(raw, raw.tool, name, path, d);
  }
  if (raw.tool !== undefined)
    return { ...normalizeTools(raw.tool, name, [...path, "tool"], d), extraKeys: new Set() };
  if (isObj(raw.call)) {
    d.warn("NOETL_W_DSL_LEGACY", "step `call:` is legacy; write `tool: {kind: …}`", [...path, "call"]);
    const call = raw.call;
    const body: Raw = {
      ...without(call, ["type", "with"]),
      kind: call.kind ?? call.type,
      ...(isObj(call.with) ? { input: call.with } : {}),
    };
    if (body.kind === "workbook" && call.name !== undefined) body.task = call.name;
    return {
      tasks: [task(body, `${name}_task`, [...path, "call"], d)],
      pipeline: false,
      extraKeys: new Set(),
    };
  }
  if (raw.type === "iterator") {
    d.warn("NOETL_W_DSL_LEGACY", "`type: iterator` is legacy; write `loop:` with `tool:` on the step", [
      ...path,
      "type",
    ]);
    const inner = isObj(raw.task) ? raw.task : undefined;
    if (!inner)
      return {
        tasks: [{ name: `${name}_task`, kind: "noop", config: {}, policy: { rules: [] }, spec: {} }],
        pipeline: false,
        extraKeys: new Set(),
      };
    return { ...normalizeTools(inner, name, [...path, "task"], d), extraKeys: new Set() };
  }
  if (typeof raw.type === "string") {
    d.warn(
      "NOETL_W_DSL_LEGACY",
      `step \`type: ${raw.type}\` is legacy; write \`tool: {kind: ${raw.type}}\``,
      [...path, "type"],
    );
    return legacyKindTask(raw, raw.type, name, path, d);
  }
  if (Array.isArray(raw.run)) {
    const calls = raw.run.filter((r) => isObj(r) && typeof r.task === "string") as Raw[];
    if (calls.length > 0) {
      d.warn("NOETL_W_DSL_LEGACY", "`run: [{task}]` (design notes) becomes a pipeline of workbook calls", [
        ...path,
        "run",
      ]);
      const tasks = calls.map((c, i) =>
        task(
          { kind: "workbook", task: c.task, ...(isObj(c.with) ? { input: c.with } : {}), name: c.task },
          String(c.task),
          [...path, "run", i],
          d,
        ),
      );
      return { tasks, pipeline: true, extraKeys: new Set(), outcomesByTask: true };
    }
  }
  return {
    tasks: [{ name: `${name}_task`, kind: "noop", config: {}, policy: { rules: [] }, spec: {} }],
    pipeline: false,
    extraKeys: new Set(),
  };
}

/** A step whose tool fields sit on the step itself (`type: python` or `tool: python`, with `code:` …). */
function legacyKindTask(
  raw: Raw,
  kind: string,
  name: string,
  path: Path,
  d: Diagnostics,
): { tasks: Task[]; pipeline: boolean; extraKeys: Set<string> } {
  const fields = without(raw, [
    ...STEP_KEYS,
    ...LEGACY_STEP_KEYS,
    "case",
    "set_ctx",
    "set_iter",
    "vars",
    "result",
    "outcome",
  ]);
  const body: Raw = { ...fields, kind };
  if (kind === "workbook") body.task = raw.task ?? raw.name;
  return {
    tasks: [task(body, `${name}_task`, path, d)],
    pipeline: false,
    extraKeys: new Set(Object.keys(fields)),
  };
}

function normalizeLoop(raw: Raw, path: Path, d: Diagnostics): Loop | undefined {
  if (raw.type === "iterator") {
    return {
      in: asJson(raw.collection ?? raw.in),
      iterator: String(raw.element ?? raw.iterator ?? "item"),
      mode: raw.mode === "parallel" || raw.mode === "async" ? "parallel" : "sequential",
    };
  }
  if (raw.loop === undefined) return undefined;
  const p = [...path, "loop"];
  if (!isObj(raw.loop)) {
    d.error("NOETL_E_DSL_LOOP", "`loop` must be a map with `in` and `iterator`", p);
    return undefined;
  }
  const l = raw.loop;
  const spec = isObj(l.spec) ? l.spec : {};
  const source = l.in ?? l.collection;
  if (source === undefined)
    d.error("NOETL_E_DSL_LOOP", "`loop.in` is required (a template that renders to a list)", p);
  const iterator = l.iterator ?? l.element;
  if (typeof iterator !== "string" || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(iterator)) {
    d.error("NOETL_E_DSL_LOOP", "`loop.iterator` must be a variable name", [...p, "iterator"]);
  }
  if (l.filter !== undefined)
    d.warn(
      "NOETL_W_DSL_LEGACY",
      "`loop.filter` is legacy (applied: items it is false for are left out); filter inside `loop.in` (select/reject)",
      [...p, "filter"],
    );
  const mode = spec.mode ?? l.mode ?? "sequential";
  if (mode !== "sequential" && mode !== "parallel")
    d.error("NOETL_E_DSL_LOOP", "`loop.spec.mode` must be sequential or parallel", [...p, "spec", "mode"]);
  const mif = spec.max_in_flight ?? l.max_in_flight;
  return {
    in: asJson(source),
    iterator: typeof iterator === "string" ? iterator : "item",
    mode: mode === "parallel" ? "parallel" : "sequential",
    ...(mif !== undefined ? { max_in_flight: asJson(mif) } : {}),
    ...(l.filter !== undefined ? { filter: asJson(l.filter) } : {}),
  };
}

function normalizeAdmit(admit: unknown, legacyWhen: unknown, path: Path, d: Diagnostics): AdmitRule[] {
  const rules: AdmitRule[] = [];
  if (legacyWhen !== undefined) {
    d.warn(
      "NOETL_W_DSL_LEGACY",
      "step `when:` is legacy (false: this step is skipped and its `next` followed); write `spec.policy.admit.rules` or a condition on the arc into it",
      [...path, "when"],
    );
    rules.push({ when: asJson(legacyWhen), allow: true }, { allow: false, passThrough: true });
  }
  if (admit === undefined) return rules;
  const p = [...path, "spec", "policy", "admit"];
  const list = isObj(admit) ? admit.rules : undefined;
  if (!Array.isArray(list)) {
    d.error("NOETL_E_DSL_ADMIT", "`admit.rules` must be a list", p);
    return rules;
  }
  list.forEach((r, i) => {
    if (!isObj(r)) return d.error("NOETL_E_DSL_ADMIT", "an admission rule must be a map", [...p, "rules", i]);
    const body = r.else !== undefined ? (isObj(r.else) ? r.else : {}) : r;
    const then = isObj(body.then) ? body.then : body;
    const allow = then.allow;
    if (typeof allow !== "boolean")
      return d.error("NOETL_E_DSL_ADMIT", "an admission rule needs `then: {allow: true|false}`", [
        ...p,
        "rules",
        i,
      ]);
    rules.push(r.else === undefined && r.when !== undefined ? { when: asJson(r.when), allow } : { allow });
  });
  return rules;
}
