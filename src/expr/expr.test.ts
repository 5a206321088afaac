import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  checkSyntax,
  compile,
  evaluateCondition,
  layered,
  PyDateTime,
  referencedNames,
  renderValue,
  TemplateError,
} from "./index.ts";
import { LIMITS } from "./limits.ts";
import { PyFloat, unboxFloats } from "./py-float.ts";

const ctx = { workload: { items: [1, 2], n: 3 }, ctx: { x: 1 }, fetch: { data: { rows: [] } } };

describe("native values (DECISIONS 28)", () => {
  test("a single expression yields its native value", () => {
    assert.deepEqual(compile("{{ workload.items }}").render(ctx), [1, 2]);
    assert.equal(compile(" {{ workload.n > 2 }} ").render(ctx), true);
    assert.equal(compile("{{ none }}").render(ctx), null);
    assert.equal(compile("{{ missing }}").render(ctx), undefined);
  });
  test("anything else yields a string", () => {
    assert.equal(compile("n={{ workload.n }}").render(ctx), "n=3");
    assert.equal(compile("{{ 1 }}{{ 2 }}").render(ctx), "12");
  });
  test("renderValue is recursive and renders keys", () => {
    assert.deepEqual(renderValue({ "{{ 'k' ~ workload.n }}": ["{{ ctx.x }}", 5, true] }, ctx), {
      k3: [1, 5, true],
    });
  });
});

describe("strict rendering", () => {
  const undefinedError = (name: string) => (e: unknown) =>
    e instanceof TemplateError && e.code === "NOETL_E_TEMPLATE_UNDEFINED" && e.missing === name;
  test("an undefined value printed or yielded is an error; defined values render as usual", () => {
    const strict = { strict: true };
    assert.throws(() => compile("{{ missing }}").render(ctx, strict), undefinedError("missing"));
    assert.throws(() => compile("n={{ missing }}").render(ctx, strict), undefinedError("missing"));
    assert.throws(
      () => compile("{% if true %}{{ nope }}{% endif %}").renderText(ctx, strict),
      undefinedError("nope"),
    );
    assert.throws(() => compile("{{ workload.nope }}").render(ctx, strict), TemplateError);
    assert.equal(compile("n={{ workload.n }}").render(ctx, strict), "n=3");
    assert.equal(compile("{{ missing | default('d') }}").render(ctx, strict), "d");
    assert.equal(compile("{{ missing is defined }}").render(ctx, strict), false);
    assert.equal(compile("{% if missing is defined %}x{% endif %}-").render(ctx, strict), "-");
    assert.throws(
      () => renderValue({ a: ["{{ ctx.x }}", "{{ gone }}"] }, ctx, strict),
      undefinedError("gone"),
    );
    assert.deepEqual(renderValue({ a: ["{{ ctx.x }}"] }, ctx, strict), { a: [1] });
    // not strict: empty, as Jinja2's default Undefined
    assert.equal(compile("n={{ missing }}").render(ctx), "n=");
  });

  test("any other use of an undefined value is an error too (Jinja2's StrictUndefined)", () => {
    const strict = { strict: true };
    for (const source of [
      "{% if missing %}x{% endif %}-",
      "{{ 'y' if not missing else 'n' }}",
      "{{ missing or 'fallback' }}",
      "{% for x in missing %}{{ x }}{% endfor %}-",
      "{{ missing == 1 }}",
      "{{ missing ~ '!' }}",
      "{{ missing | upper }}",
      "{{ missing | length }}",
      "{% set y = missing %}{{ y is defined }}{{ y }}",
      "{% macro m() %}{{ missing }}{% endmacro %}[{{ m() }}]",
    ]) {
      assert.throws(() => compile(source).renderText(ctx, strict), undefinedError("missing"), source);
      // not strict: unchanged, as Jinja2's default Undefined
      assert.doesNotThrow(() => compile(source).renderText(ctx), source);
    }
    assert.throws(
      () => compile("{{ workload.nope > 1 }}").render(ctx, strict),
      undefinedError("workload.nope"),
    );
    // what StrictUndefined allows: the tests, default, and an else-less inline if
    assert.equal(
      compile(
        "{{ missing is undefined }}{{ missing | d('d') }}{{ missing is defined and missing }}",
      ).renderText(ctx, strict),
      "TruedFalse",
    );
    assert.equal(compile("[{{ 'a' if false }}]").renderText(ctx, strict), "[]");
    // a later lenient render is lenient again
    assert.equal(compile("{% if missing %}x{% endif %}-").renderText(ctx), "-");
  });
});

describe("whole-number floats at the native boundary", () => {
  test("a native result holds plain numbers: 5.0 comes out as 5, nested ones too", () => {
    const five = compile("{{ 10 / 2 }}").render(ctx);
    assert.equal(typeof five, "number");
    assert.equal(five, 5);
    assert.deepEqual(compile("{{ [1.0, {'a': -2.0, 'b': (3.0, 4)}] }}").render(ctx), [
      1,
      { a: -2, b: [3, 4] },
    ]);
    assert.deepEqual(compile("{{ namespace(x=2.0) }}").render(ctx), { x: 2 });
    assert.deepEqual(renderValue({ v: "{{ workload.n * 1.0 }}", t: "{{ workload.n * 1.0 }}!" }, ctx), {
      v: 3,
      t: "3.0!",
    });
    const json = JSON.stringify(compile("{{ {'n': 1.0, 'l': [workload.n / 1]} }}").render(ctx));
    assert.equal(json, '{"n":1,"l":[3]}');
  });
  test("a literal float is unboxed on every render, not only the first", () => {
    const t = compile("{{ [2.0] }}");
    assert.deepEqual(t.render(ctx), [2]);
    assert.deepEqual(t.render(ctx), [2]);
  });
  test("values from outside stay as they are (JSON 2.0 is 2 and prints 2)", () => {
    const items = compile("{{ workload.items }}").render(ctx);
    assert.equal(items, ctx.workload.items);
    assert.equal(compile("{{ x }}").renderText({ x: 2.0 }), "2");
    assert.equal(compile("{{ x }}").renderText({ x: 2.5 }), "2.5");
  });
  test("a list holding itself and a `__proto__` key are unboxed safely", () => {
    const l: unknown[] = [new PyFloat(1)];
    l.push(l);
    const out = unboxFloats(l) as unknown[];
    assert.equal(out[0], 1);
    assert.equal(out[1], out);
    const d = compile("{{ {'__proto__': 2.0} }}").render(ctx) as Record<string, unknown>;
    assert.ok(Object.hasOwn(d, "__proto__"));
    assert.equal(Object.getPrototypeOf(d), Object.prototype);
    assert.equal(Object.getOwnPropertyDescriptor(d, "__proto__")?.value, 2);
  });
  test("conditions read a float's truth", () => {
    assert.equal(evaluateCondition("{{ 0.0 }}", ctx), false);
    assert.equal(evaluateCondition("{{ workload.n / 3 }}", ctx), true);
    assert.equal(evaluateCondition("{{ -0.0 or 1.0 }}", ctx), true);
  });
});

describe("conditions", () => {
  test("booleans, text results and bare expressions", () => {
    assert.equal(evaluateCondition(true, ctx), true);
    assert.equal(evaluateCondition("{{ 'false' }}", ctx), false);
    assert.equal(evaluateCondition("{{ 'No' }}", ctx), false);
    assert.equal(evaluateCondition("{{ [] }}", ctx), false);
    assert.equal(evaluateCondition("workload.n == 3", ctx), true);
    assert.equal(evaluateCondition(undefined, ctx), true);
  });
  test("an error in a condition raises (never a silent false)", () => {
    assert.throws(() => evaluateCondition("{{ missing.attr }}", ctx), TemplateError);
  });
});

describe("errors", () => {
  test("undefined attribute names the missing variable and position", () => {
    try {
      compile("a {{ nope.field }}").render(ctx);
      assert.fail("expected an error");
    } catch (e) {
      assert.ok(e instanceof TemplateError);
      assert.equal(e.code, "NOETL_E_TEMPLATE_UNDEFINED");
      assert.equal(e.missing, "nope");
      assert.equal(e.position?.column, 6);
      assert.match(e.describe(), /nope\.field/);
    }
  });
  test("syntax errors carry line and column", () => {
    const err = checkSyntax("line1\n{{ a + }}");
    assert.equal(err?.code, "NOETL_E_TEMPLATE_SYNTAX");
    assert.equal(err?.position?.line, 2);
    assert.equal(checkSyntax("{{ a }}"), undefined);
  });
});

describe("safety", () => {
  test("no prototype, constructor or JS global is reachable", () => {
    assert.equal(compile("{{ ctx.constructor }}").render(ctx), undefined);
    assert.equal(compile("{{ ctx.__proto__ }}").render(ctx), undefined);
    assert.equal(compile("{{ ''.constructor }}").render(ctx), undefined);
    assert.equal(compile("{{ process }}").render(ctx), undefined);
    assert.equal(compile("{{ globalThis }}").render(ctx), undefined);
    assert.throws(
      () => compile("{{ ctx.constructor.constructor('return process')() }}").render(ctx),
      TemplateError,
    );
  });
  test("runaway templates stop with a limit error", () => {
    assert.throws(() => compile("{{ range(100000000) | list }}").render(ctx), /exceeds/);
    assert.throws(() => compile("{{ 'x' * 100000000 }}").render(ctx), /too large/);
    const deep = `{{ ${"(".repeat(5000)}1${")".repeat(5000)} }}`;
    assert.throws(() => compile(deep).render(ctx), TemplateError);
  });
});

describe("namespace, macros and mutation", () => {
  test("a namespace renders natively as its attributes", () => {
    assert.deepEqual(compile("{{ namespace(a=1, b=[2]) }}").render({}), { a: 1, b: [2] });
  });
  test("a namespace attribute named __proto__ is plain data", () => {
    assert.equal(
      compile("{% set ns = namespace() %}{% set ns.__proto__ = 1 %}{{ ns.__proto__ }}").render({}),
      "1",
    );
  });
  test("list growth and macro calls are bounded", () => {
    assert.throws(
      () =>
        compile("{% set l = [1] %}{% for i in range(40) %}{% set _ = l.extend(l) %}{% endfor %}").render({}),
      /more than/,
    );
    const fork = "{% macro m(n) %}{{ m(n - 1) ~ m(n - 1) if n > 0 }}{% endmacro %}{{ m(40) }}";
    const steps = LIMITS.maxLoopSteps;
    LIMITS.maxLoopSteps = 10_000;
    try {
      assert.throws(() => compile(fork).render({}), /too many macro calls/);
    } finally {
      LIMITS.maxLoopSteps = steps;
    }
  });
  test("mutating methods change the template's own values in place and return None", () => {
    assert.equal(
      compile(
        "{% set xs = [1] %}{% set d = dict(a=1) %}{{ xs.append(2) }}{{ d.update(b=2) }}{{ xs }} {{ d }}",
      ).render({}),
      "NoneNone[1, 2] {'a': 1, 'b': 2}",
    );
    assert.equal(
      compile("{% set xs = rows | list %}{% set _ = xs.append(2) %}{{ xs }}").render({ rows: [1] }),
      "[1, 2]",
    );
  });

  test("mutating methods refuse the engine's values (workload, ctx, results), which stay unchanged", () => {
    const data = { rows: [1], m: { a: 1 } };
    for (const t of [
      "{{ rows.append(2) }}",
      "{{ rows.pop() }}",
      "{{ m.update(b=2) }}",
      "{{ m.setdefault('b', 2) }}",
    ]) {
      assert.throws(() => compile(t).render(data), /cannot change a value the template did not make/, t);
    }
    assert.deepEqual(data, { rows: [1], m: { a: 1 } });
  });
});

describe("now()", () => {
  test("a datetime as Python prints and formats it (checked with python3's datetime)", () => {
    const t = new PyDateTime(Date.UTC(2026, 11, 7, 17, 5, 9, 123));
    const fmt = "%a %A %d %b %B %Y %y %H %I:%M:%S.%f %p %j %w %z %Z %%";
    assert.equal(
      compile(
        `{{ t.strftime('${fmt}') }}|{{ t }}|{{ t.isoformat() }}|{{ t.year }}-{{ t.month }}-{{ t.day }}`,
      ).render({ t }),
      "Mon Monday 07 Dec December 2026 26 17 05:05:09.123000 PM 341 1 +0000 UTC %|2026-12-07 17:05:09.123000+00:00|2026-12-07T17:05:09.123000+00:00|2026-12-7",
    );
    assert.equal(compile("{{ t }}").render({ t }), "2026-12-07T17:05:09.123000+00:00", "a native value: ISO");
    assert.throws(() => compile("{{ now() }}").render({}), /now\(\) is not available here/);
    const whole = new PyDateTime(Date.UTC(2026, 11, 7, 17, 5, 9));
    assert.equal(
      compile("{{ t.timestamp() }}|{{ u.timestamp() }}").render({ t, u: whole }),
      "1796663109.123|1796663109.0",
    );
    assert.equal(
      compile("{{ u.timestamp() }}").render({ u: whole }),
      1796663109,
      "a native value: a plain number",
    );
  });
});

describe("scopes and names", () => {
  test("layered scopes resolve first-wins without copying", () => {
    const s = layered({ a: 1 }, { a: 2, b: 3 });
    assert.equal(compile("{{ a + b }}").render(s), 4);
  });
  test("free names of templates", () => {
    assert.deepEqual(
      [
        ...referencedNames({
          q: "{{ fetch.data | default(ctx.y) }}",
          l: ["{% for i in items %}{{ i }}{% endfor %}"],
        }),
      ].sort(),
      ["ctx", "fetch", "items"],
    );
  });
  test("free names of namespace sets, macros, filter and block sets", () => {
    assert.deepEqual(
      [
        ...referencedNames([
          "{% set ns.c = ns.c + a %}",
          "{% macro m(p, q=p) %}{{ p ~ q ~ b ~ varargs }}{% endmacro %}{{ m(1) }}",
          "{% filter replace(c, 'x') %}{{ d }}{% endfilter %}",
          "{% set y | default(e) %}{{ f }}{% endset %}{{ y }}",
        ]),
      ].sort(),
      ["a", "b", "c", "d", "e", "f", "ns"],
    );
  });
  test("compiled templates are cached by source", () => {
    assert.equal(compile("{{ a }}"), compile("{{ a }}"));
  });
});
