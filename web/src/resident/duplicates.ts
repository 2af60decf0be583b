import type { Group, Patient } from '@medplum/fhirtypes';
import { SID, VN_CORE } from '../../../src/station/canonical';
import { fhir } from '../api/fhir';
import { fold } from '../format';
import { nameOf } from './read';

/** Residents already registered with this personal ID (there should be at most one). */
export async function withCccd(cccd: string, signal?: AbortSignal): Promise<Patient[]> {
  return (await fhir.search<Patient>('Patient', [['identifier', `${VN_CORE.nationalId}|${cccd}`], ['_count', '5']], signal)).matches;
}

/** Residents with the same full name (ignoring marks and case) born on the same day: perhaps the same person. */
export async function withNameAndBirthDate(name: string, birthDate: string, signal?: AbortSignal): Promise<Patient[]> {
  const wanted = fold(name).replace(/\s+/g, ' ').trim();
  const found = await fhir.search<Patient>('Patient', [['name', name], ['birthdate', birthDate], ['_count', '20']], signal);
  return found.matches.filter((p) => fold(nameOf(p)).replace(/\s+/g, ' ').trim() === wanted);
}

/** Households by code ("15313-01-0042") or by name ("Hộ Nguyễn Văn Đức"). */
export async function findHouseholds(text: string, signal?: AbortSignal): Promise<Group[]> {
  const t = text.trim();
  if (t.length < 2) return [];
  const byCode = /^[\d-]+$/.test(t);
  const params: [string, string][] = byCode ? [['identifier', `${SID.household}|${t}`]] : [['name', t]];
  return (await fhir.search<Group>('Group', [...params, ['_count', '10']], signal)).matches;
}

export const householdCode = (g: Group): string => g.identifier?.find((i) => i.system === SID.household)?.value ?? '';

/**
 * A household code not yet used in the village: the village code and a number, counting up from
 * the number of households the commune already has.
 */
export async function freeHouseholdCode(villageCode: string, signal?: AbortSignal): Promise<string> {
  const counted = await fhir.search<Group>('Group', [['identifier', `${SID.household}|`], ['_summary', 'count']], signal);
  for (let n = (counted.total ?? 0) + 1; ; n++) {
    const code = `${villageCode}-${String(n).padStart(4, '0')}`;
    if (!(await findHouseholds(code, signal)).length) return code;
  }
}
