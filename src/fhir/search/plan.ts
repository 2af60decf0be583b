import { candidateCheck, filterCondition, positiveSelection, selectsRows, type IndexSelection } from './conditions';
import { checkedFilters } from './driving';
import { invalidCursor, keyFits, type Cursor } from './cursor';
import { badRequest } from '../outcomes';
import { MAX_BOUND_VALUES, type Filter, type SearchRequest } from './request';
import { keysetCondition, sortKeys, type SortKey } from './sort';
import { allRowsOwn, ownRowsOnly } from './owned-rows';
import { SqlParams, typeRestriction, type PlanContext, type Scope } from './sql';
import { compartmentRelation, mayMeetAccessLog } from '../index/compartment';
import { utcText } from '../../db/utc-text';
import { stringPage, stringPrefixFilter, type PrefixFilter } from './string-page';

export { SqlParams, type PlanContext } from './sql';

/**
 * Plan: SearchRequest → SQL over the resource table and the index tables, all values bound
 * (docs/search.md has the index layout and the EXPLAIN of each query shape).
 */

export interface SearchPlan {
  /** Selects type, id, content (JSON text) and the sort keys (k0, k1…) of one page (count + 1 rows). */
  pageSql: string;
  params: unknown[];
  /** The FROM and WHERE clauses alone (for estimates), with their own parameters. */
  fromWhere: string;
  whereParams: unknown[];
  /** Counts every match (_total=accurate). */
  countSql: string;
  countParams: unknown[];
  keys: { column: string; descending: boolean }[];
  /** True when the page was read backwards (a previous link): the rows come in reverse order. */
  backwards: boolean;
  /** The count and estimate need plans made for their values (SqlParams.valueDependent): not prepared. */
  valueDependent: boolean;
  /** The same for the page: false also when its statement was written for the kind of value it has (string-page.ts). */
  pageValueDependent: boolean;
}

/** The root scope of a request, the tables joined to `resource r`, and the conditions every match meets. */
function whereConditions(req: SearchRequest, ctx: PlanContext, p: SqlParams): { scope: Scope; join: string; where: string[] } {
  const station = p.add(ctx.stationId);
  const scope: Scope = { alias: 'r', station, depth: 0, typeNames: req.types.length ? req.types : undefined };
  const where = [`r.station_id = ${station}`];
  if (req.types.length === 1) {
    scope.type = p.add(req.types[0]);
    where.push(`r.resource_type = ${scope.type}`);
  } else if (req.types.length > 1) {
    scope.types = p.add(req.types);
    where.push(`r.resource_type = ANY(${scope.types}::text[])`);
  }
  where.push('NOT r.deleted');
  let join = '';
  if (req.compartment) {
    // Compartment membership is kept at write time, one row per member: a plain join, which
    // lets the planner walk idx_compartment in (type, id) order, the default page order.
    // The type restriction is repeated on c, so the index range skips other types' members.
    // The access log's members are its reference rows, joined only when it may match (compartment.ts).
    const types = typeRestriction(scope, 'c.resource_type').map((t) => ` AND ${t}`).join('');
    const [type, id] = [p.add(req.compartment.type), p.add(req.compartment.id)];
    join = `JOIN ${compartmentRelation(mayMeetAccessLog(req.types), station, id)} c ON c.station_id = r.station_id AND c.resource_type = r.resource_type AND c.resource_id = r.id
      AND c.compartment_type = ${type} AND c.compartment_id = ${id}${types}`;
  }
  // Broad equalities beside a narrow one are checked per candidate, not offered as a start (driving.ts).
  const checked = checkedFilters(req, ctx);
  const led = checkedOnLeadRows(scope, req, checked, ctx, p);
  if (led) where.push(led);
  else {
    // In a compartment, the checks read the member's compartment row (c), not the resource: the
    // planner then applies them before it fetches the resource (a resident's observations of one
    // code: the others were fetched and thrown away). Not where the access log may be a member.
    const onMembers = req.compartment && allRowsOwn(scope) ? { ...scope, alias: 'c', idColumn: 'resource_id' } : scope;
    for (const filter of req.filters) where.push(checked.has(filter) ? candidateCheck(onMembers, filter, ctx, p) : filterCondition(scope, filter, ctx, p));
  }
  return { scope, join, where };
}

/**
 * A search of one type with one narrow filter and the broad ones checked per candidate
 * (`Observation?subject=Patient/1&code=…`): the checks run on the narrow filter's own index rows,
 * before any resource is read, so only the matches are fetched. Checked on each resource, all of
 * the resident's observations were fetched to keep a quarter of them (2.2 M resources: 156 heap
 * fetches for 39 matches, 1,607 buffers against ~1,000). The owners are a DISTINCT subquery (x, with
 * the columns a resource alias has), which PostgreSQL keeps as its own step rather than pulling
 * it into the join. Undefined when the search has another shape: the filters then go one by one.
 */
function checkedOnLeadRows(scope: Scope, req: SearchRequest, checked: ReadonlySet<Filter>, ctx: PlanContext, p: SqlParams): string | undefined {
  // The access log keeps rows in shared sets and lists (owned-rows.ts): its searches go one by one.
  if (!scope.type || req.compartment || checked.size === 0 || !allRowsOwn(scope)) return undefined;
  const leads = req.filters.filter((f) => !checked.has(f));
  // Asked only of a filter it answers (not a negation): nothing is bound for a selection not used.
  if (leads.length !== 1 || leads[0].kind !== 'value' || !selectsRows(leads[0])) return undefined;
  const lead = positiveSelection(scope, leads[0], ctx, p)!;
  const owners = `SELECT DISTINCT i.station_id, i.resource_type, i.resource_id AS id FROM ${lead.table} i WHERE ${[...lead.where, `i.resource_type = ${scope.type}`].join(' AND ')}`;
  const onOwners: Scope = { ...scope, alias: 'x' };
  const checks = req.filters.filter((f) => checked.has(f)).map((f) => candidateCheck(onOwners, f, ctx, p));
  return `r.id IN (SELECT x.id FROM (${owners}) x WHERE ${checks.join(' AND ')})`;
}

/**
 * `prefix`: the search's prefix as pagedPrefix found it (which already checked that the type keeps
 * those string rows as its own) and whether it is common (string-page.ts); without it, the planner decides.
 */
export function buildSearchPlan(req: SearchRequest, ctx: PlanContext, cursor?: Cursor, prefix?: { filter: PrefixFilter; common: boolean }): SearchPlan {
  const p = new SqlParams();
  const { scope, join, where } = whereConditions(req, ctx, p);
  const fromWhere = `FROM resource r ${join} WHERE ${where.join(' AND ')}`;
  const whereParams = [...p.values];

  const keys = sortKeys(req.sort, scope, p);
  const backwards = cursor?.direction === 'previous';
  let keyset: string | undefined;
  if (cursor) {
    if (cursor.keys.length !== keys.length || !keys.every((k, i) => keyFits(k.cast, cursor.keys[i]))) throw invalidCursor();
    keyset = keysetCondition(keys, cursor.keys, backwards, p);
  }
  const order = keys.map((k) => `${k.expr} ${k.descending !== backwards ? 'DESC' : 'ASC'}`).join(', ');
  const select = keys.map((k, i) => `${asText(k)} AS k${i}`).join(', ');
  if (p.values.length > MAX_BOUND_VALUES) {
    throw badRequest(`Tìm kiếm quá lớn (${p.values.length} giá trị)`, `Search too large: ${p.values.length} bound values (at most ${MAX_BOUND_VALUES})`);
  }
  const laterals = keys.map((k) => k.lateral ?? '').join(' ');
  const head = `SELECT r.resource_type, r.id, r.version_id, r.content::text AS content, ${select}`;
  const tail = `ORDER BY ${order} LIMIT ${p.add(req.count + 1)}`;
  // A search of one filter on its own index rows is counted, and (a token, a reference) paged, from those rows alone.
  const single = ownRowsOfOneFilter(req, ctx);
  const count = single ? countStatement(single) : { sql: `SELECT count(*)::int AS total ${fromWhere}`, params: whereParams };
  // A sort key looked up per row is looked up for the matches only: the filters run first, behind
  // OFFSET 0, else the planner joined the lookup to every row of the first filter and applied the
  // others after it (Observation?subject&code&_sort=-date: 156 date lookups for 39 matches).
  const prefixPage = prefix && stringPage(req, prefix.filter, prefix.common, keys, cursor, head, ctx);
  const page = (single && idWalk(req, single, keys, cursor, head)) ?? prefixPage ?? {
    sql: keys.some((k) => k.lateral)
      ? `${head} FROM (SELECT r.* FROM resource r ${join} WHERE ${where.join(' AND ')} OFFSET 0) r ${laterals}${keyset ? ` WHERE ${keyset}` : ''} ${tail}`
      : `${head} FROM resource r ${join} WHERE ${[...where, ...(keyset ? [keyset] : [])].join(' AND ')} ${tail}`,
    params: p.values,
  };
  return {
    pageSql: page.sql,
    params: page.params,
    fromWhere,
    whereParams,
    countSql: count.sql,
    countParams: count.params,
    keys: keys.map((k, i) => ({ column: `k${i}`, descending: k.descending })),
    backwards,
    valueDependent: p.valueDependent,
    pageValueDependent: prefixPage ? false : p.valueDependent,
  };
}

/**
 * The index rows (alias i) that make a resource match the search's one positive filter, on one
 * type and outside a compartment, when they are the resources' own, with the parameters bound so
 * far — what the count and the page walk read alone. Rows kept in shared row sets name sets, not
 * resources (owned-rows.ts).
 */
interface SingleFilterRows {
  filter: SearchRequest['filters'][number];
  scope: Scope;
  sel: IndexSelection;
  params: unknown[];
}

function ownRowsOfOneFilter(req: SearchRequest, ctx: PlanContext): SingleFilterRows | undefined {
  if (req.filters.length !== 1 || req.types.length !== 1 || req.compartment) return undefined;
  const p = new SqlParams();
  const scope: Scope = { alias: 'r', station: p.add(ctx.stationId), type: p.add(req.types[0]), typeNames: req.types, depth: 0 };
  const sel = positiveSelection(scope, req.filters[0], ctx, p);
  return sel && ownRowsOnly(scope, sel.table) ? { filter: req.filters[0], scope, sel, params: p.values } : undefined;
}

/**
 * Every match counted on the index alone: deleted resources have no index rows, so the resource
 * table need not be visited (half the work of a big count).
 */
function countStatement({ scope, sel, params }: SingleFilterRows): { sql: string; params: unknown[] } {
  const where = [...sel.where, `i.resource_type = ${scope.type}`].join(' AND ');
  // DISTINCT in a subquery is hashed; count(DISTINCT …) would sort (measured 40 ms against 90 ms for 50,000 rows).
  return { sql: `SELECT count(*)::int AS total FROM (SELECT DISTINCT i.resource_id FROM ${sel.table} i WHERE ${where}) d`, params };
}

/**
 * The string prefix a search is paged by (string-page.ts): its one filter, a prefix on a type that
 * keeps its string rows as its own (not in row sets).
 */
export function pagedPrefix(req: SearchRequest, ctx: PlanContext): PrefixFilter | undefined {
  const prefix = stringPrefixFilter(req);
  return prefix && ownRowsOfOneFilter(req, ctx)?.sel.table === 'idx_string' ? prefix : undefined;
}

/** Parameter types whose index keeps each value's rows in resource id order. */
const WALKED_TYPES = new Set(['token', 'reference']);

/**
 * The page of a search with one token or reference filter on one type, in id order, read as the
 * first ids of its index rows (`idx_token_lookup` keeps a code's rows, `idx_reference_lookup` a
 * target's, in resource id order), then those resources: a page's worth of index rows, whether the
 * value is rare or most of the station has it. Left to the planner, the prepared statement's
 * generic plan took any value for a few rows and hashed every match, fetched each resource and
 * sorted them for one page (`Patient?gender=female` at 2,000 residents: 1,013 fetched for 21;
 * `Encounter?participant=Practitioner/…`: every visit of the practitioner); a plan made for a
 * common value walks the resources instead, which for a rare one reads up to the whole type.
 * Index rows exist only for a live resource's current version (a delete removes them; the count
 * relies on it too), so the first ids are the page. Values the index cannot give in id order (a
 * bare id of several possible types, several values, a URL) are still answered rightly, the ids
 * then sorted.
 */
function idWalk(req: SearchRequest, single: SingleFilterRows, keys: SortKey[], cursor: Cursor | undefined, head: string): { sql: string; params: unknown[] } | undefined {
  const { filter, scope, sel } = single;
  if (keys.length !== 1 || filter.kind !== 'value' || !WALKED_TYPES.has(filter.param.type ?? '') || filter.modifier) return undefined;
  // The page's own bound values follow the selection's (a copy: the count keeps those alone).
  const p = new SqlParams(single.params);
  const backwards = cursor?.direction === 'previous';
  const after = cursor ? [keysetCondition([{ ...keys[0], expr: 'i.resource_id' }], cursor.keys, backwards, p)] : [];
  const direction = keys[0].descending !== backwards ? 'DESC' : 'ASC';
  const limit = p.add(req.count + 1);
  const ids = `SELECT DISTINCT i.resource_id FROM ${sel.table} i WHERE ${[...sel.where, `i.resource_type = ${scope.type}`, ...after].join(' AND ')} ORDER BY i.resource_id ${direction} LIMIT ${limit}`;
  const sql = `${head} FROM (${ids}) m JOIN resource r ON r.station_id = ${scope.station} AND r.resource_type = ${scope.type} AND r.id = m.resource_id
    WHERE NOT r.deleted ORDER BY r.id ${direction} LIMIT ${limit}`;
  return { sql, params: p.values };
}

/** Sort keys travel in cursors as text; timestamps in UTC so the text does not depend on the session. */
function asText(k: SortKey): string {
  if (k.cast === 'timestamptz') {
    return `CASE WHEN isfinite(${k.expr}) THEN ${utcText(k.expr, 'us')} ELSE ${k.expr}::text END`;
  }
  return k.cast === 'text' ? k.expr : `${k.expr}::text`;
}
