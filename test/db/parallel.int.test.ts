import type { Database } from '../../src/db/database';
import { reportQuery } from '../../src/report/sql/queryable';
import { createTestDatabase } from '../helpers/database';

// A request's statement must not wait for PostgreSQL to start a parallel worker (docs/search.md §8):
// the server's connections run without them, the report asks for them in its own transaction.
describe('parallel workers', () => {
  let db: Database;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.close());

  const setting = 'max_parallel_workers_per_gather';

  // PGlite is one process: it never starts workers, and the pool setting is PostgreSQL's.
  (process.env.DATABASE_URL ? test : test.skip)('requests run without them, on every pooled connection', async () => {
    const values = await Promise.all(Array.from({ length: 12 }, () => db.query<{ v: string }>(`SELECT current_setting('${setting}') AS v, pg_sleep(0.01)`)));
    expect(new Set(values.map((rows) => rows[0].v))).toEqual(new Set(['0']));
  });

  test('the report statement runs with two, and the connection returns to none after it', async () => {
    const [report] = await reportQuery<{ v: string }>(db, 'default', `SELECT current_setting('${setting}') AS v`, []);
    expect(report.v).toBe('2');
    if (process.env.DATABASE_URL) expect((await db.query<{ v: string }>(`SELECT current_setting('${setting}') AS v`))[0].v).toBe('0');
  });
});
