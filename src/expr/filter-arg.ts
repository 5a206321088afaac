/** A filter argument given by position or by keyword (`truncate(10, end='…')`). */
export function filterArg(
  args: unknown[],
  kwargs: Record<string, unknown>,
  index: number,
  name: string,
  dflt: unknown,
): unknown {
  if (Object.hasOwn(kwargs, name)) return kwargs[name];
  return index < args.length ? args[index] : dflt;
}
