import type { Migration } from "./migration.ts";

export const V3_COMMIT_BATCH_CLAIM: Migration = {
  version: 3,
  name: "commit_batch_claim: a commit whose new commands are handed off already claimed",
  // `commit_batch`, then the hand-off claims (`k_*`: command, worker, lease end, claim time)
  // of the commands it inserts, in the same transaction: they are stored CLAIMED,
  // as a claim leaves a PENDING command; a command id already stored is left alone.
  sql: `
CREATE FUNCTION {schema}.commit_batch_claim(
  e_xid text[], e_id text[], e_type text[], e_step text[], e_at bigint[], e_payload json[],
  e_cause text[],
  c_id text[], c_xid text[], c_step text[], c_pool text[], c_body json[], c_at bigint,
  u_id text[], u_status text[], u_worker text[], u_at bigint[],
  l_id text[], l_at bigint[],
  x_id text, x_path text, x_version integer, x_status text, x_parent text, x_started bigint,
  x_ended bigint, x_result json, x_error json, x_at bigint,
  p_expect_id text, p_expect_seq bigint, p_lock_key text,
  k_id text[], k_worker text[], k_lease bigint[], k_at bigint[]
) RETURNS bigint[] LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
SET enable_seqscan = off
AS $fn$
DECLARE
  v_out bigint[];
  v_new text[];
BEGIN
  -- the claimed commands this commit inserts (a command id already stored is left alone)
  v_new := ARRAY(SELECT k.id FROM unnest(k_id) AS k(id)
    WHERE NOT EXISTS (SELECT 1 FROM {schema}.command c WHERE c.command_id = k.id));
  v_out := {schema}.commit_batch(e_xid, e_id, e_type, e_step, e_at, e_payload, e_cause,
    c_id, c_xid, c_step, c_pool, c_body, c_at, u_id, u_status, u_worker, u_at, l_id, l_at,
    x_id, x_path, x_version, x_status, x_parent, x_started, x_ended, x_result, x_error, x_at,
    p_expect_id, p_expect_seq, p_lock_key);
  UPDATE {schema}.command c SET status = 'CLAIMED', worker_id = k.worker, lease_until = k.lease,
      claimed_at = k.at, claims = 1
    FROM unnest(k_id, k_worker, k_lease, k_at) AS k(id, worker, lease, at)
    WHERE c.command_id = k.id AND k.id = ANY(v_new);
  RETURN v_out;
END
$fn$;
`,
};
