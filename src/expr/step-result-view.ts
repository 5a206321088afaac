/**
 * DECISIONS 30: `<step>.data` is the result's `data` field when it has one, else the whole
 * result. A map result without `data` is exposed with a hidden `data` alias to itself (the
 * alias is not enumerable, so printing and `tojson` show the result as it is).
 */
export function stepResultView(value: unknown): unknown {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return value;
  if (Object.hasOwn(value, "data")) return value;
  const view = { ...(value as Record<string, unknown>) };
  Object.defineProperty(view, "data", { value, enumerable: false });
  return view;
}
