import type { Queryable } from './database';

/**
 * The planner's statistics, kept by the server itself. PostgreSQL's autovacuum gathers them as
 * tables grow, but it may be off (it is off on the bench machine), and without statistics the
 * planner guesses 0.5% per equality: the read before each PUT walked every resource of its type,
 * 5 residents/s instead of 21/s until someone ran ANALYZE (docs/search.md §8). A statement prepared
 * over a small table also keeps its plan until an ANALYZE of the table invalidates it.
 *
 * Every minute, each table changed by more rows than autovacuum's default threshold (50 + 10% of
 * its rows) since its last ANALYZE is analyzed; with autovacuum on there is rarely anything left
 * to do. The embedded database does not count changes (PGlite), so it analyzes everything on a
 * timer instead (embedded-database.ts).
 */
export const ANALYZE_EVERY_MS = 60_000;

const CHANGED_TABLES = `
  SELECT format('%I.%I', s.schemaname, s.relname) AS name
    FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
   WHERE s.n_mod_since_analyze > 50 + 0.1 * greatest(c.reltuples, 0)
   ORDER BY s.relname`;

/** ANALYZEs the tables changed enough since their last ANALYZE; returns their names. */
export async function analyzeChangedTables(q: Queryable): Promise<string[]> {
  const tables = (await q.query<{ name: string }>(CHANGED_TABLES)).map((r) => r.name);
  // SKIP_LOCKED: a table a migration or a re-index holds is left for the next round.
  for (const table of tables) await q.query(`ANALYZE (SKIP_LOCKED) ${table}`);
  return tables;
}
