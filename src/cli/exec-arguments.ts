import { existsSync } from "node:fs";
import { parsePlaybook } from "../dsl/index.ts";
import { invalidArgument } from "./invalid-argument.ts";
import { readPlaybookSource } from "./read-source.ts";
import { parseReference, type Reference } from "./reference.ts";

/** The playbook files `noetl exec|run` looks for in the current directory without REF, in order. */
export const DISCOVERED_PLAYBOOKS = ["noetl.yaml", "main.yaml"] as const;

export interface ExecArguments {
  reference: Reference;
  /** The start step: `-t`, or the positional that named a step of the discovered playbook. */
  target?: string;
  /** The discovered playbook file (no REF was given), to say which one runs. */
  discovered?: string;
}

/**
 * The reference and start step of `noetl exec|run [REF]` (reference §8). Without REF the first of
 * `./noetl.yaml`, `./main.yaml` in the current directory runs (a file: runtime auto ⇒ local). A positional that
 * cannot be a file (not an existing file, not a `.yaml`/`.yml` name, not `catalog://…`) is a
 * step of the discovered playbook when it has a step of that name (the start step, as `-t`;
 * both ⇒ invalid); else it is a REF as `parseReference` reads it (catalog id or path).
 */
export function execArguments(
  positional: string | undefined,
  o: { version?: string; target?: string },
): ExecArguments {
  const withTarget = o.target !== undefined ? { target: o.target } : {};
  if (positional === undefined) {
    const file = discoveredPlaybook();
    if (file === undefined)
      throw invalidArgument(
        `no REF given and no ${DISCOVERED_PLAYBOOKS.map((f) => `./${f}`).join(" or ")} in ${process.cwd()}`,
      );
    return { reference: parseReference(file, o.version), ...withTarget, discovered: file };
  }
  if (couldBeStep(positional)) {
    const file = discoveredPlaybook();
    if (file !== undefined && stepNames(file).includes(positional)) {
      if (o.target !== undefined)
        throw invalidArgument(
          `'${positional}' is a step of ./${file} and -t names another start step (${o.target}): give one`,
        );
      return { reference: parseReference(file, o.version), target: positional, discovered: file };
    }
  }
  return { reference: parseReference(positional, o.version), ...withTarget };
}

/** The first of `DISCOVERED_PLAYBOOKS` in the current directory (a name relative to it). */
function discoveredPlaybook(): string | undefined {
  return DISCOVERED_PLAYBOOKS.find((f) => existsSync(f));
}

/** A positional that is not a file name nor `catalog://…`: a step name, a catalog path or id. */
function couldBeStep(positional: string): boolean {
  return !positional.startsWith("catalog://") && !/\.ya?ml$/i.test(positional) && !existsSync(positional);
}

/** The step names of a playbook file; none when it cannot be read or parsed (then REF is not a step). */
function stepNames(file: string): string[] {
  try {
    const parsed = parsePlaybook(readPlaybookSource(file), { file });
    return parsed.playbook?.workflow.map((s) => s.step) ?? [];
  } catch {
    return [];
  }
}
