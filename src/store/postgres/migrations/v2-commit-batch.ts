import type { Migration } from "./migration.ts";

export const V2_COMMIT_BATCH: Migration = {
  version: 2,
  name: "commit_batch and lock_execution functions (one round trip per commit, per lock)",
  // The whole `Store.commit` as one function, called as one statement in autocommit (one
  // round trip, one WAL flush). Arguments are column arrays (`e_*` events, `c_*` new commands,
  // `u_*` command updates), the executions to lock (`l_id`: every execution of the events, in
  // the caller's id order, with the time a missing row is created at) and the optional
  // projection (`x_*`). Returns the seq of each event in input order, NULL for one already
  // stored. The caller drops events repeated within the batch (a repeat fails the unique key).
  // With `p_expect_id`, the commit of a decision taken without the execution lock: it fails
  // with SQLSTATE NX001, writing nothing, when another session holds the lock (`p_lock_key`)
  // or the execution's last seq is not `p_expect_seq`.
  // Needs PostgreSQL 12 or later (plan_cache_mode).
  sql: `
CREATE FUNCTION {schema}.commit_batch(
  e_xid text[], e_id text[], e_type text[], e_step text[], e_at bigint[], e_payload json[],
  e_cause text[],
  c_id text[], c_xid text[], c_step text[], c_pool text[], c_body json[], c_at bigint,
  u_id text[], u_status text[], u_worker text[], u_at bigint[],
  l_id text[], l_at bigint[],
  x_id text, x_path text, x_version integer, x_status text, x_parent text, x_started bigint,
  x_ended bigint, x_result json, x_error json, x_at bigint,
  p_expect_id text, p_expect_seq bigint, p_lock_key text
) RETURNS bigint[] LANGUAGE plpgsql
-- Generic plans: with custom ones (the default for the first calls, and whenever a generic plan
-- looks costlier), PL/pgSQL would plan the statements on arrays again at every call. A session
-- keeps its generic plans until the tables are analysed again: planned while a table was small,
-- a plan could scan it whole at every call once it is big. Every statement here is a lookup by
-- key, so sequential scans are ruled out.
SET plan_cache_mode = force_generic_plan
SET enable_seqscan = off
AS $fn$
DECLARE
  v_last bigint[] := '{}';
  v_next bigint[];
  v_seq bigint;
  v_out bigint[];
  v_exe text;
  v_i integer;
  v_j integer;
BEGIN
  -- A decision taken without the execution lock (optimistic): it stands only if no replica
  -- holds the lock now (it may be deciding) and nothing was committed since the caller's state.
  IF p_expect_id IS NOT NULL AND NOT pg_try_advisory_xact_lock(hashtextextended(p_lock_key, 0)) THEN
    RAISE EXCEPTION 'execution % is locked by another orchestrator', p_expect_id USING ERRCODE = 'NX001';
  END IF;
  -- Lock every execution the batch touches (creating missing rows), in the given order: all
  -- commits lock in id order, so two of them never deadlock on execution rows.
  FOR v_i IN 1 .. coalesce(cardinality(l_id), 0) LOOP
    IF l_id[v_i] = p_expect_id THEN
      -- the optimistic check, before this function writes anything
      SELECT x.last_seq INTO v_seq FROM {schema}.execution x WHERE x.execution_id = l_id[v_i] FOR UPDATE;
      IF v_seq IS DISTINCT FROM p_expect_seq THEN
        RAISE EXCEPTION 'execution % moved on (seq % instead of %)', p_expect_id, v_seq, p_expect_seq
          USING ERRCODE = 'NX001';
      END IF;
    END IF;
    IF l_id[v_i] = x_id THEN
      INSERT INTO {schema}.execution AS x (execution_id, path, catalog_version, status,
          parent_execution_id, started_at, ended_at, result, error, last_seq)
        VALUES (x_id, coalesce(x_path, ''), x_version, coalesce(x_status, 'running'), x_parent,
          coalesce(x_started, x_at), x_ended, x_result, x_error, 0)
        ON CONFLICT (execution_id) DO UPDATE SET
          path = coalesce(x_path, x.path),
          catalog_version = coalesce(x_version, x.catalog_version),
          status = coalesce(x_status, x.status),
          parent_execution_id = coalesce(x_parent, x.parent_execution_id),
          started_at = coalesce(x_started, x.started_at),
          ended_at = coalesce(x_ended, x.ended_at),
          result = coalesce(x_result, x.result),
          error = coalesce(x_error, x.error)
        RETURNING x.last_seq INTO v_seq;
    ELSE
      SELECT x.last_seq INTO v_seq FROM {schema}.execution x WHERE x.execution_id = l_id[v_i] FOR UPDATE;
      IF NOT FOUND THEN
        INSERT INTO {schema}.execution AS x (execution_id, path, status, started_at, last_seq)
          VALUES (l_id[v_i], '', 'running', l_at[v_i], 0)
          ON CONFLICT (execution_id) DO NOTHING RETURNING x.last_seq INTO v_seq;
        IF NOT FOUND THEN
          SELECT x.last_seq INTO STRICT v_seq FROM {schema}.execution x
            WHERE x.execution_id = l_id[v_i] FOR UPDATE;
        END IF;
      END IF;
    END IF;
    v_last := v_last || v_seq;
  END LOOP;

  -- Events: skip those already stored (safe: we hold their execution rows), number the others
  -- per execution in input order, insert them, advance last_seq. The check is one unique-index
  -- lookup per event: as a join, a generic plan may scan the whole event table.
  IF coalesce(cardinality(e_id), 0) > 0 THEN
    v_out := array_fill(NULL::bigint, ARRAY[cardinality(e_id)]);
    v_next := v_last;
    FOR v_i IN 1 .. cardinality(e_id) LOOP
      v_exe := e_xid[v_i];
      CONTINUE WHEN EXISTS (SELECT 1 FROM {schema}.event e WHERE e.execution_id = v_exe AND e.event_id = e_id[v_i]);
      v_j := array_position(l_id, v_exe);
      v_next[v_j] := v_next[v_j] + 1;
      v_out[v_i] := v_next[v_j];
    END LOOP;
    INSERT INTO {schema}.event(execution_id, seq, event_id, type, step, at, payload, cause)
      SELECT exe, seq, eid, typ, step, at, payload, cause
      FROM unnest(e_xid, v_out, e_id, e_type, e_step, e_at, e_payload, e_cause)
        AS t(exe, seq, eid, typ, step, at, payload, cause)
      WHERE seq IS NOT NULL;
    FOR v_j IN 1 .. cardinality(l_id) LOOP
      IF v_next[v_j] <> v_last[v_j] THEN
        UPDATE {schema}.execution SET last_seq = v_next[v_j] WHERE execution_id = l_id[v_j];
      END IF;
    END LOOP;
  END IF;

  -- New commands (the outbox); a command id already stored changes nothing.
  IF coalesce(cardinality(c_id), 0) > 0 THEN
    INSERT INTO {schema}.command(command_id, execution_id, step, pool, status, body, claims, created_at)
    SELECT id, exe, step, pool, 'PENDING', body, 0, c_at
    FROM unnest(c_id, c_xid, c_step, c_pool, c_body) WITH ORDINALITY AS t(id, exe, step, pool, body, n)
    ORDER BY n
    ON CONFLICT (command_id) DO NOTHING;
  END IF;

  -- Command status changes, in order; terminal statuses stick. One statement unless a command
  -- appears twice (then one per update, so the last one wins).
  IF coalesce(cardinality(u_id), 0) > 0 THEN
    IF cardinality(u_id) = (SELECT count(DISTINCT x) FROM unnest(u_id) x) THEN
      UPDATE {schema}.command c SET status = u.status,
          worker_id = CASE WHEN u.status = 'PENDING' THEN NULL ELSE coalesce(u.worker_id, c.worker_id) END,
          lease_until = CASE WHEN u.status = 'PENDING' THEN NULL ELSE c.lease_until END,
          completed_at = CASE WHEN u.status IN ('COMPLETED','FAILED','CANCELLED') THEN u.at
            ELSE c.completed_at END
        FROM unnest(u_id, u_status, u_worker, u_at) AS u(id, status, worker_id, at)
        WHERE c.command_id = u.id AND c.status NOT IN ('COMPLETED','FAILED','CANCELLED');
    ELSE
      FOR v_i IN 1 .. cardinality(u_id) LOOP
        UPDATE {schema}.command c SET status = u_status[v_i],
            worker_id = CASE WHEN u_status[v_i] = 'PENDING' THEN NULL
              ELSE coalesce(u_worker[v_i], c.worker_id) END,
            lease_until = CASE WHEN u_status[v_i] = 'PENDING' THEN NULL ELSE c.lease_until END,
            completed_at = CASE WHEN u_status[v_i] IN ('COMPLETED','FAILED','CANCELLED') THEN u_at[v_i]
              ELSE c.completed_at END
          WHERE c.command_id = u_id[v_i] AND c.status NOT IN ('COMPLETED','FAILED','CANCELLED');
      END LOOP;
    END IF;
  END IF;
  RETURN coalesce(v_out, '{}');
END
$fn$;

-- Take the session-level advisory lock of an execution (waiting for it), then read the
-- execution row: PL/pgSQL runs each statement with a new snapshot, so the row read is the one
-- committed by the previous holder of the lock.
CREATE FUNCTION {schema}.lock_execution(p_key text, p_id text) RETURNS SETOF {schema}.execution
LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM pg_advisory_lock(hashtextextended(p_key, 0));
  RETURN QUERY SELECT * FROM {schema}.execution WHERE execution_id = p_id;
END
$fn$;
`,
};
