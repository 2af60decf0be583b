import { inTransaction, type Database, type Transaction } from '../../db/database';
import type { Repository } from '../../fhir/store/repository';
import { refreshFacts } from './facts';

/**
 * The report's aggregate SQL (after it brings the facts up to date: facts.ts) runs through `Repository.aggregate`, in the repository's own
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
 * Settings of one report statement (transaction-local). Hash joins and hash aggregation: the
 * statement reads whole sets of the report's facts, and the planner, which underestimates its CTEs
 * (a few hundred rows where there are 100,000), would pick nested loops, which are quadratic here,
 * or merge joins and sorted grouping that sort what a hash needs not (only DISTINCT ON still
 * sorts). JIT compilation costs more than it saves on a statement run once. Set after the facts'
 * refresh, whose small form needs the index lookups of nested loops.
 */
const REPORT_SETTINGS: Record<string, string> = {
  enable_nestloop: 'off',
  enable_mergejoin: 'off',
  enable_sort: 'off',
  jit: 'off',
  work_mem: '128MB',
};

const SET_ALL = `SELECT ${Object.keys(REPORT_SETTINGS).map((name, i) => `set_config('${name}', $${i + 1}, true)`).join(', ')}`;

/** Runs one report statement of `stationId` over facts brought up to date, with REPORT_SETTINGS (one round trip for all of them). */
export function reportQuery<T>(db: Database | Transaction, stationId: string, sql: string, params: readonly unknown[]): Promise<T[]> {
  return inTransaction(db, async (tx) => {
    // The server's connections run requests without parallel workers (db/pg-database.ts); the
    // facts' refresh and the report read whole sets, where PostgreSQL's default of two pays.
    await tx.query(`SELECT set_config('max_parallel_workers_per_gather', '2', true)`);
    await refreshFacts(tx, stationId);
    await tx.query(SET_ALL, Object.values(REPORT_SETTINGS));
    return tx.query<T>(sql, params);
  });
}
