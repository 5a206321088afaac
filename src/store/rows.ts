/**
 * Row shapes of the SQL stores' tables (SQLite and PostgreSQL share the logical schema) and their
 * decoding into port types. JSON columns arrive as text (SQLite TEXT; PostgreSQL `json` read raw);
 * absent optional fields are NULL in SQL and omitted (not `undefined`) in the decoded objects.
 */
import type { EventId, ExecutionId, Json } from "../kernel/index.ts";
import type { Command, CommandStatus, ExecutionStatus, NoetlEvent } from "../protocol/index.ts";
import type { CatalogEntry, CommandRow, CredentialRow, ExecutionRow } from "./store.ts";

export interface EventRecord {
  execution_id: string;
  seq: number;
  event_id: string;
  type: string;
  step: string | null;
  at: number;
  payload: string;
  cause: string | null;
}

export interface ExecutionRecord {
  execution_id: string;
  path: string;
  catalog_version: number | null;
  status: string;
  parent_execution_id: string | null;
  started_at: number;
  ended_at: number | null;
  result: string | null;
  error: string | null;
  last_seq: number;
}

export interface CommandRecord {
  command_id: string;
  body: string;
  status: string;
  worker_id: string | null;
  lease_until: number | null;
  claimed_at: number | null;
  completed_at: number | null;
  claims: number;
  created_at: number;
}

export interface CatalogRecord {
  catalog_id: number;
  path: string;
  version: number;
  kind: string;
  content: string;
  created_at: number;
  archived_at?: number | null;
}

export interface CredentialRecord {
  name: string;
  type: string;
  data_encrypted: string;
  description: string | null;
  tags: string | null;
  created_at: number;
  updated_at: number;
}

export function toEvent(r: EventRecord): NoetlEvent {
  const event = {
    execution_id: r.execution_id as ExecutionId,
    event_id: r.event_id as EventId,
    seq: r.seq,
    type: r.type,
    at: r.at,
    payload: JSON.parse(r.payload) as Json,
  } as NoetlEvent;
  if (r.step !== null) event.step = r.step;
  if (r.cause !== null) event.cause = r.cause as EventId;
  return event;
}

export function toExecution(r: ExecutionRecord): ExecutionRow {
  const row: ExecutionRow = {
    execution_id: r.execution_id as ExecutionId,
    path: r.path,
    status: r.status as ExecutionStatus,
    started_at: r.started_at,
    last_seq: r.last_seq,
  };
  if (r.catalog_version !== null) row.catalog_version = r.catalog_version;
  if (r.parent_execution_id !== null) row.parent_execution_id = r.parent_execution_id as ExecutionId;
  if (r.ended_at !== null) row.ended_at = r.ended_at;
  if (r.result !== null) row.result = JSON.parse(r.result) as Json;
  if (r.error !== null) row.error = JSON.parse(r.error) as Json;
  return row;
}

export function toCommand(r: CommandRecord): CommandRow {
  const row: CommandRow = {
    command: JSON.parse(r.body) as Command,
    status: r.status as CommandStatus,
    claims: r.claims,
    created_at: r.created_at,
  };
  if (r.worker_id !== null) row.worker_id = r.worker_id;
  if (r.lease_until !== null) row.lease_until = r.lease_until;
  if (r.claimed_at !== null) row.claimed_at = r.claimed_at;
  if (r.completed_at !== null) row.completed_at = r.completed_at;
  return row;
}

export function toCatalog(r: CatalogRecord): CatalogEntry {
  const entry: CatalogEntry = {
    catalog_id: String(r.catalog_id),
    path: r.path,
    version: r.version,
    kind: r.kind,
    content: r.content,
    created_at: r.created_at,
  };
  if (r.archived_at !== null && r.archived_at !== undefined) entry.archived_at = r.archived_at;
  return entry;
}

export function toCredential(r: CredentialRecord): CredentialRow {
  const row: CredentialRow = {
    name: r.name,
    type: r.type,
    data_encrypted: r.data_encrypted,
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
  if (r.description !== null) row.description = r.description;
  if (r.tags !== null) row.tags = JSON.parse(r.tags) as string[];
  return row;
}
