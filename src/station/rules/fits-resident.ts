import type { Immunization, Resource } from '@medplum/fhirtypes';
import { invalidResource } from '../../fhir/outcomes';
import type { Derivation } from '../../fhir/store/derivation';
import type { StationConfig } from '../config';
import { readPatient } from '../read-patient';
import { fullCheck } from './index';
import { beforeBirthIssues, recordDates } from './record-dates';
import { sexMismatchIssues, sexRestrictedCodes } from './sex-specific';

/**
 * A station record must fit its resident: one dated before they were born (a heart rate in 1970 for
 * someone born in 1980), or a diagnosis only the other sex can have (sex-specific.ts), is refused.
 * The birth date and sex are in another resource, which the rules (given only the written
 * resource) cannot see: this check reads the Patient in the write's own transaction, as the writer,
 * through the engine's derivation hook — it derives nothing, it lets the write stand or throws and
 * the write is rolled back with it. In a transaction Bundle it runs after every entry, so a resident
 * registered in the same Bundle is found. Applies where the full profile check does (rules/index.ts).
 */
export function fitsResidentCheck(config: StationConfig, timeZone: string): Derivation {
  return {
    appliesTo: (r) => patientOf(r) !== undefined && fullCheck(r, config) && (recordDates(r).length > 0 || sexRestrictedCodes(r).length > 0),
    derive: async (resource, tx) => {
      const patient = await readPatient(tx, patientOf(resource)!);
      if (!patient) return;
      const issues = [...(patient.birthDate ? beforeBirthIssues(resource, patient.birthDate, timeZone) : []), ...sexMismatchIssues(resource, patient.gender)];
      if (issues.length) throw invalidResource(issues);
    },
    // Nothing was derived, so nothing outlives the record.
    retract: async () => undefined,
  };
}

/** The id of the Patient a station record is about (asked before validation too: `patient` may be missing). */
function patientOf(r: Resource): string | undefined {
  const reference = r.resourceType === 'Immunization' ? (r.patient as Immunization['patient'] | undefined)?.reference : r.resourceType === 'Observation' || r.resourceType === 'Encounter' || r.resourceType === 'Condition' ? r.subject?.reference : undefined;
  return reference?.startsWith('Patient/') ? reference.slice('Patient/'.length) : undefined;
}
