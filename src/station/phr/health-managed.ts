import type { Patient, Resource } from '@medplum/fhirtypes';
import type { Repository } from '../../fhir/store/repository';
import { EXT } from '../canonical';
import type { HealthManagedRule } from '../config';
import { codingOf } from '../rules/issues';
import { searchAll } from '../registers/fetch';

/**
 * Indicator 14.2 ("population whose health is managed"): a resident counts when their personal
 * health record (Decision 831) exists with its administrative part complete, and was updated at
 * least `minUpdates` times in the period by a resource of `updateTypes` (visits, measurements,
 * immunisations, diagnoses, history…) that is care given (not NOT_CARE_GIVEN). Dated by the
 * clinical date of each resource, so imported history and the synthetic commune count in the
 * period the care happened. docs/station/phr.md.
 */

/** The search parameter holding each type's clinical date, and the reference to its patient (the report uses the same dates). */
export const CLINICAL_DATES: Record<string, { date: string; patient: (r: Resource) => string | undefined }> = {
  Encounter: { date: 'date', patient: (r) => (r as { subject?: { reference?: string } }).subject?.reference },
  Observation: { date: 'date', patient: (r) => (r as { subject?: { reference?: string } }).subject?.reference },
  Condition: { date: 'recorded-date', patient: (r) => (r as { subject?: { reference?: string } }).subject?.reference },
  Immunization: { date: 'date', patient: (r) => (r as { patient?: { reference?: string } }).patient?.reference },
  AllergyIntolerance: { date: 'date', patient: (r) => (r as { patient?: { reference?: string } }).patient?.reference },
  Procedure: { date: 'date', patient: (r) => (r as { subject?: { reference?: string } }).subject?.reference },
  FamilyMemberHistory: { date: 'date', patient: (r) => (r as { patient?: { reference?: string } }).patient?.reference },
};

/**
 * Records that are no care given, by type: the status (search parameter and codes) of a record
 * withdrawn as entered in error, or of a visit planned or cancelled — what the station's record
 * dates leave out too (src/station/rules/record-dates.ts). They update no health record: the rule
 * below and the report (src/report/sql/facts.ts, which keeps no dated row for them) skip them.
 */
export const NOT_CARE_GIVEN: Record<string, { param: string; codes: string[] }> = {
  Encounter: { param: 'status', codes: ['planned', 'cancelled', 'entered-in-error'] },
  Observation: { param: 'status', codes: ['entered-in-error'] },
  Immunization: { param: 'status', codes: ['entered-in-error'] },
  Condition: { param: 'verification-status', codes: ['entered-in-error'] },
  AllergyIntolerance: { param: 'verification-status', codes: ['entered-in-error'] },
  Procedure: { param: 'status', codes: ['entered-in-error'] },
  FamilyMemberHistory: { param: 'status', codes: ['entered-in-error'] },
};

export interface HealthManagedResult {
  /** Patient id → managed in the period. */
  managed: Map<string, boolean>;
  /** Patient id → what is missing from the administrative part (empty when complete). */
  missingAdministrative: Map<string, string[]>;
}

/** Whether a Patient's administrative part (831 part A) has the configured fields. */
export function missingAdministrative(p: Patient, rule: HealthManagedRule): string[] {
  const present: Record<HealthManagedRule['requiredAdministrative'][number], boolean> = {
    name: !!p.name?.length,
    birthDate: !!p.birthDate,
    gender: !!p.gender,
    address: !!p.address?.length,
    identifier: !!p.identifier?.length,
    ethnicGroup: !!codingOf(p, EXT.ethnicGroup),
  };
  return rule.requiredAdministrative.filter((field) => !present[field]);
}

/** Evaluates the rule for the given residents over [from, to] (dates, both included). */
export async function healthManaged(repo: Repository, rule: HealthManagedRule, patients: Patient[], from: string, to: string): Promise<HealthManagedResult> {
  const updates = new Map<string, number>();
  for (const type of rule.updateTypes) {
    const dated = CLINICAL_DATES[type];
    if (!dated) throw new Error(`health-managed rule: no clinical date known for ${type}`);
    const notCare = NOT_CARE_GIVEN[type];
    const care: [string, string][] = notCare ? notCare.codes.map((code) => [`${notCare.param}:not`, code]) : [];
    for (const r of await searchAll(repo, type, [[dated.date, `ge${from}`], [dated.date, `le${to}`], ...care])) {
      const ref = dated.patient(r);
      if (ref?.startsWith('Patient/')) updates.set(ref.slice(8), (updates.get(ref.slice(8)) ?? 0) + 1);
    }
  }
  const managed = new Map<string, boolean>();
  const missing = new Map<string, string[]>();
  for (const p of patients) {
    const gaps = missingAdministrative(p, rule);
    missing.set(p.id!, gaps);
    managed.set(p.id!, gaps.length === 0 && (updates.get(p.id!) ?? 0) >= rule.minUpdates);
  }
  return { managed, missingAdministrative: missing };
}
