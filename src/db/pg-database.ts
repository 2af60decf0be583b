import { Pool, type PoolClient } from 'pg';
import type { Database, Transaction } from './database';
import { analyzeChangedTables, ANALYZE_EVERY_MS } from './statistics';

/**
 * PostgreSQL through a `pg` pool. Statements run directly on pooled connections (named ones stay
 * prepared per connection), transactions hold one connection from BEGIN to COMMIT.
 */
/**
 * No parallel workers for a request's statements. Starting one costs PostgreSQL milliseconds, more
 * than a request's statement takes: `$everything`'s page of 200 resources (1 ms of work) was planned
 * with a worker and took 10 ms. The health-criterion report, which reads whole sets, asks for
 * workers in its own transaction (report/sql/queryable.ts). A `DATABASE_URL` that sets `options`
 * itself decides instead.
 */
const REQUEST_PARALLEL_WORKERS = 0;

export class PgDatabase implements Database {
  readonly embedded = false;
  private readonly pool: Pool;
  private readonly analyzer: NodeJS.Timeout;
  private analyzing = false;

  /** Also keeps the planner's statistics as the tables grow (statistics.ts). */
  constructor(connectionString: string, poolSize: number) {
    this.pool = new Pool({ connectionString, max: poolSize, options: `-c max_parallel_workers_per_gather=${REQUEST_PARALLEL_WORKERS}` });
    // An idle connection dropped by the server must not crash the process; the pool replaces it.
    this.pool.on('error', () => undefined);
    this.analyzer = setInterval(() => void this.analyze(), ANALYZE_EVERY_MS);
    this.analyzer.unref();
  }

  /** One round at a time: a long ANALYZE of a big table must not pile up rounds behind it. */
  private async analyze(): Promise<void> {
    if (this.analyzing) return;
    this.analyzing = true;
    try {
      await analyzeChangedTables(this);
    } catch {
      // Statistics are an optimisation: a failed round (a connection lost) is retried next time.
    } finally {
      this.analyzing = false;
    }
  }

  async query<T = Record<string, unknown>>(sql: string, params: readonly unknown[] = [], name?: string): Promise<T[]> {
    const result = await this.pool.query({ text: sql, values: params as unknown[], name });
    return result.rows as T[];
  }

  async transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    const client: PoolClient = await this.pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      const tx: Transaction = {
        inTransaction: true,
        query: async <R>(sql: string, params: readonly unknown[] = [], name?: string) =>
          (await client.query({ text: sql, values: params as unknown[], name })).rows as R[],
      };
      const result = await work(tx);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      throw err;
    } finally {
      client.release(broken);
    }
  }

  close(): Promise<void> {
    clearInterval(this.analyzer);
    return this.pool.end();
  }
}
