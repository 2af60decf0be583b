import type { Immunization } from '@medplum/fhirtypes';
import { CS } from '../../../src/station/canonical';
import { EPI_SCHEDULE } from '../../../src/station/immunization/schedule';
import { addDays, daysBetween } from '../format';

/**
 * Which EPI doses a child is due for, from the national schedule (src/station/immunization) and
 * the doses recorded:
 *  - a dose comes due at its age in the schedule, and not sooner than 28 days after the previous
 *    dose of the same vaccine (the minimum interval between doses of a series), or the interval
 *    the schedule gives for that dose (a week for Japanese encephalitis 2);
 *  - "due" (đến hạn) from 14 days before its due date (so families can be called in advance) until
 *    28 days after it (the next monthly vaccination day);
 *  - "overdue" (quá hạn) when more than 28 days late;
 *  - the birth dose of hepatitis B (VGB-SS) is proposed only in the first 7 days: later it is not
 *    a birth dose any more and the series of DPT-VGB-Hib covers hepatitis B.
 */

export type DueStatus = 'due' | 'overdue';

export interface DueDose {
  vaccine: string;
  dose: number;
  dueDate: string;
  status: DueStatus;
  /** Days late (negative: days until due). */
  lateDays: number;
}

const MIN_INTERVAL_DAYS = 28;
const LATE_AFTER_DAYS = 28;
const CALL_AHEAD_DAYS = 14;
const BIRTH_DOSE_LAST_DAY = 7;

/** Doses given, as `${vaccine}:${dose}` → date given. */
export function givenDoses(immunizations: Immunization[]): Map<string, string> {
  const given = new Map<string, string>();
  for (const im of immunizations) {
    if (im.status !== 'completed') continue;
    const vaccine = im.vaccineCode?.coding?.find((c) => c.system === CS.epiVaccine)?.code;
    const dose = im.protocolApplied?.[0]?.doseNumberPositiveInt;
    if (vaccine && dose) given.set(`${vaccine}:${dose}`, (im.occurrenceDateTime ?? '').slice(0, 10));
  }
  return given;
}

export function dueDoses(birthDate: string, immunizations: Immunization[], today: string): DueDose[] {
  const given = givenDoses(immunizations);
  const ageDays = daysBetween(birthDate, today);
  const due: DueDose[] = [];
  for (const s of EPI_SCHEDULE) {
    if (given.has(`${s.vaccine}:${s.dose}`)) continue;
    if (s.vaccine === 'VGB-SS' && ageDays > BIRTH_DOSE_LAST_DAY) continue;
    const previous = s.dose > 1 ? given.get(`${s.vaccine}:${s.dose - 1}`) : undefined;
    // A later dose waits for the earlier one of its series.
    if (s.dose > 1 && !previous) continue;
    const bySchedule = addDays(birthDate, s.dueDay);
    const byInterval = previous ? addDays(previous, s.minIntervalDays ?? MIN_INTERVAL_DAYS) : bySchedule;
    const dueDate = byInterval > bySchedule ? byInterval : bySchedule;
    const lateDays = daysBetween(dueDate, today);
    if (lateDays < -CALL_AHEAD_DAYS) continue;
    due.push({ vaccine: s.vaccine, dose: s.dose, dueDate, lateDays, status: lateDays > LATE_AFTER_DAYS ? 'overdue' : 'due' });
  }
  return due;
}
