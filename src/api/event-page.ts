/**
 * One page of an execution's events, as `GET /api/executions/{id}/events` and
 * `GET /api/executions/{id}` read it from the query: ours (`after_seq`, `limit`, `types`) or
 * NoETL's (`page` 1-based, `page_size`, `event_type`). Each event also carries NoETL's field
 * names (`noetlEvent`).
 */
import type { ExecutionId } from "../kernel/index.ts";
import type { EventType } from "../protocol/index.ts";
import type { Store } from "../store/index.ts";
import { type NoetlEventView, noetlEvent } from "./noetl-event.ts";
import { clampInt } from "./request-parsing.ts";

export interface EventPageQuery {
  after_seq?: string;
  limit?: string;
  types?: string;
  event_type?: string;
  page?: string;
  page_size?: string;
}

export interface EventPage {
  events: NoetlEventView[];
  /** Set when the query asked by page. */
  page?: number;
  page_size?: number;
  /** More events follow this page (of the same types). */
  has_more: boolean;
}

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
  const types = q.types ?? q.event_type;
  const limit = pageSize ?? clampInt(q.limit, defaults.limit, 1, defaults.maxLimit);
  const events = await store.readEvents(id, {
    afterSeq:
      pageSize !== undefined && q.after_seq === undefined
        ? (page - 1) * pageSize
        : clampInt(q.after_seq, 0, 0, Number.MAX_SAFE_INTEGER),
    limit: limit + 1,
    ...(types ? { types: types.split(",") as EventType[] } : {}),
  });
  return {
    events: events.slice(0, limit).map((e) => noetlEvent(e, path)),
    ...(pageSize !== undefined ? { page, page_size: pageSize } : {}),
    has_more: events.length > limit,
  };
}
