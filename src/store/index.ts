/**
 * @module store
 * Persistence port and its conformance suite. Adapters live in sub-folders (leaves).
 */
export type {
  CatalogEntry,
  ClaimOutcome,
  CommandRow,
  CommandUpdate,
  CommitBatch,
  CommitResult,
  CredentialRow,
  ExecutionRow,
  ListCommandsFilter,
  ListExecutionsFilter,
  ReadEventsOptions,
  Store,
} from "./store.ts";
