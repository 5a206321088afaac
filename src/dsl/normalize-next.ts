/** `next` in all its shapes → canonical `{mode, on_no_match, arcs}` (reference §2.6, DECISIONS 2, 7). */
import type { JsonObject } from "../kernel/index.ts";
import type { Diagnostics, Path } from "./diagnostics.ts";
import type { Arc, Next } from "./model.ts";
import { asJson, isObj, type Raw } from "./raw.ts";

export function normalizeNext(
  raw: unknown,
  path: Path,
  d: Diagnostics,
  legacyMode?: unknown,
): Next | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw === "string") {
    d.warn("NOETL_W_DSL_LEGACY", "`next: <step>` is legacy; write `next: {arcs: [{step: …}]}`", path);
    return { mode: mode(legacyMode), on_no_match: "complete", arcs: [{ step: raw, set: {}, input: {} }] };
  }
  if (Array.isArray(raw)) return legacyList(raw, path, d, legacyMode);
  if (!isObj(raw)) {
    d.error("NOETL_E_DSL_NEXT", "`next` must be a map with `arcs`", path);
    return undefined;
  }
  const spec = isObj(raw.spec) ? raw.spec : {};
  if (raw.arcs !== undefined && !Array.isArray(raw.arcs)) {
    d.error("NOETL_E_DSL_NEXT", "`next.arcs` must be a list", [...path, "arcs"]);
    return undefined;
  }
  const m = spec.mode ?? legacyMode ?? "exclusive";
  if (m !== "exclusive" && m !== "inclusive")
    d.error("NOETL_E_DSL_NEXT", "`next.spec.mode` must be exclusive or inclusive", [...path, "spec", "mode"]);
  const arcs = ((raw.arcs as unknown[]) ?? []).flatMap((a, i) => arc(a, [...path, "arcs", i], d));
  return { mode: mode(m), on_no_match: spec.on_no_match === "quiet" ? "quiet" : "complete", arcs };
}

function mode(m: unknown): Next["mode"] {
  return m === "inclusive" ? "inclusive" : "exclusive";
}

function arc(raw: unknown, path: Path, d: Diagnostics): Arc[] {
  if (typeof raw === "string") return [{ step: raw, set: {}, input: {} }];
  if (!isObj(raw) || typeof raw.step !== "string") {
    d.error("NOETL_E_DSL_NEXT", "an arc must be a map with `step: <name>`", path);
    return [];
  }
  let input: JsonObject = isObj(raw.input) ? (raw.input as JsonObject) : {};
  for (const legacy of ["with", "args"]) {
    if (isObj(raw[legacy])) {
      d.warn(
        "NOETL_W_DSL_LEGACY",
        `arc \`${legacy}\` is legacy; write \`input\` (a message to the target step)`,
        [...path, legacy],
      );
      input = { ...(raw[legacy] as JsonObject), ...input };
    }
  }
  if (raw.expr !== undefined)
    d.error("NOETL_E_DSL_LEGACY_REJECTED", "arc `expr` is not supported; use `when`", [...path, "expr"]);
  const set = isObj(raw.set) ? (raw.set as Raw as Arc["set"]) : {};
  const pos = d.locate(path);
  return [
    {
      step: raw.step,
      ...(raw.when !== undefined ? { when: aliasEventNames(asJson(raw.when)) } : {}),
      set,
      input,
      ...(pos ? { pos } : {}),
    },
  ];
}

/**
 * Legacy lists: `[a, b]`, `[{step, when}]`, and the design notes'
 * `[{when: C, then: [{step, with}]}, {else: [{step, with}]}]`.
 */
function legacyList(raw: unknown[], path: Path, d: Diagnostics, legacyMode: unknown): Next {
  d.warn("NOETL_W_DSL_LEGACY", "a `next` list is legacy; write `next: {spec: {mode}, arcs: [...]}`", path);
  const conditions: string[] = [];
  const arcs: Array<{ arc: Arc; isElse: boolean }> = [];
  let multiTarget = false;
  raw.forEach((item, i) => {
    const p = [...path, i];
    if (isObj(item) && (item.then !== undefined || item.else !== undefined)) {
      const isElse = item.else !== undefined;
      const targets = (isElse ? item.else : item.then) as unknown;
      const list = Array.isArray(targets) ? targets : [targets];
      if (list.length > 1) multiTarget = true;
      const when = isElse ? undefined : conditionText(item.when);
      if (when !== undefined) conditions.push(when);
      for (const [j, t] of list.entries()) {
        const [a] = arc(t, [...p, isElse ? "else" : "then", j], d);
        if (!a) continue;
        if (isElse) arcs.push({ arc: { ...a, when: elseCondition(conditions) }, isElse });
        else arcs.push({ arc: { ...a, ...(when !== undefined ? { when } : {}) }, isElse });
      }
      return;
    }
    for (const a of arc(item, p, d)) arcs.push({ arc: a, isElse: false });
  });
  // With one target per branch, first-match (exclusive) routing is exact and `else` is `{{ true }}`:
  // a condition, so that it also takes a failure (an arc without `when` fires on success only),
  // as the design notes' `else: [{step: error_handler}]` expects. Several targets per branch
  // fire together, so the branches become inclusive arcs whose conditions exclude each other.
  if (multiTarget) return { mode: "inclusive", on_no_match: "complete", arcs: arcs.map((a) => a.arc) };
  // `next: [a, b]` (names only) fires every target where it was run (reference §1.9, table row
  // 38), unless `spec.next_mode` says otherwise
  if (legacyMode === undefined && raw.length > 1 && raw.every((item) => typeof item === "string"))
    return { mode: "inclusive", on_no_match: "complete", arcs: arcs.map((a) => a.arc) };
  return {
    mode: mode(legacyMode),
    on_no_match: "complete",
    arcs: arcs.map(({ arc: a, isElse }) => (isElse ? { ...a, when: "{{ true }}" } : a)),
  };
}

function elseCondition(conditions: string[]): string {
  if (conditions.length === 0) return "{{ true }}";
  return `{{ not (${conditions.map((c) => `(${stripBraces(c)})`).join(" or ")}) }}`;
}

function conditionText(when: unknown): string {
  if (typeof when === "boolean") return when ? "{{ true }}" : "{{ false }}";
  return aliasEventNames(String(when ?? "{{ true }}"));
}

/**
 * The Docs' boundary event names, accepted as aliases (DECISIONS 8): `'step.done'` and
 * `'step.failed'` string literals in a `when` become `'call.done'` and `'call.error'`, the names
 * `event.name` has.
 */
function aliasEventNames<T>(when: T): T {
  if (typeof when !== "string" || !when.includes("step.")) return when;
  return when.replace(/(['"])step\.(done|failed)\1/g, (_m, q: string, name: string) =>
    name === "done" ? `${q}call.done${q}` : `${q}call.error${q}`,
  ) as T;
}

function stripBraces(c: string): string {
  const m = /^\s*\{\{(.*)\}\}\s*$/s.exec(c);
  return m ? (m[1] as string).trim() : c;
}
