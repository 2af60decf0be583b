import type { Coverage, Immunization, Resource } from '@medplum/fhirtypes';
import { invalidResource } from '../../fhir/outcomes';
import { localDay } from '../../fhir/search/dates';
import { VN_CORE } from '../canonical';
import { checkBhyt } from '../identifiers/bhyt';
import type { Derivation } from '../../fhir/store/derivation';
import type { StationConfig } from '../config';
import { readPatient } from '../read-patient';
import { fullCheck } from './index';
import { error, type Issue } from './issues';
import { beforeBirthIssues, recordDates } from './record-dates';
import { sexMismatchIssues, sexRestrictedCodes } from './sex-specific';

/**
 * A station record must fit its resident: one dated before they were born (a heart rate in 1970 for
 * someone born in 1980), a diagnosis only the other sex can have (sex-specific.ts), or a children's
 * BHYT card (TE, under 6) whose validity starts after the child turned 6, is refused.
 * The birth date and sex are in another resource, which the rules (given only the written
 * resource) cannot see: this check reads the Patient in the write's own transaction, as the writer,
 * through the engine's derivation hook — it derives nothing, it lets the write stand or throws and
 * the write is rolled back with it. In a transaction Bundle it runs after every entry, so a resident
 * registered in the same Bundle is found. Applies where the full profile check does (rules/index.ts).
 */
export function fitsResidentCheck(config: StationConfig, timeZone: string): Derivation {
  return {
    appliesTo: (r) => patientOf(r) !== undefined && fullCheck(r, config) && (recordDates(r).length > 0 || sexRestrictedCodes(r).length > 0 || childCards(r).length > 0),
    derive: async (resource, tx) => {
      const patient = await readPatient(tx, patientOf(resource)!);
      if (!patient) return;
      const issues = [
        ...(patient.birthDate ? [...beforeBirthIssues(resource, patient.birthDate, timeZone), ...childCardIssues(resource, patient.birthDate, timeZone)] : []),
        ...sexMismatchIssues(resource, patient.gender),
      ];
      if (issues.length) throw invalidResource(issues);
    },
    // Nothing was derived, so nothing outlives the record.
    retract: async () => undefined,
  };
}

/** A Coverage's TE card codes (the children's category), with where each is. */
function childCards(r: Resource): { value: string; at: string }[] {
  if (r.resourceType !== 'Coverage') return [];
  return (r.identifier ?? []).flatMap((id, i) => (id.system === VN_CORE.insuranceNumber && id.value?.startsWith('TE') ? [{ value: id.value, at: `Coverage.identifier[${i}].value` }] : []));
}

/**
 * A TE card held by a beneficiary past the age it is for, on the day the card's validity starts
 * (today when it gives none): the rules check the code on the Patient, the card is this Coverage.
 */
function childCardIssues(r: Resource, birthDate: string, timeZone: string): Issue[] {
  const on = (r as Coverage).period?.start?.slice(0, 10) ?? localDay(timeZone, Date.now());
  // The code's form and category are the rules' (they ran before): only the holder's age is checked here.
  return childCards(r).flatMap((card) => checkBhyt(card.value, () => true, { birthDate, on }).map((p) => error(p.vi, p.en, card.at)));
}

/** The id of the Patient a station record is about (asked before validation too: `patient` may be missing). */
function patientOf(r: Resource): string | undefined {
  const reference =
    r.resourceType === 'Immunization'
      ? (r.patient as Immunization['patient'] | undefined)?.reference
      : r.resourceType === 'Coverage'
        ? r.beneficiary?.reference
        : r.resourceType === 'Observation' || r.resourceType === 'Encounter' || r.resourceType === 'Condition'
          ? r.subject?.reference
          : undefined;
  return reference?.startsWith('Patient/') ? reference.slice('Patient/'.length) : undefined;
}
