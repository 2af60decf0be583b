import type { Patient, Resource } from '@medplum/fhirtypes';
import { SYSTEM_ACCESS } from '../../fhir/access';
import { badRequest } from '../../fhir/outcomes';
import type { Derivation } from '../../fhir/store/derivation';
import type { Repository } from '../../fhir/store/repository';
import type { StationConfig } from '../config';
import { fullCheck } from './index';
import { beforeBirthIssues } from './record-dates';

/**
 * The other side of afterBirthCheck (after-birth.ts): a resident's birth date corrected to a day
 * after records already kept for them (a visit in 2019 for someone now said to be born in 2020).
 * Either the new date or those records are wrong; the correction is refused until one is fixed,
 * so no record stays dated before its resident's birth. The records are searched by the date
 * parameters of each station record type (a range that may start before the birth), then held to
 * the same rule as a write of them (beforeBirthIssues).
 *
 * The search runs as the server: a registrar corrects birth dates but may not read clinical
 * records, and must still not leave them before the birth. Such a caller is told how many records
 * stand in the way, not which (a clinician fixes them); a caller who may read them is given their
 * references.
 */
const DATED: readonly (readonly [type: string, patientParam: string, dateParams: readonly string[]])[] = [
  ['Encounter', 'patient', ['date']],
  ['Observation', 'patient', ['date']],
  ['Condition', 'patient', ['onset-date', 'recorded-date']],
  ['Immunization', 'patient', ['date']],
];

/** At most this many records are named; the count says if there are more. */
const NAMED = 10;

export function birthDateCorrectionCheck(config: StationConfig, timeZone: string): Derivation {
  return {
    // Only an update that changes the birth date: a registration (no previous version) keeps its
    // group commit, and an edit of a name or an address costs no search.
    appliesTo: (r, previous) =>
      r.resourceType === 'Patient' && !!(r as Patient).birthDate && previous !== undefined && (previous as Patient).birthDate !== (r as Patient).birthDate && fullCheck(r, config),
    derive: async (resource, tx) => {
      const birthDate = (resource as Patient).birthDate!;
      const found = await recordsBefore(tx.as(SYSTEM_ACCESS, false), resource.id!, birthDate, timeZone);
      if (!found.length) return;
      const readable = found.filter((r) => tx.ctx.access.allows(r.resourceType, 'r'));
      const named = readable.length === found.length ? `: ${found.slice(0, NAMED).map((r) => `${r.resourceType}/${r.id}`).join(', ')}${found.length > NAMED ? ', …' : ''}` : '';
      throw badRequest(
        `Ngày sinh ${birthDate} muộn hơn ngày của ${found.length} hồ sơ đã có của người này${named}; hãy kiểm tra lại ngày sinh, hoặc nhờ nhân viên y tế sửa các hồ sơ đó trước`,
        `Birth date ${birthDate} is after the date of ${found.length} of this resident's records${named}; check the birth date, or have a clinician correct those records first`,
        ['Patient.birthDate'],
      );
    },
    retract: async () => undefined,
  };
}

/** The resident's station records dated before `birthDate` (by the rule a write of them meets). */
async function recordsBefore(system: Repository, patientId: string, birthDate: string, timeZone: string): Promise<Resource[]> {
  const seen = new Map<string, Resource>();
  for (const [type, patientParam, dateParams] of DATED) {
    for (const param of dateParams) {
      const req = system.parseSearch(type, [[patientParam, `Patient/${patientId}`], [param, `lt${birthDate}`], ['_count', '1000']]);
      for (const r of (await system.search(req)).resources) {
        if (beforeBirthIssues(r, birthDate, timeZone).length) seen.set(`${r.resourceType}/${r.id}`, r);
      }
    }
  }
  return [...seen.values()];
}
