import type { Database, Transaction } from './database';
import type { EmbeddedPostgres } from './pglite-worker';

/**
 * The embedded PGlite database. It is one PostgreSQL session, so callers take turns: a statement
 * or a whole transaction holds the session until it is done, and two transactions never interleave
 * (a statement sent mid-way through someone else's transaction would become part of it).
 */
export class EmbeddedDatabase implements Database {
  readonly embedded = true;
  private queue: Promise<void> = Promise.resolve();
  private readonly analyzer: NodeJS.Timeout;

  /**
   * PGlite runs no autovacuum, so nothing gathers the statistics the planner needs to pick the
   * right index; without them a search can be 40 times slower. We ANALYZE every few minutes.
   */
  constructor(private readonly pg: EmbeddedPostgres, analyzeEveryMs = 5 * 60_000) {
    this.analyzer = setInterval(() => void this.query('ANALYZE').catch(() => undefined), analyzeEveryMs);
    this.analyzer.unref();
  }

  /** Runs `work` when every earlier holder has finished. */
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work);
    this.queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  query<T = Record<string, unknown>>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return this.exclusive(async () => (await this.pg.query(sql, params as unknown[])).rows as T[]);
  }

  transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.exclusive(async () => {
      await this.pg.query('BEGIN');
      try {
        const tx: Transaction = {
          inTransaction: true,
          query: async <R>(sql: string, params: readonly unknown[] = []) => (await this.pg.query(sql, params as unknown[])).rows as R[],
        };
        const result = await work(tx);
        await this.pg.query('COMMIT');
        return result;
      } catch (err) {
        await this.pg.query('ROLLBACK');
        throw err;
      }
    });
  }

  close(): Promise<void> {
    clearInterval(this.analyzer);
    return this.exclusive(() => this.pg.close());
  }
}
