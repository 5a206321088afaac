import { Namespace } from "./namespace.ts";
import { own } from "./owned.ts";
import { setKey } from "./set-key.ts";
import { TemplateError } from "./template-error.ts";
import { isMapping, PyFunction, typeName } from "./values.ts";

const MAX_RANGE = 1_000_000;

/** Python's dict(mapping_or_pairs, **kwargs). */
function dictOf(args: unknown[], kwargs: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const first = args[0];
  if (Array.isArray(first))
    for (const pair of first) if (Array.isArray(pair)) setKey(out, String(pair[0]), pair[1]);
  if (isMapping(first)) for (const [k, v] of Object.entries(first)) setKey(out, k, v);
  for (const [k, v] of Object.entries(kwargs)) setKey(out, k, v);
  return out;
}

/** Template globals: range, dict, namespace. `now()` comes from the scope. */
export const GLOBALS: Record<string, PyFunction> = {
  range: new PyFunction("range", (args) => {
    const nums = args.map((a) => {
      if (typeof a === "boolean") return a ? 1 : 0;
      if (typeof a === "number" && Number.isInteger(a)) return a;
      throw new TemplateError(
        "NOETL_E_TEMPLATE_TYPE",
        `'${typeName(a)}' object cannot be interpreted as an integer`,
      );
    });
    const [start, stop, step] =
      nums.length === 1 ? [0, nums[0] as number, 1] : [nums[0] as number, nums[1] as number, nums[2] ?? 1];
    if (step === 0) throw new TemplateError("NOETL_E_TEMPLATE_TYPE", "range() arg 3 must not be zero");
    const count = Math.max(0, Math.ceil((stop - start) / step));
    if (count > MAX_RANGE)
      throw new TemplateError("NOETL_E_TEMPLATE_LIMIT", `range of ${count} items exceeds ${MAX_RANGE}`);
    const out = new Array<number>(count);
    for (let i = 0; i < count; i++) out[i] = start + i * step;
    return own(out);
  }),
  dict: new PyFunction("dict", (args, kwargs) => own(dictOf(args, kwargs))),
  namespace: new PyFunction("namespace", (args, kwargs) => new Namespace(dictOf(args, kwargs))),
  now: new PyFunction("now", () => {
    throw new TemplateError(
      "NOETL_E_TEMPLATE_UNDEFINED",
      "now() is not available here (no clock in this context)",
    );
  }),
};
