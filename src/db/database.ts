import { DataSource, QueryRunner } from 'typeorm';

/** Something SQL can be sent to: the database itself or an open transaction. */
export interface Queryable {
  /** Runs one statement with bound parameters ($1, $2, …) and returns its rows. */
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
}

/** The storage the FHIR engine runs on; all SQL goes through here with bound parameters. */
export interface Database extends Queryable {
  /**
   * Runs `work` inside one database transaction: committed when it resolves, rolled back when it
   * throws. Nested calls on the same transaction reuse it (the outer call owns commit/rollback).
   */
  transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T>;
  /** True when the database is the embedded PGlite (one session for the whole process). */
  readonly embedded: boolean;
  close(): Promise<void>;
}

/** An open transaction: a Queryable that can also open nested work on itself. */
export interface Transaction extends Queryable {
  readonly inTransaction: true;
}

function runnerQuery<T>(runner: QueryRunner, sql: string, params?: readonly unknown[]): Promise<T[]> {
  return runner.query(sql, params as unknown[], true).then((result) => (result.records ?? []) as T[]);
}

/** Database backed by a TypeORM DataSource (PostgreSQL through pg, or PGlite through its pool). */
export class TypeOrmDatabase implements Database {
  constructor(
    readonly dataSource: DataSource,
    readonly embedded: boolean,
  ) {}

  async query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]> {
    const runner = this.dataSource.createQueryRunner();
    try {
      return await runnerQuery<T>(runner, sql, params);
    } finally {
      await runner.release();
    }
  }

  async transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      const tx: Transaction = {
        inTransaction: true,
        query: <R>(sql: string, params?: readonly unknown[]) => runnerQuery<R>(runner, sql, params),
      };
      const result = await work(tx);
      await runner.commitTransaction();
      return result;
    } catch (err) {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      throw err;
    } finally {
      await runner.release();
    }
  }

  async close(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

/** Runs `work` in a transaction: the given one when already inside one, else a new one. */
export function inTransaction<T>(db: Database | Transaction, work: (tx: Transaction) => Promise<T>): Promise<T> {
  return 'inTransaction' in db ? work(db) : db.transaction(work);
}
