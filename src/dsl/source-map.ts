import {
  type Document,
  isCollection,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  Scalar,
  type ScalarTag,
  type Tags,
} from "yaml";
import type { SourcePosition } from "../kernel/index.ts";
import type { Path } from "./diagnostics.ts";

export interface LoadedYaml {
  value: unknown;
  locate(path: Path): SourcePosition | undefined;
  errors: Array<{ message: string; position?: SourcePosition }>;
}

const MAX_DEPTH = 200;

/** PyYAML's YAML 1.1 booleans: yes/no/on/off/true/false, but not the single letters y/n. */
const pyBool = (value: boolean, test: RegExp): ScalarTag => ({
  identify: (v) => v === value,
  default: true,
  tag: "tag:yaml.org,2002:bool",
  test,
  resolve: () => new Scalar(value),
});
const PY_TRUE = pyBool(true, /^(?:[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)$/);
const PY_FALSE = pyBool(false, /^(?:[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$/);

/**
 * PyYAML's YAML 1.1 floats: a dot is required and an exponent needs its sign (`1.0e+3` is a
 * float, `1e3` and `1.0e3` are strings), sexagesimal `1:30.5`, `.inf`, `.nan`. The `yaml`
 * package's 1.1 float pattern has every part optional, so `e2` or `.e1` became NaN (a key
 * `NaN`, a value `null`).
 */
const PY_FLOAT: ScalarTag = {
  identify: (v) => typeof v === "number" && !Number.isInteger(v),
  default: true,
  tag: "tag:yaml.org,2002:float",
  test: /^(?:[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/,
  resolve: (text) => new Scalar(pyFloat(text)),
};

function pyFloat(text: string): number {
  const t = text.replace(/_/g, "");
  if (/^[-+]?\.(?:inf|Inf|INF)$/.test(t)) return t.startsWith("-") ? -Infinity : Infinity;
  if (/^\.(?:nan|NaN|NAN)$/.test(t)) return Number.NaN;
  if (t.includes(":")) {
    const sign = t.startsWith("-") ? -1 : 1;
    let n = 0;
    for (const part of t.replace(/^[-+]/, "").split(":")) n = n * 60 + Number(part);
    return sign * n;
  }
  return Number(t);
}

const isTag = (t: Tags[number], name: string, tag: string) =>
  typeof t === "string" ? t === name : t.tag === tag;
const pyTags = (tags: Tags): Tags => [
  PY_TRUE,
  PY_FALSE,
  PY_FLOAT,
  ...tags.filter(
    (t) => !isTag(t, "bool", "tag:yaml.org,2002:bool") && !isTag(t, "float", "tag:yaml.org,2002:float"),
  ),
];

/** Parses YAML 1.1 (like PyYAML: yes/no/on/off are booleans) and keeps node positions. */
export function loadYaml(text: string, file?: string): LoadedYaml {
  const lines = new LineCounter();
  const doc: Document = parseDocument(text, {
    version: "1.1",
    lineCounter: lines,
    uniqueKeys: true,
    customTags: pyTags,
  });
  const pos = (offset: number): SourcePosition => {
    const { line, col } = lines.linePos(offset);
    return { ...(file ? { file } : {}), line, column: col };
  };
  const errors = doc.errors.map((e) => ({
    message: e.message.split("\n")[0] ?? e.message,
    ...(e.pos ? { position: pos(e.pos[0]) } : {}),
  }));
  let value: unknown;
  if (errors.length === 0) {
    try {
      if (depthOf(doc.contents, 0) > MAX_DEPTH) {
        errors.push({ message: `document nests deeper than ${MAX_DEPTH} levels` });
      } else value = doc.toJS({ maxAliasCount: 100 });
    } catch (error) {
      errors.push({ message: (error as Error).message });
    }
  }
  const locate = (path: Path): SourcePosition | undefined => {
    let node: unknown = doc.contents;
    let last: unknown = node;
    for (const key of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(key));
        if (!pair) break;
        last = pair.key;
        node = pair.value;
        if (node) last = node;
      } else if (isSeq(node) && typeof key === "number") {
        node = node.items[key];
        if (!node) break;
        last = node;
      } else break;
    }
    const range = (last as { range?: [number, number, number] } | null)?.range;
    return range ? pos(range[0]) : file ? { file, line: 1, column: 1 } : undefined;
  };
  return { value, locate, errors };
}

function depthOf(node: unknown, depth: number): number {
  if (depth > MAX_DEPTH) return depth;
  if (!isCollection(node)) return depth;
  let max = depth;
  for (const item of (node as { items: unknown[] }).items) {
    const child = isMap(node) ? (item as { value: unknown }).value : item;
    max = Math.max(max, depthOf(child, depth + 1));
    if (max > MAX_DEPTH) break;
  }
  return max;
}
