import type { Expr, FilterCall } from "./ast.ts";
import { pyFloat } from "./py-float.ts";
import { TokenCursor } from "./token-cursor.ts";

const COMPARE = new Set(["==", "!=", "<", ">", "<=", ">="]);

/** The expression grammar (conditional, precedence climbing, primary, postfix, arguments, filters and tests). */
export class ExpressionParser extends TokenCursor {
  parseExpr(): Expr {
    const pos = this.tok.pos;
    const body = this.parseCondless();
    if (this.isName("if")) {
      this.next();
      const test = this.parseOr();
      if (this.isName("else")) {
        this.next();
        return { t: "cond", test, then: body, else: this.parseExpr(), pos };
      }
      return { t: "cond", test, then: body, pos };
    }
    return body;
  }

  protected parseCondless(): Expr {
    return this.parseOr();
  }

  private parseOr(): Expr {
    let left = this.parseAnd();
    while (this.isName("or")) {
      const pos = this.next().pos;
      left = { t: "or", left, right: this.parseAnd(), pos };
    }
    return left;
  }

  private parseAnd(): Expr {
    let left = this.parseNot();
    while (this.isName("and")) {
      const pos = this.next().pos;
      left = { t: "and", left, right: this.parseNot(), pos };
    }
    return left;
  }

  private parseNot(): Expr {
    if (this.isName("not")) {
      const pos = this.next().pos;
      return { t: "unary", op: "not", value: this.parseNot(), pos };
    }
    return this.parseCompare();
  }

  private parseCompare(): Expr {
    const pos = this.tok.pos;
    const first = this.parseMath1();
    const rest: Array<[string, Expr]> = [];
    for (;;) {
      if (this.tok.type === "op" && COMPARE.has(this.tok.value)) {
        const op = this.next().value;
        rest.push([op, this.parseMath1()]);
      } else if (this.isName("in")) {
        this.next();
        rest.push(["in", this.parseMath1()]);
      } else if (this.isName("not") && this.peek().type === "name" && this.peek().value === "in") {
        this.next();
        this.next();
        rest.push(["notin", this.parseMath1()]);
      } else break;
    }
    return rest.length === 0 ? first : { t: "cmp", first, rest, pos };
  }

  private parseMath1(): Expr {
    let left = this.parseConcat();
    while (this.isOp("+") || this.isOp("-")) {
      const t = this.next();
      left = { t: "bin", op: t.value, left, right: this.parseConcat(), pos: t.pos };
    }
    return left;
  }

  private parseConcat(): Expr {
    let left = this.parseMath2();
    while (this.isOp("~")) {
      const t = this.next();
      left = { t: "bin", op: "~", left, right: this.parseMath2(), pos: t.pos };
    }
    return left;
  }

  private parseMath2(): Expr {
    let left = this.parsePow();
    while (this.isOp("*") || this.isOp("/") || this.isOp("//") || this.isOp("%")) {
      const t = this.next();
      left = { t: "bin", op: t.value, left, right: this.parsePow(), pos: t.pos };
    }
    return left;
  }

  private parsePow(): Expr {
    let left = this.parseUnary();
    while (this.isOp("**")) {
      const t = this.next();
      left = { t: "bin", op: "**", left, right: this.parseUnary(), pos: t.pos };
    }
    return left;
  }

  private parseUnary(): Expr {
    if (this.isOp("-") || this.isOp("+")) {
      const t = this.next();
      return this.parseFilters({
        t: "unary",
        op: t.value as "-" | "+",
        value: this.parseUnaryNoFilter(),
        pos: t.pos,
      });
    }
    return this.parseFilters(this.parsePostfix(this.parsePrimary()));
  }

  private parseUnaryNoFilter(): Expr {
    if (this.isOp("-") || this.isOp("+")) {
      const t = this.next();
      return { t: "unary", op: t.value as "-" | "+", value: this.parseUnaryNoFilter(), pos: t.pos };
    }
    return this.parsePostfix(this.parsePrimary());
  }

  private parsePrimary(): Expr {
    const t = this.next();
    const pos = t.pos;
    switch (t.type) {
      case "name":
        switch (t.value) {
          case "true":
          case "True":
            return { t: "lit", value: true, pos };
          case "false":
          case "False":
            return { t: "lit", value: false, pos };
          case "none":
          case "None":
            return { t: "lit", value: null, pos };
          default:
            return { t: "name", name: t.value, pos };
        }
      case "string": {
        let s = t.value;
        while (this.tok.type === "string") s += this.next().value;
        return { t: "lit", value: s, pos };
      }
      case "int":
        return { t: "lit", value: Number(t.value), pos };
      case "float":
        return { t: "lit", value: pyFloat(Number(t.value)), pos };
      case "op":
        if (t.value === "(") {
          if (this.isOp(")")) {
            this.next();
            return { t: "tuple", items: [], pos };
          }
          const first = this.parseExpr();
          if (this.isOp(",")) {
            const items = [first];
            while (this.isOp(",")) {
              this.next();
              if (this.isOp(")")) break;
              items.push(this.parseExpr());
            }
            this.expect("op", ")");
            return { t: "tuple", items, pos };
          }
          this.expect("op", ")");
          return first;
        }
        if (t.value === "[") {
          const items: Expr[] = [];
          while (!this.isOp("]")) {
            items.push(this.parseExpr());
            if (!this.isOp(",")) break;
            this.next();
          }
          this.expect("op", "]");
          return { t: "list", items, pos };
        }
        if (t.value === "{") {
          const entries: Array<[Expr, Expr]> = [];
          while (!this.isOp("}")) {
            const k = this.parseExpr();
            this.expect("op", ":");
            entries.push([k, this.parseExpr()]);
            if (!this.isOp(",")) break;
            this.next();
          }
          this.expect("op", "}");
          return { t: "dict", entries, pos };
        }
        return this.fail(`unexpected '${t.value}'`, pos);
      default:
        return this.fail(
          t.type === "eof" ? "unexpected end of template" : `unexpected '${t.value || t.type}'`,
          pos,
        );
    }
  }

  private parsePostfix(node: Expr): Expr {
    for (;;) {
      if (this.isOp(".")) {
        const pos = this.next().pos;
        const t = this.next();
        if (t.type === "name") node = { t: "attr", obj: node, name: t.value, pos };
        else if (t.type === "int")
          node = { t: "item", obj: node, key: { t: "lit", value: Number(t.value), pos }, pos };
        else this.fail("expected an attribute name after '.'", t.pos);
      } else if (this.isOp("[")) {
        const pos = this.next().pos;
        node = this.parseSubscript(node, pos);
      } else if (this.isOp("(")) {
        const pos = this.next().pos;
        const { args, kwargs } = this.parseArgs();
        node = { t: "call", fn: node, args, kwargs, pos };
      } else return node;
    }
  }

  private parseSubscript(obj: Expr, pos: number): Expr {
    const parts: Array<Expr | undefined> = [undefined];
    let colons = 0;
    while (!this.isOp("]")) {
      if (this.isOp(":")) {
        this.next();
        colons += 1;
        parts.push(undefined);
        continue;
      }
      parts[colons] = this.parseExpr();
    }
    this.expect("op", "]");
    if (colons === 0) {
      if (!parts[0]) this.fail("empty subscript", pos);
      return { t: "item", obj, key: parts[0] as Expr, pos };
    }
    const [start, stop, step] = parts;
    return {
      t: "slice",
      obj,
      pos,
      ...(start ? { start } : {}),
      ...(stop ? { stop } : {}),
      ...(step ? { step } : {}),
    };
  }

  private parseArgs(): { args: Expr[]; kwargs: Array<[string, Expr]> } {
    const args: Expr[] = [];
    const kwargs: Array<[string, Expr]> = [];
    while (!this.isOp(")")) {
      if (this.tok.type === "name" && this.peek().type === "op" && this.peek().value === "=") {
        const name = this.next().value;
        this.next();
        kwargs.push([name, this.parseExpr()]);
      } else args.push(this.parseExpr());
      if (!this.isOp(",")) break;
      this.next();
    }
    this.expect("op", ")");
    return { args, kwargs };
  }

  /** `name` or `name(args)` of a filter (the `|` already consumed). */
  protected parseFilterCall(): FilterCall {
    const pos = this.tok.pos;
    let name = this.expect("name").value;
    while (this.isOp(".")) {
      this.next();
      name += `.${this.expect("name").value}`;
    }
    let args: Expr[] = [];
    let kwargs: Array<[string, Expr]> = [];
    if (this.isOp("(")) {
      this.next();
      ({ args, kwargs } = this.parseArgs());
    }
    return { name, args, kwargs, pos };
  }

  private parseFilters(node: Expr): Expr {
    for (;;) {
      if (this.isOp("|")) {
        const pos = this.next().pos;
        const { name, args, kwargs } = this.parseFilterCall();
        node = { t: "filter", value: node, name, args, kwargs, pos };
      } else if (this.isName("is")) {
        const pos = this.next().pos;
        let negate = false;
        if (this.isName("not")) {
          this.next();
          negate = true;
        }
        const nameTok = this.next();
        const name =
          nameTok.type === "name" || nameTok.type === "op"
            ? nameTok.value
            : this.fail("expected a test name after 'is'", nameTok.pos);
        const args: Expr[] = [];
        if (this.isOp("(")) {
          this.next();
          args.push(...this.parseArgs().args);
        } else if (
          this.tok.type === "string" ||
          this.tok.type === "int" ||
          this.tok.type === "float" ||
          (this.tok.type === "name" &&
            !["and", "or", "else", "if", "not", "in", "is"].includes(this.tok.value))
        ) {
          args.push(this.parsePostfix(this.parsePrimary()));
        }
        node = { t: "test", value: node, name: name === "==" ? "eq" : name, args, negate, pos };
      } else return node;
    }
  }
}
