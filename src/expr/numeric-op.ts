/**
 * Python arithmetic on numbers (`+ - * / // % **`) with Python's result types: `/` always gives a
 * float, the others give an int when both operands are ints (bool counts as int) and a float
 * otherwise; `int ** negative int` is a float. Whole-number floats come back boxed (`py-float.ts`).
 */
import { isFloat, type PyFloat, pyFloat } from "./py-float.ts";
import { TemplateError } from "./template-error.ts";

type Num = number | boolean | PyFloat;

export function numericOp(op: string, a: Num, b: Num): number | PyFloat {
  const x = Number(a);
  const y = Number(b);
  const float = isFloat(a) || isFloat(b);
  let r: number;
  switch (op) {
    case "+":
      r = x + y;
      break;
    case "-":
      r = x - y;
      break;
    case "*":
      r = x * y;
      break;
    case "/":
      if (y === 0) throw new TemplateError("NOETL_E_TEMPLATE_TYPE", "division by zero");
      return pyFloat(x / y);
    case "//":
      if (y === 0) throw new TemplateError("NOETL_E_TEMPLATE_TYPE", "integer division or modulo by zero");
      r = Math.floor(x / y);
      break;
    case "%":
      if (y === 0) throw new TemplateError("NOETL_E_TEMPLATE_TYPE", "integer division or modulo by zero");
      r = ((x % y) + y) % y;
      break;
    case "**":
      r = x ** y;
      if (y < 0) return pyFloat(r);
      break;
    default:
      throw new TemplateError("NOETL_E_TEMPLATE_TYPE", `unsupported operand for ${op}`);
  }
  return float ? pyFloat(r) : r;
}
