import { formatFixed } from "./format-fixed.ts";
import { PyFloat } from "./py-float.ts";
import { TemplateError } from "./template-error.ts";
import { isMapping, isTuple, pyRepr, pyStr, typeName } from "./values.ts";

const SPEC = /%(?:\(([^)]*)\))?([-+ 0#]*)(\*|\d+)?(?:\.(\*|\d*))?[hlL]?([diouxXeEfFgGcrsa%])?/g;

function typeError(message: string): TemplateError {
  return new TemplateError("NOETL_E_TEMPLATE_TYPE", message);
}

/**
 * Python %-formatting (`"%s-%05.2f" % (a, b)`, `"%(name)s" % dict`), with Python's rules: a tuple
 * supplies the arguments in order, a mapping supplies `%(key)` values, anything else is the
 * single argument; too few or unused arguments are errors.
 */
export function pyFormat(fmt: string, values: unknown): string {
  const args = isTuple(values) ? (values as unknown[]) : [values];
  const dict = !isTuple(values) && isMapping(values) ? values : undefined;
  let next = 0;
  const take = (): unknown => {
    if (next >= args.length) throw typeError("not enough arguments for format string");
    return args[next++];
  };
  const out = fmt.replace(SPEC, (_m, key: string | undefined, flags: string, width, prec, conv) => {
    if (conv === undefined) throw typeError("incomplete format");
    if (conv === "%") {
      if (key === undefined && !flags && width === undefined && prec === undefined) return "%";
      throw typeError("unsupported format character '%'");
    }
    let w = width === "*" ? Math.trunc(intArg(take(), "*")) : width ? Number(width) : 0;
    const p =
      prec === "*" ? Math.trunc(intArg(take(), "*")) : prec !== undefined ? Number(prec || 0) : undefined;
    let left = flags.includes("-");
    if (w < 0) {
      left = true;
      w = -w;
    }
    let v: unknown;
    if (key !== undefined) {
      if (!dict) throw typeError("format requires a mapping");
      if (!Object.hasOwn(dict, key))
        throw new TemplateError("NOETL_E_TEMPLATE_UNDEFINED", `KeyError: '${key}'`);
      v = dict[key];
    } else v = take();
    return convert(v, conv, flags, w, p, left);
  });
  if (next < args.length && !dict) {
    throw typeError("not all arguments converted during string formatting");
  }
  return out;
}

function convert(v: unknown, conv: string, flags: string, w: number, p: number | undefined, left: boolean) {
  let body: string;
  let sign = "";
  let prefix = "";
  switch (conv) {
    case "s":
    case "r":
    case "a": {
      let s = conv === "s" ? pyStr(v) : conv === "r" ? pyRepr(v) : asciiRepr(pyRepr(v));
      if (p !== undefined) s = s.slice(0, p);
      return pad(s, w, left);
    }
    case "c": {
      if (typeof v === "string") {
        if ([...v].length !== 1) throw typeError("%c requires int or char");
        return pad(v, w, left);
      }
      return pad(String.fromCodePoint(intArg(v, "%c")), w, left);
    }
    case "d":
    case "i":
    case "u": {
      const n = realArg(v, `%${conv}`);
      if (Number.isNaN(n)) throw typeError("cannot convert float NaN to integer");
      if (!Number.isFinite(n)) throw typeError("cannot convert float infinity to integer");
      const i = BigInt(Math.trunc(n));
      sign = i < 0n ? "-" : "";
      body = (i < 0n ? -i : i).toString();
      if (p !== undefined) body = body.padStart(p, "0");
      break;
    }
    case "x":
    case "X":
    case "o": {
      const i = BigInt(intArg(v, `%${conv}`));
      sign = i < 0n ? "-" : "";
      body = (i < 0n ? -i : i).toString(conv === "o" ? 8 : 16);
      if (p !== undefined) body = body.padStart(p, "0");
      if (flags.includes("#")) prefix = conv === "o" ? "0o" : "0x";
      if (conv === "X") {
        body = body.toUpperCase();
        prefix = prefix.toUpperCase();
      }
      break;
    }
    case "f":
    case "F":
    case "e":
    case "E":
    case "g":
    case "G": {
      const n = realArg(v, "must be real number,");
      sign = n < 0 || Object.is(n, -0) ? "-" : "";
      body = floatBody(Math.abs(n), conv.toLowerCase(), p ?? 6, flags.includes("#"));
      if (conv === "F" || conv === "E" || conv === "G") body = body.toUpperCase();
      break;
    }
    default:
      throw typeError(`unsupported format character '${conv}'`);
  }
  if (!sign) sign = flags.includes("+") ? "+" : flags.includes(" ") ? " " : "";
  const len = sign.length + prefix.length + body.length;
  if (len < w && !left && flags.includes("0")) body = body.padStart(w - sign.length - prefix.length, "0");
  return pad(sign + prefix + body, w, left);
}

function floatBody(n: number, conv: string, p: number, alt: boolean): string {
  if (!Number.isFinite(n)) return Number.isNaN(n) ? "nan" : "inf";
  if (conv === "f") {
    const s = formatFixed(n, p);
    return alt && p === 0 ? `${s}.` : s;
  }
  if (conv === "e") return exponent(n, p, alt);
  const P = p === 0 ? 1 : p;
  const x = n === 0 ? 0 : Number(exponent(n, P - 1, false).split("e")[1]);
  let s = x >= -4 && x < P ? formatFixed(n, P - 1 - x) : exponent(n, P - 1, alt);
  if (!alt) {
    const [m, e] = s.split("e") as [string, string | undefined];
    const trimmed = m.includes(".") ? m.replace(/\.?0+$/, "") : m;
    s = e === undefined ? trimmed : `${trimmed}e${e}`;
  } else if (!s.includes(".")) s = s.replace(/^(\d+)/, "$1.");
  return s;
}

function exponent(n: number, p: number, alt: boolean): string {
  const [m, e] = n.toExponential(p).split("e") as [string, string];
  const exp = Number(e);
  const mant = alt && !m.includes(".") ? `${m}.` : m;
  return `${mant}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
}

function pad(s: string, w: number, left: boolean): string {
  return s.length >= w ? s : left ? s.padEnd(w) : s.padStart(w);
}

function realArg(v: unknown, what: string): number {
  if (typeof v === "number") return v;
  if (v instanceof PyFloat) return v.value;
  if (typeof v === "boolean") return v ? 1 : 0;
  const tail = `a real number is required, not ${typeName(v)}`;
  throw typeError(what.endsWith(",") ? `${what} not ${typeName(v)}` : `${what} format: ${tail}`);
}

function intArg(v: unknown, what: string): number {
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "number" && Number.isInteger(v)) return v;
  throw typeError(`${what} format: an integer is required, not ${typeName(v)}`);
}

function asciiRepr(s: string): string {
  let out = "";
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    if (c < 0x80) out += ch;
    else if (c < 0x100) out += `\\x${c.toString(16).padStart(2, "0")}`;
    else if (c < 0x10000) out += `\\u${c.toString(16).padStart(4, "0")}`;
    else out += `\\U${c.toString(16).padStart(8, "0")}`;
  }
  return out;
}
