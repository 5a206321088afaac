import type { Expr, FilterCall, Node } from "./ast.ts";
import { ExpressionParser } from "./expression-parser.ts";
import { type Token, tokenize } from "./lexer.ts";

/** Parses a template into nodes (Jinja2 subset used by playbooks). */
export function parseTemplate(src: string): Node[] {
  const p = new Parser(src, tokenize(src));
  const nodes = p.parseNodes([]);
  p.expect("eof");
  return nodes;
}

class Parser extends ExpressionParser {
  /** Parses nodes until a block tag whose keyword is in `stop` (left unconsumed). */
  parseNodes(stop: string[]): Node[] {
    const nodes: Node[] = [];
    for (;;) {
      const t = this.tok;
      if (t.type === "eof") {
        if (stop.length > 0) this.fail(`missing {% ${stop[stop.length - 1]} %}`);
        return nodes;
      }
      if (t.type === "text") {
        nodes.push({ t: "text", text: t.value });
        this.next();
      } else if (t.type === "var_begin") {
        this.next();
        const expr = this.parseExpr();
        this.expect("var_end");
        nodes.push({ t: "out", expr });
      } else if (t.type === "block_begin") {
        const kw = this.peek();
        if (kw.type !== "name") this.fail("expected a block keyword", kw.pos);
        if (stop.includes(kw.value)) return nodes;
        this.next();
        this.next();
        nodes.push(this.parseBlock(kw));
      } else this.fail(`unexpected '${t.value}'`);
    }
  }

  private parseBlock(kw: Token): Node {
    switch (kw.value) {
      case "if": {
        const branches: Array<[Expr, Node[]]> = [];
        let test = this.parseExpr();
        let elseNodes: Node[] | undefined;
        for (;;) {
          this.expect("block_end");
          const body = this.parseNodes(["elif", "else", "endif"]);
          branches.push([test, body]);
          this.next(); // block_begin
          const k = this.next().value;
          if (k === "elif") {
            test = this.parseExpr();
            continue;
          }
          if (k === "else") {
            this.expect("block_end");
            elseNodes = this.parseNodes(["endif"]);
            this.next();
            this.next();
          }
          this.expect("block_end");
          break;
        }
        return elseNodes ? { t: "if", branches, else: elseNodes } : { t: "if", branches };
      }
      case "for": {
        const targets = [this.expect("name").value];
        while (this.isOp(",")) {
          this.next();
          targets.push(this.expect("name").value);
        }
        this.expect("name", "in");
        const iter = this.parseCondless();
        let filter: Expr | undefined;
        if (this.isName("if")) {
          this.next();
          filter = this.parseCondless();
        }
        this.expect("block_end");
        const body = this.parseNodes(["else", "endfor"]);
        this.next();
        let elseNodes: Node[] | undefined;
        if (this.next().value === "else") {
          this.expect("block_end");
          elseNodes = this.parseNodes(["endfor"]);
          this.next();
          this.next();
        }
        this.expect("block_end");
        return {
          t: "for",
          targets,
          iter,
          body,
          pos: kw.pos,
          ...(filter ? { filter } : {}),
          ...(elseNodes ? { else: elseNodes } : {}),
        };
      }
      case "set": {
        const targets = [this.expect("name").value];
        let attr: string | undefined;
        if (this.isOp(".")) {
          this.next();
          attr = this.expect("name").value;
        } else
          while (this.isOp(",")) {
            this.next();
            targets.push(this.expect("name").value);
          }
        const at = attr === undefined ? {} : { attr };
        if (this.isOp("=")) {
          this.next();
          const value = this.parseExpr();
          this.expect("block_end");
          return { t: "set", targets, ...at, value, pos: kw.pos };
        }
        if (targets.length > 1) this.fail("a block set assigns one name", kw.pos);
        const filters: FilterCall[] = [];
        while (this.isOp("|")) {
          this.next();
          filters.push(this.parseFilterCall());
        }
        const body = this.parseBody("endset");
        return { t: "setblock", target: targets[0] as string, ...at, filters, body, pos: kw.pos };
      }
      case "filter": {
        const filters = [this.parseFilterCall()];
        while (this.isOp("|")) {
          this.next();
          filters.push(this.parseFilterCall());
        }
        return { t: "filterblock", filters, body: this.parseBody("endfilter"), pos: kw.pos };
      }
      case "macro": {
        const name = this.expect("name").value;
        this.expect("op", "(");
        const params: Array<[string, Expr | undefined]> = [];
        while (!this.isOp(")")) {
          const p = this.expect("name");
          if (params.some(([n]) => n === p.value)) this.fail(`duplicate argument '${p.value}'`, p.pos);
          let dflt: Expr | undefined;
          if (this.isOp("=")) {
            this.next();
            dflt = this.parseExpr();
          } else if (params.some(([, d]) => d !== undefined))
            this.fail("non-default argument follows default argument", p.pos);
          params.push([p.value, dflt]);
          if (!this.isOp(",")) break;
          this.next();
        }
        this.expect("op", ")");
        return { t: "macro", name, params, body: this.parseBody("endmacro"), pos: kw.pos };
      }
      default:
        return this.fail(`unknown tag '${kw.value}'`, kw.pos);
    }
  }

  /** `%}` body `{% end %}` (the closing tag consumed). */
  private parseBody(end: string): Node[] {
    this.expect("block_end");
    const body = this.parseNodes([end]);
    this.next();
    this.next();
    this.expect("block_end");
    return body;
  }
}
