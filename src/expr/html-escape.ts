const HTML: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&#34;", "'": "&#39;" };

/** markupsafe's escape(). Values are plain strings here (no Markup), so `x|e|e` escapes twice. */
export function htmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML[c] as string);
}

const NAMED: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: "\u00a0" };

/** html.unescape() for numeric references and the common named ones (others stay as written). */
export function htmlUnescape(s: string): string {
  return s.replace(/&(#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z]+);/g, (m, ref: string) => {
    if (ref[0] !== "#") return NAMED[ref] ?? m;
    const code = ref[1] === "x" || ref[1] === "X" ? Number.parseInt(ref.slice(2), 16) : Number(ref.slice(1));
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : "\ufffd";
  });
}
