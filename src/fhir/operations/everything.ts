import type { R4Definitions } from '../definitions';
import { badRequest, gone } from '../outcomes';
import type { Interaction } from '../request';
import { rejectIgnoredIfStrict, searchsetBundle } from '../search/bundle';
import { dateRange } from '../search/dates';
import { parseSearch, type SearchRequest } from '../search/parse';
import { ACCESS_LOG_TYPE } from '../index/compartment';
import { MAX_COUNT } from '../search/request';

/**
 * Patient/[id]/$everything (GET or POST) with `_since`, `_type`, `_count`: the patient, every
 * resource in its compartment (one idx_compartment lookup; AuditEvents only when `_type` asks
 * for them), and what those refer to outside it
 * (practitioners, organisations, medications) as includes. Paged by keys with next links and no
 * cap on the total (anchors.md: Medplum capped at 1,000).
 *
 * Bundle.meta.lastUpdated is the sync point, the `_since` for the app's next sync: the history
 * horizon read before the data (store/history.ts readSyncPoint), not the moment of answering — a
 * change whose transaction was still running then is stamped earlier than that moment, and an app
 * syncing from it would never get the change. Next links carry it (`_horizon`), so every page of
 * one answer gives the same point.
 * https://hl7.org/fhir/R4/operation-patient-everything.html
 */
const EVERYTHING_COUNT = MAX_COUNT;
const PASSED = new Set(['_type', '_count', '_cursor']);
/** The sync point of the first page, carried by the links of the pages after it. */
const SYNC_POINT = '_horizon';
/**
 * Left out unless `_type` names them: AuditEvents are in the R4 Patient compartment, but they are
 * the access log, not the record, and every read of the record adds more of them.
 */
const NOT_BY_DEFAULT = new Set([ACCESS_LOG_TYPE]);

export const patientEverything: Interaction = async (req, { id }, ctx) => {
  const head = await ctx.repo.readHeadOrFail('Patient', id);
  if (head.deleted) throw gone(`Patient/${id}`);
  const { search, since, syncPoint: carried } = everythingSearch(req.query, id, ctx.repo.ctx.defs, ctx.repo.ctx.timeZone);
  rejectIgnoredIfStrict(search, req.headers.prefer);
  const syncPoint = carried ?? (await ctx.repo.syncPoint(since));
  if (!carried) search.applied.push([SYNC_POINT, syncPoint.toISOString()]);
  const result = await ctx.repo.search(search, new URLSearchParams(req.query).toString());
  const bundle = searchsetBundle(`Patient/${id}/$everything`, search, result, ctx.baseUrl);
  return { status: 200, resource: { ...bundle, meta: { lastUpdated: syncPoint.toISOString() } } };
};

export interface EverythingRequest {
  /** The compartment search it runs. */
  search: SearchRequest;
  since?: Date;
  /** The sync point a next link carries (first pages read theirs). */
  syncPoint?: Date;
}

/** The compartment search $everything runs for its query parameters (`_since` and `_horizon` checked here). */
export function everythingSearch(query: [string, string][], id: string, defs: R4Definitions, timeZone: string): EverythingRequest {
  const pairs: [string, string][] = [];
  const applied: [string, string][] = [];
  const ignored: { name: string; reason: string }[] = [];
  let since: Date | undefined;
  let syncPoint: Date | undefined;
  for (const [key, value] of query) {
    if (key === '_since') {
      const range = value.includes('T') ? dateRange(value.replace(/ (\d{2}:\d{2})$/, '+$1'), timeZone) : undefined;
      if (!range) throw badRequest(`_since phải là thời điểm đầy đủ: ${value}`, `_since must be an instant: ${value}`);
      since = new Date(range.lo);
      pairs.push(['_lastUpdated', `ge${value}`]);
    } else if (key === SYNC_POINT) {
      syncPoint = new Date(value);
      if (!/^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/.test(value) || Number.isNaN(syncPoint.getTime())) {
        throw badRequest(`${SYNC_POINT} không hợp lệ: ${value}`, `Invalid ${SYNC_POINT}: ${value}`);
      }
    } else if (PASSED.has(key)) pairs.push([key, value]);
    else {
      ignored.push({ name: key, reason: 'not a parameter of $everything' });
      continue;
    }
    if (key !== '_cursor') applied.push([key, value]);
  }
  if (!pairs.some(([key]) => key === '_count')) pairs.push(['_count', String(EVERYTHING_COUNT)]);
  if (!pairs.some(([key]) => key === '_type')) {
    const types = ['Patient', ...defs.patientCompartment.keys()].filter((t) => !NOT_BY_DEFAULT.has(t));
    pairs.push(['_type', types.join(',')]);
  }
  const sr = parseSearch('', pairs, defs, { compartment: { type: 'Patient', id } });
  sr.applied = applied;
  sr.ignored.push(...ignored);
  sr.include.push({ reverse: false, iterate: false, outsideCompartment: true });
  return { search: sr, since, syncPoint };
}
