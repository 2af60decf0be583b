import { filterCondition } from './conditions';
import { invalidCursor, type Cursor } from './cursor';
import { badRequest } from '../outcomes';
import { MAX_BOUND_VALUES, type SearchRequest } from './request';
import { keysetCondition, sortKeys, type SortKey } from './sort';
import { memberOf, SqlParams, type PlanContext, type Scope } from './sql';

export { SqlParams, type PlanContext } from './sql';

/**
 * Plan: SearchRequest → SQL over the resource table and the index tables, all values bound
 * (docs/search.md has the index layout and the EXPLAIN of each query shape).
 */

export interface SearchPlan {
  /** Selects type, id, content and the sort keys (k0, k1…) of one page (count + 1 rows). */
  pageSql: string;
  params: unknown[];
  /** The WHERE clause alone (for counts and estimates), with its own parameters. */
  fromWhere: string;
  whereParams: unknown[];
  keys: { column: string; descending: boolean }[];
  /** True when the page was read backwards (a previous link): the rows come in reverse order. */
  backwards: boolean;
}

/** The root scope of a request and the conditions every matching resource meets. */
function whereConditions(req: SearchRequest, ctx: PlanContext, p: SqlParams): { scope: Scope; where: string[] } {
  const station = p.add(ctx.stationId);
  const scope: Scope = { alias: 'r', station, depth: 0 };
  const where = [`r.station_id = ${station}`];
  if (req.types.length === 1) {
    scope.type = p.add(req.types[0]);
    where.push(`r.resource_type = ${scope.type}`);
  } else if (req.types.length > 1) {
    scope.types = p.add(req.types);
    where.push(`r.resource_type = ANY(${scope.types}::text[])`);
  }
  where.push('NOT r.deleted');
  if (req.compartment) {
    // Compartment membership is kept at write time: one index lookup (idx_compartment).
    const cwhere = [`c.station_id = ${station}`, `c.compartment_type = ${p.add(req.compartment.type)}`, `c.compartment_id = ${p.add(req.compartment.id)}`];
    where.push(memberOf(scope, 'idx_compartment c', 'c.resource_type', 'c.resource_id', cwhere));
  }
  for (const filter of req.filters) where.push(filterCondition(scope, filter, ctx, p));
  return { scope, where };
}

export function buildSearchPlan(req: SearchRequest, ctx: PlanContext, cursor?: Cursor): SearchPlan {
  const p = new SqlParams();
  const { scope, where } = whereConditions(req, ctx, p);
  const fromWhere = `FROM resource r WHERE ${where.join(' AND ')}`;
  const whereParams = [...p.values];

  const keys = sortKeys(req.sort, scope, p);
  const backwards = cursor?.direction === 'previous';
  if (cursor) {
    if (cursor.keys.length !== keys.length) throw invalidCursor();
    where.push(keysetCondition(keys, cursor.keys, backwards, p));
  }
  const order = keys.map((k) => `${k.expr} ${k.descending !== backwards ? 'DESC' : 'ASC'}`).join(', ');
  const select = keys.map((k, i) => `${asText(k)} AS k${i}`).join(', ');
  if (p.values.length > MAX_BOUND_VALUES) {
    throw badRequest(`Tìm kiếm quá lớn (${p.values.length} giá trị)`, `Search too large: ${p.values.length} bound values (at most ${MAX_BOUND_VALUES})`);
  }
  const laterals = keys.map((k) => k.lateral ?? '').join(' ');
  const pageSql = `SELECT r.resource_type, r.id, r.content, ${select} FROM resource r ${laterals} WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT ${p.add(req.count + 1)}`;
  return {
    pageSql,
    params: p.values,
    fromWhere,
    whereParams,
    keys: keys.map((k, i) => ({ column: `k${i}`, descending: k.descending })),
    backwards,
  };
}

/** Sort keys travel in cursors as text; timestamps in UTC so the text does not depend on the session. */
function asText(k: SortKey): string {
  if (k.cast === 'timestamptz') {
    return `CASE WHEN isfinite(${k.expr}) THEN to_char(${k.expr} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') ELSE ${k.expr}::text END`;
  }
  return k.cast === 'text' ? k.expr : `${k.expr}::text`;
}
