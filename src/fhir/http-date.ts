/**
 * An HTTP-date (RFC 9110 §5.6.7) as UTC milliseconds, or undefined when the text is none: the
 * preferred IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) and the two obsolete forms recipients
 * must still accept (`Sunday, 06-Nov-94 08:49:37 GMT`, asctime's `Sun Nov  6 08:49:37 1994`).
 * Date.parse alone would take far more (`2026`, `1`) and read asctime in the process's zone.
 */
export function parseHttpDate(text: string): number | undefined {
  const fields = IMF_FIXDATE.exec(text) ?? RFC850.exec(text) ?? ASCTIME.exec(text);
  const g = fields?.groups;
  if (!g) return undefined;
  const month = MONTHS.indexOf(g.month);
  let year = Number(g.year);
  // RFC 9110: a two-digit year more than 50 years in the future means the past century's.
  if (g.year.length === 2) {
    const now = new Date().getUTCFullYear();
    year += Math.floor(now / 100) * 100;
    if (year > now + 50) year -= 100;
  }
  const [day, hour, minute, second] = [g.day, g.hour, g.minute, g.second].map(Number);
  const t = Date.UTC(year, month, day, hour, minute, second);
  // Date.UTC rolls 31 Feb over to March: a day the month does not have is no date.
  return new Date(t).getUTCDate() === day && hour < 24 && minute < 60 && second < 61 ? t : undefined;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MONTH = `(?<month>${MONTHS.join('|')})`;
const TIME = '(?<hour>\\d{2}):(?<minute>\\d{2}):(?<second>\\d{2})';
const IMF_FIXDATE = new RegExp(`^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (?<day>\\d{2}) ${MONTH} (?<year>\\d{4}) ${TIME} GMT$`);
const RFC850 = new RegExp(`^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (?<day>\\d{2})-${MONTH}-(?<year>\\d{2}) ${TIME} GMT$`);
const ASCTIME = new RegExp(`^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ${MONTH} (?<day>[ \\d]\\d) ${TIME} (?<year>\\d{4})$`);
