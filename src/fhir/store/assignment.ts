import type { Resource } from '@medplum/fhirtypes';
import type { Queryable } from '../../db/database';

/**
 * Something the server fills in on a resource it is about to create, before validation and
 * indexing, so the filled-in resource is checked and stored like any other: the station's patient
 * number (src/station/identifiers/station-number.ts). The domain registers them with the engine;
 * the repository runs them on every create, whoever wrote (REST, a transaction Bundle, the seed).
 */
export interface Assignment {
  /** A cheap test on the resource about to be created. */
  appliesTo(resource: Resource): boolean;
  /**
   * The resource as it will be written (a copy; the caller's object is not changed). `db` must only
   * be used for what no rollback should undo (a sequence's next value): in a transaction it is the
   * transaction's own connection.
   */
  assign(resource: Resource, db: Queryable): Promise<Resource>;
}
