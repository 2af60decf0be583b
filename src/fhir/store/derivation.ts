import type { Resource } from '@medplum/fhirtypes';
import type { Repository } from './repository';

/**
 * A record the server derives from a write, written in the write's own transaction: a child's
 * height → its height-for-age z-score (src/station/growth/derive.ts). The domain registers them
 * with the engine; the repository runs them after every create and update they apply to, whoever
 * wrote (REST, a transaction Bundle, the seed), so a derived record cannot be forgotten — nor
 * outlive its source: when a source is deleted, or an update makes it no longer apply (a height
 * marked entered-in-error), what was derived from it is removed in the same transaction.
 * What a derivation reads may show that the write itself is wrong (a height no child of that age
 * has, a measurement dated before the resident's birth): it then throws, and the write fails with it.
 */
export interface Derivation {
  /**
   * A cheap test on the written resource. `previous`: the stored version an update replaces
   * (absent for a create, and when the repository asks whether a version it removes had derived
   * records) — a check of what an update changed applies only when it changed.
   */
  appliesTo(resource: Resource, previous?: Resource): boolean;
  /**
   * Writes what follows from `resource` (as stored: id and version set) through `tx`, which is in
   * the write's transaction and acts for the same caller. `created` is false for an update, whose
   * replaced version is `previous`.
   */
  derive(resource: Resource, tx: Repository, created: boolean, previous?: Resource): Promise<void>;
  /** Removes what was derived from `source` (its last stored content), through `tx` as for derive. */
  retract(source: Resource, tx: Repository): Promise<void>;
}
