/** SQLSTATE codes the PostgreSQL store reacts to, and reading one off a `pg` error. */

/** SQLSTATEs after which a whole transaction may simply be run again. */
export const RETRYABLE = new Set(["40001", "40P01"]);
export const UNIQUE_VIOLATION = "23505";
/** `commit_batch_claim`: the execution moved on, or another session holds its lock (optimistic commit). */
export const NOT_CURRENT = "NX001";

export function sqlState(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : "";
}
