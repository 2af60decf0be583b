import { randomUUID } from 'node:crypto';
import type { Resource } from '@medplum/fhirtypes';
import type { Queryable } from '../../db/database';
import { utcText } from '../../db/utc-text';
import { INDEX_TABLES, ownedRowsJson, recordset, rowsJson, selectOwnedRows, type IndexRows } from '../index/tables';
import { rowSetWrites } from '../index/row-sets';
import { stringRowsKeyed } from '../index/string-keys';

/**
 * The single write path into storage: one SQL statement that, atomically,
 *  - takes the next write sequence number and the transaction's write time,
 *  - upserts the current version (guarded: only if the stored version is still `previousVersion`),
 *  - appends the history row (without content: the head holds the current version's, and the
 *    superseded version's history row takes it — store/version-content.ts),
 *  - replaces the resource's index rows (and stores the row sets they name, index/row-sets.ts),
 *  - and inserts its companions (the AuditEvent recording the write) only if the write happened.
 * One statement means one round trip and no partial write, with or without an outer transaction.
 */

export interface VersionWrite {
  stationId: string;
  resourceType: string;
  id: string;
  /** Version being written; previousVersion + 1. */
  versionId: number;
  /** Version the caller read (0 when the resource never existed): the optimistic-concurrency guard. */
  previousVersion: number;
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** The new content (meta.versionId already set), or for DELETE the last content (kept in the head row). */
  content: Resource;
  /** Index rows of the new content; empty for DELETE. */
  rows: IndexRows;
  /** The keys the type's string rows can have (index/string-keys.ts), by which an update finds the old ones. */
  stringKeys: readonly string[];
}

export interface WrittenVersion {
  /** meta.lastUpdated as stored: the writing transaction's time. */
  lastUpdated: string;
}

/**
 * The transaction's write time: the clock when it first writes, kept (a transaction-local setting)
 * for the rest of it, so that all its versions share one lastUpdated.
 *
 * Not now(): PostgreSQL takes a transaction's start time a moment before it shows the transaction
 * in pg_stat_activity, and history's horizon (history.ts) is read from there. A version stamped
 * with that start could be earlier than a horizon read in that moment and still be uncommitted,
 * so a client syncing `_since` that horizon would never get it. The clock read at the first write
 * comes after the transaction is shown, so any horizon read without seeing it is earlier.
 */
const WRITE_TIME = `COALESCE(nullif(current_setting('ehr.write_time', true), '')::timestamptz,
  set_config('ehr.write_time', clock_timestamp()::text, true)::timestamptz)`;

/** The statement's time as meta.lastUpdated text. */
const ISO_UTC = utcText('t.ts', 'ms');

class Statement {
  readonly params: unknown[] = [];
  readonly ctes: string[] = [`t AS (SELECT ${WRITE_TIME} AS ts)`];
  add(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }
}

/**
 * Appends the CTEs of one version write, named with `prefix`. A write with a `gate` happens only
 * when the gate CTE produced a row (companions depend on the main write's guard).
 */
function addVersion(s: Statement, w: VersionWrite, prefix: string, gate?: string): void {
  const deleted = w.method === 'DELETE';
  // meta.lastUpdated must be the transaction's write time (history's horizon relies on it), which only
  // the database knows: the JSON carries a one-off placeholder that the statement replaces.
  const placeholder = `"@lastUpdated-${randomUUID()}"`;
  const content = deleted ? JSON.stringify(w.content) : JSON.stringify({ ...w.content, meta: { ...w.content.meta, lastUpdated: placeholder.slice(1, -1) } });
  const [station, type, id, version, previous] = [s.add(w.stationId), s.add(w.resourceType), s.add(w.id), s.add(w.versionId), s.add(w.previousVersion)];
  const isDeleted = s.add(deleted);
  const when = gate ? ` WHERE EXISTS (SELECT 1 FROM ${gate})` : '';
  s.ctes.push(
    `${prefix}c AS (SELECT replace(${s.add(content)}::text, ${s.add(placeholder)}::text, to_json(${ISO_UTC})::text)::json AS content,
       t.ts, nextval('resource_seq') AS seq FROM t${when})`,
    `${prefix}head AS (
      INSERT INTO resource AS r (station_id, resource_type, id, version_id, seq, last_updated, deleted, content)
      SELECT ${station}, ${type}, ${id}, ${version}, c.seq, c.ts, ${isDeleted}::boolean, c.content FROM ${prefix}c c
      ON CONFLICT (station_id, resource_type, id) DO UPDATE
        SET version_id = excluded.version_id, seq = excluded.seq, last_updated = excluded.last_updated,
            deleted = excluded.deleted, content = excluded.content
        WHERE r.version_id = ${previous}::integer
      RETURNING seq)`,
    // The new version's content stays in the head alone (version-content.ts); the version it
    // supersedes takes its content, read from the head before this statement, into its history row.
    `${prefix}hist AS (
      INSERT INTO resource_history (station_id, resource_type, id, version_id, seq, last_updated, method)
      SELECT ${station}, ${type}, ${id}, ${version}, c.seq, c.ts, ${s.add(w.method)}
        FROM ${prefix}c c JOIN ${prefix}head h ON h.seq = c.seq)`,
  );
  if (w.previousVersion > 0) {
    s.ctes.push(`${prefix}fill AS (
      UPDATE resource_history p SET content = o.content FROM resource o
       WHERE o.station_id = ${station} AND o.resource_type = ${type} AND o.id = ${id} AND o.version_id = ${previous}::integer AND NOT o.deleted
         AND p.station_id = o.station_id AND p.resource_type = o.resource_type AND p.id = o.id AND p.version_id = o.version_id
         AND p.content IS NULL AND EXISTS (SELECT 1 FROM ${prefix}head))`);
  }
  // Every table appears in every statement (empty arrays insert nothing): the text depends only on
  // create-or-update and the number of companions, so PostgreSQL parses and plans each variant once
  // per connection (a named, prepared statement).
  // A brand-new resource has no index rows to remove: creates use a statement without the deletes.
  INDEX_TABLES.forEach((spec, i) => {
    if (w.previousVersion > 0) {
      const keyed = spec.table === 'string' ? ` AND ${stringRowsKeyed(s.add(w.stringKeys))}` : '';
      s.ctes.push(`${prefix}del${i} AS (DELETE FROM ${spec.name} WHERE station_id = ${station} AND resource_type = ${type}
        AND resource_id = ${id}${keyed} AND EXISTS (SELECT 1 FROM ${prefix}head))`);
    }
    const rows = s.add(rowsJson(w.rows[spec.table]));
    s.ctes.push(`${prefix}ins${i} AS (INSERT INTO ${spec.name} (station_id, resource_type, resource_id, ${spec.columns.join(', ')})
      SELECT ${station}, ${type}, ${id}, u.* FROM ${recordset(spec, rows)}, ${prefix}head)`);
  });
}

/**
 * Writes one version, and its companions only if it was written. Returns undefined when the
 * guard failed: someone else wrote the resource since the caller read it (the caller answers 409
 * or retries).
 */
export async function writeVersion(q: Queryable, w: VersionWrite, companions: VersionWrite[] = []): Promise<WrittenVersion | undefined> {
  const s = new Statement();
  addVersion(s, w, 'w_');
  companions.forEach((companion, i) => addVersion(s, companion, `a${i}_`, 'w_head'));
  s.ctes.push(...rowSetWrites([w, ...companions], (v) => s.add(v)));
  const sql = `WITH ${s.ctes.join(',\n')}\nSELECT ${ISO_UTC} AS last_updated FROM w_head h, t`;
  const variant = `fhir_write_${w.previousVersion > 0 ? 'update' : 'create'}_${companions.length}`;
  const result = await q.query<{ last_updated: string }>(sql, s.params, variant);
  if (!result.length) return undefined;
  return { lastUpdated: result[0].last_updated };
}

/** The transaction's write time as meta.lastUpdated text (what every write of it is stamped with). */
export async function transactionTime(q: Queryable): Promise<string> {
  const rows = await q.query<{ t: string }>(`SELECT ${utcText(WRITE_TIME, 'ms')} AS t`, [], 'fhir_transaction_time');
  return rows[0].t;
}

/** A brand-new resource as it will be stored: its JSON text (meta complete) and its index rows. */
export interface NewVersion {
  stationId: string;
  resourceType: string;
  id: string;
  json: string;
  rows: IndexRows;
}

/** A first version as a NewVersion; `lastUpdated` (the transaction's time or a placeholder) replaces its meta's. */
export function asNewVersion(w: VersionWrite, lastUpdated?: string): NewVersion {
  const content = lastUpdated === undefined ? w.content : { ...w.content, meta: { ...w.content.meta, lastUpdated } };
  return { stationId: w.stationId, resourceType: w.resourceType, id: w.id, json: JSON.stringify(content), rows: w.rows };
}

/** How a batch of new resources meets an id that already exists. */
export type OnExistingId =
  /** Skip that one and write the rest (the count tells: a transaction Bundle then fails as a whole). */
  | 'skip'
  /** Fail the statement, so nothing of the batch is written (independent creates, create-batch.ts). */
  | 'fail';

export interface NewVersionsWritten {
  written: number;
  /** The statement's time, stamped where `placeholder` stood. */
  lastUpdated: string;
}

/**
 * Writes brand-new resources (version 1, server-assigned ids; content stamped with the transaction's
 * time, or carrying `placeholder` where the statement puts its own) in one statement: heads, history
 * rows and index rows of all of them, as arrays. Each carries its own station (a queue of audit
 * records may hold several stations' when one process serves them). The text is the same for any
 * number of resources, so it is prepared once.
 */
export async function writeNewVersions(q: Queryable, writes: readonly NewVersion[], placeholder?: string, onExistingId: OnExistingId = 'skip'): Promise<NewVersionsWritten> {
  const s = new Statement();
  // One JSON parameter (recordset, index/tables.ts), each resource's JSON text in it as it is.
  const heads = s.add(`[${writes.map((w) => `{"station":${JSON.stringify(w.stationId)},"type":${JSON.stringify(w.resourceType)},"id":${JSON.stringify(w.id)},"content":${w.json}}`).join(',')}]`);
  // A `placeholder` string in the JSON becomes the statement's time (records queued before it was known).
  const quoted = s.add(placeholder === undefined ? null : `"${placeholder}"`);
  const content = `CASE WHEN ${quoted}::text IS NULL THEN u.content ELSE replace(u.content::text, ${quoted}::text, to_json(${ISO_UTC})::text)::json END`;
  s.ctes.push(
    `c AS (SELECT u.station, u.type, u.id, ${content} AS content, nextval('resource_seq') AS seq
       FROM json_to_recordset(${heads}::json) AS u(station text, type text, id text, content json), t)`,
    `head AS (INSERT INTO resource (station_id, resource_type, id, version_id, seq, last_updated, deleted, content)
       SELECT c.station, c.type, c.id, 1, c.seq, t.ts, false, c.content FROM c, t
       ${onExistingId === 'skip' ? 'ON CONFLICT (station_id, resource_type, id) DO NOTHING ' : ''}RETURNING station_id, resource_type, id)`,
    // Content in the head alone (version-content.ts).
    `hist AS (INSERT INTO resource_history (station_id, resource_type, id, version_id, seq, last_updated, method)
       SELECT c.station, c.type, c.id, 1, c.seq, t.ts, 'POST'
         FROM c JOIN head h ON h.station_id = c.station AND h.resource_type = c.type AND h.id = c.id, t)`,
  );
  INDEX_TABLES.forEach((spec, i) => {
    const rows = s.add(ownedRowsJson(writes.map((w) => ({ owner: { stationId: w.stationId, resourceType: w.resourceType, resourceId: w.id }, rows: w.rows[spec.table] }))));
    s.ctes.push(`ins${i} AS (INSERT INTO ${spec.name} (station_id, resource_type, resource_id, ${spec.columns.join(', ')})
      ${selectOwnedRows(spec, rows)})`);
  });
  s.ctes.push(...rowSetWrites(writes, (v) => s.add(v)));
  const sql = `WITH ${s.ctes.join(',\n')}\nSELECT (SELECT count(*) FROM head) AS written, ${ISO_UTC} AS last_updated FROM t`;
  const rows = await q.query<{ written: string | number; last_updated: string }>(sql, s.params, `fhir_write_new_${onExistingId}`);
  return { written: Number(rows[0].written), lastUpdated: rows[0].last_updated };
}

