import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { mapWithConcurrency } from './concurrency';
import type { BundleFile } from './synthea';

/**
 * The floor any FHIR server on PostgreSQL is measured against: the same resources written with
 * plain `pg` into one bare JSONB table, one INSERT per resource, one transaction per bundle —
 * no validation, no indexing, no versioning, no HTTP.
 */
export interface RawInsertResult {
  wallMs: number;
  resources: number;
}

const TABLE = 'raw_resource';

/** Inserts every bundle's resources through `pool` (warm-up and table creation happen before the clock starts). */
export async function insertRaw(pool: Pool, bundles: BundleFile[], concurrency: number): Promise<RawInsertResult> {
  await pool.query(`DROP TABLE IF EXISTS ${TABLE}`);
  await pool.query(`CREATE TABLE ${TABLE} (id text PRIMARY KEY, resource_type text NOT NULL, content jsonb NOT NULL)`);
  // Open every connection before the clock starts, as the server's pool is warm too.
  const clients = await Promise.all(Array.from({ length: concurrency }, () => pool.connect()));
  clients.forEach((c) => c.release());
  const started = performance.now();
  await mapWithConcurrency(bundles, concurrency, (b) => insertBundle(pool, b));
  return { wallMs: performance.now() - started, resources: bundles.reduce((n, b) => n + b.resources.length, 0) };
}

async function insertBundle(pool: Pool, b: BundleFile): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    for (const resource of b.resources) {
      // A fresh id, as the server assigns a new one to every POSTed resource.
      await client.query(`INSERT INTO ${TABLE} (id, resource_type, content) VALUES ($1, $2, $3)`, [randomUUID(), resource.resourceType, JSON.stringify(resource)]);
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
