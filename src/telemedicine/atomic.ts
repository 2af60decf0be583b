import type { Repository } from '../fhir/store/repository';

/**
 * Runs an operation's work in one database transaction that leaves one AuditEvent listing every
 * resource it read and wrote — as a transaction Bundle does — written in the same transaction.
 */
export function atomically<T>(repo: Repository, work: (repo: Repository) => Promise<T>): Promise<T> {
  return repo.withTransaction((tx) => tx.withBatchedAudit(work));
}
