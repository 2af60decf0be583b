/**
 * Small SQL helpers for the planner. Every value is bound (`SqlParams.add` returns `$n`); only
 * table and column names and fixed literals, which come from this code, are written into the text.
 */
import type { StoredRows } from '../index/stored-params';
import { ROW_SET_TABLES, ROW_SET_TYPES } from '../index/row-sets';

/** Bound parameters: `add` stores a value and returns its placeholder. */
export class SqlParams {
  readonly values: unknown[] = [];
  /**
   * True once a bound of a range or a pattern was added (`addRange`): how many rows the condition
   * selects depends on the value, which only a plan made for the values can know. Such statements
   * are not prepared (prepared.ts): a generic plan guesses 0.5% of the rows for any range, and for
   * `Patient?name=ngu` (776 of 2,000 residents) it hashed every match and fetched each resource
   * (26.6 ms) where the plan for the values walks the primary key and stops at the page (3.2 ms).
   */
  valueDependent = false;
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

function selectOwners(scope: Scope, from: string, typeCol: string, idCol: string, where: string[]): string {
  const conditions = [...where, ...typeRestriction(scope, typeCol)];
  return `SELECT ${scope.type ? '' : `${typeCol}, `}${idCol} FROM ${from}${conditions.length ? ` WHERE ${conditions.join(' AND ')}` : ''}`;
}

const membership = (scope: Scope, selects: string[]): string =>
  `${scope.type ? `${scope.alias}.id` : `(${scope.alias}.resource_type, ${scope.alias}.id)`} IN (${selects.join(' UNION ALL ')})`;

/** Members of row sets: (station, type, resource id) → set id. */
const ROW_SET_MEMBERS = 'idx_row_set';

/**
 * Where the scope's resources keep their rows of `table`: their own rows (`own`), and for the
 * types whose token and string rows are shared (index/row-sets.ts), the rows of the set their
 * idx_row_set row names (`viaSet`). A scope of both kinds of types (or of any type) reads both.
 */
function rowSources(scope: Scope, table: string): { own: boolean; viaSet: boolean; sharedTypes: string } {
  const names = scope.typeNames?.length ? scope.typeNames : undefined;
  const shared = ROW_SET_TABLES.some((t) => t.name === table) ? [...ROW_SET_TYPES].filter((t) => !names || names.includes(t)) : [];
  // The shared types are the code's own constants, written as literals (like compartment.ts).
  return { own: shared.length !== names?.length, viaSet: shared.length > 0, sharedTypes: shared.map((t) => `'${t}'`).join(', ') };
}

/** Whether every resource of the scope keeps its own rows of `table` (none through a row set). */
export const ownRowsOnly = (scope: Scope, table: string): boolean => !rowSources(scope, table).viaSet;

/**
 * The scope's resource has a row of `table` (alias i) that satisfies `where`. Through row sets: a
 * member of a set whose rows satisfy it, as nested semi-joins the planner can drive from the sets
 * (few rows of idx_token/idx_string, then `idx_row_set_lookup` by set) or, when another condition
 * is narrower (`entity=Patient/1`), from each candidate's membership (the owner index). As an
 * array of sets (`set_id = ANY(ARRAY(…))`) the planner could not know how many members matched and
 * walked them all in id order: 6 ms for `AuditEvent?outcome=4` with no match at 9,900 events,
 * against 0.3 ms; a value most events share (a page of `subtype=search-type`) is the other way
 * round, 0.2 against 53 ms, and rarer in what an auditor asks.
 */
export function hasIndexRow(scope: Scope, table: string, where: string[]): string {
  const { own, viaSet, sharedTypes } = rowSources(scope, table);
  const selects = own ? [selectOwners(scope, `${table} i`, 'i.resource_type', 'i.resource_id', where)] : [];
  if (viaSet) {
    // DISTINCT: estimated as its own few rows, not through idx_token's resource_id, whose hundreds of
    // thousands of distinct values made the planner expect one member per set and drive from the
    // sets when another condition was narrower (970 ms against 1 ms for an auditor's query).
    const sets = `SELECT DISTINCT i.resource_id FROM ${table} i WHERE ${[...where, `i.resource_type IN (${sharedTypes})`].join(' AND ')}`;
    const named = [`m.station_id = ${scope.station}`, `m.resource_type IN (${sharedTypes})`, `m.set_id IN (${sets})`];
    selects.push(selectOwners(scope, `${ROW_SET_MEMBERS} m`, 'm.resource_type', 'm.resource_id', named));
  }
  return membership(scope, selects);
}

/**
 * The rows of `table` (alias i) that the scope's current resource has and that satisfy `where`,
 * as one SELECT of `columns` per place they are kept (see rowSources).
 */
export function rowsOfResource(scope: Scope, table: string, columns: string, where: string[]): string[] {
  const a = scope.alias;
  const { own, viaSet } = rowSources(scope, table);
  const selects: string[] = [];
  if (own) selects.push(`SELECT ${columns} FROM ${table} i WHERE ${[`i.station_id = ${a}.station_id`, `i.resource_type = ${a}.resource_type`, `i.resource_id = ${a}.id`, ...where].join(' AND ')}`);
  if (viaSet) {
    const owner = [`m.station_id = ${a}.station_id`, `m.resource_type = ${a}.resource_type`, `m.resource_id = ${a}.id`];
    selects.push(
      `SELECT ${columns} FROM ${ROW_SET_MEMBERS} m JOIN ${table} i ON i.station_id = m.station_id AND i.resource_type = m.resource_type AND i.resource_id = m.set_id
        WHERE ${[...owner, ...where].join(' AND ')}`,
    );
  }
  return selects;
}

/** No index row of `alias` in `table` satisfies `where` (anti-joins; NOT IN would not be one). */
export function noIndexRow(scope: Scope, table: string, where: string[]): string {
  return rowsOfResource(scope, table, '1', where).map((select) => `NOT EXISTS (${select})`).join(' AND ');
}

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

export const TABLE_OF: Record<string, string> = {
  string: 'idx_string',
  token: 'idx_token',
  date: 'idx_date',
  number: 'idx_number',
  quantity: 'idx_quantity',
  reference: 'idx_reference',
  uri: 'idx_uri',
};
