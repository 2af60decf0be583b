import type { AllergyIntolerance, Basic, Condition, Consent, Coverage, Encounter, Group, Immunization, MedicationRequest, Observation, Patient, RelatedPerson, Resource } from '@medplum/fhirtypes';
import { fhir, type SearchParams } from '../api/fhir';
import { ApiError } from '../api/http';

/**
 * The resident's record, section by section. Each section loads on its own, so a role that may not
 * read one part (a registrar and clinical notes) still sees the others, with "no permission" there.
 */
export type Section<T> = { state: 'ok'; data: T } | { state: 'forbidden' } | { state: 'failed'; message: string };

async function section<T extends Resource>(type: string, params: SearchParams, signal: AbortSignal): Promise<Section<T[]>> {
  try {
    return { state: 'ok', data: (await fhir.searchAll<T>(type, params, signal)).matches };
  } catch (err) {
    if (err instanceof ApiError && err.status === 403) return { state: 'forbidden' };
    if (signal.aborted) throw err;
    return { state: 'failed', message: err instanceof Error ? err.message : String(err) };
  }
}

export interface ResidentSummary {
  patient: Patient;
  coverages: Section<Coverage[]>;
  enrolments: Section<Basic[]>;
  consents: Section<Consent[]>;
  households: Section<Group[]>;
  carers: Section<RelatedPerson[]>;
  allergies: Section<AllergyIntolerance[]>;
  conditions: Section<Condition[]>;
  immunizations: Section<Immunization[]>;
}

export async function loadSummary(id: string, signal: AbortSignal): Promise<ResidentSummary> {
  const ref = `Patient/${id}`;
  const [patient, coverages, enrolments, consents, households, carers, allergies, conditions, immunizations] = await Promise.all([
    fhir.read<Patient>('Patient', id, signal),
    section<Coverage>('Coverage', [['beneficiary', ref]], signal),
    section<Basic>('Basic', [['subject', ref]], signal),
    section<Consent>('Consent', [['patient', ref]], signal),
    section<Group>('Group', [['member', ref]], signal),
    section<RelatedPerson>('RelatedPerson', [['patient', ref]], signal),
    section<AllergyIntolerance>('AllergyIntolerance', [['patient', ref]], signal),
    section<Condition>('Condition', [['patient', ref], ['_count', '200']], signal),
    section<Immunization>('Immunization', [['patient', ref], ['_count', '200']], signal),
  ]);
  return { patient, coverages, enrolments, consents, households, carers, allergies, conditions, immunizations };
}

/** One visit with what was recorded in it. */
export interface Visit {
  encounter: Encounter;
  diagnoses: Condition[];
  prescriptions: MedicationRequest[];
  vitals: Observation[];
}

/** The visits, newest first, each with its diagnoses, prescriptions and vital signs. */
export async function loadVisits(id: string, signal: AbortSignal): Promise<Section<Visit[]>> {
  const params: SearchParams = [
    ['subject', `Patient/${id}`],
    ['_sort', '-date'],
    ['_count', '100'],
    ['_include', 'Encounter:diagnosis'],
    ['_revinclude', 'MedicationRequest:encounter'],
    ['_revinclude', 'Observation:encounter'],
  ];
  try {
    const found = await fhir.search<Encounter>('Encounter', params, signal);
    const byRef = new Map(found.included.map((r) => [`${r.resourceType}/${r.id}`, r]));
    const ofEncounter = <T extends MedicationRequest | Observation>(type: string, e: Encounter): T[] =>
      found.included.filter((r): r is T => r.resourceType === type && (r as T).encounter?.reference === `Encounter/${e.id}`);
    // Newest first by start: the server's -date order follows each period's end, and a visit
    // recorded without an end is open-ended, so that order says nothing about when it began.
    const byStart = found.matches.slice().sort((a, b) => Date.parse(b.period?.start ?? '') - Date.parse(a.period?.start ?? ''));
    const visits = byStart.map((encounter) => ({
      encounter,
      diagnoses: (encounter.diagnosis ?? [])
        .slice()
        .sort((a, b) => (a.rank ?? 99) - (b.rank ?? 99))
        .map((d) => byRef.get(d.condition.reference ?? '') as Condition)
        .filter(Boolean),
      prescriptions: ofEncounter<MedicationRequest>('MedicationRequest', encounter),
      vitals: ofEncounter<Observation>('Observation', encounter),
    }));
    return { state: 'ok', data: visits };
  } catch (err) {
    if (err instanceof ApiError && err.status === 403) return { state: 'forbidden' };
    if (signal.aborted) throw err;
    return { state: 'failed', message: err instanceof Error ? err.message : String(err) };
  }
}

/** Vital signs and growth z-scores over time, oldest first. */
export async function loadMeasurements(id: string, signal: AbortSignal): Promise<Section<Observation[]>> {
  return section<Observation>('Observation', [['subject', `Patient/${id}`], ['_sort', 'date'], ['_count', '500']], signal);
}
