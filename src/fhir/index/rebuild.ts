import type { Resource } from '@medplum/fhirtypes';
import type { Database, Queryable } from '../../db/database';
import { extractIndexRows, type ExtractContext } from './extract';
import { emptyRows, INDEX_TABLES, INDEX_TABLE_NAMES, ownedRowsJson, selectOwnedRows, type IndexRows } from './tables';
import { dropUnusedRowSets, rowSetWrites } from './row-sets';
import { stringRowKeys, stringRowsKeyed } from './string-keys';
import type { R4Definitions } from '../definitions';

/**
 * Rebuilds the search index of every stored resource (`npm run reindex`), after a search
 * parameter was added or changed. Resources are read in key order, a batch at a time; each batch
 * is extracted with the same extractIndexRows as the write path and written in one transaction.
 *
 * While a batch is written the resource table is locked against writers (SHARE ROW EXCLUSIVE:
 * reads go on). A resource whose version changed since the batch read it is skipped: its writer
 * already indexed the new version with the current parameters. Writers wait at most one batch.
 */

export interface RebuildOptions {
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface RebuildResult {
  resources: number;
  rows: number;
  /** Resources written by someone else during the rebuild (their writer indexed them). */
  skipped: number;
}

interface Head {
  station_id: string;
  resource_type: string;
  id: string;
  version_id: number;
  deleted: boolean;
  content: Resource;
}

const KEYS = `(station_id, resource_type, id)`;

export async function rebuildIndex(db: Database, ctx: ExtractContext, options: RebuildOptions = {}): Promise<RebuildResult> {
  const batchSize = options.batchSize ?? 500;
  const [{ n: total }] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM resource');
  const result: RebuildResult = { resources: 0, rows: 0, skipped: 0 };
  // Rows of string parameters the definitions no longer have: updates leave them (string-keys.ts).
  await db.query(dropRowsOfUnknownStringKeys(), [stringKeysJson(ctx.defs)]);
  let after: string[] = ['', '', ''];
  for (;;) {
    const batch = await db.query<Head>(
      `SELECT station_id, resource_type, id, version_id, deleted, content FROM resource
        WHERE ${KEYS} > ($1, $2, $3) ORDER BY station_id, resource_type, id LIMIT $4`,
      [...after, batchSize],
    );
    if (!batch.length) break;
    const extracted = batch.map((head) => ({ head, rows: head.deleted ? emptyRows() : extractIndexRows(head.content, ctx) }));
    const written = await db.transaction((tx) => writeBatch(tx, extracted, ctx.defs));
    result.resources += batch.length;
    result.rows += written.rows;
    result.skipped += written.skipped;
    const last = batch[batch.length - 1];
    after = [last.station_id, last.resource_type, last.id];
    options.onProgress?.(result.resources, Math.max(total, result.resources));
  }
  // Sets no resource names any more (their parameters changed) would only cost space.
  const unused = dropUnusedRowSets(ctx.defs);
  await db.query(unused.sql, unused.params);
  // Fresh statistics, so the planner sees the rebuilt tables as they are.
  for (const table of INDEX_TABLE_NAMES) await db.query(`ANALYZE ${table}`);
  return result;
}

async function writeBatch(tx: Queryable, batch: { head: Head; rows: IndexRows }[], defs: R4Definitions): Promise<{ rows: number; skipped: number }> {
  await tx.query('LOCK TABLE resource IN SHARE ROW EXCLUSIVE MODE');
  const current = await tx.query<{ station_id: string; resource_type: string; id: string; version_id: number }>(
    `SELECT station_id, resource_type, id, version_id FROM resource
      WHERE ${KEYS} IN (SELECT * FROM unnest($1::text[], $2::text[], $3::text[]))`,
    ownerArrays(batch.map((b) => b.head)),
  );
  const versions = new Map(current.map((c) => [`${c.station_id}\u0000${c.resource_type}\u0000${c.id}`, c.version_id]));
  const fresh = batch.filter(({ head }) => versions.get(`${head.station_id}\u0000${head.resource_type}\u0000${head.id}`) === head.version_id);
  const owners = ownerArrays(fresh.map((b) => b.head));
  let rows = 0;
  for (const spec of INDEX_TABLES) {
    if (spec.table === 'string') await deleteStringRows(tx, fresh.map((b) => b.head), defs);
    else await tx.query(`DELETE FROM ${spec.name} WHERE (station_id, resource_type, resource_id) IN (SELECT * FROM unnest($1::text[], $2::text[], $3::text[]))`, owners);
    const groups = fresh.map(({ head, rows: r }) => ({ owner: { stationId: head.station_id, resourceType: head.resource_type, resourceId: head.id }, rows: r[spec.table] as object[] }));
    const count = groups.reduce((n, g) => n + g.rows.length, 0);
    if (!count) continue;
    await tx.query(`INSERT INTO ${spec.name} (station_id, resource_type, resource_id, ${spec.columns.join(', ')}) ${selectOwnedRows(spec, '$1')}`, [ownedRowsJson(groups)]);
    rows += count;
  }
  // The sets the batch names (only row-set types have one: most batches need no statement).
  if (fresh.some(({ rows: r }) => r.rowSet)) {
    const params: unknown[] = [];
    const ctes = rowSetWrites(
      fresh.map(({ head, rows: r }) => ({ stationId: head.station_id, resourceType: head.resource_type, rows: r })),
      (value) => `$${params.push(value)}`,
    );
    await tx.query(`WITH ${ctes.join(',\n')} SELECT 1`, params);
  }
  return { rows, skipped: batch.length - fresh.length };
}

/** String rows are reached by key (string-keys.ts): one statement per station and type of the batch. */
async function deleteStringRows(tx: Queryable, heads: Pick<Head, 'station_id' | 'resource_type' | 'id'>[], defs: R4Definitions): Promise<void> {
  const groups = new Map<string, { station: string; type: string; ids: string[] }>();
  for (const h of heads) {
    const key = `${h.station_id}\u0000${h.resource_type}`;
    const group = groups.get(key) ?? { station: h.station_id, type: h.resource_type, ids: [] };
    group.ids.push(h.id);
    groups.set(key, group);
  }
  for (const g of groups.values()) {
    await tx.query(
      `DELETE FROM idx_string WHERE station_id = $1 AND resource_type = $2 AND resource_id = ANY($3::text[]) AND ${stringRowsKeyed('$4')}`,
      [g.station, g.type, g.ids, stringRowKeys(defs, g.type)],
    );
  }
}

/** Every type's string keys, as `[{"type", "param"}]`. */
function stringKeysJson(defs: R4Definitions): string {
  return JSON.stringify([...defs.searchParams.keys()].flatMap((type) => stringRowKeys(defs, type).map((param) => ({ type, param }))));
}

/** A statement deleting string rows (composites aside) under a key their type no longer has. One pass over the table. */
function dropRowsOfUnknownStringKeys(): string {
  return `DELETE FROM idx_string t WHERE strpos(t.param, '$') = 0 AND NOT EXISTS
    (SELECT 1 FROM json_to_recordset($1::json) AS k(type text, param text) WHERE k.type = t.resource_type AND k.param = t.param)`;
}

function ownerArrays(heads: Pick<Head, 'station_id' | 'resource_type' | 'id'>[]): string[][] {
  return [heads.map((h) => h.station_id), heads.map((h) => h.resource_type), heads.map((h) => h.id)];
}
