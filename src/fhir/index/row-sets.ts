import { createHash } from 'node:crypto';
import { ACCESS_LOG_TYPE } from './access-log';
import { INDEX_TABLES, ownedRowsJson, selectOwnedRows, type IndexRows, type IndexTableSpec, type RowOwner } from './tables';
import { stringRowKeys, stringRowsKeyed } from './string-keys';
import type { R4Definitions } from '../definitions';

/**
 * Shared index rows for the access log (docs/search.md, "Row sets").
 *
 * Every read and search writes an AuditEvent, and its token rows (action, outcome, type, subtype,
 * site, agent role, alternative id, entity type and role) and string rows (network address, the
 * agent's name and their sort rows) are nearly the same from one event to the next: one set per
 * user, device and kind of interaction. Written per event they were more than a third of
 * PostgreSQL's work for a search (a heap row and two or three B-tree entries each). So an AuditEvent
 * keeps one row in idx_row_set naming its *row set*, and the set's rows are stored once per
 * station, in idx_token and idx_string under the id `s:<hash of the rows>` (a resource id cannot
 * hold `:`). Its dates and references (the patients and resources it names) stay its own.
 * Searches, sorts, negations and counts on such a type read those tables through the set
 * (search/owned-rows.ts); every other type keeps its rows as before, since its searches drive from them
 * (`Observation?code=…` walks idx_token_lookup) and their values vary.
 *
 * The set id depends only on the rows, so writers agree without asking each other; `row_set`
 * registers each stored set once (rowSetWrites), and a re-index drops the sets no resource names.
 */

/** The types whose token and string rows are kept in shared sets. */
export const ROW_SET_TYPES: ReadonlySet<string> = new Set([ACCESS_LOG_TYPE]);

/** The tables whose rows a set holds. */
export const ROW_SET_TABLES: readonly IndexTableSpec[] = INDEX_TABLES.filter((t) => t.table === 'token' || t.table === 'string');

/** The table of each resource's set: (station, type, resource id) → set id. */
export const ROW_SET_MEMBERS = INDEX_TABLES.find((t) => t.table === 'rowSetMember')!.name;

/** Prefix of a set's id, which no resource id can start with (ids have no `:`). */
const ROW_SET_PREFIX = 's:';

type SharedKey = 'token' | 'string';

/** A set of index rows, each distinct, in a fixed order. */
export type RowSet = { id: string } & Pick<IndexRows, SharedKey>;

/**
 * A row as a line of the text the set id hashes: its table's letter, then its fields, joined by
 * U+0001, null as U+0002. Migration 1767200000000 computes the same lines in SQL.
 */
const tokenLine = (r: IndexRows['token'][number]): string => lineOf(['t', r.param, r.system, r.code, r.text]);
const stringLine = (r: IndexRows['string'][number]): string => lineOf(['s', r.param, r.value, r.exact]);
const lineOf = (fields: (string | null)[]): string => fields.map((v) => (v === null ? '\u0002' : v)).join('\u0001');

/**
 * The set of these rows, identified by the SHA-256 of its sorted lines. Repeats are dropped: an
 * event has an entity type and role per resource it names (a search of 20 Patients gave 193 rows,
 * 118 of them repeats, when the audit log dropped them itself); with them gone an event's own rows
 * (its date, its references) have none, so nothing else compares them.
 */
export function rowSetOf(rows: Pick<IndexRows, SharedKey>): RowSet {
  const token = new Map(rows.token.map((r) => [tokenLine(r), r]));
  const string = new Map(rows.string.map((r) => [stringLine(r), r]));
  const lines = [...token.keys(), ...string.keys()].sort();
  const id = ROW_SET_PREFIX + createHash('sha256').update(lines.join('\u0003')).digest('base64url');
  const inOrder = <T>(byLine: Map<string, T>): T[] => lines.filter((l) => byLine.has(l)).map((l) => byLine.get(l)!);
  return { id, token: inOrder(token), string: inOrder(string) };
}

/**
 * For a type kept in sets: moves its token and string rows into their set, and makes the resource
 * a member of it. A resource with no such rows belongs to no set.
 */
export function packRowSet(resourceType: string, rows: IndexRows): void {
  if (!ROW_SET_TYPES.has(resourceType) || !(rows.token.length || rows.string.length)) return;
  const set = rowSetOf(rows);
  rows.rowSet = set;
  rows.rowSetMember = [{ setId: set.id }];
  rows.token = [];
  rows.string = [];
}

/** A statement's versions, as far as their row sets go. */
type Versions = readonly { stationId: string; resourceType: string; rows: IndexRows }[];

/** The sets of the versions, each once, with their rows of `spec`'s table (none without), as owned row groups (the owner is the set). */
function groupsOf(versions: Versions, spec?: IndexTableSpec): { owner: RowOwner; rows: object[] }[] {
  const groups = new Map<string, { owner: RowOwner; rows: object[] }>();
  for (const v of versions) {
    const set = v.rows.rowSet;
    if (!set) continue;
    const key = `${v.stationId}\u0000${v.resourceType}\u0000${set.id}`;
    const rows = spec ? set[spec.table as SharedKey] : [];
    if (!groups.has(key)) groups.set(key, { owner: { stationId: v.stationId, resourceType: v.resourceType, resourceId: set.id }, rows });
  }
  return [...groups.values()];
}

/**
 * CTEs (named `set…`) storing the sets `versions` name that are not stored yet. The set is
 * registered in `row_set` first (`ON CONFLICT DO NOTHING` on its key): only the statement that
 * registers it writes its rows, so two writers of a new set never both write it, and the question
 * is always one probe of row_set's primary key, whatever the plan (a `NOT EXISTS` over idx_token,
 * planned while the table was empty, went on scanning it: 5 ms per create at 100,000 rows).
 * A set is stored even when the write naming it does not happen (a failed version guard): a set
 * nobody names costs a few rows until a re-index drops it. `add` binds a value and returns its placeholder.
 */
export function rowSetWrites(versions: Versions, add: (value: unknown) => string): string[] {
  const sets = add(JSON.stringify(groupsOf(versions).map(({ owner }) => ({ s: owner.stationId, t: owner.resourceType, i: owner.resourceId }))));
  const registered = 'set_new';
  return [
    `${registered} AS (INSERT INTO row_set (station_id, resource_type, id)
       SELECT g.s, g.t, g.i FROM json_to_recordset(${sets}::json) AS g(s text, t text, i text)
       ON CONFLICT DO NOTHING RETURNING station_id, resource_type, id)`,
    ...ROW_SET_TABLES.map(
      (spec, i) => `set${i} AS (INSERT INTO ${spec.name} (station_id, resource_type, resource_id, ${spec.columns.join(', ')})
       SELECT n.* FROM (${selectOwnedRows(spec, add(ownedRowsJson(groupsOf(versions, spec))))}) n
         JOIN ${registered} r ON r.station_id = n.s AND r.resource_type = n.t AND r.id = n.i)`,
    ),
  ];
}

/**
 * A statement removing the sets no resource names (after a re-index changed what the rows hold);
 * returns their number. Its parameter: the string keys of the row-set types (string-keys.ts), by
 * which their string rows are reached.
 */
export function dropUnusedRowSets(defs: R4Definitions): { sql: string; params: unknown[] } {
  const keyed = (spec: IndexTableSpec): string => (spec.table === 'string' ? ` AND ${stringRowsKeyed('$1', 't')}` : '');
  const sql = `WITH gone AS (DELETE FROM row_set s WHERE NOT EXISTS (SELECT 1 FROM ${ROW_SET_MEMBERS} m WHERE m.station_id = s.station_id
      AND m.resource_type = s.resource_type AND m.set_id = s.id) RETURNING station_id, resource_type, id),
    ${ROW_SET_TABLES.map((spec, i) => `d${i} AS (DELETE FROM ${spec.name} t USING gone g WHERE t.station_id = g.station_id AND t.resource_type = g.resource_type AND t.resource_id = g.id${keyed(spec)})`).join(',\n    ')}
    SELECT count(*)::int AS n FROM gone`;
  return { sql, params: [[...ROW_SET_TYPES].flatMap((type) => stringRowKeys(defs, type))] };
}
