/**
 * How the page writes dates, ages and numbers for Vietnamese readers: dd/mm/yyyy, the station's
 * time zone, vi-VN number formatting. Data stays in FHIR's ISO forms; only the display changes.
 */

export const TIME_ZONE = 'Asia/Ho_Chi_Minh';

const dateTime = new Intl.DateTimeFormat('vi-VN', { timeZone: TIME_ZONE, day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false });
const isoDay = new Intl.DateTimeFormat('en-CA', { timeZone: TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' });
const numbers = new Intl.NumberFormat('vi-VN', { maximumFractionDigits: 2 });

/** Today in the station's time zone, YYYY-MM-DD. */
export function today(now: Date = new Date()): string {
  return isoDay.format(now);
}

/** A FHIR date or dateTime as dd/mm/yyyy (a date-only value is never shifted by time zones). */
export function formatDate(value: string | undefined): string {
  if (!value) return '';
  const day = /^\d{4}-\d{2}-\d{2}$/.test(value) ? value : value.length > 10 ? isoDay.format(new Date(value)) : value;
  const [y, m, d] = day.split('-');
  if (!d) return m ? `${m}/${y}` : y;
  return `${d}/${m}/${y}`;
}

/** A dateTime as dd/mm/yyyy hh:mm in the station's time zone. */
export function formatDateTime(value: string | undefined): string {
  if (!value) return '';
  if (value.length <= 10) return formatDate(value);
  const parts = Object.fromEntries(dateTime.formatToParts(new Date(value)).map((p) => [p.type, p.value]));
  return `${parts.day}/${parts.month}/${parts.year} ${parts.hour}:${parts.minute}`;
}

export function formatNumber(value: number | undefined): string {
  return value === undefined ? '' : numbers.format(value);
}

/**
 * Reads a date typed as dd/mm/yyyy (also d/m/yyyy, dd-mm-yyyy, dd.mm.yyyy or ddmmyyyy); returns
 * YYYY-MM-DD, or undefined when it is not a real calendar date.
 */
export function parseDate(text: string): string | undefined {
  const t = text.trim();
  const match = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(t) ?? /^(\d{2})(\d{2})(\d{4})$/.exec(t);
  if (!match) return undefined;
  const [d, m, y] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d || y < 1900) return undefined;
  return `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** Whole months between two YYYY-MM-DD dates. */
export function monthsBetween(from: string, to: string): number {
  const [fy, fm, fd] = from.split('-').map(Number);
  const [ty, tm, td] = to.split('-').map(Number);
  return (ty - fy) * 12 + (tm - fm) - (td < fd ? 1 : 0);
}

/** Days between two YYYY-MM-DD dates. */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

export function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/** Age in years (or months under two, days under one month), as a Vietnamese phrase. */
export function ageText(birthDate: string | undefined, on: string = today()): string {
  if (!birthDate) return '';
  const birth = birthDate.length === 4 ? `${birthDate}-01-01` : birthDate.length === 7 ? `${birthDate}-01` : birthDate;
  const months = monthsBetween(birth, on);
  if (months < 1) return `${Math.max(0, daysBetween(birth, on))} ngày`;
  if (months < 24) return `${months} tháng`;
  return `${Math.floor(months / 12)} tuổi`;
}

/** Age in whole years. */
export function ageYears(birthDate: string | undefined, on: string = today()): number | undefined {
  return birthDate ? Math.floor(monthsBetween(birthDate.length === 4 ? `${birthDate}-01-01` : birthDate, on) / 12) : undefined;
}

/** The current moment as a FHIR dateTime with the device's own offset (the station's tablets run on Vietnamese time). */
export function nowDateTime(now: Date = new Date()): string {
  const offset = -now.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  const pad = (n: number): string => String(Math.floor(Math.abs(n))).padStart(2, '0');
  const local = new Date(now.getTime() + offset * 60_000).toISOString().slice(0, 19);
  return `${local}${sign}${pad(offset / 60)}:${pad(offset % 60)}`;
}

/**
 * Folds Vietnamese for matching typed text: lower case, no tone or vowel marks, đ → d (đ is its own
 * letter in Unicode, so NFD alone leaves it).
 */
export function fold(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').replace(/đ/g, 'd').replace(/Đ/g, 'D').toLowerCase();
}
