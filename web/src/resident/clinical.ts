import type { Condition, Encounter, MedicationRequest } from '@medplum/fhirtypes';
import { CS, EXT, SYSTEMS } from '../../../src/station/canonical';

/** Readers for clinical records as the record page shows them. */

export const icdOf = (c: Condition): { code?: string; display?: string } => {
  const coding = c.code?.coding?.find((x) => x.system === SYSTEMS.icd10) ?? c.code?.coding?.[0];
  return { code: coding?.code, display: coding?.display ?? c.code?.text };
};

/**
 * ICD-10 chapters and codes the station follows as long-term conditions (hypertension, diabetes,
 * chronic lung, kidney and liver disease, cancers, HIV, tuberculosis, mental illness): a diagnosis
 * made at a visit with one of these codes is shown among the resident's chronic conditions.
 */
const CHRONIC = /^(I1[0-5]|E1[0-4]|J4[4-5]|N18|K7[0-4]|C\d\d|B2[0-4]|A1[5-9]|F2\d|F3[1-3]|G40|I2[05]|I50)/;

/** Active problem-list conditions and chronic diagnoses, one per ICD-10 code (the latest). */
export function chronicConditions(conditions: Condition[]): Condition[] {
  const active = conditions.filter((c) => !c.clinicalStatus?.coding?.some((x) => ['inactive', 'resolved', 'remission'].includes(x.code ?? '')) && c.verificationStatus?.coding?.[0]?.code !== 'entered-in-error');
  const chosen = active.filter((c) => c.category?.some((k) => k.coding?.some((x) => x.code === 'problem-list-item')) || CHRONIC.test(icdOf(c).code ?? ''));
  const latest = new Map<string, Condition>();
  for (const c of chosen.sort((a, b) => (a.recordedDate ?? '').localeCompare(b.recordedDate ?? ''))) latest.set(icdOf(c).code ?? c.id!, c);
  return [...latest.values()];
}

const CLASS: Record<string, string> = { AMB: 'Khám tại trạm', HH: 'Khám tại nhà', VR: 'Khám từ xa' };

export const visitKind = (e: Encounter): string => CLASS[e.class?.code ?? ''] ?? e.class?.display ?? '';
export const specialtyOf = (e: Encounter): string | undefined => e.serviceType?.coding?.find((c) => c.system === CS.examSpecialty)?.display;
export const symptomsOf = (e: Encounter): string => (e.reasonCode ?? []).map((r) => r.text).filter(Boolean).join('; ');
export const extensionText = (e: Encounter, url: string): string | undefined => e.extension?.find((x) => x.url === url)?.valueString;
export const treatmentOf = (e: Encounter): string | undefined => extensionText(e, EXT.treatment);
export const noteOf = (e: Encounter): string | undefined => extensionText(e, EXT.visitNote);
export const examinerOf = (e: Encounter): string | undefined => e.participant?.find((p) => p.individual?.display)?.individual?.display;

/** "Paracetamol 500 mg — 1 viên × 3 lần/ngày × 5 ngày" */
export function prescriptionText(m: MedicationRequest): string {
  const drug = m.medicationCodeableConcept?.text ?? m.medicationCodeableConcept?.coding?.[0]?.display ?? '';
  return `${drug} — ${m.dosageInstruction?.[0]?.text ?? ''}`;
}
