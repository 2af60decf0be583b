import type { Basic, Coverage, Patient } from '@medplum/fhirtypes';
import { VN_CORE } from '../../../src/station/canonical';
import { fhir, idFrom, type SearchParams } from '../api/fhir';
import { today as todayIn } from '../format';
import { bhytStatus, enrolmentsOf, residenceOf, type BhytStatus, type Enrolment } from './read';

/** What the one search box was given. */
export type Query =
  | { kind: 'empty' }
  | { kind: 'name'; text: string }
  | { kind: 'cccd' | 'bhyt' | 'phone' | 'number'; value: string }
  | { kind: 'incomplete'; hint: string };

/**
 * Reads the search box: 12 digits are a CCCD, a 15-character card code (2 letters, 13 digits) a
 * BHYT card, a 10-digit number starting with 0 (or +84…) a phone, digits-hyphen-digits a station
 * number (38999-000123); anything with letters is a name.
 */
export function readQuery(input: string): Query {
  const text = input.trim().replace(/\s+/g, ' ');
  if (!text) return { kind: 'empty' };
  if (/^\d{5}\s*-\s*\d{6,}$/.test(text)) return { kind: 'number', value: text.replace(/\s/g, '') };
  const compact = text.replace(/[\s.-]/g, '');
  if (/^\d{12}$/.test(compact)) return { kind: 'cccd', value: compact };
  if (/^[A-Za-z]{2}\d{13}$/.test(compact)) return { kind: 'bhyt', value: compact.toUpperCase() };
  if (/^0\d{9}$/.test(compact)) return { kind: 'phone', value: compact };
  if (/^\+84\d{9}$/.test(compact)) return { kind: 'phone', value: `0${compact.slice(3)}` };
  if (/^\+?\d+$/.test(compact)) return { kind: 'incomplete', hint: 'Nhập đủ 12 số CCCD hoặc 10 số điện thoại' };
  if (/^[A-Za-z]{2}\d+$/.test(compact) && compact.length < 15) return { kind: 'incomplete', hint: 'Mã thẻ BHYT có 15 ký tự' };
  if (text.length < 2) return { kind: 'incomplete', hint: 'Nhập ít nhất 2 chữ của tên' };
  return { kind: 'name', text };
}

export type AgeBand = '' | '0-5' | '6-17' | '18-59' | '60+';

/** The age groups of the personal health record (Decision 831): under 6, 6–17, 18–59, 60 and over. */
export const AGE_BANDS: { value: AgeBand; label: string; from?: number; to?: number }[] = [
  { value: '', label: 'Mọi độ tuổi' },
  { value: '0-5', label: 'Dưới 6 tuổi', to: 6 },
  { value: '6-17', label: '6–17 tuổi', from: 6, to: 18 },
  { value: '18-59', label: '18–59 tuổi', from: 18, to: 60 },
  { value: '60+', label: 'Từ 60 tuổi', from: 60 },
];

export interface Filters {
  village: string;
  gender: '' | 'male' | 'female';
  ageBand: AgeBand;
}

/** The same calendar day `years` earlier (29 February becomes 28 February). */
export function yearsBefore(day: string, years: number): string {
  const [y, m, d] = day.split('-').map(Number);
  const target = new Date(Date.UTC(y - years, m - 1, d));
  if (target.getUTCDate() !== d) target.setUTCDate(0);
  return target.toISOString().slice(0, 10);
}

export const PAGE_SIZE = 20;

/** The FHIR search for a query and filters; undefined when there is nothing to search yet. */
export function searchParams(query: Query, filters: Filters, today: string = todayIn()): SearchParams | undefined {
  const params: SearchParams = [];
  if (query.kind === 'name') params.push(['name', query.text]);
  else if (query.kind === 'cccd') params.push(['identifier', `${VN_CORE.nationalId}|${query.value}`]);
  else if (query.kind === 'bhyt') params.push(['identifier', `${VN_CORE.insuranceNumber}|${query.value}`]);
  else if (query.kind === 'phone') params.push(['phone', query.value]);
  else if (query.kind === 'number') params.push(['identifier', `${VN_CORE.patientInternalId}|${query.value}`]);
  else if (query.kind === 'incomplete' || !(filters.village || filters.gender || filters.ageBand)) return undefined;
  if (filters.village) params.push(['village', filters.village]);
  if (filters.gender) params.push(['gender', filters.gender]);
  const band = AGE_BANDS.find((b) => b.value === filters.ageBand);
  // Age ≥ n exactly when born on or before the same day n years ago.
  if (band?.from !== undefined) params.push(['birthdate', `le${yearsBefore(today, band.from)}`]);
  if (band?.to !== undefined) params.push(['birthdate', `gt${yearsBefore(today, band.to)}`]);
  params.push(['_count', String(PAGE_SIZE)], ['_revinclude', 'Coverage:beneficiary'], ['_revinclude', 'Basic:subject']);
  return params;
}

export interface ResidentRow {
  patient: Patient;
  bhyt: BhytStatus;
  apps: Enrolment[];
}

export interface ResidentPage {
  rows: ResidentRow[];
  next?: string;
}

/** Joins each Patient with its cards and enrolments from the same answer. */
function toRows(matches: Patient[], included: (Coverage | Basic)[], today: string): ResidentRow[] {
  return matches.map((patient) => {
    const mine = included.filter((r) => idFrom(r.resourceType === 'Coverage' ? r.beneficiary?.reference : r.subject?.reference, 'Patient') === patient.id);
    return {
      patient,
      bhyt: bhytStatus(mine.filter((r): r is Coverage => r.resourceType === 'Coverage'), today),
      apps: enrolmentsOf(mine.filter((r): r is Basic => r.resourceType === 'Basic')).filter((e) => e.active),
    };
  });
}

export async function findResidents(params: SearchParams, signal?: AbortSignal, today: string = todayIn()): Promise<ResidentPage> {
  const result = await fhir.search<Patient>('Patient', params, signal);
  return { rows: toRows(result.matches, result.included as (Coverage | Basic)[], today), next: result.next };
}

export async function moreResidents(next: string, signal?: AbortSignal, today: string = todayIn()): Promise<ResidentPage> {
  const result = await fhir.nextPage<Patient>(next, signal);
  return { rows: toRows(result.matches, result.included as (Coverage | Basic)[], today), next: result.next };
}

export const villageOf = (p: Patient): string => residenceOf(p).village ?? '';
