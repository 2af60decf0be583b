import type { AccessPolicy, Action } from '../fhir/access';
import type { Repository } from '../fhir/store/repository';

/**
 * Booking changes a Slot on the resident's behalf, and a resident's app has no right to write
 * Slots (they are not in the Patient compartment) — only the booking operations may, after their
 * own checks. They do it through this repository: the caller stays the actor (audited as them),
 * but it reaches only the station's scheduling directory: Slots (read, search, update) and what a
 * Schedule refers to (read). It never reaches a patient's record, so lifting the compartment
 * restriction here exposes nothing personal.
 */
const GRANTS: Record<string, readonly Action[]> = {
  Slot: ['r', 's', 'u'],
  Schedule: ['r', 's'],
  Practitioner: ['r'],
  PractitionerRole: ['r'],
  HealthcareService: ['r'],
  Organization: ['r'],
  Location: ['r'],
};

export function schedulingRepository(repo: Repository): Repository {
  return actingWithin(repo, GRANTS);
}

/**
 * The caller's repository (same transaction, same actor in the audit trail) reaching only what
 * `grants` names, within `constraints`, whatever the caller's own role, scopes or compartment: for
 * the server's own bookkeeping of a booking, which code — never the client — steers.
 */
export function actingWithin(repo: Repository, grants: Record<string, readonly Action[]>, constraints: AccessPolicy['constraints'] = () => []): Repository {
  const policy: AccessPolicy = {
    actor: repo.ctx.access.actor,
    allows: (type, action) => grants[type]?.includes(action) ?? false,
    constraints,
  };
  return repo.as(policy, repo.ctx.audit);
}
