import { existsSync } from "node:fs";
import { NoetlError } from "../kernel/index.ts";
import { invalidArgument } from "./invalid-argument.ts";

/**
 * What `noetl exec|run REF` names: a playbook file, a registered catalog path (and version), or a
 * catalog entry by its id (one version of one path).
 */
export type Reference =
  | { kind: "file"; file: string }
  | { kind: "catalog"; path: string; version?: number }
  | { kind: "catalog-id"; catalogId: string };

/**
 * Reads REF as NoETL does (reference §8): an existing file, `catalog://path@version`
 * (`@latest` or no `@` = the latest version), a catalog entry id (digits only), or a catalog
 * path. A `.yaml`/`.yml` name that does not exist is a missing file, not a catalog path. `-V N`
 * gives the version of a catalog path (an id names one version: `-V` is refused).
 */
export function parseReference(ref: string, version?: string): Reference {
  const v = version === undefined ? undefined : catalogVersion(version, "-V/--version");
  if (ref.startsWith("catalog://")) {
    const rest = ref.slice("catalog://".length);
    const at = rest.lastIndexOf("@");
    const path = at < 0 ? rest : rest.slice(0, at);
    if (!path) throw invalidArgument(`'${ref}' names no catalog path (catalog://path@version)`);
    const inRef = at < 0 ? undefined : catalogVersion(rest.slice(at + 1), ref);
    if (inRef !== undefined && v !== undefined && inRef !== v)
      throw invalidArgument(`'${ref}' and -V ${version} name different versions`);
    const chosen = inRef ?? v;
    return { kind: "catalog", path, ...(chosen !== undefined ? { version: chosen } : {}) };
  }
  if (existsSync(ref)) {
    if (v !== undefined) throw invalidArgument("-V/--version selects a catalog version; a file has none");
    return { kind: "file", file: ref };
  }
  if (/\.ya?ml$/i.test(ref)) throw new NoetlError("NOETL_E_CLI_FILE", `cannot read ${ref}: no such file`);
  if (/^\d+$/.test(ref)) {
    if (v !== undefined)
      throw invalidArgument(`-V/--version selects a version of a catalog path; catalog id ${ref} names one`);
    return { kind: "catalog-id", catalogId: ref };
  }
  return { kind: "catalog", path: ref, ...(v !== undefined ? { version: v } : {}) };
}

/** A catalog version: a whole number from 1, or `latest` (undefined). */
function catalogVersion(text: string, what: string): number | undefined {
  if (text === "latest") return undefined;
  if (!/^[1-9]\d*$/.test(text))
    throw invalidArgument(`${what}: the version must be a whole number or 'latest'`);
  return Number(text);
}
