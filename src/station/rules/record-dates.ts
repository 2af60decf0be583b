import type { Condition, Encounter, Immunization, Observation, Resource } from '@medplum/fhirtypes';
import { dateRange, localDay } from '../../fhir/search/dates';
import { error, type Issue } from './issues';

/**
 * When a station record says something happened: a measurement, a visit, a diagnosis, a dose.
 * These dates decide the period a record counts in (indicator 14.2 "health-managed", the A1
 * register), so a mistyped year would count a resident in a period they were never seen in. A date
 * cannot lie in the future nor before the resident's birth; any other past date is legitimate
 * back-entry of records kept on paper.
 */

/**
 * How far ahead of the server's clock a date may be: a tablet's clock a few minutes fast is not a
 * typing error; a measurement an hour or a year ahead is.
 */
export const CLOCK_SKEW_MS = 5 * 60_000;

interface RecordDate {
  value: string;
  expression: string;
  vi: string;
  en: string;
}

/**
 * The dates of a station record that must be neither future nor before birth. A record marked
 * entered-in-error is how a wrong one is withdrawn, so it is never refused for its dates; a planned
 * or cancelled visit may lie ahead.
 */
export function recordDates(resource: Resource): RecordDate[] {
  const at = (value: string | undefined, expression: string, vi: string, en: string): RecordDate[] => (value ? [{ value, expression, vi, en }] : []);
  switch (resource.resourceType) {
    case 'Observation': {
      const o = resource as Observation;
      if (o.status === 'entered-in-error') return [];
      return [
        ...at(o.effectiveDateTime ?? o.effectiveInstant, 'Observation.effective', 'Thời điểm đo', 'The measurement time'),
        ...at(o.effectivePeriod?.start, 'Observation.effective.start', 'Thời điểm bắt đầu đo', 'The measurement start'),
      ];
    }
    case 'Encounter': {
      const e = resource as Encounter;
      if (e.status === 'entered-in-error' || e.status === 'planned' || e.status === 'cancelled') return [];
      return at(e.period?.start, 'Encounter.period.start', 'Ngày khám', 'The visit date');
    }
    case 'Condition': {
      const c = resource as Condition;
      if (c.verificationStatus?.coding?.some((x) => x.code === 'entered-in-error')) return [];
      return [...at(c.onsetDateTime, 'Condition.onset', 'Ngày khởi phát', 'The onset date'), ...at(c.recordedDate, 'Condition.recordedDate', 'Ngày ghi nhận chẩn đoán', 'The recorded date')];
    }
    case 'Immunization': {
      const im = resource as Immunization;
      if (im.status === 'entered-in-error') return [];
      return at(im.occurrenceDateTime, 'Immunization.occurrence', 'Ngày tiêm', 'The vaccination date');
    }
    default:
      return [];
  }
}

/**
 * The search parameters over those dates, per type (a resident's records before a day are found by
 * them, then held to the rule: rules/resident-correction.ts). Kept beside recordDates: a type or
 * date added there belongs here too.
 */
export const RECORD_DATE_PARAMS: readonly (readonly [type: string, params: readonly string[]])[] = [
  ['Encounter', ['date']],
  ['Observation', ['date']],
  ['Condition', ['onset-date', 'recorded-date']],
  ['Immunization', ['date']],
];

/** True when the earliest instant `value` may denote is beyond now plus the clock skew (a date: after today in the station's zone). */
export function isFuture(value: string, timeZone: string, now = Date.now()): boolean {
  const range = dateRange(value, timeZone);
  return range !== undefined && range.lo > now + CLOCK_SKEW_MS;
}

/** The record's dates that lie in the future. */
export function futureDateIssues(resource: Resource, timeZone: string): Issue[] {
  return recordDates(resource)
    .filter((d) => isFuture(d.value, timeZone))
    .map((d) => error(`${d.vi} ${d.value} ở tương lai: hãy kiểm tra lại ngày, tháng, năm (và đồng hồ của máy)`, `${d.en} ${d.value} is in the future: check the date (and the device's clock)`, d.expression, 'value'));
}

/**
 * The record's dates whose last day, in the station's zone, is before the resident's birth date
 * (a partial date — "2025" — is before birth only if all of it is; a partial birth date compares as
 * its first day: "1979-12-31" < "1980").
 */
export function beforeBirthIssues(resource: Resource, birthDate: string, timeZone: string): Issue[] {
  const lastDay = (value: string): string | undefined => {
    const range = dateRange(value, timeZone);
    return range && localDay(timeZone, range.hi - 1);
  };
  return recordDates(resource)
    .filter((d) => (lastDay(d.value) ?? birthDate) < birthDate)
    .map((d) =>
      error(
        `${d.vi} ${d.value} trước ngày sinh của người dân (${birthDate}): hãy kiểm tra lại năm`,
        `${d.en} ${d.value} is before the resident's birth date (${birthDate}): check the year`,
        d.expression,
        'value',
      ),
    );
}
