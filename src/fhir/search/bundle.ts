import type { Bundle, BundleEntry, BundleEntrySearch, BundleLink, Location, OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { link } from '../bundle/links';
import { distanceKm, positionOf } from '../index/position';
import { UCUM } from '../index/ucum';
import { badRequest, bilingual, echoed } from '../outcomes';
import type { SearchResult } from './execute';
import { MAX_INCLUDES } from './include';
import type { NearFilter, SearchRequest } from './request';
import { shapeResource } from './shape';
import { SYNC_POINT_PARAM } from './sync-point';

/**
 * The searchset Bundle every search answers with (type, system, compartment, $everything):
 * matches then includes, an OperationOutcome entry for what was ignored, and paging links that
 * repeat only the parameters actually applied.
 */

/** Under `Prefer: handling=strict` an ignored parameter is an error (R4 search.html#errors). */
export function rejectIgnoredIfStrict(req: Pick<SearchRequest, 'ignored'>, prefer: string | undefined): void {
  if (!req.ignored.length || !/handling\s*=\s*strict/i.test(prefer ?? '')) return;
  const names = req.ignored.map((i) => `${echoed(i.name)} (${i.reason})`).join(', ');
  throw badRequest(`Tham số tìm kiếm không được hỗ trợ: ${names}`, `Unsupported search parameters: ${names}`);
}

/**
 * `path` is below the base: `Patient`, `` (system), `Patient/1/Observation`, `Patient/1/$everything`.
 * `linkQuery` is what the paging links repeat: the parameters applied (linkParams), or the key of
 * the query kept for links too long to carry it (store/search-queries.ts).
 */
export function searchsetBundle(path: string, req: SearchRequest, result: SearchResult, baseUrl: string, linkQuery = linkParams(req, result)): Bundle {
  const entry: BundleEntry[] = [];
  const near = req.filters.find((f): f is NearFilter => f.kind === 'near');
  for (const resource of result.resources) {
    const search: BundleEntrySearch = { mode: 'match', ...(near && distanceExtension(resource, near)) };
    entry.push({ fullUrl: `${baseUrl}/${resource.resourceType}/${resource.id}`, resource: shapeResource(resource, req), search });
  }
  for (const resource of result.included) {
    entry.push({ fullUrl: `${baseUrl}/${resource.resourceType}/${resource.id}`, resource: shapeResource(resource, req), search: { mode: 'include' } });
  }
  const issues = outcomeIssues(req, result);
  if (issues.length) entry.push({ resource: { resourceType: 'OperationOutcome', issue: issues }, search: { mode: 'outcome' } });
  // No entry at all when nothing matched: an empty array is no value in FHIR JSON (json.html).
  const bundle: Bundle = { resourceType: 'Bundle', type: 'searchset', link: pagingLinks(path, req, result, baseUrl, linkQuery), ...(entry.length && { entry }) };
  if (result.syncPoint) bundle.meta = { lastUpdated: result.syncPoint.toISOString() };
  if (result.total !== undefined) bundle.total = result.total;
  return bundle;
}

/** A `near` match's distance from the nearest point asked, in km (R4's location-distance extension). */
function distanceExtension(resource: Resource, near: NearFilter): Pick<BundleEntrySearch, 'extension'> | undefined {
  const position = positionOf((resource as Location).position);
  if (!position) return undefined;
  const km = Math.min(...near.points.map((point) => distanceKm(point, position)));
  const valueDistance = { value: Number(km.toFixed(3)), unit: 'km', system: UCUM, code: 'km' };
  return { extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/location-distance', valueDistance }] };
}

function outcomeIssues(req: SearchRequest, result: SearchResult): OperationOutcomeIssue[] {
  const issues: OperationOutcomeIssue[] = [];
  if (req.ignored.length) {
    const text = bilingual('Đã bỏ qua tham số', 'Ignored parameters') + ': ' + req.ignored.map((i) => `${echoed(i.name)} (${i.reason})`).join('; ');
    issues.push({ severity: 'warning', code: 'not-supported', diagnostics: text, details: { text } });
  }
  if (result.includesTruncated) {
    const text = bilingual(`Chỉ trả về ${MAX_INCLUDES} tài nguyên kèm theo mỗi trang`, `Only ${MAX_INCLUDES} included resources are returned per page`);
    issues.push({ severity: 'warning', code: 'too-costly', diagnostics: text, details: { text } });
  }
  return issues;
}

/** The parameters a search's paging links repeat: those applied, and a sync's point. */
export function linkParams(req: SearchRequest, result: SearchResult): [string, string][] {
  // A sync's links carry the point its first page read, so every page gives the same one.
  return result.syncPoint && !req.syncPoint ? [...req.applied, [SYNC_POINT_PARAM, result.syncPoint.toISOString()]] : req.applied;
}

function pagingLinks(path: string, req: SearchRequest, result: SearchResult, baseUrl: string, applied: [string, string][]): BundleLink[] {
  const at = (cursor: string | undefined): [string, string][] => (cursor ? [...applied, ['_cursor', cursor]] : applied);
  const links = [link('self', baseUrl, path, at(req.cursor)), link('first', baseUrl, path, applied)];
  if (result.previous) links.push(link('previous', baseUrl, path, at(result.previous)));
  if (result.next) links.push(link('next', baseUrl, path, at(result.next)));
  return links;
}
