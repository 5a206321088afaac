/**
 * `noetl exec|run` without REF (reference §8): `./noetl.yaml`, then `./main.yaml`, of the current
 * directory runs; a first positional that is one of its steps is the start step, anything else
 * keeps meaning a REF. And a catalog entry id as REF: embedded (`-r local`, `run` by default) and
 * on a server (`exec`: auto ⇒ distributed).
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { readConfig } from "../../src/app/index.ts";
import { type MemoryStack, memoryStack } from "../support/memory-stack.ts";
import { runNoetl, runNoetlAsync } from "../support/noetl-cli.ts";

const home = mkdtempSync(join(tmpdir(), "noetl-exec-discovery-"));
const env = { ...process.env, NOETL_HOME: home, NOETL_LOG_LEVEL: "silent" };
after(() => rmSync(home, { recursive: true, force: true }));

/** `a` then `b`; `b` computes `n * FACTOR + m` from the workload (FACTOR tells the files apart). */
const playbook = (factor: number, path = "disc/two-steps") => `apiVersion: noetl.io/v2
kind: Playbook
metadata: { name: two_steps, path: ${path} }
workload: { n: 1, m: 0 }
workflow:
  - step: a
    tool: { kind: javascript, input: { n: "{{ workload.n }}" }, code: "return n + 1" }
    next: { arcs: [{ step: b }] }
  - step: b
    tool: { kind: javascript, input: { n: "{{ workload.n }}", m: "{{ workload.m }}" }, code: "return n * ${factor} + m" }
`;

/** A fresh directory under `home` to run `noetl` in. */
function project(name: string): string {
  const dir = join(home, name);
  mkdirSync(dir);
  return dir;
}

/** The JSON lines of a `-j` listing. */
const lines = (stdout: string) =>
  stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe("noetl exec|run without REF", () => {
  it("no REF and no playbook to discover: exit 2 naming ./noetl.yaml and ./main.yaml", () => {
    const dir = project("empty");
    for (const command of ["exec", "run"]) {
      const r = runNoetl([command], env, dir);
      assert.equal(r.status, 2, r.stderr);
      assert.match(
        r.stderr,
        /NOETL_E_CLI_ARGUMENT: no REF given and no \.\/noetl\.yaml or \.\/main\.yaml in /,
      );
    }
  });

  it("runs ./main.yaml, and ./noetl.yaml first when both are there (a file ⇒ local)", () => {
    const dir = project("discover");
    const db = join(dir, "n.db");
    writeFileSync(join(dir, "main.yaml"), playbook(100));
    const main = runNoetl(["exec", "-j", "--set", "m=1", "--db", db], env, dir);
    assert.equal(main.status, 0, main.stderr);
    assert.deepEqual(JSON.parse(main.stdout).result, 101);
    assert.match(main.stderr, /^playbook \.\/main\.yaml$/m);
    writeFileSync(join(dir, "noetl.yaml"), playbook(1000));
    const both = runNoetl(["run", "-j", "--set", "m=1", "--db", db], env, dir);
    assert.equal(both.status, 0, both.stderr);
    assert.deepEqual(JSON.parse(both.stdout).result, 1001);
    assert.match(both.stderr, /^playbook \.\/noetl\.yaml$/m);
    const plan = runNoetl(["exec", "--dry-run", "-j", "-t", "b"], env, dir);
    assert.equal(plan.status, 0, plan.stderr);
    assert.deepEqual(
      [JSON.parse(plan.stdout).path, JSON.parse(plan.stdout).runtime],
      ["noetl.yaml", "local"],
    );
  });

  it("a first positional that is a step of the discovered playbook is the start step; with -t: exit 2", () => {
    const dir = project("target");
    const db = join(dir, "n.db");
    writeFileSync(join(dir, "noetl.yaml"), playbook(100));
    for (const command of ["exec", "run"]) {
      const r = runNoetl([command, "b", "--set", "m=4", "-j", "--db", db], env, dir);
      assert.equal(r.status, 0, `${command}: ${r.stderr}`);
      const doc = JSON.parse(r.stdout);
      assert.deepEqual([doc.result, doc.runs], [104, { b: 1 }], command);
    }
    const targeted = runNoetl(["run", "-t", "b", "-j", "--db", db], env, dir);
    assert.equal(targeted.status, 0, targeted.stderr);
    assert.deepEqual(JSON.parse(targeted.stdout).runs, { b: 1 });
    const both = runNoetl(["run", "b", "-t", "a", "--db", db], env, dir);
    assert.equal(both.status, 2, both.stderr);
    assert.match(both.stderr, /NOETL_E_CLI_ARGUMENT: 'b' is a step of \.\/noetl\.yaml and -t names another/);
    const unknown = runNoetl(["run", "-t", "nope", "--db", db], env, dir);
    assert.equal(unknown.status, 2, unknown.stderr);
    assert.match(unknown.stderr, /NOETL_E_STEP_NOT_FOUND: noetl\.yaml has no step 'nope'/);
  });

  it("a positional that is no step of it keeps meaning a REF (catalog path, catalog://, file)", () => {
    const dir = project("refs");
    const db = join(dir, "n.db");
    writeFileSync(join(dir, "noetl.yaml"), playbook(100));
    // a catalog path named `b` (a step's name too): catalog:// says which one is meant
    writeFileSync(join(dir, "other.yaml"), playbook(10, "b"));
    assert.equal(runNoetl(["catalog", "register", "other.yaml", "--db", db], env, dir).status, 0);
    const byCatalog = runNoetl(["run", "catalog://b", "--set", "m=2", "-j", "--db", db], env, dir);
    assert.equal(byCatalog.status, 0, byCatalog.stderr);
    assert.deepEqual(
      [JSON.parse(byCatalog.stdout).result, JSON.parse(byCatalog.stdout).runs],
      [12, { a: 1, b: 1 }],
    );
    const byStep = runNoetl(["run", "b", "--set", "m=2", "-j", "--db", db], env, dir);
    assert.equal(byStep.status, 0, byStep.stderr);
    assert.deepEqual([JSON.parse(byStep.stdout).result, JSON.parse(byStep.stdout).runs], [102, { b: 1 }]);
    const file = runNoetl(["run", "other.yaml", "--set", "m=3", "-j", "--db", db], env, dir);
    assert.equal(file.status, 0, file.stderr);
    assert.equal(JSON.parse(file.stdout).result, 13);
    const missing = runNoetl(["run", "no/such/path", "--db", db], env, dir);
    assert.equal(missing.status, 1, missing.stderr);
    assert.match(
      missing.stderr,
      /NOETL_E_CATALOG_NOT_FOUND: no playbook registered at path 'no\/such\/path'/,
    );
  });
});

describe("noetl exec|run CATALOG_ID", () => {
  it("runs that entry embedded with -r local (run: by default); an unknown id fails as an unknown path", () => {
    const dir = project("by-id");
    const db = join(dir, "n.db");
    writeFileSync(join(dir, "v1.yaml"), playbook(100));
    writeFileSync(join(dir, "v2.yaml"), playbook(1000));
    const registered = lines(
      runNoetl(["catalog", "register", "v1.yaml", "v2.yaml", "--json", "--db", db], env, dir).stdout,
    );
    const [v1, v2] = registered.map((e) => e.catalog_id as string);
    assert.ok(v1 && v2 && /^\d+$/.test(v1) && v1 !== v2, JSON.stringify(registered));
    for (const [args, result] of [
      [["run", v1], 101],
      [["exec", v2, "-r", "local"], 1001],
      [["exec", v1, "-r", "local", "-t", "b"], 101],
    ] as const) {
      const r = runNoetl([...args, "--set", "m=1", "-j", "--db", db], env, dir);
      assert.equal(r.status, 0, `${args.join(" ")}: ${r.stderr}`);
      assert.equal(JSON.parse(r.stdout).result, result, args.join(" "));
    }
    const plan = runNoetl(["exec", v1, "-r", "local", "--dry-run", "-j", "--db", db], env, dir);
    assert.equal(plan.status, 0, plan.stderr);
    const p = JSON.parse(plan.stdout);
    assert.deepEqual([p.path, p.version, p.runtime], ["disc/two-steps", 1, "local"]);
    const unknown = runNoetl(["run", "99999", "--db", db], env, dir);
    assert.equal(unknown.status, 1, unknown.stderr);
    assert.match(unknown.stderr, /NOETL_E_CATALOG_NOT_FOUND: no catalog entry 99999/);
    const versioned = runNoetl(["exec", v1, "-V", "1", "--db", db], env, dir);
    assert.equal(versioned.status, 2, versioned.stderr);
    assert.match(versioned.stderr, /NOETL_E_CLI_ARGUMENT: .*catalog id \d+ names one/);
  });
});

describe("noetl exec CATALOG_ID against a server", () => {
  const config = readConfig({ NOETL_LOG_LEVEL: "silent" }, { home, secretKey: "cli-test" });
  let stack: MemoryStack;
  before(async () => {
    stack = await memoryStack(config, 2);
  });
  after(() => stack.close());
  const remote = (...args: string[]) => runNoetlAsync([...args, "--server", stack.server.url], env);

  it("runs on the server (auto ⇒ distributed); --dry-run reads it; an unknown id fails", async () => {
    const file = join(home, "remote.yaml");
    writeFileSync(file, playbook(100, "disc/remote"));
    const registered = await remote("catalog", "register", file, "--json");
    assert.equal(registered.status, 0, registered.stderr);
    const id = JSON.parse(registered.stdout).catalog_id as string;
    assert.match(id, /^\d+$/);
    const started = await remote("exec", id, "--set", "m=1");
    assert.equal(started.status, 0, started.stderr);
    assert.match(started.stdout, /^\d+\n$/);
    for (const args of [
      ["exec", id, "--wait", "-j"],
      ["run", id, "-t", "b", "-j"],
    ]) {
      const r = await remote(...args, "--set", "m=2");
      assert.equal(r.status, 0, `${args.join(" ")}: ${r.stderr}`);
      assert.equal(JSON.parse(r.stdout).result, 102, args.join(" "));
    }
    const plan = await remote("exec", id, "--dry-run", "-j");
    assert.equal(plan.status, 0, plan.stderr);
    const p = JSON.parse(plan.stdout);
    assert.deepEqual([p.path, p.version, p.runtime], ["disc/remote", 1, "distributed"]);
    const unknown = await remote("exec", "99999", "--wait");
    assert.equal(unknown.status, 1, unknown.stderr);
    assert.match(unknown.stderr, /NOETL_E_CATALOG_NOT_FOUND: no catalog entry 99999/);
    const unknownPlan = await remote("exec", "99999", "--dry-run");
    assert.equal(unknownPlan.status, 2, unknownPlan.stderr);
    assert.match(unknownPlan.stderr, /NOETL_E_CATALOG_NOT_FOUND: no catalog entry 99999/);
  });
});
