import type { AllergyIntolerance, Resource } from '@medplum/fhirtypes';
import { OperationOutcomeError, bilingual, outcome } from '../outcomes';

const VERIFICATION = 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification';

/**
 * An allergy a resident reports from their app is their word, not the station's finding: the
 * station's clinicians read `confirmed` as checked (QĐ 831 part B records allergies the clinician
 * has established) and prescribe around it. So a patient-context client writes an
 * AllergyIntolerance as `unconfirmed` (or without a verification status), or withdraws it
 * (`refuted`, `entered-in-error`); it never sets `confirmed` — only keeps it unchanged on a record a
 * clinician has confirmed, when it edits the note, say.
 */
export function requireOwnFindingsUnconfirmed(resource: Resource, previous: Resource | undefined): void {
  if (resource.resourceType !== 'AllergyIntolerance') return;
  const confirmed = (r: Resource | undefined): boolean =>
    r?.resourceType === 'AllergyIntolerance' && !!(r as AllergyIntolerance).verificationStatus?.coding?.some((c) => c.system === VERIFICATION && c.code === 'confirmed');
  if (!confirmed(resource) || confirmed(previous)) return;
  const text = bilingual(
    'Ứng dụng của người dân ghi dị ứng là "chưa xác nhận" (unconfirmed): nhân viên y tế xác nhận sau khi khám',
    'A resident\'s app records an allergy as unconfirmed: the station\'s clinicians confirm it after examining',
  );
  throw new OperationOutcomeError(outcome('error', 'forbidden', text, ['AllergyIntolerance.verificationStatus']), 403);
}
