/**
 * @module expr
 * A Jinja2-compatible template and expression language (the subset NoETL playbooks use),
 * pure and compiled to closures. Checked against real Jinja2 by a differential suite.
 */

export { PyDateTime } from "./date-time.ts";
export { checkSyntax, evaluateCondition, referencedNames, renderValue } from "./render.ts";
export type { Scope } from "./scope.ts";
export { asScope, layered, scopeOf } from "./scope.ts";
export { stepResultView } from "./step-result-view.ts";
export type { RenderOptions, Template } from "./template.ts";
export { compile, isTemplate } from "./template.ts";
export { ERROR_CODES, TemplateError } from "./template-error.ts";
export { toJson } from "./to-json.ts";
/** Python repr of a value (alias kept for callers that print values). */
export { pyEquals, pyRepr, pyRepr as pythonRepr, pyStr, truthy, Undefined } from "./values.ts";
