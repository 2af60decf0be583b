import type { Address, Condition, Encounter, Observation, Patient, Resource } from '@medplum/fhirtypes';
import type { Repository } from '../../src/fhir/store/repository';
import { CS, EXT } from '../../src/station/canonical';
import { HA_SON } from '../../src/station/config';
import { heightForAgeObservation, visitResources, vitalSign } from '../../src/station/model/clinical';
import { residentResource, type Residence } from '../../src/station/model/person';
import { bhytCoverage, enrolmentResource } from '../../src/station/model/records';
import { loadStationTerminology } from '../../src/station/rules/terminology';

/**
 * A hand-made population of 26 people, in Hà Sơn's villages or (X2, X3) elsewhere, for the reference date 2025-09-30 and
 * the period 2025-01-01 … 2025-09-30. Every person is there for a reason (see `why`); the expected
 * counts in report.int.test.ts are worked out by hand from this table, not by code.
 */

const [V1, V2, V3, V4, V5] = HA_SON.villages;
const t = loadStationTerminology();

type Card = { code: string; start: string; end: string; status?: 'active' | 'cancelled' };
type Enrol = { app: string; on: string; withdrawn?: string; verification?: 'self-declared' | 'seen-on-phone' | 'platform-confirmed' };

export interface Person {
  label: string;
  why: string;
  sex: 'male' | 'female' | 'unknown';
  birth?: string;
  /** In the commune (a village, or none: the "unknown" village), or `elsewhere`: a home in Hà Nội. */
  residences: (Omit<Residence, 'village'> & { village?: (typeof HA_SON.villages)[number]; elsewhere?: boolean })[];
  card?: Card;
  enrolments?: Enrol[];
  /** Visit dates, `VR` for remote ones; `cancelled` ones did not take place. */
  visits?: { on: string; remote?: boolean; cancelled?: boolean }[];
  /** Height-for-age z-scores by measurement date. */
  haz?: { on: string; z: number }[];
  weightOn?: string;
  conditionOn?: string;
  deceased?: string;
  inactive?: boolean;
  /** Kept without the station's Resident profile (records brought from elsewhere, incomplete). */
  unprofiled?: boolean;
}

const perm = (village: (typeof HA_SON.villages)[number], start?: string, end?: string) => ({ village, type: 'thuong-tru' as const, start, end });
const temp = (village: (typeof HA_SON.villages)[number], start?: string, end?: string) => ({ village, type: 'tam-tru' as const, start, end });
const hanoi = (type: 'thuong-tru' | 'tam-tru', start?: string) => ({ type, start, elsewhere: true });
const adult = (n: string): Card => ({ code: `GD438${n.padStart(10, '0')}`, start: '2025-01-01', end: '2025-12-31' });
const child = (n: string, start: string, end: string): Card => ({ code: `TE138${n.padStart(10, '0')}`, start, end });

export const PEOPLE: Person[] = [
  { label: 'A1', why: 'everything: card, e-book, telemedicine used', sex: 'male', birth: '1980-05-10', residences: [perm(V1, '2000-01-01')], card: adult('1'),
    enrolments: [{ app: 'vneid-health-book', on: '2024-03-01' }, { app: 'vtelehealth', on: '2024-05-01' }], visits: [{ on: '2025-06-10', remote: true }] },
  { label: 'A2', why: 'card; e-book self-declared; a weight in the period', sex: 'female', birth: '1985-02-02', residences: [perm(V1, '2003-01-01')], card: adult('2'),
    enrolments: [{ app: 'vneid-health-book', on: '2025-02-01', verification: 'self-declared' }], weightOn: '2025-03-03' },
  { label: 'A3', why: 'card expired inside the period (2025-06-30); last visit before the period', sex: 'female', birth: '1950-01-01', residences: [perm(V1, '1970-01-01')],
    card: { code: 'HT3380000000003', start: '2024-07-01', end: '2025-06-30' }, visits: [{ on: '2024-11-01' }] },
  { label: 'A4', why: 'child 4 years, stunted (z −2.5)', sex: 'male', birth: '2021-03-15', residences: [perm(V1, '2021-03-15')], card: child('4', '2021-03-15', '2027-03-14'),
    haz: [{ on: '2025-06-01', z: -2.5 }] },
  { label: 'A5', why: 'turned 5 on 2025-08-20: measured at 57 months (z −1.0, counted) and at 60 months (z −2.4, not under 5)', sex: 'female', birth: '2020-08-20',
    residences: [perm(V1, '2020-08-20')], card: child('5', '2020-08-20', '2026-08-19'), haz: [{ on: '2025-06-01', z: -1.0 }, { on: '2025-09-01', z: -2.4 }] },
  { label: 'A6', why: 'moved out on 2025-05-31: not a resident on the reference date', sex: 'male', birth: '1995-07-07', residences: [perm(V1, '2010-01-01', '2025-05-31')], card: adult('6'),
    enrolments: [{ app: 'vneid-health-book', on: '2024-01-01' }] },
  { label: 'A7', why: 'temporary resident; e-book withdrawn on 2025-08-01', sex: 'female', birth: '1990-01-01', residences: [temp(V1, '2025-03-01')],
    card: { code: 'DN4380000000007', start: '2025-03-01', end: '2026-02-28' }, enrolments: [{ app: 'vneid-health-book', on: '2025-03-10', withdrawn: '2025-08-01' }] },
  { label: 'B1', why: 'moved from Chí Phúc to Giang Sơn 9 on 2025-05-01; telemedicine enrolled, last remote visit before the period', sex: 'male', birth: '1970-03-03',
    residences: [perm(V1, '2000-01-01', '2025-04-30'), perm(V2, '2025-05-01')], card: adult('8'),
    enrolments: [{ app: 'vneid-health-book', on: '2024-06-01', verification: 'platform-confirmed' }, { app: 'other-telemedicine', on: '2024-12-01' }],
    visits: [{ on: '2024-12-20', remote: true }, { on: '2025-07-01' }] },
  { label: 'B2', why: 'sex unknown', sex: 'unknown', birth: '1988-08-08', residences: [perm(V2, '2010-01-01')], card: adult('9') },
  { label: 'B3', why: 'died on 2025-07-01: denominator exclusion', sex: 'female', birth: '1940-04-04', residences: [perm(V2, '1960-01-01')], card: adult('10'), deceased: '2025-07-01' },
  { label: 'B4', why: 'no card; e-book; telemedicine used in February', sex: 'male', birth: '1960-06-06', residences: [perm(V2, '1980-01-01')],
    enrolments: [{ app: 'vneid-health-book', on: '2023-09-01' }, { app: 'vtelehealth', on: '2024-01-01' }], visits: [{ on: '2025-02-02', remote: true }] },
  { label: 'B5', why: 'card cancelled; enrolled in the station app only', sex: 'female', birth: '2000-10-10', residences: [perm(V2, '2000-10-10')],
    card: { ...adult('12'), status: 'cancelled' }, enrolments: [{ app: 'station-app', on: '2025-04-01' }] },
  { label: 'B6', why: 'child 2 years, stunted (z −3.2); an older measurement outside the period', sex: 'female', birth: '2023-01-15', residences: [perm(V2, '2023-01-15')],
    card: child('13', '2023-01-15', '2029-01-14'), haz: [{ on: '2024-12-01', z: -0.5 }, { on: '2025-06-01', z: -3.2 }] },
  { label: 'C1', why: 'residence without dates (always resident); a diagnosis in the period', sex: 'male', birth: '1975-11-11', residences: [perm(V3)], card: adult('14'),
    enrolments: [{ app: 'vneid-health-book', on: '2024-02-02', verification: 'seen-on-phone' }], conditionOn: '2025-04-04' },
  { label: 'C2', why: 'temporary resident without card; telemedicine enrolled, its only remote visit cancelled', sex: 'female', birth: '1999-12-12', residences: [temp(V3, '2024-01-01', '2025-12-31')],
    enrolments: [{ app: 'vtelehealth', on: '2025-08-01' }], visits: [{ on: '2025-08-15', remote: true, cancelled: true }] },
  { label: 'C3', why: 'pupil; provincial e-health record', sex: 'male', birth: '2010-02-02', residences: [perm(V3, '2010-02-02')], card: { code: 'HS4380000000016', start: '2024-10-01', end: '2025-09-30' },
    enrolments: [{ app: 'provincial-hssk', on: '2025-01-05' }] },
  { label: 'C4', why: 'address without a village (an unprofiled record from elsewhere): the "unknown" village', sex: 'male', birth: '1982-02-02', residences: [{ type: 'thuong-tru', start: '2015-01-01' }], card: adult('17'), unprofiled: true },
  { label: 'D1', why: 'inactive record: denominator exclusion', sex: 'female', birth: '1992-02-20', residences: [perm(V4, '2015-01-01')], card: adult('18'), inactive: true },
  { label: 'D2', why: 'born in the period; measured (z −1.5)', sex: 'male', birth: '2024-12-01', residences: [perm(V4, '2024-12-01')], card: child('19', '2024-12-01', '2030-11-30'),
    haz: [{ on: '2025-06-01', z: -1.5 }] },
  { label: 'D3', why: 'implausible z (−7.0): excluded from the stunting denominator', sex: 'female', birth: '2022-05-05', residences: [perm(V4, '2022-05-05')],
    card: child('20', '2022-05-05', '2028-05-04'), haz: [{ on: '2025-06-01', z: -7.0 }] },
  { label: 'D4', why: 'no birth date (an unprofiled record): the "unknown" age group; administrative part incomplete', sex: 'male', residences: [perm(V4, '2000-01-01')], card: adult('21'), unprofiled: true },
  { label: 'E1', why: 'card and e-book both start on the reference date', sex: 'female', birth: '1965-06-15', residences: [perm(V5, '1990-01-01')],
    card: { code: 'GD4380000000022', start: '2025-09-30', end: '2026-09-29' }, enrolments: [{ app: 'vneid-health-book', on: '2025-09-30' }] },
  { label: 'E2', why: 'card ends on the reference date (still valid); telemedicine withdrawn on it (no longer counted)', sex: 'male', birth: '1958-01-01',
    residences: [perm(V5, '1980-01-01')], card: { code: 'GD4380000000023', start: '2024-10-01', end: '2025-09-30' },
    enrolments: [{ app: 'vtelehealth', on: '2025-01-01', withdrawn: '2025-09-30' }], visits: [{ on: '2025-03-03', remote: true }] },
  { label: 'X1', why: 'address without residence type (an unprofiled record): never a resident', sex: 'male', birth: '1990-01-01', residences: [], card: adult('24'), unprofiled: true },
  { label: 'X2', why: 'permanent home in Hà Nội (no dates): a visitor, never a resident', sex: 'female', birth: '1991-01-01', residences: [hanoi('thuong-tru')], card: adult('25') },
  { label: 'X3', why: 'moved to Hà Nội on 2025-07-01, the Chí Phúc residence left open: a resident until 2025-06-30', sex: 'male', birth: '1993-03-03',
    residences: [perm(V1, '2010-01-01'), hanoi('thuong-tru', '2025-07-01')], card: adult('26') },
];

/** Writes the population through the repository (the real write path); returns Patient ids by label. */
export async function writePopulation(repo: Repository): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  const create = async <T extends Resource>(r: T): Promise<T> => (await repo.create(r)).resource as T;
  for (const p of PEOPLE) {
    const patient = await create(patientOf(p));
    ids.set(p.label, patient.id!);
    const ref = `Patient/${patient.id}`;
    if (p.card) {
      const cov = bhytCoverage({ patientRef: ref, cardCode: p.card.code, start: p.card.start, end: p.card.end, facility: { code: '38999', name: 'Trạm Y tế xã Hà Sơn' } }, t);
      await create({ ...cov, status: p.card.status ?? 'active' });
    }
    for (const e of p.enrolments ?? []) {
      await create(enrolmentResource({ patientRef: ref, app: e.app, verification: e.verification ?? 'seen-on-phone', enrolledOn: e.on, withdrawnOn: e.withdrawn, recordedBy: { display: 'Nguyễn Thị Lan' }, recordedOn: e.on }, t));
    }
    for (const v of p.visits ?? []) {
      const { encounter, conditions } = visitOf(ref, v);
      const diagnosis = await create(conditions[0]);
      await create({ ...encounter, diagnosis: [{ ...encounter.diagnosis![0], condition: { reference: `Condition/${diagnosis.id}` } }] });
    }
    for (const h of p.haz ?? []) {
      await create<Observation>(heightForAgeObservation(ref, `${h.on}T08:00:00+07:00`, 'Observation/height', { z: h.z, flagged: Math.abs(h.z) > 6, reference: 'WHO-2006' }));
    }
    if (p.weightOn) await create(vitalSign(ref, `${p.weightOn}T09:00:00+07:00`, '29463-7', 52));
    if (p.conditionOn) {
      const { conditions } = visitResources(visitInput(ref, p.conditionOn, false), t, ['Condition/placeholder']);
      await create(conditions[0]);
    }
  }
  return ids;
}

function patientOf(p: Person): Patient {
  const residences = p.residences.map((r) => ({ ...r, village: r.village ?? V1 }));
  const patient = residentResource(HA_SON, { name: `Người Thử ${p.label}`, sex: p.sex === 'unknown' ? 'male' : p.sex, birthDate: p.birth ?? '2000-01-01', ethnicCode: '01', residences });
  p.residences.forEach((r, i) => {
    if (r.elsewhere) patient.address![i] = hanoiAddress(r.type, r.start);
  });
  patient.gender = p.sex;
  if (!p.birth) delete patient.birthDate;
  p.residences.forEach((r, i) => {
    if (!r.village) patient.address![i].extension = patient.address![i].extension!.filter((e) => e.url !== EXT.village);
  });
  if (!p.residences.length) patient.address = [{ use: 'home', text: 'Xã Hà Lĩnh, Hà Trung, Thanh Hóa', city: 'Hà Lĩnh' }];
  if (p.deceased) patient.deceasedDateTime = `${p.deceased}T10:00:00+07:00`;
  if (p.inactive) patient.active = false;
  if (p.unprofiled) delete patient.meta;
  return patient;
}

function visitInput(ref: string, on: string, remote: boolean) {
  return {
    patientRef: ref,
    examiner: { display: 'Lê Văn Thành' },
    start: `${on}T09:00:00+07:00`,
    end: `${on}T09:20:00+07:00`,
    class: remote ? ('VR' as const) : ('AMB' as const),
    specialty: 'noi',
    symptoms: 'Ho, sổ mũi',
    diagnoses: ['J00'],
  };
}

/** A visit (Encounter) and its diagnosis (Condition, dated the same day); the caller links them. */
function visitOf(ref: string, v: { on: string; remote?: boolean; cancelled?: boolean }): { encounter: Encounter; conditions: Condition[] } {
  return visitResources({ ...visitInput(ref, v.on, !!v.remote), treatment: 'Tư vấn, theo dõi', status: v.cancelled ? 'cancelled' : 'finished' }, t, ['Condition/placeholder']);
}

/** A home in Phường Ba Đình, Hà Nội (province 01, commune 00004): outside the station's commune. */
function hanoiAddress(type: 'thuong-tru' | 'tam-tru', start?: string): Address {
  return {
    use: 'home',
    text: 'Phường Ba Đình, Hà Nội',
    extension: [
      { url: EXT.province, valueCoding: { system: CS.adminUnit2025, code: '01' } },
      { url: EXT.commune, valueCoding: { system: CS.adminUnit2025, code: '00004' } },
      { url: EXT.residenceType, valueCoding: { system: CS.residenceType, code: type } },
    ],
    ...(start ? { period: { start } } : {}),
  };
}
