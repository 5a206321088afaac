import { TemplateError } from "./template-error.ts";
import { PyFunction } from "./values.ts";

const MAX_RANGE = 1_000_000;

/** Template globals: range, dict, namespace-free subset. `now()` comes from the scope. */
export const GLOBALS: Record<string, PyFunction> = {
  range: new PyFunction("range", (args) => {
    const nums = args.map(Number);
    const [start, stop, step] =
      nums.length === 1 ? [0, nums[0] as number, 1] : [nums[0] as number, nums[1] as number, nums[2] ?? 1];
    if (step === 0) throw new TemplateError("NOETL_E_TEMPLATE_TYPE", "range() arg 3 must not be zero");
    const count = Math.max(0, Math.ceil((stop - start) / step));
    if (count > MAX_RANGE)
      throw new TemplateError("NOETL_E_TEMPLATE_LIMIT", `range of ${count} items exceeds ${MAX_RANGE}`);
    const out = new Array<number>(count);
    for (let i = 0; i < count; i++) out[i] = start + i * step;
    return out;
  }),
  dict: new PyFunction("dict", (args, kwargs) => {
    const out: Record<string, unknown> = {};
    const first = args[0];
    if (Array.isArray(first))
      for (const pair of first) if (Array.isArray(pair)) out[String(pair[0])] = pair[1];
    if (first && typeof first === "object" && !Array.isArray(first)) Object.assign(out, first);
    return Object.assign(out, kwargs);
  }),
  now: new PyFunction("now", () => {
    throw new TemplateError(
      "NOETL_E_TEMPLATE_UNDEFINED",
      "now() is not available here (no clock in this context)",
    );
  }),
};
