import type { Repository } from '../fhir/store/repository';

/**
 * Runs an operation's work in one database transaction that leaves one AuditEvent listing every
 * resource it read and wrote — as a transaction Bundle does — written in the same transaction.
 * Its writes are marked as the operation's (RepositoryContext.byOperation): the limits on a
 * resident's direct writes of requests and Appointments do not refuse what the operation builds.
 */
export function atomically<T>(repo: Repository, work: (repo: Repository) => Promise<T>): Promise<T> {
  return repo.forOperation().withTransaction((tx) => tx.withBatchedAudit(work));
}
