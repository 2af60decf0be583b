import { Pool, type PoolClient } from 'pg';
import type { Database, Transaction } from './database';

/**
 * PostgreSQL through a `pg` pool. Statements run directly on pooled connections (named ones stay
 * prepared per connection), transactions hold one connection from BEGIN to COMMIT.
 */
export class PgDatabase implements Database {
  readonly embedded = false;
  private readonly pool: Pool;

  constructor(connectionString: string, poolSize: number) {
    this.pool = new Pool({ connectionString, max: poolSize });
    // An idle connection dropped by the server must not crash the process; the pool replaces it.
    this.pool.on('error', () => undefined);
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
    return this.pool.end();
  }
}
