import { TemplateError } from "./template-error.ts";
import { isMapping, pyStr } from "./values.ts";

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

function utf8(s: string): number[] {
  const out: number[] = [];
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return out;
}

function fromUtf8(bytes: number[]): string {
  const at = (k: number) => (bytes[k] ?? 0) & 63;
  let s = "";
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i] as number;
    let c: number;
    let width: number;
    if (b < 0x80) {
      c = b;
      width = 1;
    } else if (b < 0xe0) {
      c = ((b & 31) << 6) | at(i + 1);
      width = 2;
    } else if (b < 0xf0) {
      c = ((b & 15) << 12) | (at(i + 1) << 6) | at(i + 2);
      width = 3;
    } else {
      c = ((b & 7) << 18) | (at(i + 1) << 12) | (at(i + 2) << 6) | at(i + 3);
      width = 4;
    }
    i += width;
    s += String.fromCodePoint(c);
  }
  return s;
}

export function base64Encode(s: string): string {
  const b = utf8(s);
  let out = "";
  for (let i = 0; i < b.length; i += 3) {
    const n = ((b[i] as number) << 16) | ((b[i + 1] ?? 0) << 8) | (b[i + 2] ?? 0);
    out += B64[(n >> 18) & 63] as string;
    out += B64[(n >> 12) & 63] as string;
    out += i + 1 < b.length ? (B64[(n >> 6) & 63] as string) : "=";
    out += i + 2 < b.length ? (B64[n & 63] as string) : "=";
  }
  return out;
}

export function base64Decode(s: string): string {
  const clean = s
    .replace(/[^A-Za-z0-9+/_-]/g, "")
    .replace(/-/g, "+")
    .replace(/_/g, "/");
  const bytes: number[] = [];
  for (let i = 0; i < clean.length; i += 4) {
    const n = [0, 1, 2, 3].map((k) => (i + k < clean.length ? B64.indexOf(clean[i + k] as string) : -1));
    const v =
      ((n[0] as number) << 18) |
      ((n[1] as number) << 12) |
      (Math.max(n[2] as number, 0) << 6) |
      Math.max(n[3] as number, 0);
    bytes.push((v >> 16) & 255);
    if ((n[2] as number) >= 0) bytes.push((v >> 8) & 255);
    if ((n[3] as number) >= 0) bytes.push(v & 255);
  }
  return fromUtf8(bytes);
}

function quote(s: string): string {
  return utf8(s)
    .map((b) => {
      const c = String.fromCharCode(b);
      return /[A-Za-z0-9_.~\-/]/.test(c) && b < 128 ? c : `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
    })
    .join("");
}

function quotePlus(s: string): string {
  return quote(s).replace(/\//g, "%2F").replace(/%20/g, "+");
}

/** Jinja2 `urlencode`: a string is percent-quoted; a mapping or list of pairs becomes a query string. */
export function urlEncode(v: unknown): string {
  const pairs = isMapping(v) ? Object.entries(v) : Array.isArray(v) ? v : undefined;
  if (pairs) {
    return pairs
      .map((pair) => {
        if (!Array.isArray(pair) || pair.length !== 2)
          throw new TemplateError(
            "NOETL_E_TEMPLATE_TYPE",
            "urlencode expects a mapping or (key, value) pairs",
          );
        return `${quotePlus(pyStr(pair[0]))}=${quotePlus(pyStr(pair[1]))}`;
      })
      .join("&");
  }
  return quote(pyStr(v));
}
