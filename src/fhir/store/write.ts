import { randomUUID } from 'node:crypto';
import type { Resource } from '@medplum/fhirtypes';
import type { Queryable } from '../../db/database';
import type { IndexRows } from '../index/extract';

/**
 * The single write path into storage: one SQL statement that, atomically,
 *  - takes the next write sequence number and the transaction's timestamp,
 *  - upserts the current version (guarded: only if the stored version is still `previousVersion`),
 *  - appends the history row,
 *  - replaces the resource's index rows.
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
}

export interface WrittenVersion {
  seq: number;
  lastUpdated: string;
}

const INDEX_TABLES: { table: keyof IndexRows; name: string; columns: string[]; types: string[] }[] = [
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
];

/** Names of all index tables, for maintenance commands (reindex). */
export const INDEX_TABLE_NAMES = INDEX_TABLES.map((t) => t.name);

const camel = (column: string): string => column.replace(/_(\w)/g, (_, c: string) => c.toUpperCase());

const ISO_UTC = `to_char(t.ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * Writes one version. Returns undefined when the guard failed: someone else wrote the resource
 * since the caller read it (the caller answers 409 or retries).
 */
export async function writeVersion(q: Queryable, w: VersionWrite): Promise<WrittenVersion | undefined> {
  const deleted = w.method === 'DELETE';
  // meta.lastUpdated must be the transaction's own time (history's horizon relies on it), which only
  // the database knows: the JSON carries a one-off placeholder that the statement replaces.
  const placeholder = `"@lastUpdated-${randomUUID()}"`;
  const content = deleted ? JSON.stringify(w.content) : JSON.stringify({ ...w.content, meta: { ...w.content.meta, lastUpdated: placeholder.slice(1, -1) } });
  const params: unknown[] = [w.stationId, w.resourceType, w.id, w.versionId, content, w.method, w.previousVersion, placeholder];
  const ctes: string[] = [
    `t AS (SELECT now() AS ts, nextval('resource_seq') AS seq)`,
    `c AS (SELECT replace($5::text, $8::text, to_json(${ISO_UTC})::text)::json AS content, t.ts, t.seq FROM t)`,
    `head AS (
      INSERT INTO resource AS r (station_id, resource_type, id, version_id, seq, last_updated, deleted, content)
      SELECT $1, $2, $3, $4, c.seq, c.ts, ${deleted}, c.content FROM c
      ON CONFLICT (station_id, resource_type, id) DO UPDATE
        SET version_id = excluded.version_id, seq = excluded.seq, last_updated = excluded.last_updated,
            deleted = excluded.deleted, content = excluded.content
        WHERE r.version_id = $7
      RETURNING seq)`,
    `hist AS (
      INSERT INTO resource_history (station_id, resource_type, id, version_id, seq, last_updated, method, content)
      SELECT $1, $2, $3, $4, c.seq, c.ts, $6, ${deleted ? 'NULL' : 'c.content'} FROM c JOIN head ON head.seq = c.seq)`,
  ];
  INDEX_TABLES.forEach((spec, i) => {
    // A brand-new resource has no index rows to remove.
    if (w.previousVersion > 0) {
      ctes.push(`del${i} AS (DELETE FROM ${spec.name} WHERE station_id = $1 AND resource_type = $2 AND resource_id = $3
        AND EXISTS (SELECT 1 FROM head))`);
    }
    const rows = w.rows[spec.table] as unknown as Record<string, unknown>[];
    if (!rows.length) return;
    const unnest = spec.columns.map((col, k) => {
      params.push(rows.map((row) => toParam(row[camel(col)])));
      return `$${params.length}::${spec.types[k]}[]`;
    });
    ctes.push(`ins${i} AS (INSERT INTO ${spec.name} (station_id, resource_type, resource_id, ${spec.columns.join(', ')})
      SELECT $1, $2, $3, u.* FROM unnest(${unnest.join(', ')}) AS u, head)`);
  });
  const sql = `WITH ${ctes.join(',\n')}\nSELECT head.seq, ${ISO_UTC} AS last_updated FROM head, t`;
  const result = await q.query<{ seq: string | number; last_updated: string }>(sql, params);
  if (!result.length) return undefined;
  return { seq: Number(result[0].seq), lastUpdated: result[0].last_updated };
}

function toParam(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  return value ?? null;
}
