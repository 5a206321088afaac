#!/usr/bin/env python3
"""Renders the differential template cases with real Jinja2 and writes
src/expr/fixtures/jinja-cases.json (run: python3 scripts/gen-jinja-fixtures.py)."""
import json
import os

import jinja2

CONTEXT = {
    "n": 5, "neg": -7, "f": 2.5, "s": "Hello World", "empty": "", "t": True, "fl": False, "none": None,
    "items": [3, 1, 2], "words": ["b", "a", "C"], "d": {"b": 2, "a": 1},
    "users": [{"name": "ann", "age": 31, "role": "admin"}, {"name": "bob", "age": 25, "role": "user"},
              {"name": "cid", "age": 40, "role": "user"}],
    "nested": {"x": {"y": {"z": 42}}, "list": [{"k": 1}, {"k": 2}]},
    "quote": "O'Reilly", "html": "<a href='x'>&</a>", "num_s": "42", "float_s": "3.14", "csv": "a,b,,c",
    "spaces": "  padded  ", "unicode": "café", "zero": 0,
}

VALUES = ["n", "neg", "f", "s", "empty", "t", "fl", "none", "items", "d", "zero", "missing"]
PER_VALUE = [
    "{{ %s }}", "{{ %s | tojson }}", "{{ %s is defined }}", "{{ %s is none }}", "{{ %s is number }}",
    "{{ %s is string }}", "{{ %s is mapping }}", "{{ %s is sequence }}", "{{ %s | default('D') }}",
    "{{ %s | default('D', true) }}", "{{ %s | string }}", "{{ not %s }}", "{{ %s == 1 }}",
    "{{ 'yes' if %s else 'no' }}", "{{ %s | pprint }}", "{{ [%s] }}", "{{ {'k': %s} }}", "{{ %s ~ '!' }}",
    "{{ %s | list }}", "{{ %s | length }}", "{{ %s | int }}", "{{ %s | float }}", "{{ %s | abs }}",
    "{{ %s | first }}", "{{ %s | lower }}", "{{ %s is iterable }}",
]

HANDWRITTEN = [
    "plain text", "{{ n + 1 }}", "{{ n - 10 }}", "{{ n * 3 }}", "{{ 7 // 2 }}", "{{ -7 // 2 }}", "{{ 7 % 3 }}",
    "{{ -7 % 3 }}", "{{ 2 ** 10 }}", "{{ 7 / 2 }}", "{{ 1 + 2 * 3 }}", "{{ (1 + 2) * 3 }}", "{{ 'a' ~ 1 ~ none }}",
    "{{ 'ab' * 3 }}", "{{ [1, 2] + [3] }}", "{{ 'x' + 'y' }}", "{{ n > 3 and n < 10 }}", "{{ n > 3 or missing }}",
    "{{ not (n > 3) }}", "{{ 1 < n < 10 }}", "{{ 3 in items }}", "{{ 9 not in items }}", "{{ 'ell' in s }}",
    "{{ 'a' in d }}", "{{ d.a }}", "{{ d['b'] }}", "{{ nested.x.y.z }}", "{{ nested['x']['y'] }}",
    "{{ nested.list[1].k }}", "{{ items[0] }}", "{{ items[-1] }}", "{{ items[1:] }}", "{{ items[::-1] }}",
    "{{ s[0:5] }}", "{{ s[-5:] }}", "{{ missing }}", "[{{ missing }}]", "{{ missing is defined }}",
    "{{ missing is undefined }}", "{{ d.nope }}", "{{ d.nope is defined }}", "{{ s.lower() }}", "{{ s.upper() }}",
    "{{ s.split() }}", "{{ csv.split(',') }}", "{{ csv.split(',', 1) }}", "{{ spaces.strip() }}",
    "{{ s.startswith('He') }}", "{{ s.endswith('x') }}", "{{ s.replace('l', 'L') }}", "{{ '{}-{}'.format(1, 2) }}",
    "{{ '{a}/{b}'.format(a=1, b='x') }}", "{{ d.items() | list }}", "{{ d.keys() | list }}", "{{ d.values() | list }}",
    "{{ d.get('a') }}", "{{ d.get('z', 9) }}", "{{ d.get('z') }}", "{{ '%s is %d' % ('x', 3) }}",
    "{{ '%.2f' % f }}", "{{ '%05d' % n }}", "{{ '%(a)s' % d }}", "{{ '%s' % items }}",
    "{% if n > 3 %}big{% else %}small{% endif %}", "{% if n > 10 %}a{% elif n > 3 %}b{% else %}c{% endif %}",
    "{% for i in items %}{{ i }}{% endfor %}", "{% for i in items %}{{ loop.index }}{{ loop.first }}{{ loop.last }} {% endfor %}",
    "{% for i in [] %}x{% else %}empty{% endfor %}", "{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}",
    "{% for u in users if u.age > 30 %}{{ u.name }}{% endfor %}", "{% set x = n * 2 %}{{ x }}",
    "{% set a, b = [1, 2] %}{{ a }}{{ b }}", "{# comment #}text", "a  {{- ' b ' -}}  c", "  {%- if true -%}  x  {%- endif -%}  ",
    "{% for i in items %}\n  {{ i }}\n{% endfor %}", "{{ loop is defined }}",
    "{{ items | sort }}", "{{ items | sort(reverse=true) }}", "{{ words | sort }}", "{{ words | sort(case_sensitive=true) }}",
    "{{ users | sort(attribute='age') | map(attribute='name') | list }}", "{{ users | map(attribute='name') | join(', ') }}",
    "{{ users | selectattr('role', 'equalto', 'user') | map(attribute='name') | list }}",
    "{{ users | rejectattr('age', 'gt', 30) | map(attribute='name') | list }}", "{{ users | selectattr('age', 'ge', 31) | list | length }}",
    "{{ items | select('odd') | list }}", "{{ items | reject('odd') | list }}", "{{ items | map('string') | list }}",
    "{{ items | sum }}", "{{ users | sum(attribute='age') }}", "{{ items | max }}", "{{ items | min }}",
    "{{ users | max(attribute='age') }}", "{{ items | reverse | list }}", "{{ s | reverse }}", "{{ items | unique | list }}",
    "{{ [1, 1, 2, 'a', 'A'] | unique | list }}", "{{ words | join }}", "{{ words | join('-') }}", "{{ items | first }}",
    "{{ items | last }}", "{{ items | length }}", "{{ d | length }}", "{{ s | length }}", "{{ d | dictsort }}",
    "{{ d | dictsort(by='value', reverse=true) }}", "{{ items | batch(2) | list }}", "{{ items | batch(2, 0) | list }}",
    "{{ [1,2,3,4,5] | slice(2) | list }}", "{{ users | groupby('role') | map('first') | list }}",
    "{{ s | lower }}", "{{ s | upper }}", "{{ s | title }}", "{{ 'hello world' | capitalize }}", "{{ spaces | trim }}",
    "{{ 'xxhixx' | trim('x') }}", "{{ s | replace('o', '0') }}", "{{ quote | replace(\"'\", \"''\") }}",
    "{{ s | truncate(9) }}", "{{ 'a very long sentence indeed here' | truncate(12) }}",
    "{{ 'a very long sentence' | truncate(10, true) }}", "{{ num_s | int + 1 }}", "{{ float_s | float }}",
    "{{ float_s | int }}", "{{ 'abc' | int }}", "{{ 'abc' | int(7) }}", "{{ '0x1A' | int(0, 16) }}", "{{ f | round }}",
    "{{ 2.567 | round(2) }}", "{{ 2.5 | round }}", "{{ 3.5 | round }}", "{{ 2.1 | round(0, 'ceil') }}",
    "{{ -3 | abs }}", "{{ html | tojson }}", "{{ users | tojson }}", "{{ quote | tojson }}", "{{ unicode | tojson }}",
    "{{ d | tojson }}", "{{ {'z': [1, {'b': none, 'a': true}]} | tojson }}", "{{ 'a b&c' | urlencode }}",
    "{{ {'q': 'a b', 'n': 1} | urlencode }}", "{{ items | list | tojson }}", "{{ range(5) | list }}",
    "{{ range(1, 10, 3) | list }}", "{{ range(3) | map('string') | join(',') }}", "{{ dict(a=1, b=2) }}",
    "{{ n if n > 3 }}", "[{{ n if n > 10 }}]", "{{ 'x' if none else 'y' }}", "{{ none }}", "{{ t }}", "{{ [t, fl, none] }}",
    "{{ {'a': 'x', 'b': [1.5, none]} }}", "{{ 1.0 }}", "{{ 1e3 }}", "{{ 0.1 + 0.2 }}", "{{ 10 / 4 }}", "{{ 2 ** -1 }}",
    "{{ 3 * 1.5 }}", "{{ 100000000000000000000 }}", "{{ 'é' | length }}", "{{ items | select('gt', 1) | list }}",
    "{{ users[0].name | upper }}", "{{ users | length > 2 }}", "{{ (users | first).role }}", "{{ users | map(attribute='age') | max }}",
    "{{ nested.list | map(attribute='k') | sum }}", "{{ items | join(',') | length }}",
    "{{ 'a' if n is divisibleby 5 else 'b' }}", "{{ n is even }}", "{{ n is odd }}", "{{ items is sequence }}",
    "{{ 5 is gt 3 }}", "{{ n is eq 5 }}", "{{ 'x' is in 'xyz' }}", "{{ none is none }}", "{{ t is true }}", "{{ fl is false }}",
    "{{ d is mapping }}", "{{ s is lower }}", "{{ 'abc' is lower }}", "{{ users | selectattr('name') | list | length }}",
    "{{ [0, 1, '', 'a', none] | select | list }}", "{{ [0, 1, '', 'a', none] | reject | list }}",
    "{{ 'abc' | b64encode }}" , "{{ 'YWJj' | b64decode }}",
    "{{ '[1, 2]' | fromjson }}",
    "{{ missing.attr }}", "{{ missing['k'] }}", "{{ n + 'x' }}", "{{ none.attr }}", "{{ 1 / 0 }}", "{{ items | nofilter }}",
    "{% if %}", "{{ n + }}", "{% for x in %}{% endfor %}", "{{ 'unterminated }}", "{% endfor %}",
]

TEMPLATES = HANDWRITTEN + [t % v for v in VALUES for t in PER_VALUE]

JINJA_ONLY = {"b64encode", "b64decode", "fromjson"}


def b64e(s):
    import base64
    return base64.b64encode(str(s).encode()).decode()


def b64d(s):
    import base64
    return base64.b64decode(str(s).encode()).decode()


def main():
    env = jinja2.Environment()
    env.filters["b64encode"] = b64e
    env.filters["b64decode"] = b64d
    env.filters["fromjson"] = json.loads
    cases = []
    for t in TEMPLATES:
        case = {"template": t}
        try:
            case["output"] = env.from_string(t).render(CONTEXT)
        except Exception as e:  # noqa: BLE001
            case["error"] = type(e).__name__
        cases.append(case)
    out = os.path.join(os.path.dirname(__file__), "..", "src", "expr", "fixtures", "jinja-cases.json")
    with open(out, "w", encoding="utf-8") as fh:
        json.dump({"jinja2": jinja2.__version__, "context": CONTEXT, "cases": cases}, fh, indent=1, ensure_ascii=False)
        fh.write("\n")
    print(f"wrote {len(cases)} cases to {os.path.normpath(out)}")


if __name__ == "__main__":
    main()
