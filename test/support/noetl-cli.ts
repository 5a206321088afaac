/**
 * The `noetl` command as users run it (bin/noetl.js, on the compiled build), for the CLI suites:
 * its path, the project root it runs in, and a run that waits for the end — blocking, or not
 * (an in-process server must keep answering while the command talks to it).
 */
import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";

export const projectRoot = new URL("../../", import.meta.url).pathname;
export const noetlBin = join(projectRoot, "bin/noetl.js");

export interface CliOutcome {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `noetl ARGS` with `env` in `cwd` (default the project root) and waits for it (blocking this process). */
export function runNoetl(args: readonly string[], env: NodeJS.ProcessEnv, cwd = projectRoot): CliOutcome {
  return spawnSync(process.execPath, [noetlBin, ...args], { cwd, env, encoding: "utf8" });
}

/** Runs `noetl ARGS` with `env` in `cwd` without blocking this process; resolves when it has exited. */
export function runNoetlAsync(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  cwd = projectRoot,
): Promise<CliOutcome> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [noetlBin, ...args], { cwd, env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}
