import pg from "pg";
import type { Json, JsonObject } from "../../kernel/index.ts";
import type { ErrorKind } from "../../protocol/index.ts";
import { abortError } from "../abort-error.ts";
import { sqlStatements } from "../sql-statements.ts";
import type { Tool, ToolContext } from "../tool.ts";
import { ToolError } from "../tool.ts";
import { bindParams } from "./bind-params.ts";
import { connectionOf } from "./connection-config.ts";

import { toJson } from "./to-json.ts";

const { configError, loadStatements } = sqlStatements("postgres", {
  config: "NOETL_E_PG_CONFIG",
  script: "NOETL_E_PG_SCRIPT",
});

/** Connections per pool (one pool per distinct connection). */
const POOL_MAX = 5;

/** One statement's result block. */
interface StatementResult extends JsonObject {
  rows: JsonObject[];
  row_count: number;
  columns: string[];
}

const INT8 = 20;
const DATE = 1082;
const TIMESTAMP = 1114;

/**
 * Type parsers: int8 → number when safe (else the decimal string); `date` and `timestamp`
 * (without time zone) stay as text (ISO-like, no local-time shift); the rest are pg's defaults
 * (numeric stays a string, json/jsonb parsed, timestamptz → Date → ISO string in UTC).
 */
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: "text" | "binary") => {
    if (format !== "binary") {
      if (oid === INT8) return parseInt8;
      if (oid === DATE) return (v: string) => v;
      if (oid === TIMESTAMP) return (v: string) => v.replace(" ", "T");
    }
    return format === "binary" ? pg.types.getTypeParser(oid, "binary") : pg.types.getTypeParser(oid);
  }) as pg.CustomTypesConfig["getTypeParser"],
};

function parseInt8(v: string): number | string {
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : v;
}

/**
 * `kind: postgres` (DECISIONS 34, 36): runs the statements of `command`/`commands`/`script`
 * in order on one pooled connection (`transaction: true` wraps them in BEGIN/COMMIT, ROLLBACK
 * on error). `params`/`parameters`: a list binding `$1…` of a single statement or psycopg `%s`
 * placeholders, or a map binding `%(name)s` ones (`bindParams`). Result: `command_<i>` blocks
 * `{rows, row_count, columns}` plus the last statement's `rows`, `row_count`, `columns`.
 * Errors are classified by SQLSTATE with `output.pg` details.
 */
export function createPostgresTool(): Tool {
  const pools = new Map<string, pg.Pool>();

  const poolFor = (key: string, config: pg.ClientConfig): pg.Pool => {
    let pool = pools.get(key);
    if (!pool) {
      pool = new pg.Pool({
        ...config,
        types,
        max: POOL_MAX,
        idleTimeoutMillis: 30_000,
        connectionTimeoutMillis: 10_000,
        allowExitOnIdle: true,
      });
      // An idle client losing its connection must not crash the worker; the pool replaces it.
      pool.on("error", () => {});
      pools.set(key, pool);
    }
    return pool;
  };

  return {
    kind: "postgres",
    async run(config: JsonObject, ctx: ToolContext): Promise<Json> {
      const statements = await loadStatements(config, ctx);
      const bound = bindParams(statements, config.params ?? config.parameters, configError);
      const connection = await connectionOf(config, ctx);
      const transaction = config.transaction === true;
      if (ctx.signal.aborted) throw aborted(ctx.signal);

      const pool = poolFor(connection.key, connection.config);
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (error) {
        throw errorOf(error, undefined, ctx.signal);
      }
      const pid = (client as unknown as { processID?: number }).processID;
      const onAbort = () => {
        if (pid !== undefined) void cancelBackend(connection.config, pid);
      };
      ctx.signal.addEventListener("abort", onAbort, { once: true });

      const blocks: StatementResult[] = [];
      let index: number | undefined;
      let destroy = false;
      try {
        if (transaction) await client.query("BEGIN");
        for (const [i, statement] of bound.entries()) {
          index = i;
          if (ctx.signal.aborted) throw aborted(ctx.signal);
          const result = await client.query(statement);
          blocks.push(blockOf(result));
        }
        index = undefined;
        if (transaction) await client.query("COMMIT");
      } catch (error) {
        destroy = !(error instanceof pg.DatabaseError);
        if (transaction && !destroy) {
          await client.query("ROLLBACK").catch(() => {
            destroy = true;
          });
        }
        throw errorOf(error, index, ctx.signal);
      } finally {
        ctx.signal.removeEventListener("abort", onAbort);
        client.release(destroy);
      }

      const out: JsonObject = {};
      blocks.forEach((block, i) => {
        out[`command_${i}`] = block;
      });
      const last = blocks[blocks.length - 1] as StatementResult;
      return { ...out, rows: last.rows, row_count: last.row_count, columns: last.columns };
    },

    async close(): Promise<void> {
      const all = [...pools.values()];
      pools.clear();
      await Promise.allSettled(all.map((p) => p.end()));
    },
  };
}

function blockOf(raw: pg.QueryResult | pg.QueryResult[]): StatementResult {
  const result = Array.isArray(raw) ? (raw[raw.length - 1] as pg.QueryResult) : raw;
  const rows = (result.rows as unknown[]).map((row) => toJson(row) as JsonObject);
  const columns = (result.fields ?? []).map((f) => f.name);
  return { rows, row_count: result.rowCount ?? rows.length, columns };
}

/** Asks the server to cancel the running statement of backend `pid` (on a separate connection). */
async function cancelBackend(config: pg.ClientConfig, pid: number): Promise<void> {
  const client = new pg.Client({ ...config, connectionTimeoutMillis: 5_000 });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("SELECT pg_cancel_backend($1)", [pid]);
  } catch {
    // best effort: the statement may already be done
  } finally {
    await client.end().catch(() => {});
  }
}

const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
]);

function errorOf(error: unknown, index: number | undefined, signal: AbortSignal): ToolError {
  if (error instanceof ToolError) return error;
  if (signal.aborted) return aborted(signal);
  const e = error as Partial<pg.DatabaseError> & { code?: unknown; message?: unknown };
  const message = typeof e.message === "string" && e.message !== "" ? e.message : String(error);
  const at = index === undefined ? "" : ` (statement ${index})`;
  if (error instanceof pg.DatabaseError && typeof error.code === "string") {
    const [kind, retryable, code] = classify(error.code);
    const details: JsonObject = {
      code: error.code,
      message,
      detail: error.detail ?? null,
      hint: error.hint ?? null,
      position: error.position === undefined ? null : Number(error.position),
      statement_index: index ?? null,
    };
    return new ToolError(
      { kind, retryable, code, message: `${message}${at}`, pg_code: error.code },
      { extra: { pg: details }, cause: error },
    );
  }
  const sysCode = typeof e.code === "string" ? e.code : undefined;
  const connection =
    (sysCode !== undefined && CONNECTION_CODES.has(sysCode)) ||
    /connection terminated|connection timeout|timeout expired|timeout exceeded when trying to connect|terminating connection/i.test(
      message,
    );
  if (connection) {
    return new ToolError(
      { kind: "db_connection", retryable: true, code: "NOETL_E_PG_CONNECTION", message },
      { extra: { pg: { code: sysCode ?? null, message, statement_index: index ?? null } }, cause: error },
    );
  }
  return new ToolError(
    { kind: "db_error", retryable: false, code: "NOETL_E_PG_ERROR", message: `${message}${at}` },
    { extra: { pg: { code: sysCode ?? null, message, statement_index: index ?? null } }, cause: error },
  );
}

function classify(sqlstate: string): [ErrorKind, boolean, string] {
  if (sqlstate.startsWith("08") || /^57P0[123]$/.test(sqlstate))
    return ["db_connection", true, "NOETL_E_PG_CONNECTION"];
  if (sqlstate.startsWith("23")) return ["db_constraint", false, "NOETL_E_PG_CONSTRAINT"];
  if (sqlstate === "40P01") return ["db_deadlock", true, "NOETL_E_PG_DEADLOCK"];
  if (sqlstate === "57014") return ["db_timeout", false, "NOETL_E_PG_TIMEOUT"];
  return ["db_error", false, "NOETL_E_PG_ERROR"];
}

function aborted(signal: AbortSignal): ToolError {
  return abortError(signal, {
    timeoutCode: "NOETL_E_PG_TIMEOUT",
    timeout: "postgres statement ran past the task timeout (cancelled on the server)",
    cancelled: "postgres task cancelled",
  });
}
