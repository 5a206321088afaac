import { syntax, type Token } from "./lexer.ts";

/** A position in a template's token list, with the look-ahead and error helpers the parsers share. */
export class TokenCursor {
  private i = 0;
  constructor(
    private readonly src: string,
    private readonly toks: Token[],
  ) {}

  protected get tok(): Token {
    return this.toks[this.i] as Token;
  }
  protected peek(n = 1): Token {
    return (this.toks[this.i + n] ?? this.toks[this.toks.length - 1]) as Token;
  }
  protected next(): Token {
    return this.toks[this.i++] as Token;
  }
  protected isOp(v: string): boolean {
    return this.tok.type === "op" && this.tok.value === v;
  }
  protected isName(v: string): boolean {
    return this.tok.type === "name" && this.tok.value === v;
  }
  protected fail(msg: string, pos = this.tok.pos): never {
    throw syntax(this.src, pos, msg);
  }
  expect(type: Token["type"], value?: string): Token {
    const t = this.tok;
    if (t.type !== type || (value !== undefined && t.value !== value)) {
      const got = t.type === "eof" ? "end of template" : `'${t.value || t.type}'`;
      this.fail(`expected ${value ? `'${value}'` : type}, got ${got}`);
    }
    return this.next();
  }
}
