import { TemplateError } from "./template-error.ts";
import { isTuple, numberStr, pyRepr, pyStr } from "./values.ts";

/** Python %-formatting: `"%s-%05.2f" % (a, b)`, `"%(name)s" % dict`. */
export function pyFormat(fmt: string, values: unknown): string {
  const list = isTuple(values) ? (values as unknown[]) : [values];
  const dict = !Array.isArray(values) && typeof values === "object" && values !== null ? values : undefined;
  let i = 0;
  return fmt.replace(
    /%(\(([^)]*)\))?([-+ 0#]*)(\d+|\*)?(\.\d+)?([sdifrxXoeEgGc%])/g,
    (_m, _k, key, flags, width, prec, conv) => {
      if (conv === "%") return "%";
      const v = key !== undefined && dict ? (dict as Record<string, unknown>)[key] : list[i++];
      let out: string;
      const p = prec ? Number(prec.slice(1)) : undefined;
      switch (conv) {
        case "s":
          out = pyStr(v);
          if (p !== undefined) out = out.slice(0, p);
          break;
        case "r":
          out = pyRepr(v);
          break;
        case "d":
        case "i":
          out = String(Math.trunc(num(v)));
          break;
        case "f":
          out = num(v).toFixed(p ?? 6);
          break;
        case "e":
        case "E":
          out = num(v)
            .toExponential(p ?? 6)
            .replace(/e([+-])(\d)$/, "e$10$2");
          if (conv === "E") out = out.toUpperCase();
          break;
        case "g":
        case "G":
          out = numberStr(Number(num(v).toPrecision(p ?? 6)));
          break;
        case "x":
          out = Math.trunc(num(v)).toString(16);
          break;
        case "X":
          out = Math.trunc(num(v)).toString(16).toUpperCase();
          break;
        case "o":
          out = Math.trunc(num(v)).toString(8);
          break;
        case "c":
          out = typeof v === "number" ? String.fromCharCode(v) : pyStr(v);
          break;
        default:
          out = pyStr(v);
      }
      if (flags?.includes("+") && /^[0-9]/.test(out) && "dif".includes(conv)) out = `+${out}`;
      const w = width ? Number(width) : 0;
      if (out.length < w) {
        if (flags?.includes("-")) out = out.padEnd(w);
        else if (flags?.includes("0") && "dife".includes(conv)) {
          const neg = out.startsWith("-");
          out = (neg ? "-" : "") + out.slice(neg ? 1 : 0).padStart(w - (neg ? 1 : 0), "0");
        } else out = out.padStart(w);
      }
      return out;
    },
  );
}

function num(v: unknown): number {
  if (typeof v === "number") return v;
  if (typeof v === "boolean") return v ? 1 : 0;
  throw new TemplateError(
    "NOETL_E_TEMPLATE_TYPE",
    `a number is required, not ${typeof v === "string" ? "str" : typeof v}`,
  );
}
