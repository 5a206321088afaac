/** Expression and template syntax trees. `pos` is the offset in the template source. */
export type Expr =
  | { t: "lit"; value: unknown; pos: number }
  | { t: "name"; name: string; pos: number }
  | { t: "attr"; obj: Expr; name: string; pos: number }
  | { t: "item"; obj: Expr; key: Expr; pos: number }
  | { t: "slice"; obj: Expr; start?: Expr; stop?: Expr; step?: Expr; pos: number }
  | { t: "call"; fn: Expr; args: Expr[]; kwargs: Array<[string, Expr]>; pos: number }
  | { t: "filter"; value: Expr; name: string; args: Expr[]; kwargs: Array<[string, Expr]>; pos: number }
  | { t: "test"; value: Expr; name: string; args: Expr[]; negate: boolean; pos: number }
  | { t: "bin"; op: string; left: Expr; right: Expr; pos: number }
  | { t: "unary"; op: "-" | "+" | "not"; value: Expr; pos: number }
  | { t: "and" | "or"; left: Expr; right: Expr; pos: number }
  | { t: "cmp"; first: Expr; rest: Array<[string, Expr]>; pos: number }
  | { t: "cond"; test: Expr; then: Expr; else?: Expr; pos: number }
  | { t: "list" | "tuple"; items: Expr[]; pos: number }
  | { t: "dict"; entries: Array<[Expr, Expr]>; pos: number };

/** One `| name(args)` of a filter chain (`{% filter %}`, `{% set x | f %}`). */
export interface FilterCall {
  name: string;
  args: Expr[];
  kwargs: Array<[string, Expr]>;
  pos: number;
}

export type Node =
  | { t: "text"; text: string }
  | { t: "out"; expr: Expr }
  | { t: "if"; branches: Array<[Expr, Node[]]>; else?: Node[] }
  | { t: "for"; targets: string[]; iter: Expr; filter?: Expr; body: Node[]; else?: Node[]; pos: number }
  /** `{% set a, b = v %}`; with `attr`, `{% set ns.attr = v %}` on a namespace (one target). */
  | { t: "set"; targets: string[]; attr?: string; value: Expr; pos: number }
  /** `{% set x | filters %}body{% endset %}` */
  | { t: "setblock"; target: string; attr?: string; filters: FilterCall[]; body: Node[]; pos: number }
  | { t: "filterblock"; filters: FilterCall[]; body: Node[]; pos: number }
  | { t: "macro"; name: string; params: Array<[string, Expr | undefined]>; body: Node[]; pos: number };
