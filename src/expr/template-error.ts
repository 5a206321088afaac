import { NoetlError } from "../kernel/index.ts";

export type TemplateErrorCode =
  | "NOETL_E_TEMPLATE_SYNTAX"
  | "NOETL_E_TEMPLATE_UNDEFINED"
  | "NOETL_E_TEMPLATE_TYPE"
  | "NOETL_E_TEMPLATE_LIMIT";

/** A template failed to parse or render: carries the template text, position and missing name. */
export class TemplateError extends NoetlError {
  readonly template: string;
  readonly offset: number | undefined;
  readonly missing: string | undefined;

  constructor(
    code: TemplateErrorCode,
    message: string,
    options: { template?: string; offset?: number; missing?: string } = {},
  ) {
    const template = options.template ?? "";
    const where = options.offset !== undefined ? lineCol(template, options.offset) : undefined;
    super(code, message, where ? { position: where } : {});
    this.name = "TemplateError";
    this.template = template;
    this.offset = options.offset;
    this.missing = options.missing;
  }

  /** The message with the template quoted (for task errors). */
  describe(): string {
    const snippet = this.template.length > 200 ? `${this.template.slice(0, 200)}…` : this.template;
    return `${this.message} in template ${JSON.stringify(snippet)}`;
  }
}

function lineCol(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let col = 1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === "\n") {
      line += 1;
      col = 1;
    } else col += 1;
  }
  return { line, column: col };
}

export const ERROR_CODES = [
  { code: "NOETL_E_TEMPLATE_SYNTAX", summary: "A template does not parse (Jinja2 syntax error)." },
  {
    code: "NOETL_E_TEMPLATE_UNDEFINED",
    summary:
      "A template reads an attribute or item of an undefined value, or calls an unknown filter/function.",
  },
  { code: "NOETL_E_TEMPLATE_TYPE", summary: "A template applies an operation to values of the wrong type." },
  {
    code: "NOETL_E_TEMPLATE_LIMIT",
    summary: "A template exceeded a safety limit (range size, loop iterations, output size, recursion).",
  },
];
