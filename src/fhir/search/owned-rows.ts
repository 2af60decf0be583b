import { listOwners, REFERENCE_LIST_ROWS, REFERENCE_LIST_TYPES, REFERENCE_LISTS } from '../index/reference-lists';
import { ROW_SET_MEMBERS, ROW_SET_TABLES, ROW_SET_TYPES } from '../index/row-sets';
import { membership, or, selectOwners, TABLE_OF, type Scope } from './sql';

/**
 * The index rows a scope's resources own, wherever they are kept: most types keep their own rows;
 * the access log keeps its token and string rows in shared row sets (index/row-sets.ts) and its
 * reference rows as one list per event (index/reference-lists.ts). Every reader of those tables
 * (conditions, negations, sort keys, counts) asks here.
 */

/** The scope's types that keep their rows of `table` elsewhere, and where: in row sets or in lists. */
function keptElsewhere(scope: Scope, table: string): { types: string[]; via?: 'set' | 'list' } {
  const where = ROW_SET_TABLES.some((t) => t.name === table)
    ? { types: ROW_SET_TYPES, via: 'set' as const }
    : table === 'idx_reference' ? { types: REFERENCE_LIST_TYPES, via: 'list' as const } : undefined;
  const names = scope.typeNames?.length ? scope.typeNames : undefined;
  return { types: where ? [...where.types].filter((t) => !names || names.includes(t)) : [], via: where?.via };
}

/**
 * Where the scope's resources keep their rows of `table`: their own rows (`own`), and for the
 * types that keep them elsewhere, the rows of the set their idx_row_set row names (`viaSet`) or
 * of their list (`viaList`). A scope of both kinds of types (or of any type) reads both.
 */
function rowSources(scope: Scope, table: string): { own: boolean; viaSet: boolean; viaList: boolean; types: string[]; sharedTypes: string } {
  const { types, via } = keptElsewhere(scope, table);
  const some = types.length > 0;
  // Every type of the scope keeps them elsewhere only when the scope names its types, all of those.
  const all = !!scope.typeNames?.length && types.length === scope.typeNames.length;
  // The shared types are the code's own constants, written as literals (like compartment.ts).
  return { own: !all, viaSet: some && via === 'set', viaList: some && via === 'list', types, sharedTypes: types.map((t) => `'${t}'`).join(', ') };
}

/** The scope's types that keep their rows of `table` as lists (index/reference-lists.ts). */
export function listedTypes(scope: Scope, table: string): string[] {
  const { types, via } = keptElsewhere(scope, table);
  return via === 'list' ? types : [];
}

/** Whether no resource of the scope keeps rows of `table` of its own (all keep them elsewhere). */
export const noOwnRows = (scope: Scope, table: string): boolean => !rowSources(scope, table).own;

/** Whether every resource of the scope keeps its own rows of `table` (none through a row set or a list). */
export const ownRowsOnly = (scope: Scope, table: string): boolean => keptElsewhere(scope, table).types.length === 0;

/** Whether every resource of the scope keeps all its index rows as its own (the scope cannot meet the access log). */
export const allRowsOwn = (scope: Scope): boolean => Object.values(TABLE_OF).every((table) => ownRowsOnly(scope, table));

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
export function hasIndexRow(scope: Scope, table: string, where: string[], listKeys?: string): string {
  const { own, viaSet, viaList, types, sharedTypes } = rowSources(scope, table);
  const selects = own ? [selectOwners(scope, `${table} i`, 'i.resource_type', 'i.resource_id', where)] : [];
  if (viaSet) {
    // DISTINCT: estimated as its own few rows, not through idx_token's resource_id, whose hundreds of
    // thousands of distinct values made the planner expect one member per set (1 against 56,000).
    const sets = `SELECT DISTINCT i.resource_id FROM ${table} i WHERE ${[...where, `i.resource_type IN (${sharedTypes})`].join(' AND ')}`;
    const named = [`m.station_id = ${scope.station}`, `m.resource_type IN (${sharedTypes})`, `m.set_id IN (${sets})`];
    selects.push(selectOwners(scope, `${ROW_SET_MEMBERS} m`, 'm.resource_type', 'm.resource_id', named));
  }
  if (viaList && listKeys) {
    // The keys the rows are, when the filter knows them: the lists' GIN index finds their owners.
    for (const type of types) selects.push(selectOwners(scope, listOwners(scope.station, type, listKeys, 'i'), `'${type}'::text`, 'i.resource_id', []));
  } else if (viaList) {
    // Else the lists read as rows, every one (`:missing=false`, a hierarchy).
    selects.push(selectOwners(scope, `${REFERENCE_LIST_ROWS} i`, 'i.resource_type', 'i.resource_id', [...where, `i.resource_type IN (${sharedTypes})`]));
  }
  return membership(scope, selects);
}

/**
 * The rows of `table` (alias i) that the scope's current resource has and that satisfy `where`,
 * as one SELECT of `columns` per place they are kept (see rowSources).
 */
export function rowsOfResource(scope: Scope, table: string, columns: string, where: string[], listKeys?: string): string[] {
  const a = scope.alias;
  const id = `${a}.${scope.idColumn ?? 'id'}`;
  const { own, viaSet, viaList } = rowSources(scope, table);
  const selects: string[] = [];
  const ofResource = [`i.station_id = ${a}.station_id`, `i.resource_type = ${a}.resource_type`, `i.resource_id = ${id}`];
  if (own) selects.push(`SELECT ${columns} FROM ${table} i WHERE ${[...ofResource, ...where].join(' AND ')}`);
  // A list is asked by its keys when they are known (they are all a keys-only selection says), else read as rows.
  if (viaList && listKeys) selects.push(`SELECT ${columns} FROM ${REFERENCE_LISTS} i WHERE ${[...ofResource, `i.keys && ${listKeys}`].join(' AND ')}`);
  else if (viaList) selects.push(`SELECT ${columns} FROM ${REFERENCE_LIST_ROWS} i WHERE ${[...ofResource, ...where].join(' AND ')}`);
  if (viaSet) {
    const owner = [`m.station_id = ${a}.station_id`, `m.resource_type = ${a}.resource_type`, `m.resource_id = ${id}`];
    selects.push(
      `SELECT ${columns} FROM ${ROW_SET_MEMBERS} m JOIN ${table} i ON i.station_id = m.station_id AND i.resource_type = m.resource_type AND i.resource_id = m.set_id
        WHERE ${[...owner, ...where].join(' AND ')}`,
    );
  }
  return selects;
}

/**
 * The scope's resource has a row of `table` (alias i) satisfying `where`, checked on that resource
 * alone: OFFSET 0 keeps the EXISTS a subplan run per candidate, which PostgreSQL may not turn into
 * a join to start from (hasIndexRow's form). For conditions the engine knows to be broad
 * (search/driving.ts).
 */
export function candidateHasRow(scope: Scope, table: string, where: string[], listKeys?: string): string {
  return or(rowsOfResource(scope, table, '1', where, listKeys).map((select) => `EXISTS (${select} OFFSET 0)`));
}

/** No index row of `alias` in `table` satisfies `where` (anti-joins; NOT IN would not be one). */
export function noIndexRow(scope: Scope, table: string, where: string[]): string {
  return rowsOfResource(scope, table, '1', where).map((select) => `NOT EXISTS (${select})`).join(' AND ');
}
