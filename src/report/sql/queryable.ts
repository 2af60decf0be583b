import { inTransaction, type Database, type Transaction } from '../../db/database';
import type { Repository } from '../../fhir/store/repository';

/**
 * The report's read-only aggregate SQL runs through `Repository.aggregate`, in the repository's own
 * transaction or a new one. Callers check access themselves (src/report/access.ts).
 */
export function queryableOf(repo: Repository): Database {
  return {
    embedded: false,
    query: (sql, params) => repo.aggregate((tx) => tx.query(sql, params)),
    transaction: (work) => repo.aggregate(work),
    close: async () => undefined,
  };
}

/**
 * Runs one report statement with hash joins: the planner cannot estimate self-joins of the generic
 * index tables (it guesses one row where there are thousands) and would pick nested loops, which
 * are quadratic here, or merge joins that sort what a hash needs not. JIT compilation costs more
 * than it saves on a statement run once.
 */
export function reportQuery<T>(db: Database | Transaction, sql: string, params: readonly unknown[]): Promise<T[]> {
  return inTransaction(db, async (tx) => {
    await tx.query(`SET LOCAL enable_nestloop = off`);
    await tx.query(`SET LOCAL enable_mergejoin = off`);
    await tx.query(`SET LOCAL jit = off`);
    await tx.query(`SET LOCAL work_mem = '128MB'`);
    return tx.query<T>(sql, params);
  });
}
