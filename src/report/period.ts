import { badRequest } from '../fhir/outcomes';
import { dateRange } from '../fhir/search/dates';

/**
 * A report period in calendar days of the station's time zone. Everything is counted "as of" its
 * last day, the reference date (residence, cards, enrolments); events (measurements, visits,
 * records) count when they fall inside it.
 */
export interface ReportPeriod {
  start: string;
  end: string;
}

/** The instants the SQL compares index rows with (index dates are instants; days are local). */
export interface ReportWindow {
  period: ReportPeriod;
  /** The reference date's first instant and the next day's (half-open). */
  dayStart: Date;
  dayEnd: Date;
  periodStart: Date;
  /** Exclusive: the first instant after the period's last day. */
  periodEnd: Date;
  timeZone: string;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const MAX_DAYS = 3 * 366;

function validDate(d: string): boolean {
  return DATE.test(d) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d);
}

/** Checks periodStart/periodEnd (YYYY-MM-DD, start ≤ end, at most three years). */
export function parsePeriod(start: unknown, end: unknown): ReportPeriod {
  const s = typeof start === 'string' ? start.slice(0, 10) : '';
  const e = typeof end === 'string' ? end.slice(0, 10) : '';
  if (!validDate(s) || !validDate(e)) {
    throw badRequest('Cần periodStart và periodEnd dạng YYYY-MM-DD (ví dụ periodStart=2025-01-01&periodEnd=2025-09-30)', 'periodStart and periodEnd are required as YYYY-MM-DD');
  }
  if (s > e) throw badRequest('periodStart phải trước hoặc bằng periodEnd', 'periodStart must not be after periodEnd');
  if (daysBetween(s, e) > MAX_DAYS) throw badRequest('Kỳ báo cáo tối đa 3 năm', 'The period may span at most three years');
  return { start: s, end: e };
}

export function windowOf(period: ReportPeriod, timeZone: string): ReportWindow {
  const day = (d: string): { lo: Date; hi: Date } => {
    const r = dateRange(d, timeZone)!;
    return { lo: new Date(r.lo), hi: new Date(r.hi) };
  };
  const ref = day(period.end);
  return { period, dayStart: ref.lo, dayEnd: ref.hi, periodStart: day(period.start).lo, periodEnd: ref.hi, timeZone };
}

export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** Last day of the month `months` before the month of `date` (0: that month). */
function monthEnd(date: string, monthsBack: number): string {
  const d = new Date(Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - monthsBack, 0));
  return d.toISOString().slice(0, 10);
}

/**
 * The trend's points: the `count` months ending with the period's, each as of its last day (the
 * period's own end for its month) with a period as long as the report's, so every point is
 * counted the way the headline figure is.
 */
export function trendPeriods(period: ReportPeriod, count = 12): ReportPeriod[] {
  const length = daysBetween(period.start, period.end);
  return Array.from({ length: count }, (_, i) => {
    const back = count - 1 - i;
    const end = back === 0 ? period.end : monthEnd(period.end, back);
    return { start: addDays(end, -length), end };
  });
}
