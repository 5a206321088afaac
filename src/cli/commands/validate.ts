/** `noetl validate FILE...` and `noetl migrate FILE [--write]`. */
import { writeFileSync } from "node:fs";
import type { Command } from "commander";
import { type Diagnostic, migratePlaybook, parsePlaybook } from "../../dsl/index.ts";
import { NoetlError } from "../../kernel/index.ts";
import { printDiagnostics } from "../diagnostics.ts";
import { EXIT_INVALID, EXIT_OK, exitWithError } from "../exit.ts";
import { readPlaybookSource } from "../read-source.ts";

interface FileReport {
  file: string;
  valid: boolean;
  diagnostics: Diagnostic[];
}

function check(file: string, lenient: boolean): FileReport {
  try {
    const text = readPlaybookSource(file);
    const r = parsePlaybook(text, { file, lenient });
    return { file, valid: r.playbook !== undefined, diagnostics: r.diagnostics };
  } catch (error) {
    const e = error instanceof NoetlError ? error : new NoetlError("NOETL_E_CLI_FILE", String(error));
    return {
      file,
      valid: false,
      diagnostics: [
        { severity: "error", code: e.code, message: e.message, position: { file, line: 1, column: 1 } },
      ],
    };
  }
}

export function register(program: Command): void {
  program
    .command("validate")
    .description("check playbooks without running them (exit 0 valid, 2 invalid)")
    .argument("<files...>", "playbook files")
    .option("--json", "print a JSON report")
    .option("--lenient", "unknown root keys are warnings, not errors")
    .action((files: string[], opts: { json?: boolean; lenient?: boolean }) => {
      const reports = files.map((f) => check(f, Boolean(opts.lenient)));
      if (opts.json)
        process.stdout.write(
          `${JSON.stringify({ valid: reports.every((r) => r.valid), files: reports }, null, 2)}\n`,
        );
      else {
        for (const r of reports) {
          printDiagnostics(process.stderr, r.diagnostics, r.file);
          const errors = r.diagnostics.filter((d) => d.severity === "error").length;
          const warnings = r.diagnostics.length - errors;
          process.stdout.write(
            `${r.file}: ${r.valid ? "valid" : `invalid (${errors} error${errors === 1 ? "" : "s"})`}${warnings ? `, ${warnings} warning${warnings === 1 ? "" : "s"}` : ""}\n`,
          );
        }
      }
      process.exitCode = reports.every((r) => r.valid) ? EXIT_OK : EXIT_INVALID;
    });

  program
    .command("migrate")
    .description("print a playbook in canonical form (legacy shapes rewritten); --write rewrites the file")
    .argument("<file>", "playbook file")
    .option("--write", "rewrite the file in place")
    .option("--lenient", "unknown root keys are warnings, not errors")
    .action((file: string, opts: { write?: boolean; lenient?: boolean }) => {
      try {
        const r = parsePlaybook(readPlaybookSource(file), { file, lenient: Boolean(opts.lenient) });
        printDiagnostics(process.stderr, r.diagnostics, file);
        if (!r.playbook) {
          process.exitCode = EXIT_INVALID;
          return;
        }
        const text = migratePlaybook(r.playbook);
        if (opts.write) {
          writeFileSync(file, text);
          process.stderr.write(`rewrote ${file}\n`);
        } else process.stdout.write(text);
      } catch (error) {
        exitWithError(error, EXIT_INVALID);
      }
    });
}
