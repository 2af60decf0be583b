import { openDatabase } from '../../src/db/datasource';
import type { Database } from '../../src/db/database';

// The embedded database is one PostgreSQL session: the driver must hand it to one transaction at
// a time, or two transactions' statements would interleave (BEGIN, BEGIN, ROLLBACK of the wrong one…).
describe('embedded PGlite database', () => {
  let db: Database;
  beforeAll(async () => {
    db = await openDatabase({ dataDir: 'memory://', poolSize: 1 });
    await db.query('CREATE TABLE t (k text, v int)');
  });
  afterAll(() => db.close());

  test('two concurrent transactions do not corrupt each other', async () => {
    const slow = db.transaction(async (tx) => {
      await tx.query(`INSERT INTO t VALUES ('a', 1)`);
      await new Promise((r) => setTimeout(r, 50));
      await tx.query(`INSERT INTO t VALUES ('a', 2)`);
      throw new Error('roll back a');
    });
    const fast = db.transaction(async (tx) => {
      await tx.query(`INSERT INTO t VALUES ('b', 1)`);
      await tx.query(`INSERT INTO t VALUES ('b', 2)`);
    });
    await expect(slow).rejects.toThrow('roll back a');
    await fast;
    const rows = await db.query<{ k: string; v: number }>('SELECT k, v FROM t ORDER BY k, v');
    expect(rows).toEqual([
      { k: 'b', v: 1 },
      { k: 'b', v: 2 },
    ]);
  });

  test('many interleaved transactions each commit or roll back whole', async () => {
    await db.query('DELETE FROM t');
    await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        db.transaction(async (tx) => {
          await tx.query('INSERT INTO t VALUES ($1, 1)', [`k${i}`]);
          await new Promise((r) => setTimeout(r, Math.random() * 10));
          await tx.query('INSERT INTO t VALUES ($1, 2)', [`k${i}`]);
          if (i % 2) throw new Error('odd ones roll back');
        }),
      ),
    );
    const rows = await db.query<{ k: string; n: number }>('SELECT k, count(*)::int AS n FROM t GROUP BY k ORDER BY k');
    expect(rows).toHaveLength(10);
    expect(rows.every((r) => r.n === 2 && Number(r.k.slice(1)) % 2 === 0)).toBe(true);
  });

  test('extensions the engine relies on are loaded', async () => {
    const rows = await db.query<{ extname: string }>('SELECT extname FROM pg_extension ORDER BY extname');
    expect(rows.map((r) => r.extname)).toEqual(expect.arrayContaining(['btree_gin', 'pg_trgm', 'unaccent']));
    const [{ folded }] = await db.query<{ folded: string }>(`SELECT unaccent('Đặng Đức') AS folded`);
    expect(folded).toBe('Dang Duc');
  });
});
