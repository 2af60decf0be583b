import type { Patient, RelatedPerson } from '@medplum/fhirtypes';
import { VN_CORE } from '../station/canonical';
import { CARER_ROLES, nameText } from '../station/model/carers';
import { carerResource, type Sex } from '../station/model/person';

/**
 * Carers: a resident whose app may also open the records of dependants staff linked them to — a
 * parent their young child's immunisations and growth (domain README §1: a resident reaches "own
 * record only, and dependants they are carer of"). docs/security.md "Carers".
 */

/** The RelatedPerson that stands for the carer in the dependant's record: their name, sex, phone and CCCD, as registered. */
export function carerInRecord(carer: Patient, dependantId: string, role: string): RelatedPerson {
  const sex: Sex | undefined = carer.gender === 'male' || carer.gender === 'female' ? carer.gender : undefined;
  const phone = carer.telecom?.find((t) => t.system === 'phone')?.value;
  const related = carerResource(`Patient/${dependantId}`, nameText(carer.name?.[0]) ?? '', sex ?? 'female', { code: role, display: CARER_ROLES[role].display }, phone, personalIdOf(carer));
  // The builder needs a sex; a carer registered without one is stored without one.
  if (!sex) delete related.gender;
  return related;
}

/** A resident's CCCD, which the RelatedPerson standing for them as carer carries too. */
export function personalIdOf(resident: Patient): string | undefined {
  return resident.identifier?.find((i) => i.system === VN_CORE.nationalId)?.value;
}

/** One record a signed-in carer may open, as the authorize page offers it. */
export interface RecordChoice {
  patientId: string;
  name: string;
  birthDate?: string;
  /** The carer's own record. */
  own: boolean;
}
