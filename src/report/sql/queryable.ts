import type { Queryable } from '../../db/database';
import type { Repository } from '../../fhir/store/repository';

/**
 * The connection a repository works on, for the report's read-only aggregate SQL. Repository keeps
 * it private and has no method for set-based reads yet; this is the one place that reaches it
 * (docs/report.md, "Open points": a `Repository.aggregate(sql, params)` would replace it).
 * Callers check access themselves (src/report/access.ts).
 */
export function queryableOf(repo: Repository): Queryable {
  const db = (repo as unknown as { db?: Queryable }).db;
  if (!db || typeof db.query !== 'function') throw new Error('Repository exposes no database connection');
  return db;
}
