import type { Observation } from '@medplum/fhirtypes';
import { CS, SYSTEMS } from '../../../src/station/canonical';
import { BP_DIASTOLIC, BP_PANEL, BP_SYSTOLIC } from '../../../src/station/rules/vital-signs';
import { daysBetween } from '../format';

/** WHO's average month (365.25 / 12 days). */
const DAYS_PER_MONTH = 30.4375;

/** Series for the resident's charts, from their Observations. */

const loincOf = (o: { code?: Observation['code'] }): string | undefined => o.code?.coding?.find((c) => c.system === SYSTEMS.loinc)?.code;
const seconds = (o: Observation): number => Date.parse(o.effectiveDateTime ?? '') / 1000;
const usable = (o: Observation): boolean => o.status !== 'entered-in-error' && !!o.effectiveDateTime;

export function bloodPressureSeries(observations: Observation[]): { systolic: [number, number][]; diastolic: [number, number][] } {
  const panels = observations.filter((o) => usable(o) && loincOf(o) === BP_PANEL);
  const component = (o: Observation, loinc: string): number | undefined => o.component?.find((c) => loincOf(c) === loinc)?.valueQuantity?.value;
  const points = (loinc: string): [number, number][] => panels.flatMap((o): [number, number][] => (component(o, loinc) === undefined ? [] : [[seconds(o), component(o, loinc)!]]));
  return { systolic: points(BP_SYSTOLIC.loinc), diastolic: points(BP_DIASTOLIC.loinc) };
}

/** A single-valued measurement (weight 29463-7, height 8302-2…) over time. */
export function quantitySeries(observations: Observation[], loincs: string[]): [number, number][] {
  return observations.filter((o) => usable(o) && loincs.includes(loincOf(o) ?? '') && o.valueQuantity?.value !== undefined).map((o) => [seconds(o), o.valueQuantity!.value!]);
}

/** Height-for-age z-scores by age in (fractional) months, the WHO chart's x axis. */
export function heightForAgeSeries(observations: Observation[], birthDate: string | undefined): [number, number][] {
  if (!birthDate) return [];
  return observations
    .filter((o) => usable(o) && o.code?.coding?.some((c) => c.system === CS.growth && c.code === 'haz') && o.valueQuantity?.value !== undefined)
    .map((o) => [daysBetween(birthDate, o.effectiveDateTime!.slice(0, 10)) / DAYS_PER_MONTH, o.valueQuantity!.value!]);
}
