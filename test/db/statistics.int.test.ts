import type { Database, Transaction } from '../../src/db/database';
import { analyzeChangedTables } from '../../src/db/statistics';
import { READ_HEAD_SQL } from '../../src/fhir/store/read';
import { createTestDatabase } from '../helpers/database';

// The server does not depend on autovacuum for the planner's statistics (docs/search.md §8: the read
// before each PUT walked every resource of its type until someone ran ANALYZE).
/** Thrown to roll back a test's rows (the plans are checked inside the transaction). */
class Rollback extends Error {}

describe('planner statistics', () => {
  let db: Database;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.close());

  /** Resources written by SQL (the plans depend on the rows, not on their content). */
  const insertResources = (q: Database | Transaction, type: string, n: number, from = 0): Promise<unknown> =>
    q.query(
      `INSERT INTO resource (station_id, resource_type, id, version_id, seq, last_updated, deleted, content)
       SELECT 'default', $1, $1 || '-' || i, 1, nextval('resource_seq'), now(), false, '{}' FROM generate_series($2::int, $3::int) i`,
      [type, from, from + n - 1],
    );

  /** Index names of the scans in a JSON plan. */
  function indexesOf(plan: unknown): string[] {
    const node = (typeof plan === 'string' ? JSON.parse(plan) : plan) as { Plan?: unknown; 'Index Name'?: string; Plans?: unknown[] }[] | { Plan?: unknown; 'Index Name'?: string; Plans?: unknown[] };
    const walk = (n: { Plan?: unknown; 'Index Name'?: string; Plans?: unknown[] }): string[] => [
      ...(n['Index Name'] ? [n['Index Name']] : []),
      ...(n.Plan ? walk(n.Plan as typeof n) : []),
      ...(n.Plans ?? []).flatMap((c) => walk(c as typeof n)),
    ];
    return (Array.isArray(node) ? node : [node]).flatMap(walk);
  }

  test('migrations are followed by ANALYZE: no table is left never analyzed', async () => {
    // reltuples is -1 until the first ANALYZE (or VACUUM) of a table.
    const rows = await db.query<{ relname: string }>(`SELECT relname FROM pg_class WHERE relname IN ('resource', 'idx_token', 'idx_compartment') AND reltuples < 0`);
    expect(rows).toEqual([]);
  });

  test('the read of a head goes by primary key without statistics, custom or generic plan', async () => {
    // Statistics gathered over empty tables (the state after the first boot), then 3,000 resources:
    // PostgreSQL guessed (station, type) at 0.5% × 0.5% and walked resource_last_updated instead.
    const rolledBack = db.transaction(async (tx) => {
      await insertResources(tx, 'Patient', 2000);
      await insertResources(tx, 'Observation', 1000);
      const custom = await tx.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) ${READ_HEAD_SQL}`, ['default', 'Patient', 'Patient-7']);
      expect(indexesOf(custom[0]['QUERY PLAN'])).toEqual(['resource_pkey']);
      await tx.query(`SET LOCAL plan_cache_mode = force_generic_plan`);
      await tx.query(`PREPARE read_head_generic (text, text, text) AS ${READ_HEAD_SQL}`);
      try {
        const generic = await tx.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) EXECUTE read_head_generic ('default', 'Patient', 'Patient-7')`);
        expect(indexesOf(generic[0]['QUERY PLAN'])).toEqual(['resource_pkey']);
      } finally {
        await tx.query(`DEALLOCATE read_head_generic`);
      }
      const [found] = await tx.query<{ version_id: number }>(READ_HEAD_SQL, ['default', 'Patient', 'Patient-7']);
      expect(found.version_id).toBe(1);
      throw new Rollback();
    });
    await expect(rolledBack).rejects.toBeInstanceOf(Rollback);
  });

  // PGlite does not count changes per table; the embedded database analyzes on a timer instead.
  (process.env.DATABASE_URL ? test : test.skip)('tables changed by more than autovacuum’s threshold are analyzed, and only those', async () => {
    await db.transaction(async (tx) => {
      await insertResources(tx, 'Encounter', 1000);
      // The changes reach pg_stat_user_tables when the session's statistics are flushed (at COMMIT).
      await tx.query('SELECT pg_stat_force_next_flush()');
    });
    expect(await analyzeChangedTables(db)).toContain('public.resource');
    const stats = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stats WHERE tablename = 'resource' AND attname = 'resource_type'`);
    expect(stats[0].n).toBe(1);
    // Analyzed now: nothing changed since, so the next round leaves it alone.
    expect(await analyzeChangedTables(db)).not.toContain('public.resource');
  });
});
