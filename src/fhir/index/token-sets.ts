import { createHash } from 'node:crypto';
import { ACCESS_LOG_TYPE } from './compartment';
import { INDEX_TABLES, selectOwnedRows, type IndexRows, type RowOwner } from './tables';

/**
 * Shared token rows for the access log (docs/search.md, "Token sets").
 *
 * Every read and search writes an AuditEvent, and its eleven-odd token rows (action, outcome,
 * type, subtype, site, agent role, alternative id, entity type and role…) are nearly the same
 * from one event to the next: one set per user and kind of interaction. Written per event they
 * were a third of PostgreSQL's work for a search (an idx_token heap row and two B-tree entries
 * each). So an AuditEvent keeps one token row of its own, `_tokens` naming its *set*, and the set's
 * rows are stored once per station, in idx_token under the id `s:<hash of the rows>` (a resource
 * id cannot hold `:`). Searches, sorts and negations on such a type read its rows through the set
 * (search/sql.ts); every other type keeps its token rows as before, since its searches drive
 * from them (`Observation?code=…` walks idx_token_lookup) and their values vary.
 *
 * The set id depends only on the rows, so writers agree without asking each other; the rows are
 * written by the first statement that needs a set (`WHERE NOT EXISTS`). Two statements writing
 * the same new set at the same moment may both write it: the repeats change no answer (matches go
 * through `IN`/`EXISTS`, sorts take min/max, counts count resources).
 */

/** The types whose token rows are kept in shared sets. */
export const TOKEN_SET_TYPES: ReadonlySet<string> = new Set([ACCESS_LOG_TYPE]);

/** The synthetic parameter of the one token row naming a resource's set. */
export const TOKEN_SET_PARAM = '_tokens';

/** Prefix of a set's id, which no resource id can start with (ids have no `:`). */
export const TOKEN_SET_PREFIX = 's:';

type TokenRow = IndexRows['token'][number];

/** A set of token rows, distinct, in a fixed order. */
export interface TokenSet {
  id: string;
  rows: TokenRow[];
}

/**
 * A row as a line of the text the set id hashes: fields joined by U+0001, null as U+0002.
 * Migration 1767200000000 computes the same text in SQL for the events it converts.
 */
const line = (row: TokenRow): string => [row.param, row.system, row.code, row.text].map((v) => (v === null ? '\u0002' : v)).join('\u0001');

/** The set of `rows` (repeats dropped), identified by the SHA-256 of its sorted lines. */
export function tokenSetOf(rows: readonly TokenRow[]): TokenSet {
  const byLine = new Map<string, TokenRow>();
  for (const row of rows) byLine.set(line(row), row);
  const lines = [...byLine.keys()].sort();
  const id = TOKEN_SET_PREFIX + createHash('sha256').update(lines.join('\u0003')).digest('base64url');
  return { id, rows: lines.map((l) => byLine.get(l)!) };
}

/**
 * For a type kept in sets: moves `rows.token` into its set and leaves the one row naming it.
 * A resource without token rows names no set.
 */
export function packTokenRows(resourceType: string, rows: IndexRows): void {
  if (!TOKEN_SET_TYPES.has(resourceType) || !rows.token.length) return;
  const set = tokenSetOf(rows.token);
  rows.tokenSet = set;
  rows.token = [{ param: TOKEN_SET_PARAM, system: null, code: set.id, text: null }];
}

/**
 * The sets a statement writes, each once, as owned row groups for `selectOwnedRows` (their owner
 * is the set: its station, the type, its id).
 */
export function tokenSetGroups(versions: readonly { stationId: string; resourceType: string; rows: IndexRows }[]): { owner: RowOwner; rows: TokenRow[] }[] {
  const groups = new Map<string, { owner: RowOwner; rows: TokenRow[] }>();
  for (const v of versions) {
    const set = v.rows.tokenSet;
    if (!set) continue;
    const key = `${v.stationId}\u0000${v.resourceType}\u0000${set.id}`;
    if (!groups.has(key)) groups.set(key, { owner: { stationId: v.stationId, resourceType: v.resourceType, resourceId: set.id }, rows: set.rows });
  }
  return [...groups.values()];
}

const TOKEN_TABLE = INDEX_TABLES.find((t) => t.table === 'token')!;

/** An INSERT of the sets in `param` (ownedRowsJson of tokenSetGroups) that are not stored yet. */
export function insertTokenSets(param: string): string {
  return `INSERT INTO ${TOKEN_TABLE.name} (station_id, resource_type, resource_id, ${TOKEN_TABLE.columns.join(', ')})
    SELECT * FROM (${selectOwnedRows(TOKEN_TABLE, param)}) n
     WHERE NOT EXISTS (SELECT 1 FROM ${TOKEN_TABLE.name} x WHERE x.station_id = n.s AND x.resource_type = n.t AND x.resource_id = n.i)`;
}

/** A DELETE of the sets no resource names (after a re-index changed what the rows hold). */
export function dropUnusedTokenSets(): string {
  const types = [...TOKEN_SET_TYPES].map((t) => `'${t}'`).join(', ');
  return `DELETE FROM ${TOKEN_TABLE.name} s WHERE s.resource_type IN (${types}) AND s.resource_id LIKE '${TOKEN_SET_PREFIX}%'
    AND NOT EXISTS (SELECT 1 FROM ${TOKEN_TABLE.name} m WHERE m.station_id = s.station_id AND m.resource_type = s.resource_type
      AND m.param = '${TOKEN_SET_PARAM}' AND m.code = s.resource_id)`;
}
