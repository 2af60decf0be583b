import type { Immunization, Patient } from '@medplum/fhirtypes';
import { fhir, idFrom } from '../api/fhir';
import { today as todayIn } from '../format';
import { yearsBefore } from '../resident/search';
import { dueDoses, type DueDose } from './due';

/** Children under this age are followed for the EPI schedule. */
export const EPI_AGE_YEARS = 5;

export interface ChildDue {
  patient: Patient;
  due: DueDose[];
}

/**
 * The village's children under five with the doses they are due or overdue for, the most
 * overdue first. One search: the children and their recorded doses (_revinclude).
 */
export async function childrenDue(village: string, signal?: AbortSignal, today: string = todayIn()): Promise<ChildDue[]> {
  const params: [string, string][] = [['birthdate', `gt${yearsBefore(today, EPI_AGE_YEARS)}`], ['_revinclude', 'Immunization:patient'], ['_count', '200']];
  if (village) params.push(['village', village]);
  const found = await fhir.searchAll<Patient>('Patient', params, signal);
  const doses = found.included.filter((r): r is Immunization => r.resourceType === 'Immunization');
  return found.matches
    .filter((p) => p.birthDate && p.active !== false && !p.deceasedBoolean && !p.deceasedDateTime)
    .map((patient) => ({ patient, due: dueDoses(patient.birthDate!, doses.filter((d) => idFrom(d.patient.reference, 'Patient') === patient.id), today) }))
    .filter((c) => c.due.length)
    .sort((a, b) => Math.max(...b.due.map((d) => d.lateDays)) - Math.max(...a.due.map((d) => d.lateDays)));
}
