// Playbook YAML → the step graph the UI draws (steps and routing arcs). Pure: no DOM.
// It mirrors src/dsl/normalize-next.ts for the shapes `next` can take:
//   canonical  next: {spec: {mode}, arcs: [{step, when?}]}
//   legacy     next: name | [name, ...] | [{step, when}] | [{when, then: [...]}, {else: [...]}]
//   legacy     run: [{step}] (inclusive)
// A step without `next` routes to a step named `end` when there is one.

let yamlModule;

/** Parses YAML with the vendored `yaml` package (loaded on first use). */
export async function parseYaml(text) {
  yamlModule ??= await import("../vendor/yaml/index.js");
  return yamlModule.parse(text);
}

const isObj = (v) => typeof v === "object" && v !== null && !Array.isArray(v);

/** Short edge label for a `when` condition. */
export function whenLabel(when) {
  if (when === undefined || when === null) return "";
  if (when === true) return "";
  if (when === false) return "false";
  let text = String(when).trim();
  const m = /^\{\{([\s\S]*)\}\}$/.exec(text);
  if (m) text = m[1].trim();
  text = text
    .replace(/event\.name\s*==\s*['"]call\.error['"]/g, "on error")
    .replace(/event\.name\s*==\s*['"](call|loop)\.done['"]/g, "on success");
  return text.length > 32 ? `${text.slice(0, 31)}…` : text;
}

function arcsOfList(list, labelPrefix = "") {
  const arcs = [];
  for (const item of list) {
    if (typeof item === "string") arcs.push({ step: item, label: labelPrefix });
    else if (isObj(item) && (item.then !== undefined || item.else !== undefined)) {
      const isElse = item.else !== undefined;
      const targets = isElse ? item.else : item.then;
      const label = isElse ? "else" : whenLabel(item.when);
      for (const t of Array.isArray(targets) ? targets : [targets]) {
        const step = typeof t === "string" ? t : isObj(t) ? t.step : undefined;
        if (typeof step === "string") arcs.push({ step, label });
      }
    } else if (isObj(item) && typeof item.step === "string") {
      arcs.push({ step: item.step, label: whenLabel(item.when) });
    }
  }
  return arcs;
}

/** The arcs leaving a raw step, as `[{step, label}]`, and the routing mode. */
export function arcsOf(raw) {
  const next = raw.next;
  let arcs = [];
  let mode = raw.parallel === true ? "inclusive" : isObj(raw.spec) ? raw.spec.next_mode : undefined;
  if (typeof next === "string") arcs = [{ step: next, label: "" }];
  else if (Array.isArray(next)) arcs = arcsOfList(next);
  else if (isObj(next)) {
    if (isObj(next.spec) && next.spec.mode) mode = next.spec.mode;
    if (Array.isArray(next.arcs)) arcs = arcsOfList(next.arcs);
  }
  if (Array.isArray(raw.run)) {
    const run = arcsOfList(raw.run.filter((r) => isObj(r) && typeof r.step === "string"));
    if (run.length > 0 && next === undefined) mode = "inclusive";
    arcs = [...arcs, ...run];
  }
  return { arcs, mode: mode === "inclusive" ? "inclusive" : "exclusive", hasNext: next != null };
}

/** The kind of a step's tool (first task of a pipeline), for the tooltip and detail panel. */
function toolKind(raw) {
  const tool = raw.tool;
  if (isObj(tool)) return typeof tool.kind === "string" ? tool.kind : undefined;
  if (Array.isArray(tool)) {
    const first = tool[0];
    if (isObj(first)) {
      const inner = Object.values(first).find((v) => isObj(v) && typeof v.kind === "string");
      return typeof first.kind === "string" ? first.kind : inner?.kind;
    }
  }
  return typeof raw.type === "string" ? raw.type : undefined;
}

/**
 * The graph of a parsed playbook document:
 * `{nodes: [{id, loop, kind, desc, entry, final, handler}], edges: [{id, source, target, label, implicit}],
 *   workload, entry, final, onError}`. Arcs to unknown steps add a node marked `missing`.
 */
export function graphOf(doc) {
  const workflow = Array.isArray(doc?.workflow) ? doc.workflow.filter((s) => isObj(s) && s.step) : [];
  const spec = isObj(doc?.executor) && isObj(doc.executor.spec) ? doc.executor.spec : {};
  const names = new Set(workflow.map((s) => String(s.step)));
  const hasEnd = names.has("end");
  const entry = typeof spec.entry_step === "string" ? spec.entry_step : workflow[0]?.step;
  const final = typeof spec.final_step === "string" ? spec.final_step : undefined;
  const onError = typeof spec.on_error === "string" ? spec.on_error : undefined;
  const nodes = workflow.map((s) => ({
    id: String(s.step),
    loop: isObj(s.loop) || s.loop === true,
    kind: toolKind(s),
    desc: typeof s.desc === "string" ? s.desc : typeof s.description === "string" ? s.description : undefined,
    entry: s.step === entry,
    final: s.step === final,
    handler: s.step === onError,
  }));
  const edges = [];
  const seen = new Set();
  const addEdge = (source, target, label, implicit) => {
    const id = `${source}->${target}`;
    if (seen.has(id)) {
      const e = edges.find((x) => x.id === id);
      if (e && label && !e.label.includes(label)) e.label = e.label ? `${e.label} | ${label}` : label;
      return;
    }
    seen.add(id);
    if (!names.has(target)) {
      names.add(target);
      nodes.push({ id: target, loop: false, missing: true });
    }
    edges.push({ id, source, target, label: label ?? "", implicit: implicit === true });
  };
  for (const s of workflow) {
    const { arcs, hasNext } = arcsOf(s);
    for (const a of arcs) addEdge(String(s.step), a.step, a.label);
    if (!hasNext && arcs.length === 0 && s.step !== "end" && hasEnd) {
      addEdge(String(s.step), "end", "", true);
    }
  }
  return {
    nodes,
    edges,
    workload: isObj(doc?.workload) ? doc.workload : {},
    entry,
    final,
    onError,
  };
}
