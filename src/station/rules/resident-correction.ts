import type { Patient, Resource } from '@medplum/fhirtypes';
import { SYSTEM_ACCESS } from '../../fhir/access';
import { badRequest } from '../../fhir/outcomes';
import type { Derivation } from '../../fhir/store/derivation';
import type { Repository } from '../../fhir/store/repository';
import type { StationConfig } from '../config';
import { fullCheck } from './index';
import { beforeBirthIssues, RECORD_DATE_PARAMS } from './record-dates';
import { sexMismatchIssues } from './sex-specific';

/** At most this many records are named; the count says if there are more. */
const NAMED = 10;
/** Records read per search: a resident's records before a date, or their diagnoses. */
const PAGE = '1000';

/**
 * The other side of the checks a record meets against its resident (fits-resident.ts): a resident's
 * birth date or sex corrected so that records already kept no longer fit — a visit in 2019 for
 * someone now said to be born in 2020, a pregnancy kept for someone now recorded as a man. Either
 * the correction or those records are wrong; it is refused until one is fixed. The records are
 * searched (by each type's date parameters for a birth date; a sex correction reads the resident's
 * diagnoses) and held to the same rules as a write of them.
 *
 * The search runs as the server: a registrar corrects birth dates and sex but may not read clinical
 * records, and must still not leave them inconsistent. Such a caller is told how many records stand
 * in the way, not which (a clinician fixes them); a caller who may read them gets their references.
 */
export function residentCorrectionCheck(config: StationConfig, timeZone: string): Derivation {
  return {
    // Only an update that changes the birth date or the sex: a registration (no previous version)
    // keeps its group commit, and an edit of a name or an address costs no search.
    appliesTo: (r, previous) => r.resourceType === 'Patient' && previous !== undefined && changed(r as Patient, previous as Patient).length > 0 && fullCheck(r, config),
    derive: async (resource, tx, _created, previous) => {
      const patient = resource as Patient;
      const system = tx.as(SYSTEM_ACCESS, false);
      for (const what of changed(patient, previous as Patient)) {
        const found = what === 'birthDate' ? await recordsBefore(system, patient.id!, patient.birthDate!, timeZone) : await diagnosesOfOtherSex(system, patient.id!, patient.gender);
        if (found.length) throw refusal(what, patient, found, tx);
      }
    },
    retract: async () => undefined,
  };
}

/** What a correction changed that records depend on (a birth date or sex removed leaves nothing to check). */
function changed(now: Patient, before: Pick<Patient, 'birthDate' | 'gender'>): ('birthDate' | 'gender')[] {
  return [...(now.birthDate && now.birthDate !== before.birthDate ? ['birthDate' as const] : []), ...(now.gender && now.gender !== before.gender ? ['gender' as const] : [])];
}

/** The resident's station records dated before `birthDate` (by the rule a write of them meets). */
async function recordsBefore(system: Repository, patientId: string, birthDate: string, timeZone: string): Promise<Resource[]> {
  const seen = new Map<string, Resource>();
  for (const [type, dateParams] of RECORD_DATE_PARAMS) {
    for (const param of dateParams) {
      const req = system.parseSearch(type, [['patient', `Patient/${patientId}`], [param, `lt${birthDate}`], ['_count', PAGE]]);
      for (const r of (await system.search(req)).resources) {
        if (beforeBirthIssues(r, birthDate, timeZone).length) seen.set(`${r.resourceType}/${r.id}`, r);
      }
    }
  }
  return [...seen.values()];
}

/** The resident's diagnoses that only the other sex than `gender` can have (sex-specific.ts). */
async function diagnosesOfOtherSex(system: Repository, patientId: string, gender: string | undefined): Promise<Resource[]> {
  const req = system.parseSearch('Condition', [['patient', `Patient/${patientId}`], ['_count', PAGE]]);
  return (await system.search(req)).resources.filter((r) => sexMismatchIssues(r, gender).length > 0);
}

function refusal(what: 'birthDate' | 'gender', patient: Patient, found: Resource[], tx: Repository): Error {
  const readable = found.every((r) => tx.ctx.access.allows(r.resourceType, 'r'));
  const named = readable ? `: ${found.slice(0, NAMED).map((r) => `${r.resourceType}/${r.id}`).join(', ')}${found.length > NAMED ? ', …' : ''}` : '';
  const fix = `hãy kiểm tra lại ${what === 'birthDate' ? 'ngày sinh' : 'giới tính'}, hoặc nhờ nhân viên y tế sửa các hồ sơ đó trước`;
  const fixEn = `check the ${what === 'birthDate' ? 'birth date' : 'sex'}, or have a clinician correct those records first`;
  return what === 'birthDate'
    ? badRequest(
        `Ngày sinh ${patient.birthDate} muộn hơn ngày của ${found.length} hồ sơ đã có của người này${named}; ${fix}`,
        `Birth date ${patient.birthDate} is after the date of ${found.length} of this resident's records${named}; ${fixEn}`,
        ['Patient.birthDate'],
      )
    : badRequest(
        `Giới tính mới không phù hợp với ${found.length} chẩn đoán đã có của người này${named}; ${fix}`,
        `The new sex does not fit ${found.length} of this resident's diagnoses${named}; ${fixEn}`,
        ['Patient.gender'],
      );
}
