import { resolve } from "node:path";
import type { DuckDBConnection, DuckDBResultReader } from "@duckdb/node-api";
import { DuckDBInstance, DuckDBTypeId, ResultReturnType } from "@duckdb/node-api";
import type { Json, JsonObject } from "../../kernel/index.ts";
import { abortError } from "../abort-error.ts";
import { sqlStatements } from "../sql-statements.ts";
import type { Tool, ToolContext } from "../tool.ts";
import { ToolError } from "../tool.ts";

const { configError, loadStatements } = sqlStatements("duckdb", {
  config: "NOETL_E_DUCKDB_CONFIG",
  script: "NOETL_E_DUCKDB_SCRIPT",
});

const MEMORY = ":memory:";

/** One statement's result block. */
interface StatementResult extends JsonObject {
  rows: JsonObject[];
  row_count: number;
  columns: string[];
}

/** 64/128-bit integer columns: DuckDB's JSON conversion gives strings; safe ones become numbers. */
const WIDE_INTEGERS: ReadonlySet<DuckDBTypeId> = new Set([
  DuckDBTypeId.BIGINT,
  DuckDBTypeId.UBIGINT,
  DuckDBTypeId.HUGEINT,
  DuckDBTypeId.UHUGEINT,
]);

/**
 * `kind: duckdb` (DECISIONS 35): runs the statements of `command`/`commands`/`script` in order
 * on `database` (a file path, default in-memory; one cached instance per path, a fresh
 * connection per task). `params` binds `$1…`/`?` of a single statement; `transaction: true`
 * wraps the statements in BEGIN/COMMIT (ROLLBACK on error). Result as postgres: `command_<i>`
 * blocks `{rows, row_count, columns}` plus the last statement's at top level.
 */
export function createDuckdbTool(): Tool {
  const instances = new Map<string, Promise<DuckDBInstance>>();

  const instanceFor = (path: string): Promise<DuckDBInstance> => {
    let instance = instances.get(path);
    if (!instance) {
      instance = DuckDBInstance.create(path);
      instances.set(path, instance);
      instance.catch(() => instances.delete(path));
    }
    return instance;
  };

  return {
    kind: "duckdb",
    async run(config: JsonObject, ctx: ToolContext): Promise<Json> {
      const statements = await loadStatements(config, ctx);
      const params = paramsOf(config, statements.length);
      const path = databaseOf(config);
      const transaction = config.transaction === true;
      if (ctx.signal.aborted) throw aborted(ctx.signal);

      let connection: DuckDBConnection;
      try {
        connection = await (await instanceFor(path)).connect();
      } catch (error) {
        throw new ToolError(
          {
            kind: "db_connection",
            retryable: false,
            code: "NOETL_E_DUCKDB_OPEN",
            message: `cannot open duckdb database ${path}: ${messageOf(error)}`,
          },
          { cause: error },
        );
      }
      const onAbort = () => connection.interrupt();
      ctx.signal.addEventListener("abort", onAbort, { once: true });
      const blocks: StatementResult[] = [];
      let index: number | undefined;
      try {
        if (transaction) await connection.run("BEGIN TRANSACTION");
        for (const [i, sql] of statements.entries()) {
          index = i;
          if (ctx.signal.aborted) throw aborted(ctx.signal);
          blocks.push(blockOf(await connection.runAndReadAll(sql, params)));
        }
        index = undefined;
        if (transaction) await connection.run("COMMIT");
      } catch (error) {
        if (transaction) await connection.run("ROLLBACK").catch(() => {});
        throw errorOf(error, index, ctx.signal);
      } finally {
        ctx.signal.removeEventListener("abort", onAbort);
        connection.closeSync();
      }

      const out: JsonObject = {};
      blocks.forEach((block, i) => {
        out[`command_${i}`] = block;
      });
      const last = blocks[blocks.length - 1] as StatementResult;
      return { ...out, rows: last.rows, row_count: last.row_count, columns: last.columns };
    },

    async close(): Promise<void> {
      const all = [...instances.values()];
      instances.clear();
      for (const settled of await Promise.allSettled(all)) {
        if (settled.status === "fulfilled") settled.value.closeSync();
      }
    },
  };
}

function databaseOf(config: JsonObject): string {
  const raw = config.database ?? config.db ?? config.path;
  if (raw === undefined || raw === null || raw === "" || raw === MEMORY || raw === "memory") return MEMORY;
  if (typeof raw !== "string") throw configError("kind: duckdb: `database` must be a file path");
  return raw.startsWith("md:") ? raw : resolve(raw);
}

type Param = string | number | boolean | null;

function paramsOf(config: JsonObject, statementCount: number): Param[] | undefined {
  const params = config.params ?? config.parameters;
  if (params === undefined || params === null) return undefined;
  if (!Array.isArray(params)) throw configError("kind: duckdb: `params` must be a list");
  if (statementCount > 1) {
    throw configError(`kind: duckdb: \`params\` needs a single statement (got ${statementCount})`);
  }
  return params.map((p) => (p !== null && typeof p === "object" ? JSON.stringify(p) : p));
}

function blockOf(reader: DuckDBResultReader): StatementResult {
  if (reader.returnType === ResultReturnType.CHANGED_ROWS) {
    return { rows: [], row_count: reader.rowsChanged, columns: [] };
  }
  if (reader.returnType !== ResultReturnType.QUERY_RESULT) return { rows: [], row_count: 0, columns: [] };
  const columns = reader.deduplicatedColumnNames();
  const wide = columns.filter((_, i) => WIDE_INTEGERS.has(reader.columnTypeId(i)));
  const rows = reader.getRowObjectsJson() as JsonObject[];
  if (wide.length > 0) {
    for (const row of rows) {
      for (const column of wide) {
        const value = row[column];
        if (typeof value === "string") {
          const n = Number(value);
          if (Number.isSafeInteger(n)) row[column] = n;
        }
      }
    }
  }
  return { rows, row_count: rows.length, columns };
}

function errorOf(error: unknown, index: number | undefined, signal: AbortSignal): ToolError {
  if (error instanceof ToolError) return error;
  if (signal.aborted) return aborted(signal);
  const message = messageOf(error);
  return new ToolError(
    {
      kind: "db_error",
      retryable: false,
      code: "NOETL_E_DUCKDB_ERROR",
      message: index === undefined ? message : `${message} (statement ${index})`,
      ...(index === undefined ? {} : { details: { statement_index: index } }),
    },
    { cause: error },
  );
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function aborted(signal: AbortSignal): ToolError {
  return abortError(signal, {
    timeoutCode: "NOETL_E_DUCKDB_TIMEOUT",
    timeout: "duckdb statement ran past the task timeout (interrupted)",
    cancelled: "duckdb task cancelled",
  });
}
