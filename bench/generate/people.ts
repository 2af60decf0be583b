import type { Patient } from '@medplum/fhirtypes';
import { centurySexDigit } from '../../src/station/identifiers/cccd';
import { VN_CORE } from '../../src/station/canonical';
import type { Random } from '../../src/station/seed/random';

/**
 * Synthetic residents with Vietnamese names in their real proportions (Nguyễn about 38%), a valid
 * personal ID (CCCD: place, century/sex digit and birth year agree) and a BHYT card code.
 */

// Family names with their approximate share of the population (per cent).
const FAMILIES: [string, number][] = [
  ['Nguyễn', 38], ['Trần', 11], ['Lê', 9.5], ['Phạm', 7], ['Hoàng', 5], ['Huỳnh', 3], ['Phan', 4.5], ['Vũ', 3.9], ['Võ', 2],
  ['Đặng', 2.1], ['Bùi', 2], ['Đỗ', 1.4], ['Hồ', 1.3], ['Ngô', 1.3], ['Dương', 1], ['Lý', 0.5], ['Đinh', 0.8], ['Trương', 0.8],
];
const MIDDLE_MALE = ['Văn', 'Đức', 'Minh', 'Hữu', 'Quốc', 'Thanh', 'Công', 'Xuân'];
const MIDDLE_FEMALE = ['Thị', 'Ngọc', 'Thu', 'Thanh', 'Minh', 'Phương', 'Kim', 'Hồng'];
const GIVEN_MALE = ['An', 'Bình', 'Cường', 'Dũng', 'Đạt', 'Hải', 'Hùng', 'Khánh', 'Long', 'Nam', 'Phúc', 'Quân', 'Sơn', 'Thắng', 'Tuấn', 'Việt'];
const GIVEN_FEMALE = ['Anh', 'Châu', 'Dung', 'Hà', 'Hạnh', 'Hương', 'Lan', 'Linh', 'Mai', 'Nga', 'Phương', 'Thảo', 'Thư', 'Trang', 'Vân', 'Yến'];
const VILLAGES = ['Thôn Đông', 'Thôn Tây', 'Thôn Nam', 'Thôn Bắc', 'Xóm Chợ', 'Xóm Đình'];
const BHYT_CATEGORIES = ['TE', 'HS', 'HN', 'CN', 'HT', 'DN', 'GD'];

export interface Resident {
  patient: Patient;
  cccd: string;
}

/** The `index`-th resident: its id is stable (`bn-<index>`), so runs and queries can name it. */
export function makeResident(random: Random, index: number, now: Date): Resident {
  const gender = random.next() < 0.5 ? 'male' : 'female';
  const year = random.weighted<number>([
    [random.int(1930, 1959), 15],
    [random.int(1960, 1999), 50],
    [random.int(2000, now.getUTCFullYear() - 1), 35],
  ]);
  const birthDate = `${year}-${String(random.int(1, 12)).padStart(2, '0')}-${String(random.int(1, 28)).padStart(2, '0')}`;
  const family = random.weighted(FAMILIES);
  const middle = random.pick(gender === 'male' ? MIDDLE_MALE : MIDDLE_FEMALE);
  const given = random.pick(gender === 'male' ? GIVEN_MALE : GIVEN_FEMALE);
  const cccd = `038${centurySexDigit(year, gender)}${String(year % 100).padStart(2, '0')}${String(index).padStart(6, '0').slice(-6)}`;
  // TE (children under 6) is refused on anyone older (station rule): they hold a household card (GD).
  const picked = random.pick(BHYT_CATEGORIES);
  const issued = now.toISOString().slice(0, 10);
  const underSix = `${year + 6}${birthDate.slice(4)}` > issued;
  const category = picked === 'TE' && !underSix ? 'GD' : picked;
  const bhyt = `${category}${random.int(1, 5)}38${random.digits(10)}`;
  const patient: Patient = {
    resourceType: 'Patient',
    id: residentId(index),
    active: true,
    identifier: [
      { system: VN_CORE.nationalId, value: cccd, type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'NI' }] } },
      // Issued on the generator's fixed date, on which a TE card's holder is checked to be under 6.
      { system: VN_CORE.insuranceNumber, value: bhyt, type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'SB' }] }, period: { start: issued } },
    ],
    name: [{ use: 'official', family, given: [middle, given], text: `${family} ${middle} ${given}` }],
    gender,
    birthDate,
    telecom: random.next() < 0.7 ? [{ system: 'phone', value: `09${random.digits(8)}`, use: 'mobile' }] : undefined,
    address: [{ use: 'home', line: [`${random.int(1, 200)} ${random.pick(VILLAGES)}`], city: 'Thanh Hóa', country: 'VN' }],
  };
  return { patient, cccd };
}

export const residentId = (index: number): string => `bn-${index}`;
