import { readFileSync, statSync } from "node:fs";
import { NoetlError } from "../kernel/index.ts";

/** Largest playbook file accepted (bigger files are almost certainly not playbooks). */
export const MAX_PLAYBOOK_BYTES = 10 * 1024 * 1024;

/** Reads a playbook file as UTF-8 text, rejecting directories, huge and binary files clearly. */
export function readPlaybookSource(file: string): string {
  let size: number;
  try {
    const st = statSync(file);
    if (st.isDirectory())
      throw new NoetlError("NOETL_E_CLI_FILE", `${file} is a directory, not a playbook file`);
    size = st.size;
  } catch (error) {
    if (error instanceof NoetlError) throw error;
    throw new NoetlError("NOETL_E_CLI_FILE", `cannot read ${file}: ${(error as Error).message}`);
  }
  if (size > MAX_PLAYBOOK_BYTES) {
    throw new NoetlError(
      "NOETL_E_CLI_FILE",
      `${file} is ${size} bytes; playbooks are limited to ${MAX_PLAYBOOK_BYTES}`,
    );
  }
  const bytes = readFileSync(file);
  if (bytes.includes(0))
    throw new NoetlError("NOETL_E_CLI_FILE", `${file} is a binary file, not a YAML playbook`);
  return bytes.toString("utf8");
}
