/**
 * Writes schema/playbook.schema.json from the DSL's zod schemas. `--check` fails when the
 * checked-in file is stale (CI runs it).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { playbookJsonSchema } from "../src/dsl/index.ts";

const file = new URL("../schema/playbook.schema.json", import.meta.url);
const text = `${JSON.stringify(playbookJsonSchema(), null, 2)}\n`;
if (process.argv.includes("--check")) {
  let current = "";
  try {
    current = readFileSync(file, "utf8");
  } catch {
    // missing counts as stale
  }
  if (current !== text) {
    process.stderr.write("schema/playbook.schema.json is stale: run `npm run gen`\n");
    process.exit(1);
  }
} else {
  writeFileSync(file, text);
  process.stdout.write("wrote schema/playbook.schema.json\n");
}
