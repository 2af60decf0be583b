import type { Queryable } from '../../db/database';
import { keysetCondition, type SortKey } from './sort';
import type { Cursor } from './cursor';
import type { SearchRequest, ValueFilter } from './request';
import { foldedSearchText } from './params/string';
import { prefixCondition, SqlParams, storedRowsWhere, type PlanContext } from './sql';
import { statementName } from './prepared';

/**
 * The page of a search by one string prefix (`Patient?name=ngu`, the search staff make most),
 * as a prepared statement of one of two fixed shapes, chosen by how common the prefix is.
 *
 * Which way is cheap depends on the value: a prefix four residents in ten share is paged by walking
 * the parameter's rows in resource id order (`idx_string_walk`, the value alongside) until the page
 * is full; a rare one by reading its few rows by value (`idx_string_lookup`) and sorting them. The
 * general statement leaves that to the planner, so it is sent unnamed and planned for its value on
 * every request: at 10,000 residents PostgreSQL spent 0.31 ms planning and 0.15–0.24 ms parsing
 * `name=ngu` for 0.27 ms of execution. Here the server asks once how common the prefix is — whether
 * its rows reach COMMON_ROWS, one LIMIT read of the lookup index — keeps the answer a while, and
 * writes the statement so that one plan fits every value of that kind: the walk's prefix test is
 * `starts_with`, which no index serves with a bound value, so its plan can only walk; the rare
 * statement's is the range idx_string_lookup serves, which a plan blind to the value takes for a
 * few rows (as it is).
 *
 * Either statement finds every match: the walk reads rows in id order until the page is full; the
 * rare statement reads all the value's rows. The answer only decides the cost, and a stale one
 * (the station grew) costs at worst a slower page until it is asked again.
 */

/** Rows of a prefix from which its page walks the resources rather than sorting its matches. */
export const COMMON_ROWS = 1_000;

/** How long an answer is kept: commonness moves with the station's registrations, slowly. */
const KEEP_MS = 10 * 60_000;

/** Answers kept before all are forgotten at once (each ~100 bytes). */
const MAX_KEPT = 10_000;

/** Whether string prefixes are common, per station, type, parameter and prefix, asked of PostgreSQL and kept KEEP_MS. */
export class PrefixCommonness {
  private readonly kept = new Map<string, { common: boolean; until: number }>();

  /** `commonRows`: COMMON_ROWS but in tests, which show both statements on a few residents. */
  constructor(
    private readonly commonRows = COMMON_ROWS,
    private readonly now: () => number = Date.now,
  ) {}

  async isCommon(q: Queryable, f: PrefixFilter, ctx: PlanContext): Promise<boolean> {
    const key = JSON.stringify([ctx.stationId, f.type, f.filter.rows, f.folded]);
    const known = this.kept.get(key);
    if (known && known.until > this.now()) return known.common;
    const probe = prefixProbe(f, ctx, this.commonRows);
    const rows = await q.query<{ n: number }>(probe.sql, probe.params, statementName(probe.sql));
    const common = rows[0].n >= this.commonRows;
    if (this.kept.size >= MAX_KEPT) this.kept.clear();
    this.kept.set(key, { common, until: this.now() + KEEP_MS });
    return common;
  }
}

/** The one string prefix filter of a search this page serves, folded as stored. */
export interface PrefixFilter {
  filter: ValueFilter;
  type: string;
  folded: string;
}

/**
 * The search's one filter when it is a prefix match of one string value on one type, outside a
 * compartment, in id order — undefined otherwise (other searches keep the general statement). Whether the
 * type keeps its string rows as its own (not in row sets) is the page's to check (plan.ts).
 */
export function stringPrefixFilter(req: SearchRequest): PrefixFilter | undefined {
  if (req.filters.length !== 1 || req.types.length !== 1 || req.compartment || req.sort.some((r) => r.code !== '_id')) return undefined;
  const filter = req.filters[0];
  if (filter.kind !== 'value' || filter.param.type !== 'string' || filter.modifier || filter.values.length !== 1) return undefined;
  const folded = foldedSearchText(filter.values[0]);
  return folded ? { filter, type: req.types[0], folded } : undefined;
}

/** The statement that counts a prefix's rows up to `limit`. */
function prefixProbe(f: PrefixFilter, ctx: PlanContext, limit: number): { sql: string; params: unknown[] } {
  const p = new SqlParams();
  const where = [`i.station_id = ${p.add(ctx.stationId)}`, `i.resource_type = ${p.add(f.type)}`, ...storedRowsWhere(f.filter.rows, p), prefixRange(f.folded, p)];
  const sql = `SELECT count(*)::int AS n FROM (SELECT 1 FROM idx_string i WHERE ${where.join(' AND ')} LIMIT ${p.add(limit)}) x`;
  return { sql, params: p.values };
}

/**
 * The prefix as the range idx_string_lookup serves. The statements here are prepared whatever
 * their `SqlParams` say: the flag prefixCondition sets on them is for the general statement.
 */
const prefixRange = (folded: string, p: SqlParams): string => prefixCondition('i.value', folded, p, true);

/**
 * The page in id order (one sort key: the id, either way), `head` selecting the resource's columns:
 * the first ids of the prefix's rows after the cursor, then those resources. Index rows exist only
 * for a live resource's current version, so the first ids are the page (as plan.ts idWalk).
 */
export function stringPage(
  req: SearchRequest,
  f: PrefixFilter,
  common: boolean,
  keys: SortKey[],
  cursor: Cursor | undefined,
  head: string,
  ctx: PlanContext,
): { sql: string; params: unknown[] } | undefined {
  if (keys.length !== 1) return undefined;
  const p = new SqlParams();
  const [station, type] = [p.add(ctx.stationId), p.add(f.type)];
  const backwards = cursor?.direction === 'previous';
  const direction = keys[0].descending !== backwards ? 'DESC' : 'ASC';
  const after = cursor ? [keysetCondition([{ ...keys[0], expr: 'i.resource_id' }], cursor.keys, backwards, p)] : [];
  const match = common ? `starts_with(i.value, ${p.add(f.folded)})` : prefixRange(f.folded, p);
  const where = [`i.station_id = ${station}`, `i.resource_type = ${type}`, ...storedRowsWhere(f.filter.rows, p), match, ...after].join(' AND ');
  const limit = p.add(req.count + 1);
  const ids = `SELECT DISTINCT i.resource_id FROM idx_string i WHERE ${where} ORDER BY i.resource_id ${direction} LIMIT ${limit}`;
  const sql = `${head} FROM (${ids}) m JOIN resource r ON r.station_id = ${station} AND r.resource_type = ${type} AND r.id = m.resource_id
    WHERE NOT r.deleted ORDER BY r.id ${direction} LIMIT ${limit}`;
  return { sql, params: p.values };
}
