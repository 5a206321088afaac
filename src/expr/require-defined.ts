import { TemplateError } from "./template-error.ts";
import { Undefined } from "./values.ts";

/** The value, or Jinja2's UndefinedError for filters that cannot take an Undefined. */
export function requireDefined(v: unknown): unknown {
  if (v instanceof Undefined) {
    throw new TemplateError("NOETL_E_TEMPLATE_UNDEFINED", `'${v.name}' is undefined`, { missing: v.name });
  }
  return v;
}
