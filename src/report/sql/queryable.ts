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
 * Settings of one report statement (transaction-local). Hash joins and hash aggregation: the planner
 * cannot estimate self-joins of the generic index tables (it guesses one row where there are
 * thousands) and would pick nested loops, which are quadratic here, or merge joins and sorted
 * grouping that sort what a hash needs not (only DISTINCT ON still sorts). Nested loops stay where
 * nothing else can run: the lateral lookups (population.ts). JIT compilation costs more than it
 * saves on a statement run once.
 */
const REPORT_SETTINGS: Record<string, string> = {
  enable_nestloop: 'off',
  enable_mergejoin: 'off',
  enable_sort: 'off',
  jit: 'off',
  work_mem: '128MB',
};

const SET_ALL = `SELECT ${Object.keys(REPORT_SETTINGS).map((name, i) => `set_config('${name}', $${i + 1}, true)`).join(', ')}`;

/** Runs one report statement with REPORT_SETTINGS (one round trip for all of them). */
export function reportQuery<T>(db: Database | Transaction, sql: string, params: readonly unknown[]): Promise<T[]> {
  return inTransaction(db, async (tx) => {
    await tx.query(SET_ALL, Object.values(REPORT_SETTINGS));
    return tx.query<T>(sql, params);
  });
}
