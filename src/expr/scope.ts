/** Where a template's free names are looked up. Layered scopes read without copying. */
export interface Scope {
  get(name: string): unknown;
  has(name: string): boolean;
}

const EMPTY: Scope = { get: () => undefined, has: () => false };

/** A scope over a plain object's own properties. */
export function scopeOf(obj: Record<string, unknown> | undefined | null): Scope {
  if (!obj) return EMPTY;
  return {
    get: (name) => (Object.hasOwn(obj, name) ? obj[name] : undefined),
    has: (name) => Object.hasOwn(obj, name),
  };
}

/** The first layer that has a name wins. */
export function layered(...layers: Array<Scope | Record<string, unknown> | undefined>): Scope {
  const scopes = layers.filter((l): l is Scope | Record<string, unknown> => l !== undefined).map(asScope);
  return {
    get(name) {
      for (const s of scopes) if (s.has(name)) return s.get(name);
      return undefined;
    },
    has: (name) => scopes.some((s) => s.has(name)),
  };
}

export function isScope(v: unknown): v is Scope {
  return (
    typeof v === "object" &&
    v !== null &&
    typeof (v as Scope).get === "function" &&
    typeof (v as Scope).has === "function"
  );
}

export function asScope(v: Scope | Record<string, unknown> | undefined): Scope {
  if (v === undefined) return EMPTY;
  return isScope(v) ? v : scopeOf(v);
}
