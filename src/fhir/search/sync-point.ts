import { badRequest, echoed } from '../outcomes';
import { dateRange } from './dates';
import type { SearchRequest } from './request';

/**
 * Sync points of searches. An app that keeps a copy of records pulls what changed since its last
 * sync, by `$everything?_since=` or by a search on `_lastUpdated` (`Observation?patient=…&
 * _lastUpdated=ge…`). The next sync must start at a point before any change still being written:
 * a transaction stamps its changes when it first writes (store/write.ts) and may commit after the
 * answer, with a lastUpdated earlier than the answer's time — an app that syncs from its own clock,
 * or from the newest lastUpdated it got, never gets such a change. So such an answer's
 * Bundle.meta.lastUpdated is the history horizon read before the data (store/history.ts
 * readSyncPoint), and the app's next `_lastUpdated=ge` starts there; what it gets twice it
 * replaces by id. Next links carry the point (`_horizon`) so every page of one answer gives the
 * same one. Other searches pay nothing for it.
 */

/** The link parameter that carries the first page's sync point to the pages after it. */
export const SYNC_POINT_PARAM = '_horizon';

export function parseSyncPoint(value: string): Date {
  const point = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/.test(value) || Number.isNaN(point.getTime())) {
    throw badRequest(`${SYNC_POINT_PARAM} không hợp lệ: ${echoed(value)}`, `Invalid ${SYNC_POINT_PARAM}: ${echoed(value)}`);
  }
  return point;
}

/** Whether a search is a sync: it filters on `_lastUpdated` (not `:missing`). */
export const isSync = (req: SearchRequest): boolean => req.filters.some((f) => f.kind === 'lastUpdated' && f.modifier === undefined);

/**
 * The instant the client synced from (`_lastUpdated=ge…`, which `$everything`'s `_since` is), when
 * it gave one: the point given back is never before it (store/history.ts readSyncPoint).
 */
export function syncedFrom(req: SearchRequest, timeZone: string): Date | undefined {
  let since: Date | undefined;
  for (const f of req.filters) {
    if (f.kind !== 'lastUpdated' || f.modifier !== undefined || f.values.length !== 1 || !f.values[0].startsWith('ge')) continue;
    const range = dateRange(f.values[0].slice(2), timeZone);
    if (range && (!since || range.lo > since.getTime())) since = new Date(range.lo);
  }
  return since;
}
