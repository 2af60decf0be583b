import type { Observation, Resource } from '@medplum/fhirtypes';
import { invalidResource, type OperationOutcomeError } from '../../fhir/outcomes';
import { localDate } from '../../fhir/search/dates';
import type { Derivation } from '../../fhir/store/derivation';
import type { Repository } from '../../fhir/store/repository';
import { CS, SYSTEMS } from '../canonical';
import { heightForAgeObservation } from '../model/clinical';
import { readPatient } from '../read-patient';
import { error } from '../rules/issues';
import type { GrowthTables } from './tables';
import { ageInDays, DAYS_PER_MONTH, heightForAgeZ, PLAUSIBLE_Z } from './zscore';

/** Body height (standing) and body length (lying down), LOINC. */
const HEIGHT = '8302-2';
const LENGTH = '8306-3';
const RECORDED = ['final', 'amended', 'corrected'];

/**
 * "The height-for-age z-score computed when a child's height is recorded" — however it is
 * recorded: the visit form's transaction, `POST /station/growth`, a plain `POST Observation`, the
 * seed. A recorded height or length of a resident 0–19 years old gets a z-score Observation
 * (WHO 2006 up to 5 years, WHO 2007 after) derived from it in the same transaction; a corrected
 * height updates its z-score.
 */
export function heightForAgeDerivation(tables: GrowthTables, timeZone: string): Derivation {
  // The height was deleted, is no longer a recorded height (entered in error) or no longer gives a
  // z-score: the one derived from it would still count the child in the stunting indicator.
  const retract = (height: Resource, tx: Repository): Promise<void> => tx.conditionalDelete('Observation', zScoreOf(height));
  return {
    appliesTo: (r) => r.resourceType === 'Observation' && RECORDED.includes(r.status) && !!measuredCm(r) && !!r.subject?.reference?.startsWith('Patient/'),
    derive: async (resource, tx, created) => {
      const height = resource as Observation;
      const patient = await readPatient(tx, height.subject!.reference!.slice('Patient/'.length));
      const when = height.effectiveDateTime ?? height.effectivePeriod?.start;
      if (!patient?.birthDate || (patient.gender !== 'male' && patient.gender !== 'female') || !when) return;
      const days = ageInDays(patient.birthDate, when.length > 10 ? localDate(when, timeZone) : when);
      const lying = codeOf(height) === LENGTH;
      const z = days >= 0 ? heightForAgeZ(tables, patient.gender === 'male' ? 1 : 2, days, measuredCm(height)!, lying) : undefined;
      if (z && Math.abs(z.z) > PLAUSIBLE_Z) throw implausibleHeight(height, days, z.z);
      const self = `Observation/${height.id}`;
      if (z) {
        const derived = heightForAgeObservation(height.subject!.reference!, when, self, z);
        if (height.encounter) derived.encounter = height.encounter;
        if (created) await tx.create(derived);
        else await tx.conditionalUpdate('Observation', zScoreOf(height), derived);
      } else if (!created) {
        await retract(height, tx);
      }
    },
    retract,
  };
}

/**
 * The refusal of a height no child of that age has, said on the height the nurse typed: the
 * z-score it would give is not something she sent, and "z-score missing" would not tell her to
 * measure again.
 */
function implausibleHeight(height: Observation, days: number, z: number): OperationOutcomeError {
  const cm = measuredCm(height)!;
  const months = Math.floor(days / DAYS_PER_MONTH);
  const [viWhat, enWhat] = codeOf(height) === LENGTH ? ['Chiều dài nằm', 'Length'] : ['Chiều cao', 'Height'];
  const [viAge, enAge] = months >= 1 ? [`${months} tháng`, `${months} months`] : [`${days} ngày`, `${days} days`];
  const shown = `${z < 0 ? '−' : ''}${Math.abs(z).toFixed(1)}`;
  return invalidResource([
    error(
      `${viWhat} ${cm} cm không hợp lý với tuổi ${viAge} (Z = ${shown.replace('.', ',')}): hãy đo lại`,
      `${enWhat} ${cm} cm is implausible at ${enAge} (z = ${shown}): measure again`,
      'Observation.valueQuantity',
      'value',
    ),
  ]);
}

/** The search for the z-score derived from a height. */
const zScoreOf = (height: Resource): string => `derived-from=Observation/${height.id}&code=${CS.growth}|haz`;

function codeOf(o: Resource): string | undefined {
  return (o as Observation).code?.coding?.find((c) => c.system === SYSTEMS.loinc && (c.code === HEIGHT || c.code === LENGTH))?.code;
}

/** The measured height in centimetres, when `r` is a height or length with a usable value. */
function measuredCm(r: Resource): number | undefined {
  if (!codeOf(r)) return undefined;
  // The station's vital-sign profile requires UCUM cm for heights.
  const q = (r as Observation).valueQuantity;
  return typeof q?.value === 'number' && q.value > 0 && q.code === 'cm' ? q.value : undefined;
}
