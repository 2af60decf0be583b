import type { Measure, Parameters } from '@medplum/fhirtypes';
import { evaluateMeasure, resolveScope } from '../../report/evaluate';
import { parsePeriod } from '../../report/period';
import { stationConfig } from '../../report/station';
import { badRequest, echoed, notFound, notSupported } from '../outcomes';
import type { FhirRequest, Interaction, InteractionContext } from '../request';

/**
 * $evaluate-measure (http://hl7.org/fhir/R4/measure-operation-evaluate-measure.html), for the
 * health-criterion Measures: `Measure/[id]/$evaluate-measure` or `Measure/$evaluate-measure?measure=<url>`,
 * GET with query parameters or POST with Parameters. periodStart and periodEnd (dates) are required;
 * reportType is `summary` (default) or `subject-list` (staff only: officers get 403); subject is
 * the commune's or a village's Location. The counting is src/report/ (set-based SQL).
 */
export const evaluateMeasureOperation: Interaction = async (req, { id }, ctx) => {
  const params = operationParams(req);
  const measure = id ? await ctx.repo.read('Measure', id) : await measureByUrl(ctx, params.get('measure'));
  const reportType = params.get('reportType') ?? 'summary';
  if (reportType !== 'summary' && reportType !== 'subject-list') {
    throw notSupported(`reportType "${echoed(reportType)}" không được hỗ trợ; dùng summary hoặc subject-list`, `reportType "${echoed(reportType)}" is not supported; use summary or subject-list`);
  }
  const station = stationConfig();
  const report = await evaluateMeasure({
    repo: ctx.repo,
    station,
    measure: measure as Measure,
    period: parsePeriod(params.get('periodStart'), params.get('periodEnd')),
    reportType,
    scope: await resolveScope(ctx.repo, station, params.get('subject')),
  });
  return { status: 200, resource: report };
};

const SUPPORTED = new Set(['periodStart', 'periodEnd', 'reportType', 'subject', 'measure']);

/** Query parameters, or a POSTed Parameters resource; each parameter at most once. */
function operationParams(req: FhirRequest): Map<string, string> {
  const pairs: [string, string][] = [...req.query];
  const body = req.body as Parameters | undefined;
  if (req.method === 'POST' && body) {
    if (body.resourceType !== 'Parameters') throw badRequest('Nội dung POST phải là Parameters', 'A POST body must be a Parameters resource');
    // Parsed JSON, not yet a valid Parameters: a part that is no object, or a value that is no
    // text, is the client's mistake (400) rather than a failure further on (500).
    const parts: unknown = body.parameter ?? [];
    if (!Array.isArray(parts)) throw badRequest('Parameters.parameter phải là một mảng', 'Parameters.parameter must be an array');
    for (const p of parts as NonNullable<Parameters['parameter']>) {
      if (typeof p?.name !== 'string') throw badRequest('Mỗi tham số cần có name', 'Each parameter needs a name');
      const value: unknown = p.valueDate ?? p.valueDateTime ?? p.valueCode ?? p.valueString ?? p.valueUri ?? p.valueCanonical ?? p.valueReference?.reference;
      if (value !== undefined && typeof value !== 'string') throw badRequest(`Tham số ${p.name} phải là chuỗi`, `Parameter ${p.name} must be a string`);
      if (value !== undefined) pairs.push([p.name, value]);
    }
  }
  const params = new Map<string, string>();
  for (const [name, value] of pairs) {
    if (!SUPPORTED.has(name)) throw notSupported(`Tham số ${echoed(name)} không được hỗ trợ`, `Parameter ${echoed(name)} is not supported`);
    if (params.has(name)) throw badRequest(`Tham số ${echoed(name)} chỉ được dùng một lần`, `Parameter ${echoed(name)} may appear only once`);
    params.set(name, value);
  }
  return params;
}

async function measureByUrl(ctx: InteractionContext, url: string | undefined): Promise<Measure> {
  if (!url) throw badRequest('Cần tham số measure (URL của Measure) hoặc gọi Measure/[id]/$evaluate-measure', 'The measure parameter (a Measure URL) is required at type level');
  const [canonical, version] = url.split('|');
  const req = ctx.repo.parseSearch('Measure', [['url', canonical], ...(version ? ([['version', version]] as [string, string][]) : []), ['_count', '2']]);
  const { resources } = await ctx.repo.search(req);
  if (resources.length !== 1) throw resources.length ? badRequest(`Nhiều Measure có URL ${echoed(url)}`, `Several Measures have URL ${echoed(url)}`) : notFound(`Measure?url=${echoed(url)}`);
  return resources[0] as Measure;
}
