import type { BundleEntry, Group, Patient } from '@medplum/fhirtypes';
import { CS, EXT } from '../../../src/station/canonical';
import type { StationConfig } from '../../../src/station/config';
import { checkBhyt } from '../../../src/station/identifiers/bhyt';
import { checkCccd } from '../../../src/station/identifiers/cccd';
import { residentResource } from '../../../src/station/model/person';
import { bhytCoverage } from '../../../src/station/model/records';
import { parseDate, today as todayIn } from '../format';
import { builderTerminology, display } from '../terminology';
import type { Commune, StationInfo } from './commune';

export interface HouseholdChoice {
  mode: 'none' | 'new' | 'join';
  /** Code of a new household. */
  code: string;
  /** The resident's relationship to the head of the household (household-role code). */
  role: string;
  /** The household joined. */
  group?: Group;
}

/** The registration form as typed (dates as dd/mm/yyyy text). */
export interface ResidentForm {
  name: string;
  sex: '' | 'male' | 'female';
  birthDate: string;
  cccd: string;
  ethnicCode: string;
  occupationCode: string;
  phone: string;
  village: string;
  residenceType: 'thuong-tru' | 'tam-tru';
  residenceStart: string;
  bhytCode: string;
  bhytFrom: string;
  bhytTo: string;
  household: HouseholdChoice;
}

export const EMPTY_FORM: ResidentForm = {
  name: '',
  sex: '',
  birthDate: '',
  cccd: '',
  ethnicCode: '01',
  occupationCode: '',
  phone: '',
  village: '',
  residenceType: 'thuong-tru',
  residenceStart: '',
  bhytCode: '',
  bhytFrom: '',
  bhytTo: '',
  household: { mode: 'none', code: '', role: 'chu-ho' },
};

export type Problems = Partial<Record<keyof ResidentForm | 'householdCode', string>>;

const optionalDate = (text: string): string | undefined | null => (text.trim() ? (parseDate(text) ?? null) : undefined);

/**
 * Checks as the user types. `errors` block saving; a field left empty is reported only when
 * `submitting` (so a fresh form is not all red).
 */
export function checkForm(form: ResidentForm, submitting: boolean, today: string = todayIn()): Problems {
  const errors: Problems = {};
  const required = (field: keyof ResidentForm, empty: boolean, text: string): void => {
    if (empty && submitting) errors[field] = text;
  };
  required('name', form.name.trim().split(/\s+/).length < 2, 'Cần họ và tên (ít nhất hai chữ)');
  required('sex', !form.sex, 'Cần chọn giới tính');
  required('village', !form.village, 'Cần chọn thôn');
  const birth = optionalDate(form.birthDate);
  if (birth === null) errors.birthDate = 'Ngày sinh viết dạng ngày/tháng/năm, ví dụ 05/03/1985';
  else if (birth && birth > today) errors.birthDate = 'Ngày sinh ở tương lai';
  else required('birthDate', !birth, 'Cần ngày sinh');
  const cccd = form.cccd.replace(/\s/g, '');
  if (cccd) {
    const problems = checkCccd(cccd, birth ?? undefined, form.sex || undefined);
    if (problems.length) errors.cccd = problems.map((p) => p.vi).join('; ');
  }
  if (form.phone.trim() && !/^0\d{9}$/.test(form.phone.replace(/[\s.]/g, ''))) errors.phone = 'Số điện thoại có 10 chữ số, bắt đầu bằng 0';
  if (optionalDate(form.residenceStart) === null) errors.residenceStart = 'Viết dạng ngày/tháng/năm';
  checkCard(form, errors, birth || undefined, today);
  if (form.household.mode === 'new' && !form.household.code.trim() && submitting) errors.householdCode = 'Cần mã hộ';
  if (form.household.mode === 'join' && !form.household.group && submitting) errors.household = 'Hãy tìm và chọn hộ';
  return errors;
}

/** The card code as the API checks it on the Patient (src/station/rules/common.ts): TE against the age today. */
function checkCard(form: ResidentForm, errors: Problems, birthDate: string | undefined, today: string): void {
  const code = form.bhytCode.replace(/\s/g, '').toUpperCase();
  const from = optionalDate(form.bhytFrom);
  const to = optionalDate(form.bhytTo);
  if (!code) {
    if (form.bhytFrom.trim() || form.bhytTo.trim()) errors.bhytCode = 'Cần mã thẻ BHYT cho thời hạn đã nhập';
    return;
  }
  const problems = checkBhyt(code, (category) => display(CS.bhytCategory, category) !== undefined, birthDate ? { birthDate, on: today } : undefined);
  if (problems.length) errors.bhytCode = problems.map((p) => p.vi).join('; ');
  if (from === null || !from) errors.bhytFrom = 'Cần ngày bắt đầu hạn thẻ (ngày/tháng/năm)';
  if (to === null || !to) errors.bhytTo = 'Cần ngày hết hạn thẻ (ngày/tháng/năm)';
  else if (from && to < from) errors.bhytTo = 'Ngày hết hạn trước ngày bắt đầu';
}


/** The registration as one transaction: the Patient, their BHYT card, and the household they join or start. */
export function registrationEntries(form: ResidentForm, commune: Commune, station: StationInfo | undefined, today: string = todayIn()): BundleEntry[] {
  const village = commune.villages.find((v) => v.code === form.village)!;
  const start = optionalDate(form.residenceStart) ?? undefined;
  const patient: Patient = residentResource(commune as StationConfig, {
    name: form.name.trim().replace(/\s+/g, ' '),
    sex: form.sex as 'male' | 'female',
    birthDate: parseDate(form.birthDate)!,
    ethnicCode: form.ethnicCode,
    residences: [{ village, type: form.residenceType, start }],
    cccd: form.cccd.replace(/\s/g, '') || undefined,
    bhytCardCode: form.bhytCode.replace(/\s/g, '').toUpperCase() || undefined,
    occupationCode: form.occupationCode || undefined,
    phone: form.phone.replace(/[\s.]/g, '') || undefined,
  });
  const patientUrl = `urn:uuid:${crypto.randomUUID()}`;
  const entries: BundleEntry[] = [{ fullUrl: patientUrl, resource: patient, request: { method: 'POST', url: 'Patient' } }];
  if (patient.identifier?.some((i) => i.type?.coding?.[0]?.code === 'SB')) {
    const coverage = bhytCoverage(
      {
        patientRef: patientUrl,
        cardCode: form.bhytCode.replace(/\s/g, '').toUpperCase(),
        personalId: form.cccd.replace(/\s/g, '') || undefined,
        start: parseDate(form.bhytFrom)!,
        end: parseDate(form.bhytTo)!,
        facility: station ? { code: station.facilityCode, name: station.name, reference: station.reference } : { code: '', name: '' },
      },
      builderTerminology,
    );
    entries.push({ fullUrl: `urn:uuid:${crypto.randomUUID()}`, resource: coverage, request: { method: 'POST', url: 'Coverage' } });
  }
  const household = householdEntry(form, patientUrl, start ?? today);
  if (household) entries.push(household);
  return entries;
}

function member(patientUrl: string, role: string, start: string): NonNullable<Group['member']>[number] {
  return { extension: [{ url: EXT.householdRole, valueCoding: { system: CS.householdRole, code: role } }], entity: { reference: patientUrl }, period: { start } };
}

function householdEntry(form: ResidentForm, patientUrl: string, start: string): BundleEntry | undefined {
  const { mode, code, role, group } = form.household;
  if (mode === 'new') {
    const resource: Group = {
      resourceType: 'Group',
      meta: { profile: ['http://commune-ehr.example/fhir/StructureDefinition/station-household'] },
      identifier: [{ system: 'http://commune-ehr.example/fhir/sid/household', value: code.trim() }],
      type: 'person',
      actual: true,
      name: `Hộ ${form.name.trim()}`,
      quantity: 1,
      member: [member(patientUrl, role, start)],
    };
    return { fullUrl: `urn:uuid:${crypto.randomUUID()}`, resource, request: { method: 'POST', url: 'Group' } };
  }
  if (mode === 'join' && group) {
    const members = [...(group.member ?? []), member(patientUrl, role, start)];
    const resource: Group = { ...group, member: members, quantity: members.filter((m) => !m.period?.end && !m.inactive).length };
    // If-Match: a household changed by someone else meanwhile is not overwritten (412, then reload).
    return { resource, request: { method: 'PUT', url: `Group/${group.id}`, ifMatch: `W/"${group.meta?.versionId}"` } };
  }
  return undefined;
}
