import type { SearchParameter } from '@medplum/fhirtypes';
import type { R4Definitions } from '../definitions';
import { badRequest } from '../outcomes';

/**
 * Parse: query string → SearchRequest, with no database in sight. Each repeated parameter is
 * ANDed; each comma-separated value within one is ORed. Parameters we cannot serve are collected
 * in `ignored` (reported to the client, or 400 under Prefer: handling=strict).
 */

export interface Filter {
  /** Search parameter code, e.g. `name`, `_id`. */
  code: string;
  /** The definition (undefined for _id/_lastUpdated which are served from the resource table). */
  param?: SearchParameter;
  /** Modifier after ':' (exact, contains, not, text, missing, identifier, below, above, of-type, or a type). */
  modifier?: string;
  /** Values, ORed. */
  values: string[];
}

export interface SortRule {
  code: string;
  param?: SearchParameter;
  descending: boolean;
}

export interface SearchRequest {
  resourceType: string;
  filters: Filter[];
  sort: SortRule[];
  count: number;
  total: 'none' | 'estimate' | 'accurate';
  summary?: 'true' | 'count' | 'data' | 'text' | 'false';
  elements?: string[];
  /** Opaque keyset cursor from a next link. */
  cursor?: string;
  /** Parameters left out, with the reason (shown in an OperationOutcome of the searchset). */
  ignored: { name: string; reason: string }[];
  /** The query parameters actually applied, for the self link. */
  applied: [string, string][];
}

export const DEFAULT_COUNT = 20;
export const MAX_COUNT = 1000;
const MAX_VALUES = 1000;

const RESULT_PARAMS = new Set(['_count', '_sort', '_total', '_summary', '_elements', '_cursor', '_format', '_pretty']);
const SPECIAL_CODES = new Set(['_id', '_lastUpdated']);

/** Parses a type-level search. `pairs` are the decoded query parameters in order. */
export function parseSearch(resourceType: string, pairs: [string, string][], defs: R4Definitions): SearchRequest {
  const req: SearchRequest = { resourceType, filters: [], sort: [], count: DEFAULT_COUNT, total: 'accurate', ignored: [], applied: [] };
  const params = defs.searchParams.get(resourceType);
  for (const [rawKey, value] of pairs) {
    if (RESULT_PARAMS.has(rawKey)) {
      if (applyResultParam(req, rawKey, value, params)) req.applied.push([rawKey, value]);
      continue;
    }
    const [code, modifier] = splitKey(rawKey);
    if (code.includes('.') || code.startsWith('_has')) {
      req.ignored.push({ name: rawKey, reason: 'chained and reverse-chained parameters are not supported yet' });
      continue;
    }
    const param = params?.get(code);
    if (!SPECIAL_CODES.has(code) && (!param || param.type === 'composite' || param.type === 'special' || !param.expression)) {
      req.ignored.push({ name: rawKey, reason: param ? `parameter type ${param.type} is not supported` : 'unknown parameter' });
      continue;
    }
    const values = modifier === 'missing' ? [value] : splitValues(value);
    if (values.length > MAX_VALUES) {
      throw badRequest(`Quá nhiều giá trị cho ${rawKey} (tối đa ${MAX_VALUES})`, `Too many values for ${rawKey} (at most ${MAX_VALUES})`);
    }
    req.filters.push({ code, param, modifier, values });
    req.applied.push([rawKey, value]);
  }
  return req;
}

function splitKey(key: string): [string, string | undefined] {
  const i = key.indexOf(':');
  return i < 0 ? [key, undefined] : [key.slice(0, i), key.slice(i + 1)];
}

/** Splits on commas not escaped with a backslash, then unescapes \, \$ \|. */
export function splitValues(value: string): string[] {
  const out: string[] = [];
  let current = '';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (ch === '\\' && i + 1 < value.length) {
      current += value[++i];
    } else if (ch === ',') {
      out.push(current);
      current = '';
    } else current += ch;
  }
  out.push(current);
  return out.filter((v) => v !== '');
}

function applyResultParam(
  req: SearchRequest,
  key: string,
  value: string,
  params: ReadonlyMap<string, SearchParameter> | undefined,
): boolean {
  switch (key) {
    case '_count': {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0) throw badRequest(`_count không hợp lệ: ${value}`, `Invalid _count: ${value}`);
      req.count = Math.min(n, MAX_COUNT);
      return true;
    }
    case '_sort':
      for (const part of value.split(',').filter(Boolean)) {
        const descending = part.startsWith('-');
        const code = descending ? part.slice(1) : part;
        const param = params?.get(code);
        if (!SPECIAL_CODES.has(code) && !param) {
          req.ignored.push({ name: `_sort=${part}`, reason: 'unknown sort parameter' });
          continue;
        }
        req.sort.push({ code, param, descending });
      }
      return req.sort.length > 0;
    case '_total':
      if (value !== 'none' && value !== 'estimate' && value !== 'accurate') {
        req.ignored.push({ name: key, reason: `unknown value ${value}` });
        return false;
      }
      req.total = value;
      return true;
    case '_summary':
      if (!['true', 'count', 'data', 'text', 'false'].includes(value)) {
        req.ignored.push({ name: key, reason: `unknown value ${value}` });
        return false;
      }
      req.summary = value as SearchRequest['summary'];
      return true;
    case '_elements':
      req.elements = value.split(',').map((e) => e.trim()).filter(Boolean);
      return true;
    case '_cursor':
      req.cursor = value;
      return false;
    default:
      return false; // _format and _pretty shape the response, not the search
  }
}
