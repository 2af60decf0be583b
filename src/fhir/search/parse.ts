import type { R4Definitions } from '../definitions';
import { badRequest, echoed } from '../outcomes';
import { functionalListCriteria, isFunctionalList, SERVED_LISTS } from './functional-lists';
import { parseFilter } from './parse-filter';
import { applyResultParam, isResultParam } from './parse-results';
import { DEFAULT_COUNT, MAX_FILTERS, MAX_INCLUDE_RULES, MAX_SORT_KEYS, type SearchRequest } from './request';
import { isSync, SYNC_POINT_PARAM } from './sync-point';

export { DEFAULT_COUNT, MAX_COUNT } from './request';
export type { Filter, SearchRequest, SortRule } from './request';

/**
 * Parse: query string → SearchRequest, with no database in sight (docs/search.md). Parameters we
 * cannot serve are collected in `ignored` (reported to the client, or a 400 under
 * Prefer: handling=strict); malformed values the client must fix throw a 400.
 */

export interface ParseOptions {
  compartment?: { type: string; id: string };
  /** Give a sync point whatever the parameters ($everything). */
  sync?: boolean;
}

/**
 * Parses a type-level search (`resourceType` set) or a system-level one (`resourceType` ''; the
 * `_type` parameter then picks the types). `pairs` are the decoded query parameters in order.
 */
export function parseSearch(resourceType: string, pairs: [string, string][], defs: R4Definitions, options: ParseOptions = {}): SearchRequest {
  const req: SearchRequest = {
    resourceType,
    types: resourceType ? [resourceType] : systemTypes(pairs, defs),
    compartment: options.compartment,
    filters: [],
    sort: [],
    count: DEFAULT_COUNT,
    include: [],
    ignored: [],
    applied: [],
  };
  if (!resourceType) {
    const typeParam = pairs.find(([key]) => key === '_type');
    if (typeParam) req.applied.push(typeParam);
  }
  for (const [key, value] of pairs) {
    if (key.includes('\u0000') || value.includes('\u0000')) throw badRequest('Tham số chứa ký tự NUL', `Parameter ${echoed(JSON.stringify(key))} contains a NUL character`);
    if (key === '_type' && !resourceType) continue;
    if (isResultParam(key)) {
      const applied = applyResultParam(req, key, value, defs);
      if (applied !== undefined) req.applied.push([key, applied]);
      continue;
    }
    if (key === '_list' && isFunctionalList(value)) {
      const reason = applyFunctionalList(req, value, defs);
      if (reason) req.ignored.push({ name: key, reason });
      else req.applied.push([key, value]);
      continue;
    }
    const parsed = parseFilter(req.types, key, value, defs);
    if ('ignored' in parsed) {
      req.ignored.push({ name: key, reason: parsed.ignored });
      continue;
    }
    req.filters.push(parsed.filter);
    req.applied.push([key, value]);
  }
  req.sync = options.sync || isSync(req);
  if (req.syncPoint && !req.sync) {
    req.ignored.push({ name: SYNC_POINT_PARAM, reason: 'a sync point is given only with _lastUpdated' });
    req.applied = req.applied.filter(([key]) => key !== SYNC_POINT_PARAM);
    req.syncPoint = undefined;
  }
  const limits: [number, number, string, string][] = [
    [req.filters.length, MAX_FILTERS, 'tham số tìm kiếm', 'search parameters'],
    [req.sort.length, MAX_SORT_KEYS, 'khóa sắp xếp', 'sort keys'],
    [req.include.length, MAX_INCLUDE_RULES, '_include/_revinclude', '_include/_revinclude rules'],
  ];
  for (const [n, max, vi, en] of limits) if (n > max) throw badRequest(`Quá nhiều ${vi} (tối đa ${max})`, `Too many ${en} (at most ${max})`);
  return req;
}

/** `_list=$current-problems` (functional-lists.ts): the filters that make the list; a reason when it is not served. */
function applyFunctionalList(req: SearchRequest, value: string, defs: R4Definitions): string | undefined {
  const criteria = functionalListCriteria(req.types, value);
  if (!criteria) return `unknown functional list (served: ${SERVED_LISTS.join(', ')})`;
  for (const [key, listValue] of criteria) {
    const parsed = parseFilter(req.types, key, listValue, defs);
    if ('ignored' in parsed) throw new Error(`functional list ${value}: ${key} is ${parsed.ignored}`);
    req.filters.push(parsed.filter);
  }
  return undefined;
}

/** The types of a system-level search: `_type=Patient,Observation`, or every type when absent. */
function systemTypes(pairs: [string, string][], defs: R4Definitions): string[] {
  const types = pairs.filter(([key]) => key === '_type').flatMap(([, value]) => value.split(','));
  for (const type of types) {
    if (!defs.resourceTypes.has(type)) throw badRequest(`Loại tài nguyên không hợp lệ trong _type: ${echoed(type)}`, `Unknown resource type in _type: ${echoed(type)}`);
  }
  return [...new Set(types)];
}
