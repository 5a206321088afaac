/**
 * @module store
 * Persistence port and its conformance suite. Adapters live in sub-folders (leaves).
 */

export { ExecutionMutex } from "./execution-mutex.ts";
export type {
  CatalogEntry,
  CatalogListFilter,
  ClaimOutcome,
  CommandClaim,
  CommandRow,
  CommandUpdate,
  CommitBatch,
  CommitResult,
  CredentialRow,
  ExecutionRow,
  ExpectedExecution,
  ListCommandsFilter,
  ListExecutionsFilter,
  LockedExecution,
  ReadEventsOptions,
  Store,
} from "./store.ts";
