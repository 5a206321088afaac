/**
 * Live differential suite: each case is rendered by the machine's python3 Jinja2 (one process
 * for all cases) and by our engine; the texts must match, or both must fail. Skipped when python3
 * has no Jinja2. Same comparison rule as jinja-differential.test.ts. Each case gets a fresh copy of the context (some cases mutate it).
 * STRICT_CASES are rendered with `{strict: true}` here and with `undefined=StrictUndefined` there.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { compile } from "./index.ts";

const CONTEXT = {
  n: 5,
  f: 2.5,
  s: "Hello World",
  items: [3, 1, 2],
  words: ["b", "a", "C"],
  d: { b: 2, a: 1 },
  users: [
    { name: "ann", age: 31, role: "admin" },
    { name: "bob", age: 25, role: "user" },
    { name: "cid", age: 40, role: "user" },
  ],
  html: "<a href='x'>\"&\"</a>",
  text: "one\ntwo\n\nthree",
  long: "The quick brown fox jumps over the lazy dog",
  none: null,
};

const CASES = [
  // 1. format filter and %-formatting
  "{{ '%s-%s' | format('x', 'y') }}",
  "{{ 'page_%03d.json' | format(7) }}",
  "{{ '%d|%i|%f|%.2f|%05d|%x|%X|%o|%r|%%' | format(42, 7.9, 1.5, 3.14159, 42, 255, 255, 8, 'q') }}",
  "{{ '%(a)s and %(b)05.1f' | format(a=1, b=2.25) }}",
  "{{ '%s' | format(items) }}",
  "{{ '%s' | format(d) }}",
  "{{ '%-5s|%5s|%+d|% d|%#x|%#o' | format('ab', 'cd', 3, 4, 255, 8) }}",
  "{{ '%.3s|%5.1f|%-6d|%e' | format('abcdef', 2.25, 12, 12345.678) }}",
  "{{ '%s %s' | format('only') }}",
  "{{ '%s' | format('a', 'b') }}",
  "{{ '%d' | format('x') }}",
  "{{ '%s and %r' % ('a', 'b') }}",
  "{{ '%(n)s items' % {'n': 3} }}",
  "{{ '%d%%' % 50 }}",
  "{{ '%5.2f%%' % 12.345 }}",
  "{{ '%c%c' % (72, 'i') }}",
  "{{ '%s' % none }}",
  "{{ 'no args' % () }}",
  "{{ '%s' % [1, 2] }}",
  "{{ '%d' % -3.7 }}",
  "{{ '%x' % -255 }}",
  "{{ '%s' | format(none) }}",
  "{{ '%.0f|%.1f' % (2.5, 0.25) }}",
  // 7. namespace
  "{% set ns = namespace(c=0) %}{% for x in items %}{% set ns.c = ns.c + x %}{% endfor %}{{ ns.c }}",
  "{% set ns = namespace(found=false, first=none) %}{% for u in users %}{% if u.age > 30 and not ns.found %}{% set ns.found = true %}{% set ns.first = u.name %}{% endif %}{% endfor %}{{ ns.found }} {{ ns.first }}",
  "{% set ns = namespace(d, z=9) %}{{ ns.a }}{{ ns.b }}{{ ns.z }}",
  "{% set ns = namespace() %}{% set ns.x = 1 %}{{ ns.x }} {{ ns.y is defined }}",
  "{% set ns = namespace(items=[]) %}{% for u in users %}{% set ns.items = ns.items + [u.name] %}{% endfor %}{{ ns.items | join(',') }}",
  "{% set x = 1 %}{% set x.y = 2 %}",
  // 8. mutating methods
  "{% set acc = [] %}{% for x in items %}{% set _ = acc.append(x * 2) %}{% endfor %}{{ acc }}",
  "{% set acc = [] %}{{ acc.append(1) }}{{ acc }}",
  "{% set l = [1] %}{% set _ = l.extend([2, 3]) %}{{ l }}",
  "{% set m = {} %}{% for u in users %}{% set _ = m.update({u.name: u.age}) %}{% endfor %}{{ m }}",
  "{% set m = {'a': 1} %}{% set _ = m.update(b=2) %}{{ m }}",
  "{% set l = [1, 2, 3] %}{{ l.pop() }} {{ l.pop(0) }} {{ l }}",
  "{% set m = {'a': 1, 'b': 2} %}{{ m.pop('a') }} {{ m.pop('z', 'dflt') }} {{ m }}",
  "{% set m = {} %}{{ m.setdefault('k', []) }}{% set _ = m.setdefault('k', []).append(1) %}{{ m }}",
  "{% set l = [1, 2] %}{% set _ = l.insert(0, 9) %}{% set _ = l.remove(2) %}{{ l }}",
  "{{ [].pop() }}",
  "{{ {}.pop('x') }}",
  "{% set m = {} %}{% set _ = m.update([('a', 1), ('b', 2)]) %}{{ m }}",
  "{% set l = [] %}{% set _ = l.extend('ab') %}{{ l }}",
  // 4. tests with arguments, select/reject
  "{{ items | select('>', 1) | list }}",
  "{{ items | reject('<', 2) | list }}",
  "{{ items | select('equalto', 3) | list }}",
  "{{ items | select('==', 3) | list }}",
  "{{ items | select('!=', 3) | list }}",
  "{{ items | select('>=', 2) | list }}",
  "{{ items | select('<=', 2) | list }}",
  "{{ items | select('ne', 1) | list }}",
  "{{ items | select('lessthan', 3) | list }}",
  "{{ users | selectattr('age', '>', 30) | map(attribute='name') | list }}",
  "{{ users | rejectattr('role', '==', 'user') | map(attribute='name') | list }}",
  "{{ users | selectattr('name', 'in', ['ann', 'cid']) | map(attribute='age') | list }}",
  "{{ items | select('in', [1, 2]) | list }}",
  "{{ [1, none, 'a', 2.5, true, [1], {}] | select('none') | list }}",
  "{{ [1, none, 'a', 2.5, true, [1], {}] | select('number') | list }}",
  "{{ [1, none, 'a', 2.5, true, [1], {}] | select('string') | list }}",
  "{{ [1, none, 'a', 2.5, true, [1], {}] | select('mapping') | list }}",
  "{{ [1, none, 'a', 2.5, true, [1], {}] | select('iterable') | list }}",
  "{{ [1, none, 'a', 2.5, true, [1], {}] | select('sequence') | list }}",
  "{{ [1, none, 'a', 2.5, true, false, [1], {}] | select('boolean') | list }}",
  "{{ [1, none, 'a', 2.5, true, false, [1], {}] | select('integer') | list }}",
  "{{ [1, none, 'a', 2.5, true, false, [1], {}] | select('float') | list }}",
  "{{ [1, none, 'a', 2.5, true, false, [1], {}] | select('true') | list }}",
  "{{ [1, none, 'a', 2.5, true, false, [1], {}] | select('false') | list }}",
  "{{ [1, none, 'a', 2.5, true, false, [1], {}] | select('defined') | list }}",
  "{{ range(10) | select('odd') | list }} {{ range(10) | select('even') | list }}",
  "{{ range(10) | select('divisibleby', 3) | list }}",
  "{{ ['ab', 'AB', 'Ab', '12', 'a1'] | select('lower') | list }}",
  "{{ ['ab', 'AB', 'Ab', '12', 'A1'] | select('upper') | list }}",
  "{{ [1, none] | select('sameas', none) | list }}",
  "{{ 3 is gt 2 }} {{ 3 is greaterthan 4 }} {{ 3 is eq 3 }} {{ 3 is equalto 4 }}",
  "{{ 2 is lt 3 }} {{ 2 is le 2 }} {{ 2 is ge 3 }} {{ 2 is ne 2 }}",
  "{{ 'a' is in 'abc' }} {{ 5 is in items }}",
  "{{ items | select('nope') | list }}",
  "{{ items | select('>', 'x') | list }}",
  "{{ true is integer }} {{ 1 is integer }} {{ 'x' is integer }}",
  "{{ 'abc' is lower }} {{ '123' is lower }} {{ 'ABC' is upper }} {{ '1A' is upper }}",
  // 2. escape
  "{{ html | e }}",
  "{{ html | escape }}",
  '{{ "\'" | e }}{{ none | e }}{{ 5 | e }}',
  // 3. int
  "{{ 'ff' | int(base=16) }}",
  "{{ '0x1A' | int(0, 0) }}",
  "{{ '0x1A' | int(base=0) }}",
  "{{ '0b101' | int(base=0) }} {{ '0o17' | int(base=0) }} {{ '017' | int(base=0) }}",
  "{{ 'zz' | int(default=-1) }}",
  "{{ 'zz' | int(default=-1, base=16) }}",
  "{{ 'ff' | int(7, 16) }}",
  "{{ ' 42 ' | int }} {{ '1_000' | int }} {{ '4.7' | int }} {{ '-3' | int }} {{ '+8' | int }}",
  "{{ '1e3' | int }} {{ 'nan' | int }} {{ 3.99 | int }} {{ -3.99 | int }} {{ true | int }} {{ none | int }}",
  "{{ '0x1A' | int }} {{ 'FF' | int(base=16) }} {{ '-ff' | int(base=16) }} {{ '11' | int(base=2) }}",
  "{{ '12' | int(base=2) }} {{ 'z' | int(base=36) }}",
  "{{ 'x' | float(default=1.5) }}",
  // 9. raw, filter blocks, macros
  "{% raw %}{{ not rendered }} {% if %}{% endraw %}",
  "a {%- raw -%}  {{ x }}  {%- endraw -%} b",
  "{% raw %}{{ a }}{% endraw %}{{ n }}{% raw %}{% b %}{% endraw %}",
  "{% filter upper %}hello {{ s }}{% endfilter %}",
  "{% filter replace('o', '0') | upper %}foo {{ n }}{% endfilter %}",
  "{% filter truncate(12) %}{{ long }}{% endfilter %}",
  "{% macro greet(name, greeting='Hi') %}{{ greeting }}, {{ name }}!{% endmacro %}{{ greet('ann') }} {{ greet('bob', 'Yo') }} {{ greet(greeting='Hey', name='cid') }}",
  "{% macro row(u) %}{{ u.name }}={{ u.age }}{% endmacro %}{% for u in users %}{{ row(u) }};{% endfor %}",
  "{% macro m(a, b) %}[{{ a }}|{{ b }}]{% endmacro %}{{ m(1) }}",
  "{% macro m(a) %}{{ a }}{% endmacro %}{{ m(1, 2) }}",
  "{% macro m(a) %}{{ a }}{% endmacro %}{{ m(b=2) }}",
  "{% macro m() %}{{ varargs }}{{ kwargs }}{% endmacro %}{{ m(1, 2, x=3) }}",
  "{% macro fact(k) %}{{ 1 if k <= 1 else k * fact(k - 1) | int }}{% endmacro %}{{ fact(5) }}",
  "{% macro m(a, b=a * 2) %}{{ a }}{{ b }}{% endmacro %}{{ m(3) }}",
  "{% macro m() %}{{ n }}{% endmacro %}{{ m() }}",
  "{% macro m() %}{% set n = 1 %}{{ n }}{% endmacro %}{{ m() }}{{ n }}",
  "{% set x %}block {{ n }}{% endset %}[{{ x }}]",
  "{% set x | upper %}block {{ n }}{% endset %}[{{ x }}]",
  // 6. loop.cycle and friends
  "{% for x in items %}{{ loop.cycle('odd', 'even') }} {% endfor %}",
  "{% for x in users %}{{ loop.cycle('a', 'b', 'c') }}{% endfor %}",
  "{% for x in items %}{% for y in [1, 2] %}{{ loop.depth }}{{ loop.depth0 }}{% endfor %}{{ loop.depth }}{% endfor %}",
  "{% for x in [1, 1, 2, 2, 1] %}{% if loop.changed(x) %}{{ x }}{% endif %}{% endfor %}",
  // 5. filters
  "{{ text | indent }}",
  "{{ text | indent(2, true) }}",
  "{{ text | indent(2, true, true) }}",
  "{{ text | indent(width='> ', first=true) }}",
  "{{ 'x\\n' | indent(2) }}",
  "{{ 0 | filesizeformat }} {{ 1 | filesizeformat }} {{ 1000 | filesizeformat }} {{ 1500000 | filesizeformat }}",
  "{{ 1024 | filesizeformat(true) }} {{ 3000000000 | filesizeformat(true) }} {{ 10 ** 30 | filesizeformat }}",
  "{{ '2048' | filesizeformat }}",
  "{{ long | wordcount }} {{ 'café au lait' | wordcount }}",
  "{{ long | truncate(20) }}|{{ long | truncate(20, true) }}|{{ long | truncate(20, false, '…', 0) }}",
  "{{ 'abc' | center(9) }}|{{ 'abcd' | center(9) }}|{{ 'ab' | center(1) }}",
  "{{ \"they're bill's friends from the UK\" | title }}",
  "{{ 'hello-world foo_bar x1y' | title }}",
  "{{ 'hELLO wORLD' | capitalize }}",
  "{{ '<p>Hello <b>World</b></p>\\n  <br/>  x &amp; y' | striptags }}",
  "{{ 'a/b c&d' | urlencode }} {{ {'a': 'x y', 'b': 1} | urlencode }} {{ [('k', 'v w')] | urlencode }}",
  "<p{{ {'class': 'my list', 'missing': none, 'id': 'x<y'} | xmlattr }}>",
  "<p{{ {'a': 1} | xmlattr(false) }}>",
  "{{ html | forceescape }}",
  // more edges
  "{{ '{:05d}|{:.2f}|{}'.format(3, 2.345, 'x') }}",
  "{{ '%s' % ('a',) }}{{ '%s%%' | format(5) }}{{ '%(a)s %(a)s' % {'a': 1} }}",
  "{{ '%(a)s' % 5 }}",
  "{{ '%(zz)s' % d }}",
  "{{ '%s' | format('a', x=1) }}",
  "{{ '%' % () }}",
  "{{ '%5%|' % () }}",
  "{{ 'abc' % 5 }}",
  "{{ 'abc' % d }}",
  "{{ '%.1f %.2f %.3f %.0f %.0f %.0f' % (0.05, 1.005, 2.0005, 0.5, 1.5, -2.5) }}",
  "{{ '%f|%.2f|%10.3f|%-10.1f|' % (1e22, -0.001, 3.14159, 2.25) }}",
  "{{ '%g|%g|%g|%.2g|%G|%#g' % (0.00001234, 1234567, 100000, 0.5, 1e-10, 1.5) }}",
  "{{ '%5s|%-5d|%05.1f|%+.1e' % (none, -3, -2.5, 12345) }}",
  "{% set ns = namespace(a=1) %}{{ ns }}|{{ ns['a'] }}|{{ ns.b }}|{{ ns.a is defined }}",
  "{% set ns = namespace(a=1) %}{{ ns | tojson }}",
  "{% set ns = namespace() %}{% set ns.body %}x{{ n }}{% endset %}{{ ns.body }}",
  "{% set ns = namespace(total=0) %}{% for u in users %}{% for k in [1, 2] %}{% set ns.total = ns.total + u.age * k %}{% endfor %}{% endfor %}{{ ns.total }}",
  "{% set t = (1, 2) %}{{ t.append(3) }}",
  "{% set l = [] %}{% for i in range(3) %}{% set _ = l.append({'i': i}) %}{% endfor %}{{ l | map(attribute='i') | sum }}",
  "{% set m = {} %}{% set _ = m.update(d, z=0) %}{{ m | dictsort }}",
  "{{ d.copy() }}{{ items.copy() }}",
  "{% set l = [3, 1, 2] %}{% set _ = l.sort() %}{{ l }}{% set _ = l.reverse() %}{{ l }}{% set _ = l.clear() %}{{ l }}",
  "{% for x in items %}{{ loop.cycle() }}{% endfor %}",
  "{% raw %}{% endraw %}|{% raw %} {{ }} {% endraw %}|",
  "{% raw %}never closed",
  "{% filter upper %}{% set x = 1 %}{{ x }}{% endfilter %}[{{ x }}]",
  "{% filter upper %}{% for u in users %}{{ u.name }} {% endfor %}{% endfilter %}",
  "{% filter nope %}x{% endfilter %}",
  "{% filter indent(2, true) %}a\nb{% endfilter %}",
  "{% for i in items %}{% macro m() %}{{ i }}{% endmacro %}{{ m() }}{% endfor %}",
  "{{ m() }}{% macro m() %}x{% endmacro %}",
  "{% macro m(a) %}{{ a }}{% endmacro %}{{ m(1, a=2) }}",
  "{% macro m(a=1, b) %}{% endmacro %}",
  "{% macro m(a, a) %}{% endmacro %}",
  "{% macro m(a) %}{{ a is defined }}{% endmacro %}{{ m() }}",
  "{% macro m(x) %}<{{ x }}>{% endmacro %}{{ items | map('string') | join(m('|')) }}",
  "{% macro m(x) %}{{ x }}{% endmacro %}{{ m(1) ~ m(2) }} {{ m(3) | length }}",
  "{{ missing | e }}|{{ missing | indent }}|{{ '' | indent(first=true) }}|{{ 'a\r\nb' | indent(1) }}",
  "{{ none | default('x', boolean=true) }} {{ '' | default(default_value='y', boolean=true) }}",
  "{{ 2.567 | round(precision=1) }} {{ 2.567 | round(1, method='floor') }}",
  "{{ long | truncate(10, end='!') }}|{{ long | truncate(length=15, killwords=true) }}|{{ ' abcdefghijkl' | truncate(8, leeway=0) }}",
  "{{ long | truncate(2) }}",
  "{{ -5 | filesizeformat }} {{ 999999 | filesizeformat }} {{ 1023 | filesizeformat(binary=true) }} {{ 'x' | filesizeformat }}",
  "{{ '<!-- c <b> -->a<b>b</b> &lt;c&gt; &#65;&#x42; &unknown; &nbsp;d' | striptags }}",
  "<p{{ {'a b': 1} | xmlattr }}>",
  "{{ 'abc' | center(width=7) }}|",
  "{{ 'ff' | int(0, 16) }} {{ '0x' | int(base=16) }} {{ '1__0' | int }} {{ '_1' | int }} {{ '1_' | int }} {{ '0_7' | int }}",
  "{{ '0b12' | int(base=0) }} {{ '0x1g' | int(-1, 0) }} {{ '  -0x1A  ' | int(base=16) }} {{ '1.5e2' | int }} {{ '.5' | int }} {{ '5.' | int }}",
  "{{ '1e400' | float }} {{ 'infinity' | float }} {{ '-inf' | float }} {{ '1_0.5' | float }} {{ '.' | float(9) }}",
  // 10. int vs float: whole-number floats print as Python does (py-float.ts)
  "{{ 10 / 2 }}|{{ 3 | float }}|{{ 1.0 }}|{{ 7 // 2 }}|{{ 2 * 1.5 }}|{{ (5 / 1) | int }}|{{ 10 / 4 }}",
  "{{ [1.0, 2] }}|{{ {'a': 2.0} | tojson }}|{{ 1e3 }}|{{ 2.0 == 2 }}|{{ range(3) | sum / 1 }}|{{ n / n }}",
  "{{ 2.5 | round }}|{{ 3.5 | round }}|{{ 2 | round }}|{{ 2.567 | round(1) }}|{{ 25 | round(-1) }}|{{ 35 | round(-1) }}|{{ 7 | round(-1) }}",
  "{{ 2.5 | round(method='floor') }}|{{ 2 | round(method='ceil') }}|{{ 2.0 | round(2) }}|{{ 10 | round(1) }}|{{ 123.0 | round }}|{{ 2.0 | round | int }}",
  "{{ 0.1 + 0.2 }}|{{ 1e20 }}|{{ 1e16 }}|{{ 1e15 }}|{{ 1/3 }}|{{ -0.0 }}|{{ 0.0 }}|{{ 1e-7 }}|{{ 1.5e-5 }}|{{ 0.0001 }}",
  "{{ 123456789012345678.0 }}|{{ 9007199254740993.0 }}|{{ 1e15 + 0.5 }}|{{ 4e15 }}|{{ 123456789.0 * 10 }}|{{ 1.0e0 }}|{{ 1_000.0 }}|{{ 1E3 }}",
  "{{ 'inf' | float }}|{{ '-inf' | float }}|{{ 'nan' | float }}|{{ ['inf' | float, 'nan' | float] | tojson }}|{{ 1e308 * 10 }}|{{ 1e400 - 1e400 }}",
  "{{ -0.0 | tojson }}|{{ 2.0 | tojson }}|{{ [1e20, 1.5e-5, 0.1, 3] | tojson }}|{{ 1e16 | tojson }}|{{ {'a': [1.0, {'b': -2.0}]} | tojson }}",
  "{{ '%.2f' % (10 / 2) }}|{{ '%s' % (10 / 2) }}|{{ '%r' % 2.0 }}|{{ '%d' % 2.0 }}|{{ '%s' % 1e20 }}|{{ '%5.1f|%g|%e' % (2.0, 2.0, 2.0) }}",
  "{{ '%x' % 2.0 }}",
  "{{ '%c' % 65.0 }}",
  "{{ '%s' | format(2.0) }}|{{ '%(a)s' % {'a': 2.0} }}|{{ '{:.1f}'.format(10 / 2) }}|{{ '{}'.format(10 / 2) }}|{{ '{}'.format(2.5) }}",
  "{{ '{:d}'.format(2.0) }}",
  "{{ (10 / 2) is float }}|{{ (10 / 2) is integer }}|{{ (10 / 2) is number }}|{{ 5 is float }}|{{ 2.5 is float }}|{{ (3 | float) is float }}",
  "{{ [1, 2.0, 2.5, 'x', true] | select('float') | list }}|{{ [1, 2.0, 2.5, 'x'] | select('integer') | list }}|{{ [1, 2.0] | select('number') | list }}",
  "{{ 4.0 is divisibleby 2 }}|{{ 4.0 is even }}|{{ 3.0 is odd }}|{{ 2.0 is eq 2 }}|{{ 2.0 is sameas 2.0 }}|{{ 3.0 is gt 2 }}",
  "{{ -2.0 | abs }}|{{ -2 | abs }}|{{ (0 - 2.0) | abs }}|{{ [1.5, 2.5] | sum }}|{{ [1, 2.0] | sum }}|{{ [1, 2] | sum(start=0.0) }}|{{ [true, true] | sum }}",
  "{{ [1, 2.0] | max }}|{{ [2.0, 1] | max }}|{{ [2, 2.0] | max }}|{{ [2.0, 2] | min }}|{{ [2, 2.0] | min }}|{{ users | max(attribute='age') }}",
  "{{ (10 / 2) | string }}|{{ 'x' ~ (10 / 2) }}|{{ (10 / 2) ~ 'x' }}|{{ (1.0 | string) | length }}|{{ [1.0, 2] | join(',') }}|{{ 2.0 | e }}",
  "{{ 2.0 + 1 }}|{{ 2.0 - 2 }}|{{ 0.5 + 0.5 }}|{{ 7.0 // 2 }}|{{ 7 // 2.0 }}|{{ 7.0 % 2 }}|{{ 7 % 2.5 }}|{{ 2 ** -1 }}|{{ 2.0 ** 2 }}|{{ 2 ** 2 }}|{{ 4 ** 0.5 }}",
  "{{ -(2.0) }}|{{ -(0.0) }}|{{ +2.0 }}|{{ true + 1.0 }}|{{ 3.0 > 2 }}|{{ 2.0 in [2] }}|{{ 2 in [2.0] }}|{{ [2.0] == [2] }}|{{ 1 + 1 }}|{{ f + f }}",
  "{{ {'a': 2.0} }}|{{ (1.0, 2) }}|{{ dict(a=2.0) }}|{{ namespace(a=2.0).a }}|{% set ns = namespace(a=0) %}{% set ns.a = ns.a + 1.0 %}{{ ns.a }}",
  "{{ {'k': 1.0}.k }}|{{ {'k': 1.0}.get('k') }}|{{ {'k': 1.0}.values() | list }}|{{ {'k': 1.0} | dictsort }}|{{ [2.0] | first }}",
  "{{ 10 / 2 | int }}|{{ 2.0 | float }}|{{ '2' | float }}|{{ '2.0' | float }}|{{ true | float }}|{{ 'x' | float }}|{{ 'x' | float(1) }}|{{ 1e3 | int }}",
  "{{ [1.0] | map('int') | list }}|{{ [1, 2] | map('float') | list }}|{{ 100 | float | string }}|{{ [3.0, 1, 2] | sort }}|{{ [1, 1.0, 2] | unique | list }}",
  "{{ 2.0 if true }}|{{ 0.0 or 'x' }}|{{ not 0.0 }}|{{ 1.0 and 3 }}|{% if 0.0 %}t{% else %}f{% endif %}|{% if -0.0 %}t{% else %}f{% endif %}",
  "{% for i in range(3) %}{{ i / 1 }} {% endfor %}|{{ items[4 / 2] }}|{{ 'abc'[1.0] }}|{{ (10 / 2) | filesizeformat }}|{{ 5.0 | pprint }}",
  "{{ range(4 / 2) }}",
  "{{ range(2.5) | list }}",
  "{{ 1.0 | length }}",
  "{{ 2.0 | list }}",
  "{{ 'ab' * 2.0 }}",
  "{{ 1.0 / 0 }}",
  "{{ 1.0 // 0.0 }}",
];

/**
 * Strict rendering (`{strict: true}`) against Jinja2's `StrictUndefined`: every use of an
 * undefined value but `is defined` / `is undefined` / `default` raises. `missing` is never defined.
 */
const STRICT_CASES = [
  "{{ missing }}",
  "{{ missing is defined }} {{ missing is undefined }} {{ missing is not defined }}",
  "{{ missing | default('x') }} {{ missing | d('y') }} {{ missing | default('z', true) }} {{ missing | d }}",
  "{% if missing is defined %}a{% else %}b{% endif %}",
  "{% if missing is defined and missing %}a{% else %}b{% endif %} {{ missing is not defined or missing }}",
  "{% if missing %}a{% else %}b{% endif %}",
  "{% if not missing %}a{% endif %}",
  "{{ missing or 'x' }}",
  "{{ missing and 'x' }}",
  "{{ 'a' if missing else 'b' }}",
  "{% for x in items if missing %}{{ x }}{% endfor %}",
  "{% for x in missing %}{{ x }}{% endfor %}",
  "{{ missing == 1 }}",
  "{{ missing != 1 }}",
  "{{ missing < 1 }}",
  "{{ missing in [1] }}",
  "{{ missing in [] }}",
  "{{ missing in d }}",
  "{{ 1 in missing }}",
  "{{ missing + 1 }}",
  "{{ -missing }}",
  "{{ missing ~ 'x' }}",
  "{{ s ~ missing }}",
  "{{ '%s' % missing }}",
  "{{ missing.attr }}",
  "{{ missing[0] }}",
  "{{ missing() }}",
  "{{ d.zz }}",
  "{{ d.zz == 1 }}",
  "{{ d['zz'] ~ '' }}",
  "{{ d.zz | default(2) }} {{ d.zz is defined }}",
  "{% if d.zz %}y{% else %}n{% endif %}",
  "{{ s.zz }}",
  "{{ missing | upper }}",
  "{{ missing | length }}",
  "{{ missing | list }}",
  "{{ missing | join(',') }}",
  "{{ missing | tojson }}",
  "{{ missing | string }}",
  "{{ missing | items | list }}",
  "{{ missing | pprint }}",
  "{{ missing | first }}",
  "{{ missing | e }}",
  "{{ missing | trim }}",
  "{{ missing | replace('a', 'b') }}",
  "{{ missing | sum }}",
  "{{ missing | round }}",
  "{{ missing | unique | list }}",
  "{{ missing | select | list }}",
  "{{ missing | map(attribute='a') | list }}",
  "{{ missing | format() }}",
  "{{ '%s' | format(missing) }}",
  "{{ items | select('equalto', missing) | list }}",
  "{{ items | join(missing) }}",
  "{{ [1, missing] | join(',') }}",
  "{{ users | map(attribute='zz') | join(',') }}",
  "{{ users | map(attribute='zz') | list | length }}",
  "{{ [missing] }} {{ [missing] | length }} {{ {'a': missing} }}",
  "{{ {missing: 1} }}",
  "{{ [missing, 1] | map('default', 0) | list }}",
  "{{ [missing] | reject('defined') | list | length }}",
  "{{ missing is none }} {{ missing is string }} {{ missing is mapping }} {{ missing is sameas none }}",
  "{{ missing is sequence }}",
  "{{ missing is iterable }}",
  "{{ missing is eq 1 }}",
  "{{ missing is lower }}",
  "{{ missing is odd }}",
  "{{ missing is divisibleby 2 }}",
  "{% set y = missing %}{{ y is defined }}",
  "{% set y = missing %}{{ y }}",
  "{% set a, b = missing %}x",
  "{{ 'a' if false }}|{{ ('a' if false) is defined }}",
  "{% macro m(a) %}{{ a is defined }}{% endmacro %}{{ m() }}",
  "{% macro m(a) %}{{ a }}{% endmacro %}{{ m() }}",
  "{% macro m() %}{{ missing }}{% endmacro %}{{ m() }}",
  "{% for x in items %}{{ loop.previtem is defined }}{% endfor %}",
  "{% for x in items %}{{ loop.previtem }}{% endfor %}",
  "{{ ([] | first) is defined }}",
  "{{ [] | first }}",
  "{{ n }} {{ items | join(',') }} {% if d.a %}{{ d.a }}{% endif %} {{ s ~ '!' }}",
];

const PY = `
import json, sys, copy, jinja2
data = json.load(sys.stdin)
def run(env, templates):
    out = []
    for t in templates:
        try:
            out.append({"output": env.from_string(t).render(copy.deepcopy(data["context"]))})
        except Exception as e:
            out.append({"error": type(e).__name__ + ": " + str(e)})
    return out
json.dump({
    "version": jinja2.__version__,
    "results": run(jinja2.Environment(), data["templates"]),
    "strict": run(jinja2.Environment(undefined=jinja2.StrictUndefined), data["strict"]),
}, sys.stdout)
`;

type Result = { output?: string; error?: string };

const run = spawnSync("python3", ["-c", PY], {
  input: JSON.stringify({ context: CONTEXT, templates: CASES, strict: STRICT_CASES }),
  encoding: "utf8",
});
const oracle =
  run.status === 0
    ? (JSON.parse(run.stdout) as { version: string; results: Result[]; strict: Result[] })
    : undefined;

const label = oracle ? `Jinja2 ${oracle.version}` : "no python3 Jinja2: skipped";

test(`renders like the live Jinja2 oracle (${label})`, (t) => {
  if (!oracle) {
    t.skip("python3 with jinja2 is not available");
    return;
  }
  assert.deepEqual(mismatches(CASES, oracle.results, false), []);
});

test(`a strict render fails where Jinja2's StrictUndefined does (${label})`, (t) => {
  if (!oracle) {
    t.skip("python3 with jinja2 is not available");
    return;
  }
  assert.deepEqual(mismatches(STRICT_CASES, oracle.strict, true), []);
});

/** Each case rendered by us (strict or not) against Jinja2's result: same text, or both fail. */
function mismatches(cases: string[], results: Result[], strict: boolean): string[] {
  const mismatches: string[] = [];
  cases.forEach((template, i) => {
    const want = results[i] as Result;
    let got: string | undefined;
    let err: unknown;
    try {
      got = compile(template).renderText(structuredClone(CONTEXT), { strict });
    } catch (e) {
      err = e;
    }
    if (want.error !== undefined) {
      if (err === undefined)
        mismatches.push(`${template}: Jinja2 raised ${want.error}, we rendered ${JSON.stringify(got)}`);
    } else if (err !== undefined) {
      mismatches.push(
        `${template}: we raised ${(err as Error).message}, Jinja2 rendered ${JSON.stringify(want.output)}`,
      );
    } else if (got !== want.output) {
      mismatches.push(`${template}: got ${JSON.stringify(got)}, Jinja2 ${JSON.stringify(want.output)}`);
    }
  });
  return mismatches;
}
