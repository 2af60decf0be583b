import type { OperationOutcomeIssue } from '@medplum/fhirtypes';

/** The types whose values name a day of the calendar (R4 datatypes.html). */
const DATED = new Set(['date', 'dateTime', 'instant']);

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number | undefined {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1];
}

/**
 * R4 says dates SHALL be valid dates, but the types' patterns allow a day up to 31 in any month,
 * and @medplum/core checks only the pattern: 2021-02-30 would be stored, and a search for that
 * day refused (search/dates.ts). An issue when a value's day is not in its month.
 */
export function calendarIssue(value: unknown, typeCode: string, path: string): OperationOutcomeIssue | undefined {
  if (!DATED.has(typeCode) || typeof value !== 'string') return undefined;
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(value);
  if (!m || Number(m[3]) <= (daysInMonth(Number(m[1]), Number(m[2])) ?? 0)) return undefined;
  const text = `Ngày không có trong lịch: ${value} / Not a calendar date: ${value}`;
  return { severity: 'error', code: 'value', diagnostics: text, details: { text }, expression: [path] };
}
