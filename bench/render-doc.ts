/**
 * The text of docs/benchmarks.md: `benchmarks.template.md` (its first line, a comment, dropped)
 * with a run's values in its `{{runs}}`, `{{rounds_note}}`, `{{machine}}`, `{{conditions}}` and
 * `{{results}}`. Values are inserted as they are (a `{{` inside one is not a placeholder).
 */
import { readFileSync } from "node:fs";

export interface DocValues {
  /** Timed runs per workload. */
  runs: number;
  /** Rounds of the whole list. */
  rounds: number;
  /** The machine line. */
  machine: string;
  /** The `--conditions` file's text (with its surrounding newlines), or "". */
  conditions: string;
  /** The results sections (tables and their notes). */
  results: string;
}

/** Said after the method when a run made several rounds. */
const ROUNDS_NOTE = `

This run made {{rounds}} rounds of the whole list (\`--rounds {{rounds}}\`); each row is the workload's round
with the lowest median, and the last column shows every round's median in order: on this shared
host a slow period lasts minutes and only ever adds time, so a single round can be slow from start
to end (whole runs an hour apart differed by 30–60 % on the same build).`;

export function renderDoc(
  v: DocValues,
  template: string = readFileSync(new URL("./benchmarks.template.md", import.meta.url), "utf8"),
): string {
  const values: Record<string, string> = {
    runs: String(v.runs),
    rounds_note: v.rounds > 1 ? ROUNDS_NOTE.replaceAll("{{rounds}}", String(v.rounds)) : "",
    machine: v.machine,
    conditions: v.conditions,
    results: v.results,
  };
  return template
    .replace(/^<!--[^\n]*-->\n/, "")
    .replace(/\{\{(\w+)\}\}/g, (placeholder, name: string) => values[name] ?? placeholder);
}
