/** Parser and validator: one test per rule and per legacy shape, a fuzz test, schema vs examples. */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import fc from "fast-check";
import { stringify } from "yaml";
import { type Diagnostic, loadPlaybook, migratePlaybook, parsePlaybook } from "./index.ts";
import { playbookSchema } from "./schema.ts";

const HEAD = "apiVersion: noetl.io/v2\nkind: Playbook\nmetadata: {name: t}\n";

function codes(text: string, lenient = false): string[] {
  return parsePlaybook(text, { file: "t.yaml", lenient }).diagnostics.map((d) => d.code);
}
function errors(text: string): Diagnostic[] {
  return parsePlaybook(text, { file: "t.yaml" }).diagnostics.filter((d) => d.severity === "error");
}

describe("dsl: documents", () => {
  it("accepts a minimal canonical playbook and defaults the entry step", () => {
    const p = loadPlaybook(`${HEAD}workflow:\n  - step: a\n  - step: b\n`);
    assert.equal(p.executor.entry_step, "a");
    assert.equal(p.workflow[0]?.tasks[0]?.kind, "noop");
  });

  it("accepts noetl.io/v10 as an alias and rejects other apiVersions", () => {
    assert.deepEqual(codes(HEAD.replace("v2", "v10") + "workflow: [{step: a}]"), []);
    assert.ok(codes(HEAD.replace("v2", "v1") + "workflow: [{step: a}]").includes("NOETL_E_DSL_API_VERSION"));
  });

  it("rejects a wrong kind, missing metadata.name and an empty workflow", () => {
    assert.ok(
      codes("apiVersion: noetl.io/v2\nkind: Job\nmetadata: {name: t}\nworkflow: [{step: a}]").includes(
        "NOETL_E_DSL_KIND",
      ),
    );
    assert.ok(
      codes("apiVersion: noetl.io/v2\nkind: Playbook\nmetadata: {}\nworkflow: [{step: a}]").includes(
        "NOETL_E_DSL_METADATA",
      ),
    );
    assert.ok(codes(`${HEAD}workflow: []`).includes("NOETL_E_DSL_WORKFLOW"));
  });

  it("unknown root keys are errors, warnings with --lenient; root vars is rejected with a hint", () => {
    assert.ok(codes(`${HEAD}extra: 1\nworkflow: [{step: a}]`).includes("NOETL_E_DSL_UNKNOWN_KEY"));
    assert.deepEqual(codes(`${HEAD}extra: 1\nworkflow: [{step: a}]`, true), ["NOETL_W_DSL_UNKNOWN_KEY"]);
    const e = errors(`${HEAD}vars: {a: 1}\nworkflow: [{step: a}]`);
    assert.equal(e[0]?.code, "NOETL_E_DSL_ROOT_VARS");
    assert.match(e[0]?.message ?? "", /workload/);
  });

  it("reports every problem at once, each with file:line:column", () => {
    const text = `${HEAD}workflow:\n  - step: a\n    next: {arcs: [{step: nowhere}]}\n  - step: a\n  - step: ctx\n`;
    const e = errors(text);
    assert.deepEqual(e.map((d) => d.code).sort(), [
      "NOETL_E_DSL_ARC_TARGET",
      "NOETL_E_DSL_STEP_NAME",
      "NOETL_E_DSL_STEP_NAME",
    ]);
    const target = e.find((d) => d.code === "NOETL_E_DSL_ARC_TARGET");
    assert.deepEqual(target?.position, { file: "t.yaml", line: 6, column: 26 });
  });

  it("YAML 1.1 booleans like PyYAML (yes/no/on/off) but not y/n", () => {
    const p = loadPlaybook(`${HEAD}workload: {a: yes, b: off, c: n, d: y}\nworkflow: [{step: s}]`);
    assert.deepEqual(p.workload, { a: true, b: false, c: "n", d: "y" });
  });

  it("YAML 1.1 floats like PyYAML: e2 and 1e3 are strings, 1.0e+3 and 1:30.5 numbers", () => {
    // each expectation is python3 -c "import yaml; print(yaml.safe_load(...))"
    const p = loadPlaybook(
      `${HEAD}workload: {a: e2, b: 1e3, c: 1.0e3, d: 1.0e+3, e: .5, f: -.5, g: 1:30.5, h: 1_000.5, i: .e1, e1: x}\nworkflow: [{step: s}]`,
    );
    assert.deepEqual(p.workload, {
      a: "e2",
      b: "1e3",
      c: "1.0e3",
      d: 1000,
      e: 0.5,
      f: "-.5",
      g: 90.5,
      h: 1000.5,
      i: ".e1",
      e1: "x",
    });
  });

  it("bad input never throws: not YAML, binary-ish, not a map, deep nesting, huge", () => {
    for (const text of [
      "{{{",
      "\u0000\u0001",
      "- 1\n- 2",
      "[".repeat(500) + "]".repeat(500),
      "",
      "x: " + "a".repeat(6_000_000),
    ]) {
      const r = parsePlaybook(text);
      assert.equal(r.playbook, undefined);
      assert.ok(r.diagnostics.length > 0);
    }
  });
});

describe("dsl: validation rules", () => {
  it("entry_step, final_step and on_error must exist", () => {
    const c = codes(
      `${HEAD}executor: {spec: {entry_step: x, final_step: y, on_error: z}}\nworkflow: [{step: a}]`,
    );
    assert.equal(c.filter((x) => x === "NOETL_E_DSL_ARC_TARGET").length, 3);
  });

  it("task labels are unique per step; jump targets must be labels of the step", () => {
    const dup = `${HEAD}workflow:\n  - step: a\n    tool: [{name: t, kind: noop}, {name: t, kind: noop}]\n`;
    assert.ok(codes(dup).includes("NOETL_E_DSL_TASK_LABEL"));
    const jump = `${HEAD}workflow:\n  - step: a\n    tool:\n      - name: t\n        kind: noop\n        spec: {policy: {rules: [{when: "{{ true }}", then: {do: jump, to: missing}}]}}\n`;
    assert.ok(codes(jump).includes("NOETL_E_DSL_JUMP_TARGET"));
  });

  it("templates must parse", () => {
    assert.ok(
      codes(`${HEAD}workflow:\n  - step: a\n    input: {x: "{{ a + }}"}\n`).includes("NOETL_E_DSL_TEMPLATE"),
    );
    assert.ok(
      codes(`${HEAD}workflow:\n  - step: a\n    next: {arcs: [{step: a, when: "{% if %}"}]}\n`).includes(
        "NOETL_E_DSL_TEMPLATE",
      ),
    );
  });

  it("per-kind tool config: http needs url, postgres needs SQL, python needs code", () => {
    for (const tool of [
      "{kind: http}",
      "{kind: postgres, auth: pg}",
      "{kind: python}",
      "{kind: shell}",
      "{kind: playbook}",
    ]) {
      assert.ok(
        codes(`${HEAD}workflow:\n  - step: a\n    tool: ${tool}\n`).includes("NOETL_E_DSL_TOOL_CONFIG"),
        tool,
      );
    }
    assert.deepEqual(codes(`${HEAD}workflow:\n  - step: a\n    tool: {kind: http, url: "http://x"}\n`), []);
  });

  it("secrets needs the secret's name and only knows the env provider", () => {
    const at = (tool: string) => codes(`${HEAD}workflow:\n  - step: a\n    tool: ${tool}\n`);
    assert.ok(at("{kind: secrets}").includes("NOETL_E_DSL_TOOL_CONFIG"));
    assert.ok(at("[{kind: secrets, provider: env}]").includes("NOETL_E_DSL_TOOL_CONFIG"));
    assert.ok(at("{kind: secrets, name: X, provider: vault}").includes("NOETL_E_DSL_TOOL_CONFIG"));
    for (const tool of [
      "{kind: secrets, name: API_TOKEN}",
      "{kind: secrets, name: API_TOKEN, provider: env}",
      "[{name: t, kind: secrets, secret: API_TOKEN, provider: '{{ workload.p }}'}]",
    ]) {
      assert.deepEqual(at(tool), [], tool);
    }
    const p = loadPlaybook(`${HEAD}workflow:\n  - step: a\n    tool: {kind: secrets, name: API_TOKEN}\n`);
    assert.equal(p.workflow[0]?.tasks[0]?.config.name, "API_TOKEN");
  });

  it("per-kind tool config accepts the aliases the tools read (reference §5)", () => {
    for (const tool of [
      "{kind: postgres, auth: pg, queries: ['select 1']}",
      "{kind: postgres, auth: pg, cmds: 'select 1'}",
      "{kind: postgres, auth: pg, command_b64: c2VsZWN0IDE=}",
      "{kind: duckdb, query_b64: c2VsZWN0IDE=}",
      "{kind: duckdb, commands_b64: [c2VsZWN0IDE=]}",
      "{kind: python, code_b64: cmVzdWx0ID0gMQ==}",
      "{kind: python, code_base64: cmVzdWx0ID0gMQ==}",
      "{kind: http, url: 'http://x', timeout: {connect: 1, read: 5}}",
    ]) {
      assert.deepEqual(codes(`${HEAD}workflow:\n  - step: a\n    tool: ${tool}\n`), [], tool);
    }
  });

  it("policy rules: do must be known; attempts positive", () => {
    const bad = `${HEAD}workflow:\n  - step: a\n    tool:\n      kind: noop\n      spec: {policy: {rules: [{when: "{{ 1 }}", then: {do: explode}}, {else: {then: {do: retry, attempts: 0}}}]}}\n`;
    assert.equal(codes(bad).filter((c) => c === "NOETL_E_DSL_POLICY").length, 2);
  });

  it("loops need in and a variable-name iterator and a known mode", () => {
    assert.ok(codes(`${HEAD}workflow:\n  - step: a\n    loop: {iterator: x}\n`).includes("NOETL_E_DSL_LOOP"));
    assert.ok(
      codes(`${HEAD}workflow:\n  - step: a\n    loop: {in: [1], iterator: "1x"}\n`).includes(
        "NOETL_E_DSL_LOOP",
      ),
    );
    assert.ok(
      codes(
        `${HEAD}workflow:\n  - step: a\n    loop: {in: [1], iterator: x, spec: {mode: turbo}}\n`,
      ).includes("NOETL_E_DSL_LOOP"),
    );
  });

  it("unreachable steps are a warning", () => {
    assert.deepEqual(
      codes(`${HEAD}workflow:\n  - step: a\n    next: {arcs: [{step: a}]}\n  - step: lonely\n`),
      ["NOETL_W_DSL_UNREACHABLE"],
    );
  });

  it("workbook calls must name an entry; keychain kinds are checked", () => {
    assert.ok(
      codes(`${HEAD}workflow:\n  - step: a\n    tool: {kind: workbook, task: nope}\n`).includes(
        "NOETL_E_DSL_WORKBOOK",
      ),
    );
    assert.ok(
      codes(`${HEAD}keychain: [{name: k, kind: secret_manager}]\nworkflow: [{step: a}]`).includes(
        "NOETL_E_DSL_KEYCHAIN",
      ),
    );
  });
});

describe("dsl: legacy shapes become canonical with a warning", () => {
  const legacy = (step: string) => loadPlaybook(`${HEAD}workflow:\n${step}\n  - step: b\n  - step: c\n`);

  it("step type:/with:/code → tool {kind} + input", () => {
    const p = legacy("  - step: a\n    type: python\n    with: {x: 1}\n    code: 'result = x'\n    next: b");
    const a = p.workflow[0];
    assert.equal(a?.tasks[0]?.kind, "python");
    assert.equal(a?.tasks[0]?.config.code, "result = x");
    assert.deepEqual(a?.input, { x: 1 });
    assert.deepEqual(
      a?.next?.arcs.map((x) => x.step),
      ["b"],
    );
  });

  it("call: {type, with} and scalar tool", () => {
    const p = legacy("  - step: a\n    call: {type: http, endpoint: 'http://x', with: {q: 1}}");
    assert.equal(p.workflow[0]?.tasks[0]?.kind, "http");
    assert.equal(p.workflow[0]?.tasks[0]?.config.url, "http://x");
    assert.deepEqual(p.workflow[0]?.tasks[0]?.config.input, { q: 1 });
  });

  it("design-notes next: [{when, then: [{step, with}]}, {else: [...]}] → exclusive arcs with input", () => {
    const p = legacy(
      "  - step: a\n    next:\n      - when: '{{ x }}'\n        then: [{step: b, with: {m: 1}}]\n      - else: [{step: c}]",
    );
    const next = p.workflow[0]?.next;
    assert.equal(next?.mode, "exclusive");
    assert.deepEqual(
      next?.arcs.map((a) => [a.step, a.when, a.input]),
      [
        ["b", "{{ x }}", { m: 1 }],
        ["c", "{{ true }}", {}],
      ],
    );
  });

  it("next as a list of names, spec.next_mode, step when: → admission", () => {
    const p = legacy("  - step: a\n    spec: {next_mode: inclusive}\n    when: '{{ go }}'\n    next: [b, c]");
    assert.equal(p.workflow[0]?.next?.mode, "inclusive");
    assert.deepEqual(p.workflow[0]?.admit.length, 2);
  });

  it("pipeline sugar - label: {kind}, query→command, credential→auth, tool.spec fields lifted, else shorthand", () => {
    const p = legacy(
      "  - step: a\n    tool:\n      - fetch: {kind: postgres, query: 'select 1', credential: pg}\n      - name: h\n        kind: http\n        spec: {url: 'http://x', policy: {rules: [{else: {do: continue}}]}}",
    );
    const [fetch, h] = p.workflow[0]?.tasks ?? [];
    assert.equal(fetch?.name, "fetch");
    assert.equal(fetch?.config.command, "select 1");
    assert.equal(fetch?.config.auth, "pg");
    assert.equal(h?.config.url, "http://x");
    assert.equal(h?.policy.rules[0]?.then.do, "continue");
  });

  it("every legacy use is reported with its line", () => {
    const r = parsePlaybook(`${HEAD}workflow:\n  - step: a\n    type: python\n    code: 'x=1'\n`, {
      file: "t.yaml",
    });
    const w = r.diagnostics.find((d) => d.code === "NOETL_W_DSL_LEGACY");
    assert.equal(w?.position?.line, 6);
  });

  it("migrate prints a canonical document that parses without warnings to the same model", () => {
    const text = `${HEAD}workflow:\n  - step: a\n    type: python\n    with: {x: 1}\n    code: 'result = x'\n    next:\n      - when: '{{ x }}'\n        then: [{step: b, with: {m: 1}}]\n      - else: [{step: c}]\n  - step: b\n  - step: c\n`;
    const p = loadPlaybook(text);
    const migrated = migratePlaybook(p);
    const again = parsePlaybook(migrated);
    assert.deepEqual(again.diagnostics, []);
    const strip = (x: unknown) =>
      JSON.parse(JSON.stringify(x, (k, v) => (k === "pos" || k === "source" ? undefined : v)));
    assert.deepEqual(strip(again.playbook), strip(p));
  });
});

describe("dsl: robustness and schema", () => {
  it("random documents never crash the parser", () => {
    const json = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: "small" },
        fc.string(),
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie("value"), { maxLength: 4 }),
        fc.dictionary(
          fc.constantFrom("step", "tool", "next", "kind", "loop", "arcs", "when", "in", "set", "spec", "x"),
          tie("value"),
          { maxKeys: 4 },
        ),
      ),
    })).value;
    fc.assert(
      fc.property(json, (workflow) => {
        const doc = stringify({
          apiVersion: "noetl.io/v2",
          kind: "Playbook",
          metadata: { name: "f" },
          workflow,
        });
        const r = parsePlaybook(doc);
        assert.ok(r.playbook !== undefined || r.diagnostics.some((d) => d.severity === "error"));
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.string(), (s) => Array.isArray(parsePlaybook(s).diagnostics)),
      { numRuns: 300 },
    );
  });

  it("the JSON Schema's source accepts every example playbook", () => {
    const dir = new URL("../../examples/", import.meta.url);
    const files = readdirSync(dir).filter((f) => f.endsWith(".yaml"));
    assert.ok(files.length >= 12);
    for (const f of files) {
      const text = readFileSync(new URL(f, dir), "utf8");
      const r = parsePlaybook(text, { file: f });
      assert.ok(r.playbook, `${f}: ${JSON.stringify(r.diagnostics)}`);
      if (f.startsWith("legacy")) continue; // legacy shapes are accepted by the validator, not the editor schema
      const doc = (r.playbook && JSON.parse(JSON.stringify(parseYaml(text)))) as unknown;
      const checked = playbookSchema.safeParse(doc);
      assert.ok(checked.success, `${f}: ${checked.success ? "" : JSON.stringify(checked.error.issues)}`);
    }
  });
});

function parseYaml(text: string): unknown {
  // The examples are plain YAML; parse through the DSL loader so booleans match PyYAML.
  return JSON.parse(JSON.stringify(loadYamlValue(text)));
}

import { loadYaml } from "./source-map.ts";

function loadYamlValue(text: string): unknown {
  return loadYaml(text).value;
}
