/** A template filter: the value piped into it, its positional and its keyword arguments. */
export type Filter = (value: unknown, args: unknown[], kwargs: Record<string, unknown>) => unknown;
