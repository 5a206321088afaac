/** Request bodies of the HTTP API (zod): validated by hand so errors are our JSON shape. */
import { z } from "zod";
import { WORKER_EVENT_TYPES } from "../protocol/index.ts";

const jsonObject = z.record(z.string(), z.unknown());
/** An execution id (a decimal snowflake, as text). */
const executionId = z.string().regex(/^\d+$/);

export const RegisterBody = z
  .object({
    content: z.string().min(1).optional(),
    content_base64: z.string().min(1).optional(),
  })
  .refine(
    (b) => b.content !== undefined || b.content_base64 !== undefined,
    "content (YAML text) is required",
  );

/** `POST /api/catalog/delete` and `/restore`: one version of a path, or all of them. */
export const CatalogPathBody = z.object({
  path: z.string().min(1),
  version: z.union([z.number().int().positive(), z.string().regex(/^\d+$/)]).optional(),
});

export const ExecuteBody = z
  .object({
    path: z.string().min(1).optional(),
    /** A version number, or `latest` (NoETL's default). */
    version: z.union([z.number().int().positive(), z.string().regex(/^(?:\d+|latest)$/)]).optional(),
    /** NoETL's catalog entry id, as `/api/catalog/register` answered it. */
    catalog_id: z.union([z.string().regex(/^\d+$/), z.number().int().positive()]).optional(),
    content: z.string().min(1).optional(),
    payload: jsonObject.optional(),
    workload: jsonObject.optional(),
    parent_execution_id: executionId.optional(),
    /** Start at this step instead of the playbook's entry step (404 NOETL_E_STEP_NOT_FOUND if it has none). */
    entry_step: z.string().min(1).max(200).optional(),
  })
  .refine(
    (b) => b.path !== undefined || b.content !== undefined || b.catalog_id !== undefined,
    "path, catalog_id or content is required",
  );

/**
 * `POST /api/execute/batch`: execute requests (1–100), as a list or `{requests: [...]}`. Each is
 * checked on its own when it starts (a bad one fails alone).
 */
const executeRequests = z.array(z.unknown()).min(1).max(100);
export const ExecuteBatchBody = z.union([executeRequests, z.object({ requests: executeRequests })]);

const workerEvent = z.object({
  // what the engine or the control plane decides (an execution's end, a cancel…) is not a worker's to say
  type: z.enum(WORKER_EVENT_TYPES),
  step: z.string().optional(),
  event_id: z.string().optional(),
  at: z.number().optional(),
  payload: jsonObject,
});
/** The events of one report (`POST /api/events`, `/api/events/batch`, `/api/events/reports`). */
const eventList = z.array(workerEvent).max(10_000);

/** Asked with a report: the commands it causes, claimed for the worker (protocol `Handoff`). */
const handoff = z.object({
  worker_id: z.string().min(1).max(200),
  pool: z.string().min(1).max(200),
  max: z.number().int().min(0).max(256),
});

export const EventsBody = z
  .object({
    execution_id: executionId,
    events: eventList.optional(),
    event: workerEvent.optional(),
    handoff: handoff.optional(),
  })
  .refine((b) => b.events !== undefined || b.event !== undefined, "events (a list) or event is required");

/** `POST /api/events/reports`: the reports of several commands (any executions) in one request. */
export const ReportsBody = z.object({
  reports: z
    .array(z.object({ execution_id: executionId, events: eventList, handoff: handoff.optional() }))
    .min(1)
    .max(256),
});

export const WorkerBody = z.object({ worker_id: z.string().min(1).max(200) });

/**
 * `POST /api/commands/:id/claim`. `known_executions`: executions whose info the worker holds
 * (the reply then leaves it out).
 */
export const ClaimBody = WorkerBody.extend({
  known_executions: z.array(z.string().min(1).max(200)).max(256).optional(),
});

/** `POST /api/commands/claim`: several commands claimed in one request (at most 256). */
export const ClaimManyBody = ClaimBody.extend({
  command_ids: z.array(z.string().min(1).max(200)).min(1).max(256),
});

/**
 * `POST /api/commands/next`: a worker's request for work (`ControlPlane.next`), answered within
 * `wait_ms` (default 20 s, at most 60 s). `request_id`: the same on a retry of a request that
 * failed in transit (`WorkRequest`).
 */
export const NextBody = handoff.extend({
  max: z.number().int().min(1).max(256),
  request_id: z.string().min(1).max(200).optional(),
  wait_ms: z.number().int().min(0).max(60_000).optional(),
  known_executions: z.array(z.string().min(1).max(200)).max(256).optional(),
});

/** `POST /api/context/render`: a template (a string, or JSON holding templates). */
export const RenderBody = z.object({
  execution_id: executionId,
  template: z.unknown().refine((t) => t !== undefined, "template is required"),
  extra_context: jsonObject.optional(),
  strict: z.boolean().optional(),
});

export const CancelBody = z
  .object({ reason: z.string().max(1000).optional(), cascade: z.boolean().optional() })
  .optional();

/** A ctx variable name (`/api/vars`). */
export const varName = z.string().min(1).max(200);

/** `POST /api/vars/:id`: variables written to the execution's ctx (NoETL's body). */
export const VarsBody = z.object({
  variables: z.record(varName, z.unknown()).refine((v) => Object.keys(v).length > 0, "no variables given"),
  var_type: z.string().min(1).max(100).optional(),
  source_step: z.string().min(1).max(200).optional(),
});

/** `POST /api/executions/:id/tokens`: enter `step` with `input` as its message. */
export const TokenBody = z.object({
  step: z.string().min(1).max(200),
  input: jsonObject.optional(),
});

/**
 * `POST /api/executions/:id/finalize`: NoETL's Python `{reason}` or Rust `{status, error?}`
 * (`status` completed or failed, any case; default failed; `error` is the reason).
 */
export const FinalizeBody = z
  .object({
    reason: z.string().max(1000).optional(),
    status: z
      .string()
      .transform((s) => s.toLowerCase())
      .pipe(z.enum(["completed", "failed"]))
      .optional(),
    error: z.string().max(1000).optional(),
    cascade: z.boolean().optional(),
  })
  .optional();

export const ResultBody = z.object({
  execution_id: executionId,
  name: z.string().min(1).max(200),
  data: z.unknown(),
});

/** `PUT /api/result/{execution_id}` (NoETL's Rust worker): a value to store by reference. */
export const PutResultBody = z.object({
  name: z.string().min(1).max(200),
  data: z.custom<unknown>((v) => v !== undefined, "data is required"),
  scope: z.enum(["step", "execution", "workflow", "permanent"]).optional(),
  source_step: z.string().min(1).max(200).optional(),
});

/** `POST /api/executions/cleanup` (NoETL's): cancel the executions stuck running. */
export const CleanupBody = z
  .object({
    older_than_minutes: z.number().nonnegative().max(10_000_000).optional(),
    dry_run: z.boolean().optional(),
  })
  .optional();

export const CredentialBody = z.object({
  name: z.string().regex(/^[A-Za-z0-9_.-]+$/),
  type: z.string().min(1).max(50),
  data: jsonObject,
  description: z.string().max(1000).optional(),
  tags: z.array(z.string()).optional(),
});
