import type { Address, Basic, Coverage, Encounter, Extension, Observation, Patient, Resource } from '@medplum/fhirtypes';
import type { ReportConfig } from '../../src/report/config';
import { EXT } from '../../src/station/canonical';
import type { StationConfig } from '../../src/station/config';
import { inStationCommune } from '../../src/station/rules/common';

/**
 * The health-criterion indicators recomputed in plain JavaScript from raw resources, written from
 * the working definitions (docs/report.md) without the SQL: the synthetic-commune test compares
 * the two stratum by stratum. Dates are compared as calendar days in the station's zone.
 */

export type Triple = [initial: number, excluded: number, numerator: number];
export interface Person {
  id: string;
  village: string;
  sex: string;
  ageGroup: string;
  excluded: boolean;
  birth?: string;
}
export type Rule = { initial: (p: Person) => boolean; numerator?: (p: Person) => boolean };

export interface Raw {
  patients: Patient[];
  coverages: Coverage[];
  basics: Basic[];
  encounters: Encounter[];
  observations: Observation[];
  /** Any resource type the health-managed rule counts, by type. */
  records: Map<string, Resource[]>;
}

const ext = (e: { extension?: Extension[] } | undefined, url: string): Extension | undefined => e?.extension?.find((x) => x.url === url);
const localDay = (dateTime: string, zone: string): string =>
  dateTime.length <= 10 ? dateTime : new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(dateTime));
const patientOf = (ref: string | undefined): string | undefined => (ref?.startsWith('Patient/') ? ref.slice(8) : undefined);

function fullYears(birth: string, on: string): number {
  return Number(on.slice(0, 4)) - Number(birth.slice(0, 4)) - (on.slice(5) < birth.slice(5) ? 1 : 0);
}

/** `date` plus `months`, the day clamped to the month's end (as PostgreSQL does). */
function addMonths(date: string, months: number): string {
  const [y, m, d] = date.split('-').map(Number);
  const total = y * 12 + (m - 1) + months;
  const last = new Date(Date.UTC(Math.floor(total / 12), (total % 12) + 1, 0)).getUTCDate();
  return `${Math.floor(total / 12)}-${String((total % 12) + 1).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`;
}

/**
 * The residence of `p` on `day` (village code), or undefined when not a resident then. Only
 * residences in the station's commune count, and a residence elsewhere ends those that started
 * before it.
 */
function residenceOn(p: Patient, day: string, config: ReportConfig, station: StationConfig, zone: string): string | undefined {
  const rank = (a: Address): number => config.residenceTypes.indexOf(ext(a, EXT.residenceType)?.valueCoding?.code ?? '');
  const residences = (p.address ?? []).filter((a) => ext(a, EXT.residenceType));
  const here = (a: Address): boolean => inStationCommune(a, station);
  const village = (a: Address): string => ext(a, EXT.village)?.valueCoding?.code ?? 'unknown';
  if (!residences.some((a) => a.period)) {
    const counted = residences.filter((a) => rank(a) >= 0 && here(a));
    if (!counted.length) return undefined;
    const codes = (p.address ?? []).map((a) => ext(a, EXT.village)?.valueCoding?.code).filter((c): c is string => !!c).sort();
    return codes[0] ?? 'unknown';
  }
  const start = (a: Address): string => (a.period?.start ? localDay(a.period.start, zone) : '');
  const covering = residences.filter((a) => a.period && rank(a) >= 0 && (!a.period.start || localDay(a.period.start, zone) <= day) && (!a.period.end || localDay(a.period.end, zone) >= day));
  const left = covering.filter((a) => !here(a)).map(start).sort().at(-1);
  const counted = covering.filter((a) => here(a) && (left === undefined || start(a) >= left));
  counted.sort((a, b) => rank(a) - rank(b) || Number(village(a) === 'unknown') - Number(village(b) === 'unknown') || (b.period?.start ?? '').localeCompare(a.period?.start ?? ''));
  return counted[0] ? village(counted[0]) : undefined;
}

export function people(raw: Raw, day: string, config: ReportConfig, station: StationConfig, zone: string): Person[] {
  const out: Person[] = [];
  for (const p of raw.patients) {
    const village = residenceOn(p, day, config, station, zone);
    if (village === undefined) continue;
    const birth = p.birthDate && p.birthDate <= day ? p.birthDate : undefined;
    const years = birth ? fullYears(birth, day) : undefined;
    const ageGroup = years === undefined ? 'unknown' : years < 5 ? '0-4' : years < 18 ? '5-17' : years < 60 ? '18-59' : '60+';
    const died = (p.deceasedBoolean === true || !!p.deceasedDateTime) && !(p.deceasedDateTime && localDay(p.deceasedDateTime, zone) > day);
    out.push({
      id: p.id!,
      village,
      sex: ['male', 'female', 'other'].includes(p.gender ?? '') ? p.gender! : 'unknown',
      ageGroup,
      excluded: (config.exclusions.deceased && died) || (config.exclusions.inactive && p.active === false),
      birth: p.birthDate,
    });
  }
  return out;
}

/** Residents with a card valid on `day`. */
export function cardHolders(raw: Raw, day: string, config: ReportConfig): Set<string> {
  const c = config.coverage;
  return new Set(
    raw.coverages
      .filter((cov) => c.statuses.includes(cov.status) && cov.type?.coding?.some((x) => x.system === c.typeSystem && c.typeCodes.includes(x.code!)))
      .filter((cov) => (!cov.period?.start || cov.period.start.slice(0, 10) <= day) && (!cov.period?.end || cov.period.end.slice(0, 10) >= day))
      .map((cov) => patientOf(cov.beneficiary.reference)!),
  );
}

/** Residents with an enrolment in one of `apps`, verified one of `verifications`, active on `day`. */
export function enrolled(raw: Raw, day: string, apps: string[], verifications: string[]): Set<string> {
  return new Set(
    raw.basics
      .filter((b) => apps.includes(ext(b, EXT.enrolmentApp)?.valueCoding?.code ?? '') && verifications.includes(ext(b, EXT.enrolmentVerification)?.valueCoding?.code ?? ''))
      .filter((b) => {
        const period = ext(b, EXT.enrolmentPeriod)?.valuePeriod;
        const withdrawn = ext(b, EXT.enrolmentStatus)?.valueCoding?.code === 'withdrawn';
        if (withdrawn && !period?.end) return false;
        return !!period?.start && period.start <= day && (!period.end || period.end > day);
      })
      .map((b) => patientOf(b.subject?.reference)!),
  );
}

/** Residents with a remote consultation that took place between `from` and `to` (days, inclusive). */
export function remoteUsers(raw: Raw, from: string, to: string, config: ReportConfig, zone: string): Set<string> {
  return new Set(
    raw.encounters
      .filter((e) => config.telemedicine.encounterClasses.includes(e.class.code!) && ['in-progress', 'finished'].includes(e.status))
      .filter((e) => e.period?.start && localDay(e.period.start, zone) <= to && localDay(e.period.end ?? e.period.start, zone) >= from)
      .map((e) => patientOf(e.subject?.reference)!),
  );
}

/** Each child's latest height-for-age z measured in the period at 0–59 months. */
export function latestHaz(raw: Raw, persons: Map<string, Person>, from: string, to: string, config: ReportConfig, zone: string): Map<string, number> {
  const s = config.stunting;
  const best = new Map<string, { at: string; z: number }>();
  for (const o of raw.observations) {
    if (!o.code?.coding?.some((c) => c.system === s.system && c.code === s.code) || !['final', 'amended', 'corrected'].includes(o.status)) continue;
    const person = persons.get(patientOf(o.subject?.reference) ?? '');
    const day = o.effectiveDateTime ? localDay(o.effectiveDateTime, zone) : undefined;
    if (!person?.birth || !day || day < from || day > to || day < person.birth || day >= addMonths(person.birth, s.maxAgeMonths)) continue;
    const at = new Date(o.effectiveDateTime!).toISOString();
    const z = o.valueQuantity!.value!;
    const prev = best.get(person.id);
    if (!prev || at > prev.at || (at === prev.at && z < prev.z)) best.set(person.id, { at, z });
  }
  return new Map([...best].map(([id, v]) => [id, v.z]));
}

/** Dates a record of each type carries (the R4 search parameters the configuration names). */
const RECORD_DATE: Record<string, (r: any) => [string, string] | undefined> = {
  Encounter: (r) => (r.period?.start ? [r.period.start, r.period.end ?? r.period.start] : undefined),
  Observation: (r) => (r.effectiveDateTime ? [r.effectiveDateTime, r.effectiveDateTime] : r.effectivePeriod ? [r.effectivePeriod.start, r.effectivePeriod.end ?? r.effectivePeriod.start] : undefined),
  Immunization: (r) => (r.occurrenceDateTime ? [r.occurrenceDateTime, r.occurrenceDateTime] : undefined),
  Condition: (r) => (r.recordedDate ? [r.recordedDate, r.recordedDate] : undefined),
};
const RECORD_PATIENT: Record<string, (r: any) => string | undefined> = {
  Encounter: (r) => patientOf(r.subject?.reference),
  Observation: (r) => patientOf(r.subject?.reference),
  Immunization: (r) => patientOf(r.patient?.reference),
  Condition: (r) => patientOf(r.subject?.reference),
};

/** A record that is no care given (withdrawn as entered in error; a visit planned or cancelled) updates no health record. */
const NOT_CARE = (r: any): boolean =>
  r.status === 'entered-in-error' || r.verificationStatus?.coding?.some((c: any) => c.code === 'entered-in-error') || (r.resourceType === 'Encounter' && ['planned', 'cancelled'].includes(r.status));

/** Residents whose record is managed: administrative part complete and enough records dated in the period, not withdrawn. */
export function managed(raw: Raw, from: string, to: string, config: ReportConfig, zone: string): Set<string> {
  const counts = new Map<string, number>();
  for (const { type } of config.healthManaged.records) {
    for (const r of raw.records.get(type) ?? []) {
      const dates = RECORD_DATE[type]?.(r);
      const pid = RECORD_PATIENT[type]?.(r);
      if (!dates || !pid || NOT_CARE(r) || localDay(dates[0], zone) > to || localDay(dates[1], zone) < from) continue;
      counts.set(pid, (counts.get(pid) ?? 0) + 1);
    }
  }
  const complete = (p: Patient): boolean =>
    config.healthManaged.requiredAdministrative.every((f) =>
      f === 'name' ? !!p.name?.length : f === 'birthDate' ? !!p.birthDate : f === 'gender' ? !!p.gender : f === 'address' ? !!p.address?.length : f === 'identifier' ? !!p.identifier?.length : !!ext(p, EXT.ethnicGroup),
    );
  return new Set(raw.patients.filter((p) => complete(p) && (counts.get(p.id!) ?? 0) >= config.healthManaged.minRecords).map((p) => p.id!));
}

/** Counts of one group: total and by village, sex, age group and village|sex. */
export function tally(persons: Person[], rule: Rule, excludedToo: (p: Person) => boolean = (p) => p.excluded): Record<string, Record<string, Triple>> {
  const out: Record<string, Record<string, Triple>> = { total: {}, village: {}, sex: {}, 'age-group': {}, 'village-sex': {} };
  const add = (dim: string, key: string, p: Person): void => {
    const t = (out[dim][key] ??= [0, 0, 0]);
    t[0]++;
    if (excludedToo(p)) t[1]++;
    else if (rule.numerator?.(p)) t[2]++;
  };
  for (const p of persons.filter(rule.initial)) {
    add('total', 'all', p);
    add('village', p.village, p);
    add('sex', p.sex, p);
    add('age-group', p.ageGroup, p);
    add('village-sex', `${p.village}|${p.sex}`, p);
  }
  return out;
}
