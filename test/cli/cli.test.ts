/**
 * The `noetl` CLI as users run it: exit codes, JSON output, validate/migrate, and a killed run
 * that resumes from its event log without re-running completed steps.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";

const root = new URL("../../", import.meta.url).pathname;
const bin = join(root, "bin/noetl.js");
const home = mkdtempSync(join(tmpdir(), "noetl-cli-"));
const env = { ...process.env, NOETL_HOME: home, NOETL_LOG_LEVEL: "silent" };
after(() => rmSync(home, { recursive: true, force: true }));

function noetl(...args: string[]) {
  return spawnSync(process.execPath, [bin, ...args], { cwd: root, env, encoding: "utf8" });
}

describe("noetl CLI", () => {
  it("run --json prints the DECISIONS 40 document and exits 0", () => {
    const r = noetl("run", "examples/hello.yaml", "--set", "name=Ada", "--json");
    assert.equal(r.status, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.status, "completed");
    assert.deepEqual(doc.result, { message: "HELLO, ADA!", chars: 11 });
    assert.deepEqual(doc.runs, { greet: 1, shout: 1 });
    assert.ok(typeof doc.execution_id === "string" && /^\d+$/.test(doc.execution_id));
    assert.ok(typeof doc.duration_ms === "number");
  });

  it("a failed execution exits 1; an invalid playbook exits 2 with file:line:col", () => {
    assert.equal(noetl("run", "test/playbooks/unhandled.yaml", "--json").status, 1);
    const bad = join(home, "bad.yaml");
    writeFileSync(
      bad,
      "apiVersion: noetl.io/v2\nkind: Playbook\nmetadata: {name: b}\nworkflow:\n  - step: a\n    next: {arcs: [{step: nope}]}\n",
    );
    const r = noetl("run", bad);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /bad\.yaml:6:\d+: error NOETL_E_DSL_ARC_TARGET/);
  });

  it("a task that fails at run time is shown with its file:line:col", () => {
    const file = join(home, "fails-late.yaml");
    writeFileSync(
      file,
      `apiVersion: noetl.io/v2
kind: Playbook
metadata: { name: fails_late }
workflow:
  - step: start
    tool:
      - { name: fine, kind: noop, result: 1 }
      - name: broken
        kind: noop
        result: "{{ nothing.there }}"
`,
    );
    const r = noetl("run", file);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /✖ start: 'nothing' is undefined .*\(.*fails-late\.yaml:8:9\)/);
    assert.match(r.stderr, /fails-late\.yaml:8:9: error: \{.*NOETL_E_TEMPLATE_UNDEFINED/);
  });

  it("validate and migrate", () => {
    assert.equal(noetl("validate", "examples/hello.yaml", "examples/loops.yaml").status, 0);
    const v = noetl("validate", "--json", "README.md");
    assert.equal(v.status, 2);
    assert.equal(JSON.parse(v.stdout).valid, false);
    const m = noetl("migrate", "examples/legacy-design-notes.yaml");
    assert.equal(m.status, 0);
    assert.match(m.stdout, /tool:\n\s+kind: python/);
    assert.doesNotMatch(m.stdout, /type: python/);
  });

  it("bad input gives a clear error, never a stack trace", () => {
    for (const args of [
      ["run", "/nonexistent.yaml"],
      ["run", "examples/hello.yaml", "--payload", "{oops"],
      ["status", "123"],
    ]) {
      const r = noetl(...args);
      assert.notEqual(r.status, 0);
      assert.doesNotMatch(r.stderr, /\n\s+at /, r.stderr);
    }
  });

  it("worker start checks its counts before connecting anywhere", () => {
    for (const [args, message] of [
      [["--requests", "x"], /--requests needs a whole number of at least 0, not 'x'/],
      [["--concurrency", "0"], /--concurrency needs a whole number of at least 1, not '0'/],
      [["--requests", "1.5"], /--requests needs a whole number/],
    ] as const) {
      const r = noetl("worker", "start", ...args);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, /NOETL_E_CLI_ARGUMENT/);
      assert.match(r.stderr, message);
    }
  });

  it("server start and run --ui check their ports before starting anything", () => {
    for (const args of [
      ["server", "start", "--port", "http"],
      ["server", "start", "--port", "70000"],
      ["run", "examples/hello.yaml", "--ui", "-1"],
    ]) {
      const r = noetl(...args);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, /NOETL_E_CLI_ARGUMENT/);
      assert.match(r.stderr, /needs a whole number from 0 to 65535/);
    }
  });

  it("a killed run resumes from the log; completed steps do not run again", async () => {
    const db = join(home, "resume.db");
    const child: ChildProcess = spawn(
      process.execPath,
      [bin, "run", "test/playbooks/slow-middle.yaml", "--db", db],
      { cwd: root, env },
    );
    let stderr = "";
    const id = await new Promise<string>((resolve, reject) => {
      child.stderr?.on("data", (d: Buffer) => {
        stderr += d.toString();
        const m = /execution (\d+)/.exec(stderr);
        if (m && stderr.includes("▶ b")) resolve(m[1] as string);
      });
      child.on("exit", () => reject(new Error(`run ended before it could be killed: ${stderr}`)));
    });
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    const r = noetl("resume", id, "--db", db, "--json");
    assert.equal(r.status, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.status, "completed");
    assert.equal(doc.result, 3);
    assert.deepEqual(doc.runs, { a: 1, b: 1, c: 1 });
    const lines = noetl("events", id, "--db", db, "--json").stdout.trim().split("\n");
    const events = lines.map((l) => JSON.parse(l) as { type: string; step?: string });
    assert.equal(events.filter((e) => e.type === "call.done" && e.step === "a").length, 1);
  });
});
