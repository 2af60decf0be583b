import type { Resource } from '@medplum/fhirtypes';
import type { Queryable } from '../../db/database';
import { badRequest } from '../outcomes';
import type { SearchRequest } from './parse';
import { buildSearchPlan, type PlanContext } from './plan';

export interface SearchResult {
  resources: Resource[];
  total?: number;
  /** Cursor for the next page, when there is one. */
  next?: string;
}

/** Runs a search: one page by keyset (count + 1 rows tell whether a next page exists), plus the total if asked. */
export async function executeSearch(q: Queryable, req: SearchRequest, ctx: PlanContext): Promise<SearchResult> {
  const plan = buildSearchPlan(req, ctx, req.cursor ? decodeCursor(req.cursor) : undefined);
  const wantsTotal = req.total === 'accurate' || req.total === 'estimate' || req.summary === 'count';
  const totalPromise = wantsTotal ? q.query<{ total: number }>(plan.countSql, plan.countParams) : undefined;
  if (req.summary === 'count' || req.count === 0) {
    return { resources: [], total: totalPromise ? (await totalPromise)[0].total : undefined };
  }
  const rows = await q.query<Record<string, unknown> & { content: Resource }>(plan.pageSql, plan.params);
  const page = rows.slice(0, req.count);
  const last = page[page.length - 1];
  const next = rows.length > req.count && last ? encodeCursor(plan.keys.map((k) => String(last[k.column]))) : undefined;
  return {
    resources: page.map((r) => r.content),
    total: totalPromise ? (await totalPromise)[0].total : undefined,
    next,
  };
}

export function encodeCursor(values: string[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

function decodeCursor(cursor: string): string[] {
  try {
    const values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(values) && values.every((v) => typeof v === 'string')) return values;
  } catch {
    // fall through
  }
  throw badRequest('Con trỏ trang không hợp lệ', 'Invalid paging cursor');
}
