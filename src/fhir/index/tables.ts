/**
 * The search index tables, as data: one row type per parameter type, and the column layout the
 * write path (store/write.ts) and the re-index command (scripts/reindex.ts) insert with.
 * The tables themselves are created by migrations/1764400000000-ResourceStore.ts (idx_row_set by
 * 1767200000000-AccessLogRowSets.ts, idx_reference_list by 1767400000000-AccessLogReferenceLists.ts); docs/search.md
 * explains the layout and the synthetic `param` keys (`code:identifier`, `name:sort`, composites).
 */
import type { RowSet } from './row-sets';

export interface IndexRows {
  string: { param: string; value: string; exact: string }[];
  token: { param: string; system: string | null; code: string | null; text: string | null }[];
  /** Instants as ISO text (UTC, milliseconds): `lo` inclusive, `hi` exclusive. */
  date: { param: string; lo: string; hi: string }[];
  number: { param: string; value: number }[];
  quantity: { param: string; value: number; system: string | null; code: string | null; unit: string | null }[];
  reference: { param: string; targetType: string | null; targetId: string | null; url: string | null }[];
  uri: { param: string; value: string }[];
  compartment: { compartmentType: string; compartmentId: string }[];
  /** For a type whose references are kept as a list (reference-lists.ts): its keys, one row, or none. */
  referenceList: { keys: string[] }[];
  /** The row set a resource of a row-set type belongs to (row-sets.ts): one row, or none. */
  rowSetMember: { setId: string }[];
  /** For such a resource, the set itself: its token and string rows, stored once for all members. */
  rowSet?: RowSet;
}

export function emptyRows(): IndexRows {
  return { string: [], token: [], date: [], number: [], quantity: [], reference: [], uri: [], compartment: [], referenceList: [], rowSetMember: [] };
}

/** The keys of IndexRows that are rows of a table. */
export type IndexTableKey = Exclude<keyof IndexRows, 'rowSet'>;

export interface IndexTableSpec {
  /** Key of the rows in IndexRows. */
  table: IndexTableKey;
  /** SQL table name. */
  name: string;
  /** Columns after (station_id, resource_type, resource_id), in snake_case; row fields are their camelCase. */
  columns: string[];
  /** SQL type of each column, as `recordset` reads it. */
  types: string[];
}

export const INDEX_TABLES: readonly IndexTableSpec[] = [
  { table: 'string', name: 'idx_string', columns: ['param', 'value', 'exact'], types: ['text', 'text', 'text'] },
  { table: 'token', name: 'idx_token', columns: ['param', 'system', 'code', 'text'], types: ['text', 'text', 'text', 'text'] },
  { table: 'date', name: 'idx_date', columns: ['param', 'lo', 'hi'], types: ['text', 'timestamptz', 'timestamptz'] },
  { table: 'number', name: 'idx_number', columns: ['param', 'value'], types: ['text', 'numeric'] },
  {
    table: 'quantity',
    name: 'idx_quantity',
    columns: ['param', 'value', 'system', 'code', 'unit'],
    types: ['text', 'numeric', 'text', 'text', 'text'],
  },
  {
    table: 'reference',
    name: 'idx_reference',
    columns: ['param', 'target_type', 'target_id', 'url'],
    types: ['text', 'text', 'text', 'text'],
  },
  { table: 'uri', name: 'idx_uri', columns: ['param', 'value'], types: ['text', 'text'] },
  { table: 'compartment', name: 'idx_compartment', columns: ['compartment_type', 'compartment_id'], types: ['text', 'text'] },
  { table: 'referenceList', name: 'idx_reference_list', columns: ['keys'], types: ['text[]'] },
  { table: 'rowSetMember', name: 'idx_row_set', columns: ['set_id'], types: ['text'] },
];

/** The SQL name of the table of `key`'s rows. */
export const tableName = (key: IndexTableKey): string => INDEX_TABLES.find((t) => t.table === key)!.name;

/** Names of all index tables, for maintenance commands (reindex). */
export const INDEX_TABLE_NAMES = INDEX_TABLES.map((t) => t.name);

const camel = (column: string): string => column.replace(/_(\w)/g, (_, c: string) => c.toUpperCase());

/** The resource that index rows belong to, when one statement writes the rows of several. */
export interface RowOwner {
  stationId: string;
  resourceType: string;
  resourceId: string;
}

/**
 * Index rows as one `json` parameter for `recordset`. Sent as one `text[]` per column for `unnest`,
 * every value went through node-pg's array-literal escaping (a regex pass each), ~5% of the
 * server's CPU per create; one JSON text is written by the native JSON.stringify and read by
 * PostgreSQL's JSON parser.
 */
export const rowsJson = (rows: readonly object[]): string => JSON.stringify(rows);

/**
 * The rows of several resources for `selectOwnedRows`: each resource's owner once, then its rows,
 * `[{"s": station, "t": type, "i": id, "r": […]}]`. Owner fields repeated in every row made this
 * text a third longer (PostgreSQL parses all of it) and took one JSON.stringify per row instead of
 * per resource; read as columns of the group, they are taken out of the JSON once per resource
 * (as `o->>0` of an array they were taken once per row: 3,000 rows 8–10 → 6 ms).
 */
export function ownedRowsJson(groups: readonly { owner: RowOwner; rows: readonly object[] }[]): string {
  const parts: string[] = [];
  for (const { owner, rows } of groups) {
    if (rows.length) parts.push(`{"s":${JSON.stringify(owner.stationId)},"t":${JSON.stringify(owner.resourceType)},"i":${JSON.stringify(owner.resourceId)},"r":${JSON.stringify(rows)}}`);
  }
  return `[${parts.join(',')}]`;
}

const columnList = (spec: IndexTableSpec): string => spec.columns.map((c, k) => `"${camel(c)}" ${spec.types[k]}`).join(', ');

/** `json_to_recordset(param) AS u(…)` over rowsJson's rows of `spec`: `u.*` is the table's columns after `resource_id`, in order. */
export function recordset(spec: IndexTableSpec, param: string): string {
  return `json_to_recordset(${param}::json) AS u(${columnList(spec)})`;
}

/** A SELECT of ownedRowsJson's rows of `spec`: every column of the table, in order, from `station_id`. */
export function selectOwnedRows(spec: IndexTableSpec, param: string): string {
  return `SELECT g.s, g.t, g.i, u.* FROM json_to_recordset(${param}::json) AS g(s text, t text, i text, r json), json_to_recordset(g.r) AS u(${columnList(spec)})`;
}

/**
 * Longest text kept in an indexed column. A B-tree entry must fit in a third of a page (~2,700
 * bytes); a longer value would make the write fail. Queries cut their values the same way, so a
 * match on the first 512 characters is a match (docs/search.md, "Limits").
 */
export const MAX_INDEXED_CHARS = 512;

export function clip(text: string): string;
export function clip(text: string | null): string | null;
export function clip(text: string | null): string | null {
  return text !== null && text.length > MAX_INDEXED_CHARS ? text.slice(0, MAX_INDEXED_CHARS) : text;
}
