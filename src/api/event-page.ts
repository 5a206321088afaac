/**
 * One page of an execution's events, as `GET /api/executions/{id}/events` and
 * `GET /api/executions/{id}` read it from the query: ours (`after_seq`, `limit`, `types`) or
 * NoETL's (`page` 1-based, `page_size`, `event_type`, `since_event_id`). Each event also carries NoETL's field
 * names (`noetlEvent`).
 */
import type { ExecutionId } from "../kernel/index.ts";
import type { EventType } from "../protocol/index.ts";
import type { Store } from "../store/index.ts";
import { ApiError } from "./api-error.ts";
import { type NoetlEventView, noetlEvent } from "./noetl-event.ts";
import { clampInt } from "./request-parsing.ts";

export interface EventPageQuery {
  after_seq?: string;
  limit?: string;
  types?: string;
  event_type?: string;
  page?: string;
  page_size?: string;
  /** NoETL's: the events after the event of that id (in log order). */
  since_event_id?: string;
}

export interface EventPage {
  events: NoetlEventView[];
  /** Set when the query asked by page. */
  page?: number;
  page_size?: number;
  /** More events follow this page (of the same types). */
  has_more: boolean;
}

/** Events read per store call while skipping to a page. */
const CHUNK = 1000;

/**
 * The page: the events after `after_seq` and after the event `since_event_id` (both when given),
 * of the types asked, then — by page — the `page`-th run of `page_size` of those (pages count
 * the filtered events).
 */
export async function readEventPage(
  store: Store,
  id: ExecutionId,
  path: string,
  q: EventPageQuery,
  defaults: { pageSize?: number; limit: number; maxLimit: number },
): Promise<EventPage> {
  const pageSize =
    q.page_size !== undefined || defaults.pageSize !== undefined
      ? clampInt(q.page_size, defaults.pageSize ?? 100, 1, defaults.maxLimit)
      : undefined;
  const page = clampInt(q.page, 1, 1, 1_000_000);
  const rawTypes = q.types ?? q.event_type;
  const types = rawTypes ? (rawTypes.split(",") as EventType[]) : undefined;
  const limit = pageSize ?? clampInt(q.limit, defaults.limit, 1, defaults.maxLimit);
  let afterSeq = clampInt(q.after_seq, 0, 0, Number.MAX_SAFE_INTEGER);
  if (q.since_event_id !== undefined) afterSeq = Math.max(afterSeq, await seqOf(store, id, q.since_event_id));
  // `after_seq` is a cursor of its own: pages count from it only when it is not given
  if (pageSize !== undefined && q.after_seq === undefined) {
    afterSeq = await skip(store, id, afterSeq, types, (page - 1) * pageSize);
  }
  const events = await store.readEvents(id, { afterSeq, limit: limit + 1, ...(types ? { types } : {}) });
  return {
    events: events.slice(0, limit).map((e) => noetlEvent(e, path)),
    ...(pageSize !== undefined ? { page, page_size: pageSize } : {}),
    has_more: events.length > limit,
  };
}

/**
 * The seq after which the events left once `count` events of `types` after `afterSeq` are
 * skipped. Seqs are dense (1, 2, 3 … per execution), so without types it is a sum; with types,
 * the events are walked (a chunk at a time, keeping none).
 */
async function skip(
  store: Store,
  id: ExecutionId,
  afterSeq: number,
  types: EventType[] | undefined,
  count: number,
): Promise<number> {
  if (!types) return afterSeq + count;
  let seq = afterSeq;
  for (let left = count; left > 0; ) {
    const chunk = await store.readEvents(id, { afterSeq: seq, limit: Math.min(CHUNK, left), types });
    const last = chunk.at(-1);
    if (!last) return Number.MAX_SAFE_INTEGER; // fewer events than that: the page is empty
    seq = last.seq ?? seq;
    left -= chunk.length;
  }
  return seq;
}

/** The seq of the execution's event `eventId` (404 NOETL_E_EVENT_NOT_FOUND when it has none). */
async function seqOf(store: Store, id: ExecutionId, eventId: string): Promise<number> {
  const seq = await store.eventSeq(id, eventId);
  if (seq === undefined)
    throw new ApiError(404, "NOETL_E_EVENT_NOT_FOUND", `execution ${id} has no event ${eventId}`);
  return seq;
}
