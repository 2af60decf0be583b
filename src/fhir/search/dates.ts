/**
 * FHIR dates as instant ranges. A value with less than full precision denotes a range
 * ("2024-03" is all of March); a value without a timezone is read in the station's zone
 * (Asia/Ho_Chi_Minh by default), so a visit on 5 March stays on 5 March.
 */

export interface InstantRange {
  /** Inclusive start, epoch milliseconds. */
  lo: number;
  /** Exclusive end, epoch milliseconds. */
  hi: number;
}

const DATE_RE = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/** One formatter per zone: building an Intl.DateTimeFormat costs ~70 µs, using one ~4 µs. */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(zone, formatter);
  }
  return formatter;
}

const DAY = 86_400_000;
/** Days kept per zone at most (a century of birth dates is ~36,500): then the zone starts over. */
const MAX_CACHED_DAYS = 50_000;
/** Per zone, the offset of each UTC day whose offset was the same at its first and last millisecond. */
const dayOffsets = new Map<string, Map<number, number>>();

/**
 * Offset of `zone` from UTC, in minutes, at the given UTC instant. Asking Intl costs ~5–10 µs, on
 * every date without a zone that a write indexes (a birth date, a visit's date): a UTC day's
 * offset is kept once its first and last millisecond agree (a day holding a transition is asked
 * every time; only a day holding two, back and forth, could fool the check).
 */
export function zoneOffsetMinutes(zone: string, utcMillis: number): number {
  const day = Math.floor(utcMillis / DAY);
  let days = dayOffsets.get(zone);
  const cached = days?.get(day);
  if (cached !== undefined) return cached;
  const offset = offsetFromIntl(zone, utcMillis);
  if (offset === offsetFromIntl(zone, day * DAY) && offset === offsetFromIntl(zone, day * DAY + DAY - 1)) {
    if (!days || days.size >= MAX_CACHED_DAYS) dayOffsets.set(zone, (days = new Map()));
    days.set(day, offset);
  }
  return offset;
}

/** The wall clock of `zone` at a UTC instant, as milliseconds read as UTC: its ISO text is the local time. */
export function wallClock(zone: string, utcMillis: number): number {
  return utcMillis + zoneOffsetMinutes(zone, utcMillis) * 60_000;
}

/**
 * The calendar date (YYYY-MM-DD) in `zone` of a date, dateTime or instant: the day a visit or a
 * measurement falls on at the station. A date stays itself; a dateTime without a zone is already
 * the station's wall clock; a partial date is its first day.
 */
export function localDate(dateTime: string, zone: string): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(dateTime)) return dateTime;
  const range = dateRange(dateTime, zone);
  if (!range) throw new RangeError(`Invalid time value: ${dateTime}`);
  return localDay(zone, range.lo);
}

/** The calendar date (YYYY-MM-DD) in `zone` at a UTC instant (today's: `localDay(zone, Date.now())`). */
export function localDay(zone: string, utcMillis: number): string {
  return new Date(wallClock(zone, utcMillis)).toISOString().slice(0, 10);
}

function offsetFromIntl(zone: string, utcMillis: number): number {
  const parts = formatterFor(zone).formatToParts(new Date(utcMillis));
  const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = utc(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return Math.round((asUtc - Math.floor(utcMillis / 1000) * 1000) / 60000);
}

/** Date.UTC without its two-digit-year quirk (years 0-99 would become 1900-1999). */
function utc(year: number, month: number, day = 1, hour = 0, minute = 0, second = 0, ms = 0): number {
  const d = new Date(Date.UTC(2000, month, day, hour, minute, second, ms));
  d.setUTCFullYear(year + Math.floor(month / 12), month % 12, day);
  return d.getTime();
}

/** The instants PostgreSQL and ISO text can both carry: year 1 to the end of year 9999, UTC. */
export const MIN_INSTANT = utc(1, 0, 1);
export const MAX_INSTANT = utc(9999, 11, 31, 23, 59, 59, 999);

const daysIn = (year: number, month: number): number => new Date(utc(year, month + 1, 1) - 86_400_000).getUTCDate();

/**
 * A FHIR instant as UTC milliseconds, or undefined: seconds and a zone (`Z` or ±hh:mm) are required
 * (R4 datatypes.html#instant), so the value never depends on whose clock reads it.
 */
export function parseInstant(text: string): number | undefined {
  const m = DATE_RE.exec(text);
  if (!m || m[6] === undefined || m[8] === undefined) return undefined;
  return dateRange(text, 'UTC')?.lo;
}

/** Parses a FHIR date/dateTime/instant into the range it denotes, or undefined if malformed. */
export function dateRange(text: string, zone: string): InstantRange | undefined {
  const m = DATE_RE.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, tz] = m;
  if (h !== undefined && mi === undefined) return undefined;
  const year = Number(y);
  const month = mo ? Number(mo) - 1 : 0;
  const day = d ? Number(d) : 1;
  const hour = h ? Number(h) : 0;
  const minute = mi ? Number(mi) : 0;
  const second = s ? Number(s) : 0;
  const ms = frac ? Number(frac.padEnd(3, '0').slice(0, 3)) : 0;
  if (year < 1 || month < 0 || month > 11 || day < 1 || day > daysIn(year, month) || hour > 23 || minute > 59 || second > 60) return undefined;
  if (tz && tz !== 'Z' && (Number(tz.slice(1, 3)) > 14 || Number(tz.slice(4, 6)) > 59)) return undefined;
  const wall = utc(year, month, day, hour, minute, second, ms);
  let span: number;
  if (!mo) span = utc(year + 1, 0) - utc(year, 0);
  else if (!d) span = utc(year, month + 1) - utc(year, month);
  else if (!h) span = 86_400_000;
  else if (!s) span = 60_000;
  else if (!frac) span = 1000;
  else span = Math.max(1, 10 ** (3 - Math.min(frac.length, 3)));
  let offset: number;
  if (tz === 'Z') offset = 0;
  else if (tz) offset = (tz[0] === '-' ? -1 : 1) * (Number(tz.slice(1, 3)) * 60 + Number(tz.slice(4, 6)));
  else offset = zoneOffsetMinutes(zone, wall);
  const lo = wall - offset * 60_000;
  return { lo: Math.max(lo, MIN_INSTANT), hi: Math.min(lo + span, MAX_INSTANT) };
}
