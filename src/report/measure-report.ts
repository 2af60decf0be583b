import type { CodeableConcept, Location, Measure, MeasureReport, MeasureReportGroup, MeasureReportGroupPopulation, MeasureReportGroupStratifier, MeasureReportGroupStratifierStratum, Organization, Practitioner, Reference } from '@medplum/fhirtypes';
import type { StationConfig } from '../station/config';
import { POPULATION_SYSTEM } from './canonical';
import { ageConcept, sexConcept, stratifierConcept, villageConcept } from './labels';
import type { ReportPeriod } from './period';
import type { Counts, GroupCounts } from './sql/aggregate';

/** Counts → a FHIR MeasureReport (populations, measureScore, the four stratifiers with every stratum). */

export interface ReportShape {
  measure: Measure;
  groups: GroupCounts[];
  period: ReportPeriod;
  station: StationConfig;
  reportType: 'summary' | 'subject-list';
  subject?: Reference<Location>;
  reporter?: Reference<Practitioner | Organization>;
  /** When the report was computed (ISO instant). */
  date: string;
}

/** numerator / (denominator − exclusions), 4 decimals; undefined when nobody is left to count. */
export function score(c: Counts): number | undefined {
  const denominator = c.initial - c.excluded;
  return denominator > 0 ? Math.round((c.numerator / denominator) * 10000) / 10000 : undefined;
}

/**
 * The percentage officers read (table, CSV, trend), one decimal, from the counts themselves:
 * rounding the already rounded score would give 13/44 = 0.2955 → 29.6 instead of 29.5.
 */
export function percent(c: Counts): number | undefined {
  const denominator = c.initial - c.excluded;
  return denominator > 0 ? Math.round((c.numerator * 1000) / denominator) / 10 : undefined;
}

export function buildMeasureReport(shape: ReportShape): MeasureReport {
  const { measure } = shape;
  return {
    resourceType: 'MeasureReport',
    status: 'complete',
    type: shape.reportType === 'summary' ? 'summary' : 'subject-list',
    measure: `${measure.url}|${measure.version}`,
    subject: shape.subject,
    date: shape.date,
    reporter: shape.reporter,
    period: { start: shape.period.start, end: shape.period.end },
    improvementNotation: measure.improvementNotation,
    group: shape.groups.map((g) => group(shape, g)),
  };
}

function group(shape: ReportShape, g: GroupCounts): MeasureReportGroup {
  const cohort = g.rule.numerator === undefined;
  const definition = shape.measure.group?.find((d) => !g.rule.code || d.code?.coding?.some((c) => c.code === g.rule.code)) ?? shape.measure.group?.[0];
  const villages = [...g.village.keys()];
  const s = shape.station;
  return {
    code: definition?.code,
    population: populations(g.total, cohort),
    measureScore: cohort ? undefined : quantity(g.total),
    stratifier: [
      stratifier(stratifierConcept('village', 'Thôn'), [...g.village].map(([v, c]) => stratum(villageConcept(s, v), c, cohort))),
      stratifier(stratifierConcept('sex', 'Giới tính'), [...g.sex].map(([x, c]) => stratum(sexConcept(x), c, cohort))),
      stratifier(stratifierConcept('age-group', 'Nhóm tuổi'), [...g.ageGroup].map(([a, c]) => stratum(ageConcept(a), c, cohort))),
      {
        code: [stratifierConcept('village', 'Thôn'), stratifierConcept('sex', 'Giới tính')],
        stratum: villages.flatMap((v) =>
          [...g.sex.keys()].map((x) => ({
            component: [
              { code: stratifierConcept('village', 'Thôn'), value: villageConcept(s, v) },
              { code: stratifierConcept('sex', 'Giới tính'), value: sexConcept(x) },
            ],
            population: populations(g.villageSex.get(`${v}|${x}`)!, cohort),
            measureScore: cohort ? undefined : quantity(g.villageSex.get(`${v}|${x}`)!),
          })),
        ),
      },
    ],
  };
}

function stratifier(code: CodeableConcept, stratum: MeasureReportGroupStratifierStratum[]): MeasureReportGroupStratifier {
  return { code: [code], stratum };
}

function stratum(value: CodeableConcept, c: Counts, cohort: boolean): MeasureReportGroupStratifierStratum {
  return { value, population: populations(c, cohort), measureScore: cohort ? undefined : quantity(c) };
}

function populations(c: Counts, cohort: boolean): MeasureReportGroupPopulation[] {
  const pop = (code: string, count: number): MeasureReportGroupPopulation => ({ code: { coding: [{ system: POPULATION_SYSTEM, code }] }, count });
  if (cohort) return [pop('initial-population', c.initial)];
  return [pop('initial-population', c.initial), pop('denominator', c.initial), pop('denominator-exclusion', c.excluded), pop('numerator', c.numerator)];
}

function quantity(c: Counts): MeasureReportGroup['measureScore'] {
  const value = score(c);
  return value === undefined ? undefined : { value };
}
