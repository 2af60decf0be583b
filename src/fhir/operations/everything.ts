import type { R4Definitions } from '../definitions';
import { badRequest, echoed, gone } from '../outcomes';
import type { Interaction } from '../request';
import { rejectIgnoredIfStrict, searchsetBundle } from '../search/bundle';
import { dateRange } from '../search/dates';
import { parseSearch, type SearchRequest } from '../search/parse';
import { ACCESS_LOG_TYPE } from '../index/access-log';
import { MAX_COUNT } from '../search/request';
import { SYNC_POINT_PARAM } from '../search/sync-point';

/**
 * Patient/[id]/$everything (GET or POST) with `_since`, `_type`, `_count`: the patient, every
 * resource in its compartment (one idx_compartment lookup; AuditEvents only when `_type` asks
 * for them), and what those refer to outside it
 * (practitioners, organisations, medications) as includes. Paged by keys with next links and no
 * cap on the total (anchors.md: Medplum capped at 1,000).
 *
 * Bundle.meta.lastUpdated is the sync point, the `_since` for the app's next sync
 * (search/sync-point.ts): the history horizon read before the data, not the moment of answering.
 * https://hl7.org/fhir/R4/operation-patient-everything.html
 */
const EVERYTHING_COUNT = MAX_COUNT;
const PASSED = new Set(['_type', '_count', '_cursor', SYNC_POINT_PARAM]);
/**
 * Left out unless `_type` names them: AuditEvents are in the R4 Patient compartment, but they are
 * the access log, not the record, and every read of the record adds more of them.
 */
const NOT_BY_DEFAULT = new Set([ACCESS_LOG_TYPE]);

export const patientEverything: Interaction = async (req, { id }, ctx) => {
  const head = await ctx.repo.readHeadOrFail('Patient', id);
  if (head.deleted) throw gone(`Patient/${id}`);
  const search = everythingSearch(req.query, id, ctx.repo.ctx.defs, ctx.repo.ctx.timeZone);
  rejectIgnoredIfStrict(search, req.headers.prefer);
  const result = await ctx.repo.search(search, new URLSearchParams(req.query).toString());
  return { status: 200, resource: searchsetBundle(`Patient/${id}/$everything`, search, result, ctx.baseUrl) };
};

/** The compartment search $everything runs for its query parameters (`_since` checked here: an instant). */
export function everythingSearch(query: [string, string][], id: string, defs: R4Definitions, timeZone: string): SearchRequest {
  const pairs: [string, string][] = [];
  const applied: [string, string][] = [];
  const ignored: { name: string; reason: string }[] = [];
  for (const [key, value] of query) {
    if (key === '_since') {
      // A `+` of the offset arrives as a space when the client did not encode it.
      const instant = value.replace(/ (\d{2}:\d{2})$/, '+$1');
      if (!instant.includes('T') || !dateRange(instant, timeZone)) throw badRequest(`_since phải là thời điểm đầy đủ: ${echoed(value)}`, `_since must be an instant: ${echoed(value)}`);
      pairs.push(['_lastUpdated', `ge${instant}`]);
    } else if (PASSED.has(key)) pairs.push([key, value]);
    else {
      // R4's care-date range: each type would need its own "care date"; ignored and reported.
      ignored.push({ name: key, reason: key === 'start' || key === 'end' ? 'the care-date range (start, end) is not served; _since is' : 'not a parameter of $everything' });
      continue;
    }
    if (key !== '_cursor') applied.push([key, value]);
  }
  if (!pairs.some(([key]) => key === '_count')) pairs.push(['_count', String(EVERYTHING_COUNT)]);
  const defaultTypes = !pairs.some(([key]) => key === '_type');
  if (defaultTypes) {
    const types = ['Patient', ...defs.patientCompartment.keys()].filter((t) => !NOT_BY_DEFAULT.has(t));
    pairs.push(['_type', types.join(',')]);
  }
  const sr = parseSearch('', pairs, defs, { compartment: { type: 'Patient', id }, sync: true });
  sr.defaultTypes = defaultTypes;
  // The links carry the page size served (a _count above the cap is the cap), as a type search's do.
  sr.applied = applied.map(([key, value]) => (key === '_count' ? [key, String(sr.count)] : [key, value]));
  sr.ignored.push(...ignored);
  sr.include.push({ reverse: false, iterate: false, outsideCompartment: true });
  return sr;
}
