import type { HumanName, Patient, RelatedPerson } from '@medplum/fhirtypes';
import { carerResource, type Sex } from '../station/model/person';

/**
 * Carers: a resident whose app may also open the records of dependants staff linked them to — a
 * parent their young child's immunisations and growth (domain README §1: a resident reaches "own
 * record only, and dependants they are carer of"). docs/security.md "Carers".
 */

/** The relationships a carer may have to a dependant (v3 RoleCode), with the words staff and residents see. */
export const CARER_ROLES: Readonly<Record<string, { display: string; vi: string }>> = {
  MTH: { display: 'mother', vi: 'mẹ' },
  FTH: { display: 'father', vi: 'bố' },
  STPMTH: { display: 'stepmother', vi: 'mẹ kế' },
  STPFTH: { display: 'stepfather', vi: 'bố dượng' },
  GRMTH: { display: 'grandmother', vi: 'bà' },
  GRFTH: { display: 'grandfather', vi: 'ông' },
  GUARD: { display: 'guardian', vi: 'người giám hộ' },
};

/** The CARER_ROLES code of a RelatedPerson's relationship; undefined for a contact who is no carer of ours. */
export function carerRole(related: RelatedPerson): string | undefined {
  return related.relationship?.flatMap((r) => r.coding ?? []).find((c) => Object.hasOwn(CARER_ROLES, c.code ?? ''))?.code;
}

/** The RelatedPerson that stands for the carer in the dependant's record: their name, sex and phone, as registered. */
export function carerInRecord(carer: Patient, dependantId: string, role: string): RelatedPerson {
  const sex: Sex | undefined = carer.gender === 'male' || carer.gender === 'female' ? carer.gender : undefined;
  const phone = carer.telecom?.find((t) => t.system === 'phone')?.value;
  const related = carerResource(`Patient/${dependantId}`, nameText(carer.name?.[0]) ?? '', sex ?? 'female', { code: role, display: CARER_ROLES[role].display }, phone);
  // The builder needs a sex; a carer registered without one is stored without one.
  if (!sex) delete related.gender;
  return related;
}

/** A Vietnamese name as it is read: family, middle, given. */
export function nameText(name: HumanName | undefined): string | undefined {
  if (!name) return undefined;
  return name.text ?? ([name.family, ...(name.given ?? [])].filter(Boolean).join(' ') || undefined);
}

/** One record a signed-in carer may open, as the authorize page offers it. */
export interface RecordChoice {
  patientId: string;
  name: string;
  birthDate?: string;
  /** The carer's own record. */
  own: boolean;
}
