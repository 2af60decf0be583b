import { badRequest } from '../../outcomes';
import { dateRange } from '../dates';
import type { PlanContext, SqlParams } from '../sql';
import { unescapeValue } from '../values';
import { splitPrefix } from './prefix';

/**
 * Date: the query and the stored value are both ranges [lo, hi) (a day, a month, a Period); each
 * prefix compares them as the R4 table says (search.html#prefix). A date without a timezone is
 * read in the station's zone. For a stored instant (`_lastUpdated`), `point` makes it [t, t+1ms).
 */
export function dateCondition(raw: string, loCol: string, hiCol: string, ctx: PlanContext, p: SqlParams, point = false): string {
  const [prefix, text] = splitPrefix(unescapeValue(raw));
  const range = dateRange(restorePlus(text), ctx.timeZone);
  if (!range) throw badRequest(`Ngày không hợp lệ: ${raw}`, `Invalid date: ${raw}`);
  let { lo, hi } = range;
  if (prefix === 'ap') {
    // Approximately: the range widened by 10% of its distance from now.
    const now = Date.now();
    lo -= Math.abs(now - lo) * 0.1;
    hi += Math.abs(now - hi) * 0.1;
  }
  const qlo = `${p.add(new Date(lo).toISOString())}::timestamptz`;
  const qhi = `${p.add(new Date(hi).toISOString())}::timestamptz`;
  const hiExpr = point ? `(${hiCol} + interval '1 millisecond')` : hiCol;
  const within = `(${loCol} >= ${qlo} AND ${hiExpr} <= ${qhi})`;
  switch (prefix) {
    case 'eq':
      return within;
    case 'ne':
      return `NOT ${within}`;
    case 'gt':
      return `${hiExpr} > ${qhi}`;
    case 'lt':
      return `${loCol} < ${qlo}`;
    case 'ge':
      return `(${hiExpr} > ${qhi} OR ${within})`;
    case 'le':
      return `(${loCol} < ${qlo} OR ${within})`;
    case 'sa':
      return `${loCol} >= ${qhi}`;
    case 'eb':
      return `${hiExpr} <= ${qlo}`;
    case 'ap':
      return `(${loCol} < ${qhi} AND ${hiExpr} > ${qlo})`;
  }
}

/** A `+` in an unencoded query string arrives as a space: `2024-03-05T10:00:00 07:00`. */
function restorePlus(text: string): string {
  return text.replace(/ (\d{2}:\d{2})$/, '+$1');
}
