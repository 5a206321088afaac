/**
 * The `noetl` CLI as users run it: exit codes, JSON output, validate/migrate, a killed run
 * that resumes from its event log without re-running completed steps, NoETL's `exec|run REF`
 * forms (files, catalog paths, `catalog://path@version`, `-r`, `-t`, `-i`, `--dry-run`), and
 * `list` / `cleanup` embedded and against a server.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { readConfig } from "../../src/app/index.ts";
import { type MemoryStack, memoryStack } from "../support/memory-stack.ts";
import { noetlBin as bin, projectRoot as root, runNoetl, runNoetlAsync } from "../support/noetl-cli.ts";

const home = mkdtempSync(join(tmpdir(), "noetl-cli-"));
const env = { ...process.env, NOETL_HOME: home, NOETL_LOG_LEVEL: "silent" };
after(() => rmSync(home, { recursive: true, force: true }));

const noetl = (...args: string[]) => runNoetl(args, env);
/** `noetl` without blocking this process (an in-process server must keep answering). */
const noetlAsync = (...args: string[]) => runNoetlAsync(args, env);

/** Starts `noetl run FILE --db DB`, kills it while step b runs; returns the execution id. */
async function killedRun(db: string): Promise<string> {
  const child: ChildProcess = spawn(
    process.execPath,
    [bin, "run", "test/playbooks/slow-middle.yaml", "--db", db],
    {
      cwd: root,
      env,
    },
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
  return id;
}

/** Two steps: `a` then `b`; `b` reads only the workload, so a run can start at it. */
const twoSteps = `apiVersion: noetl.io/v2
kind: Playbook
metadata: { name: two_steps, path: cli/two-steps }
workload: { n: 1 }
workflow:
  - step: a
    tool: { kind: javascript, input: { n: "{{ workload.n }}" }, code: "return n + 1" }
    next: { arcs: [{ step: b }] }
  - step: b
    tool: { kind: javascript, input: { n: "{{ workload.n }}", m: "{{ workload.m }}" }, code: "return n * 100 + m" }
`;

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
    assert.match(r.stderr, /fails-late\.yaml:8:9: error NOETL_E_TEMPLATE_UNDEFINED: 'nothing' is undefined/);
    assert.equal(r.stdout, "", "a failed run without a result prints no result");
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
    const id = await killedRun(db);
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

  it("exec and run take the same file references: embedded, -j, --workload, -i, -t", () => {
    const file = join(home, "two-steps.yaml");
    writeFileSync(file, twoSteps);
    const input = join(home, "input.json");
    writeFileSync(input, JSON.stringify({ n: 2, m: 5 }));
    const db = join(home, "refs.db");
    const whole = noetl("exec", file, "-i", input, "--workload", '{"m": 7}', "-j", "--db", db);
    assert.equal(whole.status, 0, whole.stderr);
    const doc = JSON.parse(whole.stdout);
    assert.deepEqual([doc.status, doc.result, doc.runs], ["completed", 207, { a: 1, b: 1 }]);
    const targeted = noetl("run", file, "-t", "b", "--set", "m=3", "-j", "--db", db);
    assert.equal(targeted.status, 0, targeted.stderr);
    const t = JSON.parse(targeted.stdout);
    assert.deepEqual([t.result, t.runs], [103, { b: 1 }]);
    // the start step is in the log: its replay (status) and the first events agree
    const events = noetl("events", t.execution_id, "--db", db, "--json")
      .stdout.trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { type: string; payload: Record<string, unknown> });
    assert.equal(events[0]?.type, "playbook.initialized");
    assert.equal(events[0]?.payload.entry_step, "b");
    assert.deepEqual(events.find((e) => e.type === "workflow.initialized")?.payload, { first_step: "b" });
    assert.deepEqual(JSON.parse(noetl("status", t.execution_id, "--db", db, "--json").stdout).runs, { b: 1 });
    const unknown = noetl("run", file, "-t", "nope", "--db", db);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /NOETL_E_STEP_NOT_FOUND: .*no step 'nope'/);
  });

  it("a registered catalog path runs embedded with -r local (run: by default), by version or catalog://", () => {
    const db = join(home, "catalog.db");
    const file = join(home, "two-steps.yaml");
    writeFileSync(file, twoSteps);
    assert.equal(noetl("catalog", "register", file, "--db", db).status, 0);
    writeFileSync(file, twoSteps.replace("n * 100 + m", "n * 1000 + m"));
    assert.equal(noetl("catalog", "register", file, "--db", db).status, 0);
    const latest = noetl("run", "cli/two-steps", "--set", "m=1", "-j", "--db", db);
    assert.equal(latest.status, 0, latest.stderr);
    assert.equal(JSON.parse(latest.stdout).result, 1001);
    for (const args of [
      ["exec", "cli/two-steps", "-r", "local", "-V", "1"],
      ["exec", "catalog://cli/two-steps@1", "-r", "local"],
      ["run", "catalog://cli/two-steps@1", "-t", "b"],
    ]) {
      const r = noetl(...args, "--set", "m=1", "-j", "--db", db);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(JSON.parse(r.stdout).result, 101, args.join(" "));
    }
  });

  it("--dry-run validates and prints the plan without running anything", () => {
    const db = join(home, "dry.db");
    const file = join(home, "two-steps.yaml");
    writeFileSync(file, twoSteps);
    const r = noetl("exec", file, "--dry-run", "-t", "b", "-j", "--set", "m=2", "--db", db);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), {
      path: file,
      runtime: "local",
      entry_step: "b",
      steps: [
        { step: "a", tools: ["javascript"], loop: false, next: ["b"] },
        { step: "b", tools: ["javascript"], loop: false, next: [] },
      ],
      payload: { m: 2 },
    });
    const text = noetl("run", "examples/hello.yaml", "--dry-run", "--db", db);
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /starts at greet\n▶ greet\s+python\s+→ shout\n\s+shout\s+javascript\n/);
    assert.equal(noetl("list", "executions", "--db", db).stdout, "", "a dry run started something");
    const bad = join(home, "bad-dry.yaml");
    writeFileSync(bad, "apiVersion: noetl.io/v2\nkind: Playbook\nmetadata: {name: b}\nworkflow: []\n");
    assert.equal(noetl("exec", bad, "--dry-run").status, 2);
  });

  it("bad references and runtimes exit 2 with the reason", () => {
    for (const [args, message] of [
      [["exec", "nothing-here.yaml"], /NOETL_E_CLI_FILE: cannot read nothing-here\.yaml/],
      [["exec", "catalog://a/b@x"], /the version must be a whole number or 'latest'/],
      [["exec", "catalog://a/b@2", "-V", "3"], /name different versions/],
      [["run", "examples/hello.yaml", "-V", "2"], /a file has none/],
      [["run", "examples/hello.yaml", "-r", "remote"], /local, distributed or auto, not 'remote'/],
      [["run", "examples/hello.yaml", "--payload", "{}", "--workload", "{}"], /give one/],
      [["list", "jobs"], /list executions, playbooks or credentials, not 'jobs'/],
      [["cleanup", "--older-than-minutes", "-1"], /needs a whole number/],
    ] as const) {
      const r = noetl(...args);
      assert.equal(r.status, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
  });

  it("cleanup cancels embedded executions left running; list shows them", async () => {
    const db = join(home, "cleanup.db");
    const id = await killedRun(db);
    assert.match(
      noetl("list", "executions", "--status", "running", "--db", db).stdout,
      new RegExp(`^${id}  running`),
    );
    const young = JSON.parse(noetl("cleanup", "--older-than-minutes", "10", "-j", "--db", db).stdout);
    assert.deepEqual(young.executions, []);
    const dry = JSON.parse(
      noetl("cleanup", "--older-than-minutes", "0", "--dry-run", "-j", "--db", db).stdout,
    );
    assert.deepEqual(
      [dry.executions.map((e: { execution_id: string }) => e.execution_id), dry.cancelled],
      [[id], []],
    );
    const r = noetl("cleanup", "--older-than-minutes", "0", "-j", "--db", db);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout).cancelled, [id]);
    assert.equal(JSON.parse(noetl("status", id, "--db", db, "--json").stdout).status, "cancelled");
  });
});

describe("noetl exec|run|list|cleanup against a server", () => {
  const config = readConfig({ NOETL_LOG_LEVEL: "silent" }, { home, secretKey: "cli-test" });
  let stack: MemoryStack;
  before(async () => {
    stack = await memoryStack(config, 4);
  });
  after(() => stack.close());
  const remote = (...args: string[]) => noetlAsync(...args, "--server", stack.server.url);

  it("a catalog reference runs on the server; a file too with -r distributed", async () => {
    assert.equal((await remote("catalog", "register", "examples/hello.yaml")).status, 0);
    const started = await remote("exec", "examples/hello", "--set", "name=Ada");
    assert.equal(started.status, 0, started.stderr);
    assert.match(started.stdout, /^\d+\n$/);
    for (const args of [
      ["run", "catalog://examples/hello@1", "-j"],
      ["exec", "examples/hello", "-V", "1", "--wait", "-j"],
      ["exec", "examples/hello.yaml", "-r", "distributed", "--wait", "-j"],
    ]) {
      const r = await remote(...args, "--workload", '{"name": "Bo"}');
      assert.equal(r.status, 0, `${args.join(" ")}: ${r.stderr}`);
      assert.deepEqual(JSON.parse(r.stdout).result, { message: "HELLO, BO!", chars: 10 }, args.join(" "));
    }
    const plan = await remote("exec", "catalog://examples/hello@1", "--dry-run", "-j");
    assert.equal(plan.status, 0, plan.stderr);
    assert.deepEqual([JSON.parse(plan.stdout).runtime, JSON.parse(plan.stdout).version], ["distributed", 1]);
    const missing = await remote("exec", "no/such/playbook", "--wait");
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /NOETL_E_CATALOG_NOT_FOUND/);
    const listed = (await remote("list", "executions", "-j")).stdout.trim().split("\n");
    assert.equal(listed.length, 4);
    assert.match((await remote("list", "playbooks")).stdout, /^examples\/hello {2}v1 /m);
  });

  it("-t starts a run on the server at that step (catalog path or file); a step it lacks fails", async () => {
    const file = join(home, "two-steps-remote.yaml");
    writeFileSync(file, twoSteps);
    assert.equal((await remote("catalog", "register", file)).status, 0);
    for (const args of [
      ["run", "cli/two-steps", "-t", "b", "-j"],
      ["exec", file, "-r", "distributed", "-t", "b", "--wait", "-j"],
    ]) {
      const r = await remote(...args, "--set", "m=4");
      assert.equal(r.status, 0, `${args.join(" ")}: ${r.stderr}`);
      const doc = JSON.parse(r.stdout);
      assert.deepEqual([doc.result, doc.runs], [104, { b: 1 }], args.join(" "));
    }
    const unknown = await remote("exec", "cli/two-steps", "-t", "nope", "--wait");
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /NOETL_E_STEP_NOT_FOUND.*no step 'nope'/);
  });

  it("cleanup cancels the server's executions running for longer than N minutes", async () => {
    const slow = join(home, "slow.yaml");
    writeFileSync(
      slow,
      readFileSync(join(root, "test/playbooks/slow-middle.yaml"), "utf8").replace("1500", "20000"),
    );
    const started = await remote("exec", slow, "-r", "distributed", "-j");
    assert.equal(started.status, 0, started.stderr);
    const id = JSON.parse(started.stdout).execution_id as string;
    const kept = JSON.parse((await remote("cleanup", "-j")).stdout);
    assert.deepEqual(kept.cancelled, []);
    const r = await remote("cleanup", "--older-than-minutes", "0", "-j");
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout).cancelled, [id]);
    assert.equal(JSON.parse((await remote("status", id, "--json")).stdout).status, "cancelled");
  });
});
