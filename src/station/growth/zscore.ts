import type { GrowthTables, Lms } from './tables';

/**
 * Height-for-age z-scores as WHO computes them (anthro / anthroplus packages, read for this):
 * 0–1826 days: WHO Child Growth Standards 2006, LMS row of the age in whole days, no interpolation,
 * ±0.7 cm when the child was measured in the other position than the table assumes;
 * beyond, up to 229 months: WHO Reference 2007, LMS interpolated linearly between whole months.
 * Results are rounded to 2 decimals; |z| > 6 is flagged as implausible (not counted).
 */

/** 1 = male, 2 = female (the tables' coding). */
export type GrowthSex = 1 | 2;

export interface HeightForAge {
  z: number;
  /** Implausible value (|z| > 6): WHO excludes it from prevalence. */
  flagged: boolean;
  reference: 'WHO-2006' | 'WHO-2007';
}

/**
 * Beyond ±10 SD a height is not an extreme child but a mistyped or mismeasured one (45 cm at three
 * years is −13.8): the write is refused. Between 6 and 10 it is stored and flagged, as WHO does.
 */
export const PLAUSIBLE_Z = 10;

/** Last day of the 2006 standards' table. */
export const MAX_STANDARD_DAYS = 1826;
export const DAYS_PER_MONTH = 30.4375;
/** anthroplus computes up to (not including) 229 months, the table's last row. */
const REFERENCE_END_MONTH = 229;

/** z for measurement y given L, M, S (Box-Cox; L = 0 is the log-normal limit). */
export function lmsZ(y: number, { l, m, s }: Lms): number {
  return l === 0 ? Math.log(y / m) / s : ((y / m) ** l - 1) / (s * l);
}

const round2 = (z: number): number => Math.round(z * 100) / 100;

function result(z: number, reference: HeightForAge['reference']): HeightForAge {
  const rounded = round2(z);
  return { z: rounded, flagged: Math.abs(rounded) > 6, reference };
}

/** Length/height-for-age 0–1826 days (WHO 2006). `lying` says how the child was measured. */
export function lengthForAgeZ(tables: GrowthTables, sex: GrowthSex, ageDays: number, heightCm: number, lying?: boolean): HeightForAge | undefined {
  const day = Math.round(ageDays);
  if (day < 0 || day > MAX_STANDARD_DAYS || !(heightCm > 0)) return undefined;
  const lms = tables.lengthForAgeDays.get(`${sex}:${day}`);
  if (!lms) return undefined;
  // The table assumes lying (length) under 731 days and standing (height) from then on.
  let y = heightCm;
  if (lying === false && day < 731) y += 0.7;
  if (lying === true && day >= 731) y -= 0.7;
  return result(lmsZ(y, lms), 'WHO-2006');
}

/** Height-for-age 60–228 months (WHO 2007), LMS interpolated between whole months. */
export function heightForAgeMonthsZ(tables: GrowthTables, sex: GrowthSex, ageMonths: number, heightCm: number): HeightForAge | undefined {
  if (ageMonths < 60 || ageMonths >= REFERENCE_END_MONTH || !(heightCm > 0)) return undefined;
  const lower = Math.floor(ageMonths);
  const a = tables.heightForAgeMonths.get(`${sex}:${lower}`);
  const b = tables.heightForAgeMonths.get(`${sex}:${lower + 1}`) ?? a;
  if (!a || !b) return undefined;
  const f = ageMonths - lower;
  const lms = { l: a.l + f * (b.l - a.l), m: a.m + f * (b.m - a.m), s: a.s + f * (b.s - a.s) };
  return result(lmsZ(heightCm, lms), 'WHO-2007');
}

/** The right reference for the child's age in days (2006 up to 1826 days, 2007 beyond). */
export function heightForAgeZ(tables: GrowthTables, sex: GrowthSex, ageDays: number, heightCm: number, lying?: boolean): HeightForAge | undefined {
  if (ageDays <= MAX_STANDARD_DAYS) return lengthForAgeZ(tables, sex, ageDays, heightCm, lying);
  return heightForAgeMonthsZ(tables, sex, ageDays / DAYS_PER_MONTH, heightCm);
}

export type StuntingStatus = 'severe' | 'moderate' | 'normal';

/** Stunting per WHO: below −3 SD severe, below −2 SD moderate. */
export function stuntingStatus(z: number): StuntingStatus {
  if (z < -3) return 'severe';
  if (z < -2) return 'moderate';
  return 'normal';
}

/** Whole days from birth date to measurement date (both YYYY-MM-DD, calendar days). */
export function ageInDays(birthDate: string, onDate: string): number {
  const day = (d: string): number => Date.UTC(Number(d.slice(0, 4)), Number(d.slice(5, 7)) - 1, Number(d.slice(8, 10)));
  return Math.round((day(onDate) - day(birthDate)) / 86_400_000);
}
