import type { Measure, MeasureReport, Reference } from '@medplum/fhirtypes';
import { badRequest } from '../fhir/outcomes';
import type { Repository } from '../fhir/store/repository';
import { BASE } from '../station/canonical';
import { MEASURE, measureUrl, POPULATION_SYSTEM, REPORT_CS, REPORT_EXT, type MeasureId } from './canonical';
import type { ReportPeriod } from './period';

/**
 * MeasureReports the station keeps, told apart by meta.tag (CodeSystem measure-report-kind):
 *  - official-figure: a figure from outside (e.g. the social-insurance office's BHYT count),
 *    entered by an assessor beside the computed one, with its source, who and when;
 *  - attestation: indicator 15.2, met or not, recorded by station staff with the evidence;
 *  - saved: a computed report kept for the dossier (one resource per indicator, criteria set,
 *    period and scope; saving again makes a new version, so every figure shown can be found again).
 */

export type ReportKind = 'official-figure' | 'attestation' | 'saved';

const tag = (kind: ReportKind) => ({ system: REPORT_CS.reportKind, code: kind });
const SAVED_ID_SYSTEM = `${BASE}/sid/saved-measure-report`;

export interface OfficialFigureInput {
  measure: MeasureId;
  period: ReportPeriod;
  numerator: number;
  denominator: number;
  source: string;
  note?: string;
}

/** Stores an official figure; `reporter` is who entered it, the server's clock says when. */
export async function recordOfficialFigure(repo: Repository, input: OfficialFigureInput, reporter: Reference): Promise<MeasureReport> {
  const { numerator, denominator } = input;
  if (!Number.isInteger(numerator) || !Number.isInteger(denominator) || numerator < 0 || denominator <= 0 || numerator > denominator) {
    throw badRequest('Tử số và mẫu số phải là số nguyên, 0 ≤ tử số ≤ mẫu số, mẫu số > 0', 'numerator and denominator must be integers with 0 ≤ numerator ≤ denominator and denominator > 0');
  }
  if (!input.source?.trim()) throw badRequest('Cần ghi nguồn của số liệu chính thức', 'An official figure needs its source');
  if (input.measure === MEASURE.communeCriteria || input.measure === MEASURE.appEnrolment) {
    throw badRequest('Chỉ tiêu này không nhận số liệu chính thức dạng tỷ lệ', 'This indicator takes no official proportion');
  }
  const measure = await measureOf(repo, input.measure);
  const report = base(measure, 'official-figure', input.period, reporter);
  report.extension = [{ url: REPORT_EXT.source, valueString: input.source.trim() }, ...(input.note?.trim() ? [{ url: REPORT_EXT.note, valueString: input.note.trim() }] : [])];
  report.group = [{
    code: measure.group?.[0]?.code,
    population: [
      { code: { coding: [{ system: POPULATION_SYSTEM, code: 'denominator' }] }, count: denominator },
      { code: { coding: [{ system: POPULATION_SYSTEM, code: 'numerator' }] }, count: numerator },
    ],
    measureScore: { value: Math.round((numerator / denominator) * 10000) / 10000 },
  }];
  return (await repo.create(report)).resource as MeasureReport;
}

/** Records indicator 15.2 (met or not) for a period, with the evidence. */
export async function recordAttestation(repo: Repository, input: { period: ReportPeriod; met: boolean; note: string }, reporter: Reference): Promise<MeasureReport> {
  if (typeof input.met !== 'boolean') throw badRequest('Cần chọn đạt hoặc chưa đạt', '"met" must be true or false');
  if (!input.note?.trim()) throw badRequest('Cần ghi căn cứ (ví dụ số quyết định công nhận)', 'An attestation needs its evidence');
  const measure = await measureOf(repo, MEASURE.communeCriteria);
  const report = base(measure, 'attestation', input.period, reporter);
  report.extension = [{ url: REPORT_EXT.note, valueString: input.note.trim() }];
  report.group = [{ code: measure.group?.[0]?.code, measureScore: { value: input.met ? 1 : 0 } }];
  return (await repo.create(report)).resource as MeasureReport;
}

/**
 * Saves computed reports (one per indicator): a conditional update on an identifier made of the
 * indicator, criteria set, period and scope, so saving again is a new version of the same resource.
 */
export async function saveReports(repo: Repository, reports: MeasureReport[], key: string): Promise<MeasureReport[]> {
  return repo.withTransaction(async (tx) => {
    const saved: MeasureReport[] = [];
    for (const report of reports) {
      const value = `${key}|${report.measure}`;
      const resource: MeasureReport = { ...report, identifier: [{ system: SAVED_ID_SYSTEM, value }], meta: { tag: [tag('saved')] } };
      const { resource: stored } = await tx.conditionalUpdate('MeasureReport', new URLSearchParams({ identifier: `${SAVED_ID_SYSTEM}|${value}` }).toString(), resource);
      saved.push(stored as MeasureReport);
    }
    return saved;
  });
}

/** Stored reports of `kind` whose period ends on `referenceDate`, newest first. */
export async function findStored(repo: Repository, kind: ReportKind, referenceDate: string): Promise<MeasureReport[]> {
  const req = repo.parseSearch('MeasureReport', [['_tag', `${REPORT_CS.reportKind}|${kind}`], ['_count', '500']]);
  req.total = 'none';
  const { resources } = await repo.search(req);
  return (resources as MeasureReport[])
    .filter((r) => (kind === 'attestation' ? (r.period.start ?? '') <= referenceDate && referenceDate <= (r.period.end ?? '') : r.period.end === referenceDate))
    .sort((a, b) => (b.date ?? '').localeCompare(a.date ?? ''));
}

/** The Measure id a stored report is about (its canonical without version). */
export function measureIdOfReport(report: MeasureReport): MeasureId | undefined {
  const url = report.measure.split('|')[0];
  return (Object.values(MEASURE) as MeasureId[]).find((m) => measureUrl(m) === url);
}

async function measureOf(repo: Repository, id: MeasureId): Promise<Measure> {
  return (await repo.read('Measure', id)) as Measure;
}

function base(measure: Measure, kind: ReportKind, period: ReportPeriod, reporter: Reference): MeasureReport {
  return {
    resourceType: 'MeasureReport',
    meta: { tag: [tag(kind)] },
    status: 'complete',
    type: 'summary',
    measure: `${measure.url}|${measure.version}`,
    date: new Date().toISOString(),
    reporter: reporter as MeasureReport['reporter'],
    period: { start: period.start, end: period.end },
  };
}
