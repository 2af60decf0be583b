import type { Counts } from '../../report/sql/aggregate';
import { percent } from '../../report/measure-report';
import type { Threshold } from '../../report/config';
import type { StoredFigure } from '../../report/health-criterion';

/** Vietnamese number and date formats for the officers' page, the CSV and the PDF. */

const integer = new Intl.NumberFormat('vi-VN');
const oneDecimal = new Intl.NumberFormat('vi-VN', { minimumFractionDigits: 1, maximumFractionDigits: 1 });

export const formatInt = (n: number): string => integer.format(n);

/**
 * An official figure's counts, so its percentage is computed like the computed figure's (from the
 * counts, one decimal): its stored 4-decimal score would show 1/22 as 4,6 % beside a computed 4,5 %.
 */
export const officialCounts = (f: StoredFigure): Counts => ({ initial: f.denominator ?? 0, excluded: 0, numerator: f.numerator ?? 0 });

export const percentOf = (c: Counts): string => {
  const p = percent(c);
  return p === undefined ? '—' : `${oneDecimal.format(p)}%`;
};

/** The denominator officers read: residents counted, after exclusions. */
export const denominatorOf = (c: Counts): number => c.initial - c.excluded;

export function formatThreshold(t: Threshold | undefined): string {
  return t ? `${t.comparator === '>=' ? '≥' : '≤'} ${oneDecimal.format(t.value)}%` : 'Chưa xác định';
}

/** 2025-09-30 → 30/09/2025. */
export function formatDate(date: string): string {
  const [y, m, d] = date.slice(0, 10).split('-');
  return `${d}/${m}/${y}`;
}

/** An instant as "29/11/2026 14:59" in the station's zone. */
export function formatDateTime(instant: string, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(new Date(instant))
      .map((p) => [p.type, p.value]),
  );
  return `${parts.day}/${parts.month}/${parts.year} ${parts.hour}:${parts.minute}`;
}

export function verdictLabel(met: boolean | undefined): { text: string; css: string } {
  if (met === undefined) return { text: 'Chưa xác định', css: 'unknown' };
  return met ? { text: 'Đạt', css: 'met' } : { text: 'Chưa đạt', css: 'not-met' };
}

/** HTML-escapes text for element content and attribute values. */
export function esc(text: unknown): string {
  return String(text ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
