/** Rendering values (recursively) and conditions with NoETL's value rules (DECISIONS 27–31). */
import { parseTemplate } from "./parser.ts";
import type { Scope } from "./scope.ts";
import { asScope } from "./scope.ts";
import { compile, isTemplate, type RenderOptions } from "./template.ts";
import { TemplateError } from "./template-error.ts";
import { truthy } from "./values.ts";

/**
 * Renders every string inside `value` (map keys too). Strings without template syntax, and
 * non-string scalars, come back unchanged; a string that is exactly one `{{ expr }}` yields the
 * expression's native value.
 */
export function renderValue(
  value: unknown,
  scope: Scope | Record<string, unknown>,
  options?: RenderOptions,
): unknown {
  const s = asScope(scope);
  return renderIn(value, s, options);
}

function renderIn(value: unknown, scope: Scope, options: RenderOptions | undefined): unknown {
  if (typeof value === "string") {
    if (!isTemplate(value)) return value;
    const v = compile(value).render(scope, options);
    // an undefined value renders empty, as in Jinja2 (and JSON has no `undefined`)
    return v === undefined ? "" : v;
  }
  if (Array.isArray(value)) return value.map((v) => renderIn(v, scope, options));
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const key = isTemplate(k) ? String(compile(k).renderText(scope, options)) : k;
      out[key] = renderIn(v, scope, options);
    }
    return out;
  }
  return value;
}

const FALSE_TEXT = new Set(["", "false", "0", "no", "none", "null", "off"]);

/**
 * Truthiness of a `when`: booleans as is; a template's native result by Python truthiness; a
 * text result is false when it reads false/0/no/none/null/off/empty. A bare expression
 * (no braces) is evaluated as `{{ expr }}`.
 */
export function evaluateCondition(value: unknown, scope: Scope | Record<string, unknown>): boolean {
  if (value === undefined || value === null) return true;
  if (typeof value === "boolean") return value;
  if (typeof value === "number") return value !== 0;
  if (typeof value !== "string") return truthy(value);
  const source = isTemplate(value) ? value : `{{ ${value} }}`;
  const result = compile(source).render(asScope(scope));
  if (typeof result === "string") return !FALSE_TEXT.has(result.trim().toLowerCase());
  return result !== undefined && truthy(result);
}

/** Parses a template; returns the syntax error (with position) or undefined. */
export function checkSyntax(source: string): TemplateError | undefined {
  if (!isTemplate(source)) return undefined;
  try {
    parseTemplate(source);
    return undefined;
  } catch (error) {
    if (error instanceof TemplateError) return error;
    if (error instanceof RangeError) {
      return new TemplateError("NOETL_E_TEMPLATE_LIMIT", "template nesting too deep", { template: source });
    }
    throw error;
  }
}

/** Union of the free root names of every template inside a value. */
export function referencedNames(value: unknown, into = new Set<string>()): Set<string> {
  if (typeof value === "string") {
    if (isTemplate(value)) {
      try {
        for (const n of compile(value).names) into.add(n);
      } catch {
        // syntax errors are reported by the validator
      }
    }
  } else if (Array.isArray(value)) {
    for (const v of value) referencedNames(v, into);
  } else if (typeof value === "object" && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      referencedNames(k, into);
      referencedNames(v, into);
    }
  }
  return into;
}
