import type { Action } from '../fhir/access';

/** Staff roles (issue: admin, clinician, registrar, officer, auditor). */
export const ROLES = ['admin', 'clinician', 'registrar', 'officer', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

export const isRole = (value: string): value is Role => (ROLES as readonly string[]).includes(value);

const ALL: Action[] = ['c', 'r', 'u', 'd', 's'];
const READ: Action[] = ['r', 's'];

/** What a registrar keeps: who people are, where they live, their cards, enrolments and bookings — no clinical notes. */
const REGISTRATION_TYPES = [
  'Patient',
  'RelatedPerson',
  'Person',
  'Group',
  'Coverage',
  'Consent',
  'Basic',
  'Location',
  'Organization',
  'Practitioner',
  'PractitionerRole',
  'HealthcareService',
  'Appointment',
  'Schedule',
  'Slot',
];

/** What officers may read: the indicator definitions and aggregate reports, and the places they are about. */
const AGGREGATE_TYPES = ['Measure', 'MeasureReport', 'Library', 'Location', 'Organization'];

/**
 * Least privilege by role. Returns whether `role` may do `action` on `type`.
 * - clinician and admin: every type of the station's record, except the audit trail;
 * - registrar: registration types only; officer: aggregates, read only; auditor: the audit trail, read only.
 * AuditEvent is never written through the API by anyone: the server writes it.
 */
export function roleAllows(role: Role, type: string, action: Action): boolean {
  if (type === 'AuditEvent') return role === 'auditor' && READ.includes(action);
  switch (role) {
    case 'admin':
    case 'clinician':
      return ALL.includes(action);
    case 'registrar':
      return REGISTRATION_TYPES.includes(type);
    case 'officer':
      return AGGREGATE_TYPES.includes(type) && READ.includes(action);
    case 'auditor':
      return false;
  }
}

/**
 * Search criteria a role's access to `type` is limited to, beyond roleAllows. Officers see
 * aggregates only: a MeasureReport of type individual or subject-list names people (its subject,
 * its contained lists), so theirs are the summaries.
 */
export function roleConstraints(role: Role, type: string): [string, string][] {
  if (role === 'officer' && type === 'MeasureReport') return [['type', 'summary']];
  return [];
}

