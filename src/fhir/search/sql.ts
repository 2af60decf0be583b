/**
 * Small SQL helpers for the planner. Every value is bound (`SqlParams.add` returns `$n`); only
 * table and column names and fixed literals, which come from this code, are written into the text.
 */
import type { StoredRows } from '../index/stored-params';
import type { PrefixCommonness } from './string-page';

/** Bound parameters: `add` stores a value and returns its placeholder. */
export class SqlParams {
  readonly values: unknown[];
  /**
   * True once a bound of a range or a pattern was added (`addRange`): how many rows the condition
   * selects depends on the value, which only a plan made for the values can know. Such statements
   * are not prepared (prepared.ts): a generic plan guesses 0.5% of the rows for any range, and for
   * `Patient?name=ngu` (776 of 2,000 residents) it hashed every match and fetched each resource
   * (26.6 ms) where the plan for the values walks the primary key and stops at the page (3.2 ms).
   */
  valueDependent = false;
  /** `bound`: values already bound ($1…), copied, that this statement's text uses too. */
  constructor(bound: readonly unknown[] = []) {
    this.values = [...bound];
  }
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
  addRange(value: unknown): string {
    this.valueDependent = true;
    return this.add(value);
  }
}

/** What the planner needs to know besides the request. */
export interface PlanContext {
  stationId: string;
  timeZone: string;
  baseUrl: string;
  /** Kept answers of how common string prefixes are (string-page.ts); absent, such searches are planned per value. */
  prefixes?: PrefixCommonness;
}

/**
 * The resources a condition is about: alias `alias` of the resource table, within one station,
 * of one type (`type` placeholder), several (`types`, a text[] placeholder) or any type.
 */
export interface Scope {
  alias: string;
  station: string;
  type?: string;
  types?: string;
  /** Nesting level (chains, _has), for fresh aliases. */
  depth: number;
  /** The types by name (undefined: any type), for rows some types keep elsewhere (row sets). */
  typeNames?: readonly string[];
  /**
   * The alias's column holding the resource id when it is not `id` (`resource_id` of a compartment
   * row). Read only by the per-candidate checks (owned-rows.ts rowsOfResource); every other
   * condition is written on the resource alias itself.
   */
  idColumn?: string;
}

export const or = (parts: string[]): string => (parts.length === 1 ? parts[0] : `(${parts.join(' OR ')})`);

export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => '\\' + c);
}

/**
 * The first string after every string that starts with `prefix`, in byte order (COLLATE "C",
 * which is code point order in UTF-8): the prefix with its last code point incremented, or, when
 * that is the highest code point, the shorter prefix's. Undefined when no string is after them all.
 */
export function prefixUpperBound(prefix: string): string | undefined {
  const points = Array.from(prefix);
  while (points.length) {
    const last = points.pop()!.codePointAt(0)!;
    if (last === 0x10ffff) continue;
    // The surrogates are no code points of their own: after U+D7FF comes U+E000.
    points.push(String.fromCodePoint(last === 0xd7ff ? 0xe000 : last + 1));
    return points.join('');
  }
  return undefined;
}

/**
 * `column` starts with `prefix`, as a range of two bound values rather than `LIKE 'x%'`: the
 * index condition PostgreSQL derives from a LIKE constant, without the LIKE re-checked on each
 * row, and one a generic plan could still use (a LIKE parameter it cannot). `pattern` uses the
 * byte-wise operators a `text_pattern_ops` index serves (idx_string_lookup); otherwise the
 * column's own COLLATE "C" order.
 */
export function prefixCondition(column: string, prefix: string, p: SqlParams, pattern = false): string {
  const [ge, lt] = pattern ? ['~>=~', '~<~'] : ['>=', '<'];
  const hi = prefixUpperBound(prefix);
  const lower = `${column} ${ge} ${p.addRange(prefix)}`;
  return hi === undefined ? lower : `(${lower} AND ${column} ${lt} ${p.addRange(hi)})`;
}

/** The scope's own restriction on a column holding a resource type. */
export function typeRestriction(scope: Scope, column: string): string[] {
  if (scope.type) return [`${column} = ${scope.type}`];
  if (scope.types) return [`${column} = ANY(${scope.types}::text[])`];
  return [];
}

/**
 * `alias` is among the resources selected by a subquery over `from` whose `typeCol`/`idCol` name
 * a resource. With one type the subquery is uncorrelated (`r.id IN (…)` with the type as a
 * constant), which PostgreSQL turns into a semi-join it can drive from either side.
 */
export function memberOf(scope: Scope, from: string, typeCol: string, idCol: string, where: string[]): string {
  return membership(scope, [selectOwners(scope, from, typeCol, idCol, where)]);
}

/** A SELECT of the owners (type and id, or id alone with one type) of `from`'s rows satisfying `where`. */
export function selectOwners(scope: Scope, from: string, typeCol: string, idCol: string, where: string[]): string {
  const conditions = [...where, ...typeRestriction(scope, typeCol)];
  return `SELECT ${scope.type ? '' : `${typeCol}, `}${idCol} FROM ${from}${conditions.length ? ` WHERE ${conditions.join(' AND ')}` : ''}`;
}

/** `alias` is among the owners the SELECTs (of selectOwners) give. */
export const membership = (scope: Scope, selects: string[]): string =>
  `${scope.type ? `${scope.alias}.id` : `(${scope.alias}.resource_type, ${scope.alias}.id)`} IN (${selects.join(' UNION ALL ')})`;

/**
 * Index rows (alias i) of a parameter: its own, or those of the parameters that hold them
 * (index/stored-params.ts), with a narrowed reference's target type; per group of types when the
 * search's types store it differently.
 */
export function storedRowsWhere(groups: readonly StoredRows[], p: SqlParams): string[] {
  const conditions = (rows: StoredRows): string[] => {
    const param = rows.params.length === 1 ? `i.param = ${p.add(rows.params[0])}` : `i.param = ANY(${p.add(rows.params)}::text[])`;
    const typed = rows.targetType ? [`i.target_type = ${p.add(rows.targetType)}`] : [];
    const scoped = rows.types ? [`i.resource_type = ANY(${p.add(rows.types)}::text[])`] : [];
    return [param, ...typed, ...scoped];
  };
  if (groups.length === 1) return conditions(groups[0]);
  return [or(groups.map((g) => `(${conditions(g).join(' AND ')})`))];
}

/**
 * The same groups under keys made from each parameter holding the rows (`code:sort`,
 * `code:of-type`, a composite's `code$token`): one key per holder, as a union holds none of its own.
 */
export function keyedBy(groups: readonly StoredRows[], key: (code: string) => string): StoredRows[] {
  return groups.map((g) => ({ ...g, params: g.params.map(key) }));
}

export const TABLE_OF: Record<string, string> = {
  string: 'idx_string',
  token: 'idx_token',
  date: 'idx_date',
  number: 'idx_number',
  quantity: 'idx_quantity',
  reference: 'idx_reference',
  uri: 'idx_uri',
};
