import type { Measure, MeasureReport } from '@medplum/fhirtypes';
import type { Repository } from '../fhir/store/repository';
import type { StationConfig } from '../station/config';
import { verdict, type Verdict } from './assess';
import { MEASURE, type MeasureId } from './canonical';
import { thresholdFor, type CriteriaSet, type Region, type Threshold } from './config';
import { loadReportConfig } from './config-store';
import { countMeasures, countMeasuresOver, type Scope } from './evaluate';
import { percent } from './measure-report';
import { trendPeriods, type ReportPeriod } from './period';
import type { GroupCounts } from './sql/aggregate';
import { findStored, measureIdOfReport } from './stored';

/**
 * The officers' report (issue 6): every indicator of a criteria set with its counts, threshold and
 * verdict, the official figures and the 15.2 attestation beside them, app enrolments, and a
 * 12-month trend — all counted in PostgreSQL, one statement for the figures and one per month.
 */

export interface StoredFigure {
  numerator?: number;
  denominator?: number;
  score?: number;
  met?: boolean;
  source?: string;
  note?: string;
  who?: string;
  when?: string;
  reference: string;
}

export interface IndicatorView {
  code: string;
  measure: Measure;
  threshold?: Threshold;
  bySex: boolean;
  lowerIsBetter: boolean;
  /** Absent for 15.2, which is attested rather than counted. */
  counts?: GroupCounts;
  verdict: Verdict;
  official?: StoredFigure;
  attestation?: StoredFigure;
}

export interface TrendView {
  /** The reference dates (ends of months). */
  dates: string[];
  /** Percent per indicator code, null where nobody could be counted. */
  indicators: { code: string; values: (number | null)[] }[];
  apps: { code: string; values: number[] }[];
}

export interface HealthCriterionView {
  criteriaSet: CriteriaSet;
  criteriaSetLabel: string;
  region: Region;
  period: ReportPeriod;
  scope: Scope;
  generatedAt: string;
  indicators: IndicatorView[];
  apps: { measure: Measure; code: string; label: string; counts: GroupCounts }[];
  trend?: TrendView;
  /** The configuration Library version used, when the station changed anything. */
  configSource?: string;
}

export interface HealthCriterionRequest {
  repo: Repository;
  station: StationConfig;
  criteriaSet?: CriteriaSet;
  period: ReportPeriod;
  scope: Scope;
  trend: boolean;
}

export async function buildHealthCriterion(req: HealthCriterionRequest): Promise<HealthCriterionView> {
  const { config, source } = await loadReportConfig(req.repo, req.station);
  const set = req.criteriaSet ?? config.defaultCriteriaSet;
  const rules = config.criteriaSets[set].indicators;
  const counted = [...new Set(rules.map((r) => r.measure).filter((m) => m !== MEASURE.communeCriteria)), MEASURE.appEnrolment];
  const base = { repo: req.repo, station: req.station, config, period: req.period, scope: req.scope };
  const groups = await countMeasures({ ...base, measures: counted });
  const measures = await readMeasures(req.repo, [...counted, MEASURE.communeCriteria]);
  const official = latestByMeasure(await findStored(req.repo, 'official-figure', req.period.end));
  const attestation = (await findStored(req.repo, 'attestation', req.period.end))[0];
  const indicators = rules.map((rule): IndicatorView => {
    const threshold = thresholdFor(rule, config.region);
    const measure = measures.get(rule.measure)!;
    const view: IndicatorView = { code: rule.code, measure, threshold, bySex: !!rule.bySex, lowerIsBetter: threshold?.comparator === '<=', verdict: {} };
    if (rule.measure === MEASURE.communeCriteria) {
      view.attestation = attestation && figureOf(attestation);
      view.verdict = { met: view.attestation?.met };
      return view;
    }
    view.counts = groups.find((g) => g.rule.measure === rule.measure)!;
    view.verdict = verdict(view.counts.total, rule.bySex ? view.counts.sex : undefined, threshold);
    const figure = official.get(rule.measure);
    view.official = figure && figureOf(figure);
    return view;
  });
  const appMeasure = measures.get(MEASURE.appEnrolment)!;
  const apps = groups
    .filter((g) => g.rule.measure === MEASURE.appEnrolment)
    .map((g) => ({ measure: appMeasure, code: g.rule.code!, label: appMeasure.group?.find((d) => d.code?.coding?.[0]?.code === g.rule.code)?.code?.coding?.[0]?.display ?? g.rule.code!, counts: g }));
  return {
    criteriaSet: set,
    criteriaSetLabel: config.criteriaSets[set].label,
    region: config.region,
    period: req.period,
    scope: req.scope,
    generatedAt: new Date().toISOString(),
    indicators,
    apps,
    trend: req.trend ? await trend(base, req.period, counted, indicators) : undefined,
    configSource: source,
  };
}

async function trend(base: Omit<Parameters<typeof countMeasuresOver>[0], 'measures'>, period: ReportPeriod, measures: MeasureId[], indicators: IndicatorView[]): Promise<TrendView> {
  const periods = trendPeriods(period);
  const points = await countMeasuresOver({ ...base, measures }, periods);
  const percentOf = (c: GroupCounts | undefined): number | null => (c && percent(c.total)) ?? null;
  return {
    dates: periods.map((p) => p.end),
    indicators: indicators.filter((i) => i.counts).map((i) => ({ code: i.code, values: points.map((gs) => percentOf(gs.find((g) => g.rule.measure === i.counts!.rule.measure))) })),
    apps: points[0].filter((g) => g.rule.measure === MEASURE.appEnrolment).map((g) => ({ code: g.rule.code!, values: points.map((gs) => gs.find((x) => x.rule.code === g.rule.code)!.total.initial) })),
  };
}

async function readMeasures(repo: Repository, ids: MeasureId[]): Promise<Map<MeasureId, Measure>> {
  const out = new Map<MeasureId, Measure>();
  for (const id of ids) out.set(id, (await repo.read('Measure', id)) as Measure);
  return out;
}

function latestByMeasure(reports: MeasureReport[]): Map<MeasureId, MeasureReport> {
  const out = new Map<MeasureId, MeasureReport>();
  for (const r of reports) {
    const id = measureIdOfReport(r);
    if (id && !out.has(id)) out.set(id, r);
  }
  return out;
}

function figureOf(r: MeasureReport): StoredFigure {
  const pop = (code: string): number | undefined => r.group?.[0]?.population?.find((p) => p.code?.coding?.[0]?.code === code)?.count;
  const ext = (suffix: string): string | undefined => r.extension?.find((e) => e.url.endsWith(`/${suffix}`))?.valueString;
  const value = r.group?.[0]?.measureScore?.value;
  return {
    numerator: pop('numerator'),
    denominator: pop('denominator'),
    score: value,
    met: r.meta?.tag?.some((t) => t.code === 'attestation') ? value === 1 : undefined,
    source: ext('report-source'),
    note: ext('report-note'),
    who: r.reporter?.display ?? r.reporter?.reference,
    when: r.date,
    reference: `MeasureReport/${r.id}/_history/${r.meta?.versionId}`,
  };
}
