import type { Action } from '../fhir/access';
import { actingWithin } from '../fhir/store/acting-within';
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
