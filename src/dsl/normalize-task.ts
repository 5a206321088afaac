/** Tool shapes → canonical tasks with policies (reference §2.2, §3.3; DECISIONS 2, 6, 24). */
import type { JsonObject } from "../kernel/index.ts";
import type { PolicyRule, PolicyThen, Task } from "../protocol/index.ts";
import type { Diagnostics, Path } from "./diagnostics.ts";
import { asJson, isObj, type Raw, without } from "./raw.ts";

const ACTIONS = new Set(["continue", "retry", "jump", "break", "fail"]);
const BACKOFFS = new Set(["none", "linear", "exponential"]);
const SQL_KINDS = new Set(["postgres", "duckdb", "snowflake", "ducklake"]);
const LIFTED_FROM_SPEC = ["method", "url", "code", "input", "endpoint", "command", "headers", "params"];

export function normalizeTools(
  raw: unknown,
  step: string,
  path: Path,
  d: Diagnostics,
): { tasks: Task[]; pipeline: boolean } {
  if (raw === undefined || raw === null) return { tasks: [noop(`${step}_task`)], pipeline: false };
  if (typeof raw === "string") {
    d.warn("NOETL_W_DSL_LEGACY", `scalar \`tool: ${raw}\` is legacy; write \`tool: {kind: ${raw}}\``, path);
    return { tasks: [task({ kind: raw }, `${step}_task`, path, d)], pipeline: false };
  }
  if (Array.isArray(raw)) {
    const tasks = raw.map((item, i) => {
      const p = [...path, i];
      if (isObj(item) && item.kind === undefined && Object.keys(item).length === 1) {
        const [label, body] = Object.entries(item)[0] as [string, unknown];
        if (isObj(body)) {
          d.warn(
            "NOETL_W_DSL_LEGACY",
            `pipeline sugar \`- ${label}: {kind: …}\` is legacy; write \`- name: ${label}\``,
            p,
          );
          return task({ ...body, name: label }, label, p, d);
        }
      }
      if (!isObj(item)) {
        d.error("NOETL_E_DSL_TOOL", "a pipeline item must be a map with a `kind`", p);
        return noop(`task_${i}`);
      }
      return task(item, typeof item.name === "string" ? item.name : `task_${i}`, p, d);
    });
    const seen = new Set<string>();
    tasks.forEach((t, i) => {
      if (seen.has(t.name))
        d.error("NOETL_E_DSL_TASK_LABEL", `duplicate task label '${t.name}' in step '${step}'`, [...path, i]);
      seen.add(t.name);
    });
    if (tasks.length === 0) d.error("NOETL_E_DSL_TOOL", "a tool list must have at least one task", path);
    return { tasks: tasks.length > 0 ? tasks : [noop(`${step}_task`)], pipeline: true };
  }
  if (!isObj(raw)) {
    d.error("NOETL_E_DSL_TOOL", "`tool` must be a map (`{kind: …}`) or a list of tasks", path);
    return { tasks: [noop(`${step}_task`)], pipeline: false };
  }
  return {
    tasks: [task(raw, typeof raw.name === "string" ? raw.name : `${step}_task`, path, d)],
    pipeline: false,
  };
}

function noop(name: string): Task {
  return { name, kind: "noop", config: {}, policy: { rules: [] }, spec: {} };
}

export function task(raw: Raw, name: string, path: Path, d: Diagnostics): Task {
  let kind = raw.kind ?? raw.type;
  if (raw.kind === undefined && raw.type !== undefined) {
    d.warn("NOETL_W_DSL_LEGACY", "task `type:` is legacy; write `kind:`", [...path, "type"]);
  }
  if (typeof kind !== "string" || kind === "") {
    d.error("NOETL_E_DSL_TOOL", "a task needs a `kind` (http, python, postgres, …)", path);
    kind = "noop";
  }
  const spec: Raw = isObj(raw.spec) ? { ...raw.spec } : {};
  const config = without(raw, ["name", "kind", "type", "spec", "output"]);
  for (const key of LIFTED_FROM_SPEC) {
    if (spec[key] !== undefined && config[key] === undefined) {
      d.warn("NOETL_W_DSL_LEGACY", `\`tool.spec.${key}\` is legacy; write \`${key}\` on the tool`, [
        ...path,
        "spec",
        key,
      ]);
      config[key] = spec[key];
      delete spec[key];
    }
  }
  rename(config, "args", "input", path, d);
  rename(config, "with", "input", path, d);
  rename(config, "credential", "auth", path, d);
  if (kind === "http") rename(config, "endpoint", "url", path, d);
  if (SQL_KINDS.has(kind as string)) rename(config, "query", "command", path, d);
  if (kind === "shell") rename(config, "cmd", "cmds", path, d);
  // a workbook call names its entry with `task:` or `name:` (reference §10 #26)
  if (kind === "workbook" && config.task === undefined && typeof raw.name === "string")
    config.task = raw.name;
  // a secrets task names its secret with `name:` (reference §5), or `secret:` when `name` is its label
  if (
    kind === "secrets" &&
    config.name === undefined &&
    config.secret === undefined &&
    typeof raw.name === "string"
  )
    config.name = raw.name;
  for (const bad of ["set_ctx", "set_iter", "set_vars", "eval", "expr"]) {
    if (raw[bad] !== undefined) {
      d.error("NOETL_E_DSL_LEGACY_REJECTED", `\`${bad}\` is not supported; use a policy rule with \`set:\``, [
        ...path,
        bad,
      ]);
    }
  }
  const policyRaw = isObj(spec.policy) ? spec.policy : undefined;
  const rules = policyRaw ? normalizeRules(policyRaw.rules, [...path, "spec", "policy", "rules"], d) : [];
  const onUnmatched = policyRaw?.on_unmatched;
  const output = isObj(raw.output)
    ? (raw.output as JsonObject)
    : isObj(spec.result)
      ? (spec.result as JsonObject)
      : undefined;
  const pos = d.locate(path);
  return {
    name,
    kind: kind as string,
    config: config as JsonObject,
    policy: {
      rules,
      ...(onUnmatched === "continue" || onUnmatched === "fail" ? { on_unmatched: onUnmatched } : {}),
    },
    spec: spec as JsonObject,
    ...(output ? { output } : {}),
    ...(pos ? { pos } : {}),
  };
}

function rename(config: Raw, from: string, to: string, path: Path, d: Diagnostics): void {
  if (config[from] === undefined) return;
  d.warn("NOETL_W_DSL_LEGACY", `\`${from}\` is legacy; write \`${to}\``, [...path, from]);
  if (config[to] === undefined) config[to] = config[from];
  else if (isObj(config[to]) && isObj(config[from]))
    config[to] = { ...(config[from] as Raw), ...(config[to] as Raw) };
  delete config[from];
}

export function normalizeRules(raw: unknown, path: Path, d: Diagnostics): PolicyRule[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    d.error("NOETL_E_DSL_POLICY", "`policy.rules` must be a list", path);
    return [];
  }
  const rules: PolicyRule[] = [];
  raw.forEach((r, i) => {
    const p = [...path, i];
    if (!isObj(r)) return d.error("NOETL_E_DSL_POLICY", "a rule must be a map with `when` and `then`", p);
    if (r.else !== undefined) {
      const body = isObj(r.else) ? r.else : {};
      const then = isObj(body.then) ? body.then : body; // `- else: {do: …}` shorthand
      if (!isObj(body.then))
        d.warn("NOETL_W_DSL_LEGACY", "`else: {do: …}` shorthand; write `else: {then: {do: …}}`", p);
      const t = normalizeThen(then, [...p, "else"], d);
      if (t) rules.push({ else: true, then: t });
      if (i !== raw.length - 1) d.warn("NOETL_W_DSL_LEGACY", "rules after `else` are never reached", p);
      return;
    }
    const t = normalizeThen(r.then, [...p, "then"], d);
    if (!t) return;
    if (r.when === undefined) rules.push({ else: true, then: t });
    else rules.push({ when: asJson(r.when), else: false, then: t });
  });
  return rules;
}

function normalizeThen(raw: unknown, path: Path, d: Diagnostics): PolicyThen | undefined {
  if (!isObj(raw)) {
    d.error("NOETL_E_DSL_POLICY", "a rule needs `then: {do: continue|retry|jump|break|fail}`", path);
    return undefined;
  }
  for (const bad of ["set_ctx", "set_iter", "set_vars"]) {
    if (raw[bad] !== undefined)
      d.error("NOETL_E_DSL_LEGACY_REJECTED", `\`${bad}\` is not supported; use \`set: {ctx.k: …}\``, [
        ...path,
        bad,
      ]);
  }
  const action = raw.do;
  if (typeof action !== "string" || !ACTIONS.has(action)) {
    d.error(
      "NOETL_E_DSL_POLICY",
      `\`do\` must be one of continue, retry, jump, break, fail (got ${JSON.stringify(action)})`,
      [...path, "do"],
    );
    return undefined;
  }
  const then: PolicyThen = { do: action as PolicyThen["do"] };
  if (raw.attempts !== undefined) {
    const n = Number(raw.attempts);
    if (!Number.isInteger(n) || n < 1)
      d.error("NOETL_E_DSL_POLICY", "`attempts` must be a positive integer", [...path, "attempts"]);
    else then.attempts = n;
  }
  if (raw.backoff !== undefined) {
    if (!BACKOFFS.has(String(raw.backoff)))
      d.error("NOETL_E_DSL_POLICY", "`backoff` must be none, linear or exponential", [...path, "backoff"]);
    else then.backoff = raw.backoff as PolicyThen["backoff"];
  }
  for (const key of ["delay", "max_delay"] as const) {
    if (raw[key] === undefined) continue;
    const n = Number(raw[key]);
    if (!Number.isFinite(n) || n < 0)
      d.error("NOETL_E_DSL_POLICY", `\`${key}\` must be a number of seconds`, [...path, key]);
    else then[key] = n;
  }
  if (raw.jitter !== undefined)
    then.jitter = typeof raw.jitter === "number" ? raw.jitter : Boolean(raw.jitter);
  if (action === "jump") {
    if (typeof raw.to !== "string")
      d.error("NOETL_E_DSL_POLICY", "`do: jump` needs `to: <task label>`", path);
    else then.to = raw.to;
  }
  if (raw.set !== undefined) {
    if (!isObj(raw.set)) d.error("NOETL_E_DSL_POLICY", "`set` must be a map", [...path, "set"]);
    else then.set = raw.set as PolicyThen["set"] & object;
  }
  return then;
}
