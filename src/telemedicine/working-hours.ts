import type { Period, PractitionerRoleAvailableTime } from '@medplum/fhirtypes';
import { dateRange, wallClock, zoneOffsetMinutes } from '../fhir/search/dates';

/**
 * Working hours → slot times. Hours are wall-clock times in the station's zone (PractitionerRole /
 * HealthcareService `availableTime`), minus `notAvailable` periods (holidays, training days).
 * Pure functions: no database, so they are tested on their own.
 */

export interface TimeSlot {
  /** Epoch milliseconds. */
  start: number;
  end: number;
}

export interface WorkingHours {
  availableTime: PractitionerRoleAvailableTime[];
  notAvailable: { during?: Period }[];
}

const DAY_CODES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const DAY_MS = 86_400_000;

/** Seconds since midnight of an `HH:MM[:SS]` time, or undefined when malformed. */
function secondsOf(time: string | undefined): number | undefined {
  const m = /^(\d{2}):(\d{2})(?::(\d{2}))?/.exec(time ?? '');
  if (!m) return undefined;
  return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3] ?? 0);
}

/** The instant at which the wall clock in `zone` shows `seconds` after midnight of the local day `day` (UTC midnight of that date). */
function wallToInstant(day: number, seconds: number, zone: string): number {
  const wall = day + seconds * 1000;
  // The offset at the wall time itself, corrected once for a zone change between the two guesses.
  const first = wall - zoneOffsetMinutes(zone, wall) * 60_000;
  return wall - zoneOffsetMinutes(zone, first) * 60_000;
}

/** Local calendar days (as UTC midnights) whose wall-clock day overlaps [from, to). */
function localDays(from: number, to: number, zone: string): number[] {
  const localMidnight = (instant: number): number => {
    const wall = wallClock(zone, instant);
    return wall - (((wall % DAY_MS) + DAY_MS) % DAY_MS);
  };
  const days: number[] = [];
  for (let day = localMidnight(from); day <= localMidnight(to - 1); day += DAY_MS) days.push(day);
  return days;
}

/** The instant ranges covered by `notAvailable` periods (open ends reach forever). */
function blockedRanges(hours: WorkingHours, zone: string): TimeSlot[] {
  return hours.notAvailable.flatMap(({ during }) => {
    const start = during?.start ? dateRange(during.start, zone)?.lo : -Infinity;
    const end = during?.end ? dateRange(during.end, zone)?.hi : Infinity;
    return start === undefined || end === undefined ? [] : [{ start, end }];
  });
}

/**
 * Slots of `minutes` within [from, to) during working hours, in time order. A slot lies wholly
 * inside one working period and outside every notAvailable period; periods are cut from their
 * start, so a 07:30–11:30 morning gives 07:30, 07:45, … 11:15 with 15 minutes.
 */
export function slotTimes(hours: WorkingHours, range: TimeSlot, minutes: number, zone: string): TimeSlot[] {
  const length = minutes * 60_000;
  const blocked = blockedRanges(hours, zone);
  const slots: TimeSlot[] = [];
  for (const day of localDays(range.start, range.end, zone)) {
    const weekday = DAY_CODES[new Date(day).getUTCDay()];
    for (const available of hours.availableTime) {
      if (available.daysOfWeek?.length && !available.daysOfWeek.includes(weekday)) continue;
      const open = available.allDay ? 0 : secondsOf(available.availableStartTime);
      const close = available.allDay ? 86_400 : secondsOf(available.availableEndTime);
      if (open === undefined || close === undefined || close <= open) continue;
      const periodEnd = wallToInstant(day, close, zone);
      for (let start = wallToInstant(day, open, zone); start + length <= periodEnd; start += length) {
        const slot = { start, end: start + length };
        if (slot.start < range.start || slot.end > range.end) continue;
        if (blocked.some((b) => slot.start < b.end && b.start < slot.end)) continue;
        slots.push(slot);
      }
    }
  }
  return dropOverlaps(slots.sort((a, b) => a.start - b.start));
}

/** Two availableTime entries may overlap (e.g. "all week 7–17" and "Monday 7–11"): keep the first slot. */
function dropOverlaps(sorted: TimeSlot[]): TimeSlot[] {
  const kept: TimeSlot[] = [];
  for (const slot of sorted) {
    if (!kept.length || kept[kept.length - 1].end <= slot.start) kept.push(slot);
  }
  return kept;
}

/** An instant as FHIR dateTime in the station's zone: `2026-05-04T07:30:00+07:00`. */
export function localInstant(instant: number, zone: string): string {
  const offset = zoneOffsetMinutes(zone, instant);
  const wall = new Date(instant + offset * 60_000).toISOString().slice(0, 19);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${wall}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}
