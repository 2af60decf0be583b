import type { Resource } from '@medplum/fhirtypes';
import type { Queryable } from '../../db/database';
import type { Derivation } from './derivation';

/**
 * Something bound to a resident's Consent outside the FHIR record: the live grants of their
 * e-health app (src/auth/), which must stop when the Consent stops being in force — whoever
 * changed it and however (the withdraw endpoint, a plain FHIR update or delete, a Bundle entry).
 * Run in the write's own transaction, through `tx` (the follower's store shares the database).
 */
export interface ConsentFollower {
  /**
   * A Consent was written: `before` is the version it replaces (absent for a create), `after` the
   * one written (absent for a delete). Answers, when it changed something, a line for the audit
   * trail (recorded in the same transaction, as the caller who wrote) and the Patients it concerns.
   */
  followConsent(tx: Queryable, before: Resource | undefined, after: Resource | undefined): Promise<{ audit?: string; patients?: string[] }>;
}

/**
 * The derivation that tells `followers` of every Consent write and delete. The test on a write is
 * its resource type only (no query, no database trigger on other writes); `followers` is read at
 * each write, so those registered after the engine was built (the auth service) are told too.
 */
export function consentFollowing(followers: readonly ConsentFollower[]): Derivation {
  const follow = async (tx: Parameters<Derivation['derive']>[1], before: Resource | undefined, after: Resource | undefined): Promise<void> => {
    for (const follower of followers) {
      const followed = await tx.onConnection((q) => follower.followConsent(q, before, after));
      if (followed.audit) {
        const source = after ?? before!;
        await tx.auditChange({ interaction: 'operation', outcome: '0', outcomeDesc: followed.audit, entities: [`Consent/${source.id}`], patients: followed.patients ?? [] });
      }
    }
  };
  return {
    appliesTo: (resource, previous) => followers.length > 0 && (resource.resourceType === 'Consent' || previous?.resourceType === 'Consent'),
    // An update (or a create) of a Consent; `previous` is what it replaced.
    derive: (resource, tx, _created, previous) => follow(tx, previous, resource),
    // A Consent deleted.
    retract: (source, tx) => follow(tx, source, undefined),
  };
}
