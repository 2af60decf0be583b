import type { R4Definitions } from '../definitions';
import { badRequest, echoed } from '../outcomes';
import { storedRows, storedRowsAcross } from '../index/stored-params';
import { resolveParam } from './parse-filter';
import { MAX_COUNT, type IncludeRule, type SearchRequest } from './request';
import { elementList, SUMMARY_VALUES } from './shape';
import { parseSyncPoint, SYNC_POINT_PARAM } from './sync-point';

/**
 * The result parameters: what to return rather than what to match (_count, _sort, _total,
 * _summary, _elements, _include, _revinclude, the paging cursor and a sync point carried by links).
 */

const INCLUDE_KEYS = new Set(['_include', '_revinclude', '_include:iterate', '_revinclude:iterate', '_include:recurse', '_revinclude:recurse']);
const RESULT_KEYS = new Set(['_count', '_sort', '_total', '_summary', '_elements', '_cursor', SYNC_POINT_PARAM, '_format', '_pretty', '_contained', '_containedType']);
const SORTABLE = new Set(['string', 'token', 'date', 'number', 'quantity', 'reference', 'uri']);

export function isResultParam(key: string): boolean {
  return RESULT_KEYS.has(key) || INCLUDE_KEYS.has(key);
}

/**
 * Applies one result parameter. Returns its value as applied when it shapes the answer, for the self
 * link, which is the query as processed (R4 search.html#self): `_count` as capped, `_sort` without
 * the keys it ignored. Undefined when it does not belong in the links.
 */
export function applyResultParam(req: SearchRequest, key: string, value: string, defs: R4Definitions): string | undefined {
  if (INCLUDE_KEYS.has(key)) return applyInclude(req, key, value, defs);
  switch (key) {
    case '_count': {
      const n = Number(value);
      if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) throw badRequest(`_count không hợp lệ: ${echoed(value)}`, `Invalid _count: ${echoed(value)}`);
      req.count = Math.min(n, MAX_COUNT);
      return String(req.count);
    }
    case '_sort':
      return applySort(req, value, defs);
    case '_total':
      if (value !== 'none' && value !== 'estimate' && value !== 'accurate') return ignore(req, key, `unknown value ${value}`);
      req.total = value;
      return value;
    case '_summary':
      if (!SUMMARY_VALUES.has(value)) return ignore(req, key, `unknown value ${value}`);
      req.summary = value as SearchRequest['summary'];
      return value;
    case '_elements':
      req.elements = elementList(value);
      return value;
    case '_cursor':
      req.cursor = value;
      return undefined;
    case SYNC_POINT_PARAM:
      req.syncPoint = parseSyncPoint(value);
      return value;
    case '_contained':
    case '_containedType':
      return ignore(req, key, 'contained resources are not searched');
    default:
      return undefined; // _format and _pretty shape the response, not the search
  }
}

function ignore(req: SearchRequest, name: string, reason: string): undefined {
  req.ignored.push({ name, reason });
  return undefined;
}

/** The keys served, as the self link's `_sort` (undefined when none is). */
function applySort(req: SearchRequest, value: string, defs: R4Definitions): string | undefined {
  const applied: string[] = [];
  for (const part of value.split(',').filter(Boolean)) {
    const descending = part.startsWith('-');
    const code = descending ? part.slice(1) : part;
    if (code === '_id' || code === '_lastUpdated') {
      req.sort.push({ code, descending });
      applied.push(part);
      continue;
    }
    const param = resolveParam(req.types, code, defs);
    if (!param || !SORTABLE.has(param.type!)) {
      ignore(req, `_sort=${part}`, param ? `cannot sort by a ${param.type} parameter` : 'unknown sort parameter');
      continue;
    }
    const rows = storedRowsAcross(defs, req.types, code);
    req.sort.push({ code, param, rows, descending });
    applied.push(part);
  }
  return applied.length ? applied.join(',') : undefined;
}

/** `Source:param[:Target]`, `Source:*`; iterate from the key's modifier. */
function applyInclude(req: SearchRequest, key: string, value: string, defs: R4Definitions): string | undefined {
  const reverse = key.startsWith('_revinclude');
  const iterate = key.endsWith(':iterate') || key.endsWith(':recurse');
  if (value === '*') {
    if (reverse) return ignore(req, key, '_revinclude=* is not supported');
    // `_include=*`: every reference of every resource on the page.
    req.include.push({ reverse, iterate });
    return value;
  }
  const [sourceType, param, targetType, extra] = value.split(':');
  if (extra !== undefined || !param) throw badRequest(`${key} cần dạng Loại:tham-số[:Loại-đích]`, `${key} takes SourceType:parameter[:TargetType]`);
  if (!defs.resourceTypes.has(sourceType)) return ignore(req, `${key}=${value}`, `unknown resource type ${sourceType}`);
  if (reverse && param === '*') return ignore(req, `${key}=${value}`, 'a wildcard _revinclude is not supported');
  if (targetType !== undefined && !defs.resourceTypes.has(targetType)) return ignore(req, `${key}=${value}`, `unknown resource type ${targetType}`);
  if (param !== '*' && defs.searchParams.get(sourceType)?.get(param)?.type !== 'reference') {
    return ignore(req, `${key}=${value}`, `${sourceType} has no reference parameter ${param}`);
  }
  // Without :iterate a rule starts from the page's matches: one that can never meet them (an
  // include from a type not searched, a revinclude by a parameter pointing at none of them) would
  // be dropped in silence, and the client left wondering why nothing came.
  if (!iterate && req.types.length) {
    const targets = param === '*' ? undefined : (defs.searchParams.get(sourceType)?.get(param)?.target as string[] | undefined);
    if (!reverse && !req.types.includes(sourceType)) return ignore(req, `${key}=${value}`, `${sourceType} is not a type searched (${key}:iterate follows included resources)`);
    if (reverse && targets && !targets.some((t) => req.types.includes(t))) return ignore(req, `${key}=${value}`, `${sourceType}:${param} points at none of the types searched`);
  }
  const rule: IncludeRule = { reverse, iterate, sourceType, param: param === '*' ? undefined : param, rows: param === '*' ? undefined : storedRows(defs, sourceType, param), targetType };
  req.include.push(rule);
  return value;
}
