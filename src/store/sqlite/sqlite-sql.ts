/**
 * The SQLite store's statements (`sqlite-store.ts` prepares each once). Event queries seek the
 * event table's key, `xid << 32 | seq` (see migrations.ts), through the execution row.
 */

/** The command statuses that stick. */
const TERMINAL = "('COMPLETED','FAILED','CANCELLED')";
/** A claim that is held: CLAIMED/RUNNING with a lease not yet expired (`lease_until >= now`). */
const LIVE = "(status IN ('CLAIMED','RUNNING') AND COALESCE(lease_until, 0) >= @now)";

/**
 * The events of execution `x` after seq `after` (an SQL expression): a seek on the table's key,
 * `id = xid << 32 | seq` (see migrations.ts).
 */
const RANGE_AFTER = (after: string) => `e.id > (x.xid << 32) + ${after} AND e.id < ((x.xid + 1) << 32)`;
/** Execution `x`'s last seq, 0 before its first event: the last row of its range. */
export const LAST_SEQ = `COALESCE((SELECT e.seq FROM event e WHERE ${RANGE_AFTER("0")} ORDER BY e.id DESC LIMIT 1), 0)`;

export const SQL = {
  /** The execution's number and last seq; no row: not yet known. */
  position: `SELECT x.xid, ${LAST_SEQ} AS last FROM execution x WHERE x.execution_id = ?`,
  ensureExecution:
    "INSERT INTO execution(execution_id, path, status, started_at) VALUES (?, '', 'running', ?)",
  upsertExecution: `INSERT INTO execution(execution_id, path, catalog_version, status, parent_execution_id,
      started_at, ended_at, result, error)
    VALUES (@execution_id, COALESCE(@path, ''), @catalog_version, COALESCE(@status, 'running'),
      @parent_execution_id, COALESCE(@started_at, @at), @ended_at, @result, @error)
    ON CONFLICT(execution_id) DO UPDATE SET
      path = COALESCE(@path, path),
      catalog_version = COALESCE(@catalog_version, catalog_version),
      status = COALESCE(@status, status),
      parent_execution_id = COALESCE(@parent_execution_id, parent_execution_id),
      started_at = COALESCE(@started_at, started_at),
      ended_at = COALESCE(@ended_at, ended_at),
      result = COALESCE(@result, result),
      error = COALESCE(@error, error)`,
  deleteEventsAfter: "DELETE FROM event WHERE id > (@xid << 32) + @last AND id < ((@xid + 1) << 32)",
  /** The execution (xid) whose event holds the numeric event id `k` (see event-writer.ts). */
  eventKeyOwner: "SELECT xid FROM event_key WHERE k = ?",
  claimEventKey: "INSERT INTO event_key(k, xid, seq) VALUES (?, ?, ?)",
  /** The seq of an execution's keyed event (`event_key` holds it with the claim). */
  keyedEventSeq:
    "SELECT k.seq FROM event_key k JOIN execution x ON x.xid = k.xid WHERE k.k = ? AND x.execution_id = ?",
  /** The seq of an execution's event that `event_key` does not guard (the partial index). */
  unkeyedEventSeq: "SELECT seq FROM event WHERE execution_id = ? AND event_id = ? AND keyed IS NULL",
  deleteEventKey: "DELETE FROM event_key WHERE k = ?",
  /** An event of the execution with this id that `event_key` does not guard (the partial index). */
  unkeyedEventExists: "SELECT 1 FROM event WHERE execution_id = ? AND event_id = ? AND keyed IS NULL",
  updateCommand: `UPDATE command SET status = @status,
      worker_id = CASE WHEN @status = 'PENDING' THEN NULL ELSE COALESCE(@worker_id, worker_id) END,
      lease_until = CASE WHEN @status = 'PENDING' THEN NULL ELSE lease_until END,
      completed_at = CASE WHEN @terminal = 1 THEN @at ELSE completed_at END
    WHERE cid = @command_id AND status NOT IN ${TERMINAL}`,
  readEvents: `SELECT e.* FROM execution x JOIN event e ON ${RANGE_AFTER("@after")}
    WHERE x.execution_id = @execution_id ORDER BY e.id LIMIT @limit`,
  readEventsOfTypes: `SELECT e.* FROM execution x JOIN event e ON ${RANGE_AFTER("@after")}
    WHERE x.execution_id = @execution_id AND e.type IN (SELECT value FROM json_each(@types))
    ORDER BY e.id LIMIT @limit`,
  loopEvents: `SELECT e.* FROM execution x JOIN event e ON ${RANGE_AFTER("0")}
    WHERE x.execution_id = ? AND e.step = ? AND e.type IN (SELECT value FROM json_each(?))
      AND json_extract(e.payload, '$.loop_id') = ? ORDER BY e.id`,
  hasEvents: `SELECT 1 FROM execution x JOIN event e ON ${RANGE_AFTER("0")} WHERE x.execution_id = ? LIMIT 1`,
  getExecution: `SELECT x.*, ${LAST_SEQ} AS last_seq FROM execution x WHERE x.execution_id = ?`,
  getCommand: "SELECT * FROM command WHERE cid = ?",
  claim: `UPDATE command SET
      status = CASE WHEN ${LIVE} THEN status ELSE 'CLAIMED' END,
      claimed_at = CASE WHEN ${LIVE} THEN claimed_at ELSE @now END,
      claims = claims + CASE WHEN ${LIVE} THEN 0 ELSE 1 END,
      worker_id = @worker_id,
      lease_until = @now + @lease_ms
    WHERE cid = @command_id AND status NOT IN ${TERMINAL} AND (NOT ${LIVE} OR worker_id = @worker_id)
    RETURNING *`,
  renew: `UPDATE command SET lease_until = ? WHERE cid = ? AND worker_id = ?
    AND status IN ('CLAIMED','RUNNING')`,
  maxVersion: "SELECT COALESCE(MAX(version), 0) FROM catalog WHERE path = ?",
  insertCatalog: "INSERT INTO catalog(path, version, kind, content, created_at) VALUES (?, ?, ?, ?, ?)",
  catalogLatest: "SELECT * FROM catalog WHERE path = ? AND archived_at IS NULL ORDER BY version DESC LIMIT 1",
  catalogVersion: "SELECT * FROM catalog WHERE path = ? AND version = ?",
  catalogById: "SELECT * FROM catalog WHERE catalog_id = ?",
  catalogList: `SELECT * FROM catalog WHERE (@path IS NULL OR path = @path) AND (@kind IS NULL OR kind = @kind)
    AND (@archived = 1 OR archived_at IS NULL) ORDER BY path, version DESC`,
  catalogArchive: `UPDATE catalog SET archived_at = @now
    WHERE path = @path AND (@version IS NULL OR version = @version) AND archived_at IS NULL RETURNING *`,
  catalogRestore: `UPDATE catalog SET archived_at = NULL
    WHERE path = @path AND (@version IS NULL OR version = @version) AND archived_at IS NOT NULL RETURNING *`,
  insertResult: `INSERT INTO result(ref, execution_id, name, data, bytes, created_at) VALUES (?, ?, ?, ?, ?, ?)
    ON CONFLICT(ref) DO NOTHING`,
  getResult: "SELECT data FROM result WHERE ref = ?",
  putCredential: `INSERT INTO credential(name, type, data_encrypted, description, tags, created_at, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT(name) DO UPDATE SET type = excluded.type, data_encrypted = excluded.data_encrypted,
      description = excluded.description, tags = excluded.tags, updated_at = excluded.updated_at`,
  getCredential: "SELECT * FROM credential WHERE name = ?",
  listCredentials: "SELECT * FROM credential ORDER BY name",
  deleteCredential: "DELETE FROM credential WHERE name = ?",
  kvGet: "SELECT value FROM kv WHERE key = ?",
  kvPut: "INSERT INTO kv(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
} as const;

/** Rows per multi-row INSERT (12 columns × 64 = 768 parameters, well below SQLite's limit). */
export const ROWS_PER_STATEMENT = 64;
/** A multi-row INSERT: its text around the VALUES list, one row's values, the SQL per row count. */
export interface MultiRowInsert {
  head: string;
  row: string;
  tail: string;
  sql: string[];
}
export const INSERT_EVENTS: MultiRowInsert = {
  head: "INSERT INTO event(id, execution_id, seq, event_id, type, step, at, payload, cause, keyed)",
  row: "((? << 32) + ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
  tail: " ON CONFLICT DO NOTHING",
  sql: [],
};
/** Claims numeric event ids for their executions; returns the ids no event held yet. */
export const CLAIM_EVENT_KEYS: MultiRowInsert = {
  head: "INSERT INTO event_key(k, xid, seq)",
  row: "(?, ?, ?)",
  tail: "",
  sql: [],
};
export const INSERT_COMMANDS: MultiRowInsert = {
  head: `INSERT INTO command(cid, command_id, execution_id, step, pool, status, body, created_at,
    worker_id, lease_until, claimed_at, claims)`,
  row: "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
  tail: " ON CONFLICT(cid) DO NOTHING",
  sql: [],
};
