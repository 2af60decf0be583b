import type { Resource } from '@medplum/fhirtypes';
import type { Queryable } from '../../db/database';
import { decodeCursor, encodeCursor } from './cursor';
import { loadIncludes } from './include';
import { buildSearchPlan, pagedPrefix, type PlanContext } from './plan';
import { statementName } from './prepared';
import { lazyStored, parseStored } from './stored-json';
import type { SearchRequest } from './request';
import { countMatches, estimateMatches } from './total';

export interface SearchResult {
  /** The page's matches, in order. */
  resources: Resource[];
  /** Resources added by _include/_revinclude (search.mode = include). */
  included: Resource[];
  /** True when the includes were cut at include.ts MAX_INCLUDES. */
  includesTruncated: boolean;
  total?: number;
  /** Cursor of the next page, when there is one. */
  next?: string;
  /** Cursor of the previous page, when there is one. */
  previous?: string;
  /** Where the client syncs from next (Bundle.meta.lastUpdated), for a sync (search/sync-point.ts). */
  syncPoint?: Date;
}

/** Runs a search: one page by keyset (count + 1 rows tell whether another page exists), the total if asked, and includes. */
export async function executeSearch(q: Queryable, req: SearchRequest, ctx: PlanContext): Promise<SearchResult> {
  const cursor = req.cursor ? decodeCursor(req.cursor) : undefined;
  const summaryCount = req.summary === 'count';
  // A search by one string prefix is paged by a statement written for how common the prefix is (string-page.ts).
  const filter = ctx.prefixes && !summaryCount && req.count !== 0 ? pagedPrefix(req, ctx) : undefined;
  const prefix = filter && { filter, common: await ctx.prefixes!.isCommon(q, filter, ctx) };
  const plan = buildSearchPlan(req, ctx, cursor, prefix);
  // `_count=0` asks how many, not which (R5 reads it as _summary=count): counted unless _total says otherwise.
  const countOnly = req.count === 0 && req.total === undefined;
  let total: number | undefined;
  if (req.total === 'accurate' || summaryCount || countOnly) total = await countMatches(q, plan);
  else if (req.total === 'estimate') total = await estimateMatches(q, plan);
  if (summaryCount || req.count === 0) return { resources: [], included: [], includesTruncated: false, total };

  const rows = await q.query<Record<string, string>>(plan.pageSql, plan.params, plan.pageValueDependent ? undefined : statementName(plan.pageSql));
  const more = rows.length > req.count;
  const page = rows.slice(0, req.count);
  if (plan.backwards) page.reverse();
  const keysOf = (row: Record<string, unknown>): string[] => plan.keys.map((k) => String(row[k.column]));
  const first = page[0];
  const last = page[page.length - 1];
  // Going forward there is a next page when a row was left over, and a previous one when we came
  // from a cursor; going backwards, the other way round.
  const hasNext = plan.backwards ? !!cursor : more;
  const hasPrevious = plan.backwards ? more : !!cursor;
  // A Patient is recorded in the access log by its id alone (store/audit-log.ts patientsOf) and is
  // mostly sent as stored: it is parsed only if something reads more of it. Any other resource is
  // recorded with the patient it names, which needs the parse anyway, and a parsed object read
  // through the proxy cost more than the parse saves ($everything: ~2 ms per page of 200).
  const resources = page.map((r) => (r.resource_type === 'Patient' ? lazyStored(r.resource_type, r.id, String(r.version_id), r.content) : parseStored(r.content)));
  if (total === undefined && req.total === undefined && !cursor && !more) total = resources.length;
  const includes = req.include.length ? await loadIncludes(q, { stationId: ctx.stationId, compartment: req.compartment, types: req.types, access: req.includeAccess, plan: ctx }, req.include, resources) : { resources: [], truncated: false };
  return {
    resources,
    included: includes.resources,
    includesTruncated: includes.truncated,
    total,
    next: hasNext && last ? encodeCursor({ direction: 'next', keys: keysOf(last) }) : undefined,
    previous: hasPrevious && first ? encodeCursor({ direction: 'previous', keys: keysOf(first) }) : undefined,
  };
}
