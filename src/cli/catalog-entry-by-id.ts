import type { EmbeddedApp } from "../app/index.ts";
import type { HttpClient } from "../client/index.ts";
import { NoetlError } from "../kernel/index.ts";

/** The path and version of the embedded catalog's entry `catalogId` (as the server's `/api/execute` reads it). */
export async function catalogEntryById(
  store: EmbeddedApp["store"],
  catalogId: string,
): Promise<{ path: string; version: number }> {
  const entry = await store.catalogGetById(catalogId);
  if (!entry) throw catalogIdNotFound(catalogId);
  return { path: entry.path, version: entry.version };
}

/** The path and version of a server's catalog entry `catalogId` (no route reads one by id: its list does). */
export async function serverCatalogEntry(
  http: HttpClient,
  catalogId: string,
): Promise<{ path: string; version: number }> {
  type Listed = { catalog_id: string; path: string; version: number };
  const { entries } = await http.get<{ entries: Listed[] }>("/api/catalog/list");
  const entry = entries.find((e) => e.catalog_id === catalogId);
  if (!entry) throw catalogIdNotFound(catalogId);
  return { path: entry.path, version: entry.version };
}

/** A catalog id that names no entry: the error of an unknown catalog path, as the server answers it. */
export function catalogIdNotFound(catalogId: string): NoetlError {
  return new NoetlError("NOETL_E_CATALOG_NOT_FOUND", `no catalog entry ${catalogId}`);
}
