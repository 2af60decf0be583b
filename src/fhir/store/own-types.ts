import type { Action } from '../access';
import { forbidden } from '../outcomes';
import { ACTION_EN, ACTION_VI } from './search-access';

/**
 * What a resident's app writes directly: an allow-list of types. Tokens are granted no more than
 * this list (src/auth/oauth-model.ts RESIDENT_SCOPE_CEILING), but a grant made before the ceiling
 * still holds `patient/*.cruds`, and its scopes with the own-chart rule would let it write every
 * type of the resident's Patient compartment —
 * a ClaimResponse, an ExplanationOfBenefit, a Coverage, an Encounter, a Condition, an
 * Immunization, a MedicationRequest, a DiagnosticReport, a MeasureReport, an enrolment (Basic) —
 * and what it writes sits in the station's chart beside the clinicians' records, counts in the
 * registers and the health-criterion report, and reads as the station's own. The e-health app
 * reads the whole record, uploads home readings, fills in forms, messages the station, sends a
 * photo or document, says what it is allergic to and what medicines it takes, keeps its contact
 * details current and books through the operations (docs/telemedicine.md;
 * ../shared/domain/README.md §1); nothing else. Every other type is 403 on every direct write
 * path (create, update, patch, delete, conditional, transaction and batch entry), checked before
 * anything is read or written. Reading is untouched. The server's operations, which build their
 * writes themselves after their own checks ($book's Appointment and Consent, $cancel's revoked
 * reminders; RepositoryContext.byOperation), are not direct writes.
 *
 * What each listed type may hold is further limited by the own-name and about-the-resident rules
 * (own-requests.ts, own-subject.ts) and, for Appointment, by src/telemedicine/direct-writes.ts.
 * test/auth/own-types.test.ts checks every type here is one a resident's token can reach.
 */
export const RESIDENT_WRITES: Readonly<Record<string, { actions: readonly Action[]; why: string }>> = {
  Observation: { actions: ['c', 'u', 'd'], why: 'home readings: blood pressure, weight, glucose the resident measures (and corrects or withdraws)' },
  QuestionnaireResponse: { actions: ['c', 'u', 'd'], why: 'the forms the station asks the resident to fill in' },
  Communication: { actions: ['c', 'u', 'd'], why: 'messages to the station about a consultation (docs/telemedicine.md "Messages")' },
  DocumentReference: { actions: ['c', 'u', 'd'], why: 'a document the resident sends: a discharge letter, a result from elsewhere' },
  Media: { actions: ['c', 'u', 'd'], why: 'a photo the resident sends for a remote consultation (a rash, a wound)' },
  AllergyIntolerance: { actions: ['c', 'u', 'd'], why: 'what the resident reports being allergic to, in their own name (QĐ 831 part B)' },
  MedicationStatement: { actions: ['c', 'u', 'd'], why: 'medicines the resident reports taking, in their own name' },
  Appointment: {
    actions: ['c', 'u', 'd'],
    why: 'cancelling or commenting on their own appointment; a create or delete is answered by direct-writes.ts naming $book or $cancel',
  },
  Patient: { actions: ['u'], why: 'their own contact details; registering and removing a record are the station’s' },
};

/** 403 unless a resident's app may do `action` (c, u or d) on `type` directly (see above). */
export function requireResidentWritable(type: string, action: Action): void {
  if (RESIDENT_WRITES[type]?.actions.includes(action)) return;
  const allowed = Object.keys(RESIDENT_WRITES).join(', ');
  throw forbidden(
    `Ứng dụng của người dân không được ${ACTION_VI[action]} ${type}: loại hồ sơ này do trạm y tế ghi. Ứng dụng chỉ ghi ${allowed}`,
    `A resident's app does not ${ACTION_EN[action]} ${type}: records of this type are the station's. The app writes only ${allowed}`,
  );
}
