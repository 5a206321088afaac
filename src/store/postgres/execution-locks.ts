/**
 * The execution lock of the PostgreSQL store (`withExecutionLock`): a process-local mutex, then a
 * session-level advisory lock on a connection of the lock pool, held while `fn` runs; and the
 * unlocks sent and not yet done, which `commitIfCurrent` waits for.
 */
import type pg from "pg";
import type { ExecutionId } from "../../kernel/index.ts";
import { ExecutionMutex } from "../execution-mutex.ts";
import type { LockedExecution } from "../store.ts";
import type { SqlName } from "./postgres-sql.ts";
import type { ExecutionRecord } from "./rows.ts";
import { toExecution } from "./rows.ts";

/** Runs a statement of the store on `client` (a named prepared statement). */
export type QueryOn = <R extends pg.QueryResultRow = pg.QueryResultRow>(
  sql: string,
  params: unknown[],
  client: pg.PoolClient,
) => Promise<pg.QueryResult<R>>;

export class ExecutionLocks {
  private readonly mutex = new ExecutionMutex();
  /** Unlocks sent and not yet done, by execution (`run`). */
  private readonly unlocking = new Map<ExecutionId, Promise<void>>();

  /** `sql`: the store's statements, in its schema; `schema` is part of every lock key. */
  constructor(
    private readonly lockPool: pg.Pool,
    private readonly query: QueryOn,
    private readonly sql: Record<SqlName, string>,
    private readonly schema: string,
  ) {}

  /**
   * Process-local mutex first (so same-execution waiters in this process hold no connection),
   * then a session-level advisory lock keyed by (schema, execution id) on a lock-pool
   * connection, held until `fn` settles. If that connection dies meanwhile, PostgreSQL drops the
   * lock; the connection is then discarded.
   *
   * One round trip takes the lock and reads the execution row (`lock_execution`), which `fn`
   * receives. The unlock is sent without waiting for its reply (the connection returns to the
   * pool once it is done): a waiter, here or on another replica, is blocked by PostgreSQL until
   * then.
   */
  run<T>(executionId: ExecutionId, fn: (locked?: LockedExecution) => Promise<T>): Promise<T> {
    return this.mutex.run(executionId, async () => {
      const key = this.key(executionId);
      const client = await this.lockPool.connect();
      let locked: LockedExecution;
      try {
        const [r] = (await this.query<ExecutionRecord>(this.sql.lock, [key, executionId], client)).rows;
        locked = { row: r ? toExecution(r) : undefined };
      } catch (error) {
        client.release(error as Error);
        throw error;
      }
      try {
        return await fn(locked);
      } finally {
        const unlocked = this.query(this.sql.unlock, [key], client).then(
          () => client.release(),
          (error: Error) => client.release(error),
        );
        this.unlocking.set(executionId, unlocked);
        void unlocked.then(() => {
          if (this.unlocking.get(executionId) === unlocked) this.unlocking.delete(executionId);
        });
      }
    });
  }

  /** The unlock of `executionId` sent and not yet done, if any (`commitIfCurrent` waits for it). */
  pendingUnlock(executionId: ExecutionId): Promise<void> | undefined {
    return this.unlocking.get(executionId);
  }

  /** The advisory lock key of an execution (`withExecutionLock`, `commitIfCurrent`). */
  key(executionId: ExecutionId): string {
    return `noetl.execution:${this.schema}:${executionId}`;
  }
}
