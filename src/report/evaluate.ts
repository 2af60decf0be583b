import type { List, Location, Measure, MeasureReport, Organization, Practitioner, Reference } from '@medplum/fhirtypes';
import { badRequest, echoed, notSupported } from '../fhir/outcomes';
import type { Repository } from '../fhir/store/repository';
import { CS, SID } from '../station/canonical';
import type { StationConfig } from '../station/config';
import { requireAggregates, requirePeople } from './access';
import { MEASURE, measureUrl, REPORT_CS, type MeasureId } from './canonical';
import type { ReportConfig } from './config';
import { loadReportConfig, type EffectiveConfig } from './config-store';
import { buildMeasureReport } from './measure-report';
import { windowOf, type ReportPeriod } from './period';
import { countGroups, countTotalsByWindow, type GroupCounts } from './sql/aggregate';
import type { PopulationQuery } from './sql/population';
import { queryableOf } from './sql/queryable';
import { groupRules } from './sql/rules';
import { listSubjects } from './sql/subjects';

/** Evaluation of the health-criterion Measures over one period, for the commune or one village. */

export interface Scope {
  /** A village code, or undefined for the whole commune. */
  village?: string;
  reference?: Reference<Location>;
}

/** The Measure's rule key, from its canonical URL (only our Measures are evaluated). */
export function measureIdOf(measure: Measure): MeasureId {
  const id = (Object.values(MEASURE) as MeasureId[]).find((m) => measureUrl(m) === measure.url);
  if (!id) throw notSupported(`Máy chủ chỉ tính các chỉ tiêu y tế của xã, không tính ${echoed(measure.url)}`, `Only the health-criterion Measures are evaluated here, not ${echoed(measure.url)}`);
  return id;
}

/** The commune (no subject, or its Location) or one village Location. */
export async function resolveScope(repo: Repository, station: StationConfig, subject?: string): Promise<Scope> {
  if (!subject) return {};
  const match = /^Location\/([A-Za-z0-9.-]{1,64})$/.exec(subject);
  if (!match) throw badRequest('subject phải là Location của xã hoặc của một thôn (Location/…)', 'subject must be the commune\'s or a village\'s Location (Location/…)');
  const location = await repo.read('Location', match[1]);
  const ids = location.resourceType === 'Location' ? (location.identifier ?? []) : [];
  const reference = { reference: `Location/${location.id}`, display: (location as { name?: string }).name };
  const village = ids.find((i) => i.system === SID.village)?.value;
  if (village && station.villages.some((v) => v.code === village)) return { village, reference };
  if (ids.some((i) => i.system === CS.adminUnit2025 && i.value === station.commune.code)) return { reference };
  throw badRequest(`Location/${location.id} không phải xã hay thôn của trạm`, `Location/${location.id} is neither the station's commune nor one of its villages`);
}

export interface CountRequest {
  repo: Repository;
  station: StationConfig;
  config: ReportConfig;
  measures: MeasureId[];
  period: ReportPeriod;
  scope: Scope;
}

/** Counts of every group of `measures`, in one statement. */
export function countMeasures(req: CountRequest): Promise<GroupCounts[]> {
  requireAggregates(req.repo);
  return countGroups(queryableOf(req.repo), populationQuery(req, [req.period]), (p) => req.measures.flatMap((m) => groupRules(m, req.config, p)));
}

/** Totals of every group of `measures` for each of `periods` (the trend), in one statement. */
export function countMeasuresOver(req: Omit<CountRequest, 'period'>, periods: ReportPeriod[]): Promise<GroupCounts[][]> {
  requireAggregates(req.repo);
  return countTotalsByWindow(queryableOf(req.repo), populationQuery(req, periods), (p) => req.measures.flatMap((m) => groupRules(m, req.config, p)));
}

function populationQuery(req: Omit<CountRequest, 'measures' | 'period'>, periods: ReportPeriod[]): Omit<PopulationQuery, 'features'> {
  return {
    stationId: req.repo.ctx.stationId,
    config: req.config,
    windows: periods.map((period) => windowOf(period, req.repo.ctx.timeZone)),
    timeZone: req.repo.ctx.timeZone,
    villages: req.station.villages.map((v) => v.code),
    communes: [req.station.commune.code, ...req.station.formerCommunes.map((c) => c.code)],
    village: req.scope.village,
  };
}

export interface EvaluateRequest {
  repo: Repository;
  station: StationConfig;
  measure: Measure;
  period: ReportPeriod;
  reportType: 'summary' | 'subject-list';
  scope: Scope;
  config?: EffectiveConfig;
  reporter?: Reference<Practitioner | Organization>;
}

/** $evaluate-measure: a MeasureReport for one Measure (subject-list: staff only). */
export async function evaluateMeasure(req: EvaluateRequest): Promise<MeasureReport> {
  requireAggregates(req.repo);
  if (req.reportType === 'subject-list') requirePeople(req.repo);
  const id = measureIdOf(req.measure);
  const { config, source } = req.config ?? (await loadReportConfig(req.repo, req.station));
  const groups = await countMeasures({ ...req, config, measures: [id] });
  const report = buildMeasureReport({ ...req, groups, date: new Date().toISOString(), subject: req.scope.reference });
  if (source) report.evaluatedResource = [{ reference: source }];
  if (req.reportType === 'subject-list') await addSubjectLists(req, config, report, groups);
  return report;
}

/**
 * Contained Lists of Patients per population, and the follow-up list: residents not yet in the
 * numerator (for a lower-is-better Measure, the numerator itself: the stunted children).
 */
async function addSubjectLists(req: EvaluateRequest, config: ReportConfig, report: MeasureReport, groups: GroupCounts[]): Promise<void> {
  const q = queryableOf(req.repo);
  const query = populationQuery({ ...req, config }, [req.period]);
  const lower = req.measure.improvementNotation?.coding?.[0]?.code === 'decrease';
  report.contained = [];
  for (const [i, g] of groups.entries()) {
    const lists = await listSubjects(q, query, (p) => groupRules(g.rule.measure, config, p).find((r) => r.code === g.rule.code)!);
    const excluded = new Set(lists.excluded);
    const numerator = new Set(lists.numerator);
    const followUp = lower ? lists.numerator : lists.initial.filter((p) => !excluded.has(p) && !numerator.has(p));
    const byCode: Record<string, string[]> = { 'initial-population': lists.initial, denominator: lists.initial, 'denominator-exclusion': lists.excluded, numerator: lists.numerator };
    const group = report.group![i];
    for (const population of group.population ?? []) {
      const code = population.code!.coding![0].code!;
      population.subjectResults = { reference: `#${containList(report, `g${i}-${code}`, code, byCode[code] ?? [])}` };
    }
    group.population!.push({
      code: { coding: [{ system: REPORT_CS.population, code: 'follow-up', display: 'Cần theo dõi' }] },
      count: followUp.length,
      subjectResults: { reference: `#${containList(report, `g${i}-follow-up`, 'Cần theo dõi / Follow-up', followUp)}` },
    });
  }
  await req.repo.audit({ interaction: 'operation', outcome: '0', outcomeDesc: '$evaluate-measure subject-list', entities: [`Measure/${req.measure.id}`], patients: [...new Set(report.contained.flatMap((l) => (l as List).entry?.map((e) => e.item.reference!.slice(8)) ?? []))], resourceType: 'Measure' });
}

function containList(report: MeasureReport, id: string, title: string, patients: string[]): string {
  const list: List = { resourceType: 'List', id, status: 'current', mode: 'snapshot', title };
  if (patients.length) list.entry = patients.map((p) => ({ item: { reference: `Patient/${p}` } }));
  report.contained!.push(list);
  return id;
}
