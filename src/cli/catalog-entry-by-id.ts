import type { HttpClient } from "../client/index.ts";
import { NoetlError } from "../kernel/index.ts";

/**
 * A server's catalog entry `catalogId` (`/api/catalog/resource?catalog_id=`), with its content;
 * a deleted entry, like an unknown id, is not found (it is not started either).
 */
export async function serverCatalogEntry(
  http: HttpClient,
  catalogId: string,
): Promise<{ content: string; path: string; version: number }> {
  type Entry = { content: string; path: string; version: number; archived_at?: number };
  let entry: Entry;
  try {
    entry = await http.get<Entry>(`/api/catalog/resource?catalog_id=${encodeURIComponent(catalogId)}`);
  } catch (error) {
    if (error instanceof NoetlError && error.code === "NOETL_E_CATALOG_NOT_FOUND")
      throw catalogIdNotFound(catalogId);
    throw error;
  }
  if (entry.archived_at !== undefined && entry.archived_at !== null) throw catalogIdNotFound(catalogId);
  return entry;
}

/** A catalog id that names no entry: the error of an unknown catalog path, as the server answers it. */
export function catalogIdNotFound(catalogId: string): NoetlError {
  return new NoetlError("NOETL_E_CATALOG_NOT_FOUND", `no catalog entry ${catalogId}`);
}
