import express, { type Request, type Response, type Router } from 'express';
import type { Repository } from '../../fhir/store/repository';
import { badRequest, echoed, OperationOutcomeError, outcome } from '../../fhir/outcomes';
import { jsonBodyParser } from '../../http/json-body';
import type { StationConfig } from '../config';
import { recordGrowth, type GrowthMeasurement } from '../growth/record';
import { loadGrowthTables, referenceDataDirs } from '../growth/tables';
import { PROJECT_ROOT } from '../profiles/pack';
import { buildA1Register } from '../registers/a1';
import { renderA1Csv, renderA1Html } from '../registers/a1-render';
import { loadStationTerminology } from '../rules/terminology';

export interface StationRoutesDeps {
  config: StationConfig;
  timeZone: string;
  /**
   * The repository acting for this request: the signed-in user's (`res.locals.repo` after
   * authenticate + requestRepository), so the register reads with their access and is audited.
   */
  repoFor(req: Request, res: Response): Repository;
}

const MAX_DAYS = 366;

/**
 * The station's own routes, mounted at /station. Errors go to the app's error handler
 * (OperationOutcome, Vietnamese first).
 *  - `GET /registers/a1?from=YYYY-MM-DD&to=YYYY-MM-DD[&format=csv]`: the examination register as
 *    printable HTML or CSV;
 *  - `POST /growth` `{ patient, when, heightCm, weightKg?, lying? }`: records a child's measurement
 *    and the height-for-age z-score computed from it; answers 201 with the Observations written.
 */
export function stationRoutes(deps: StationRoutesDeps): Router {
  const router = express.Router();
  const terminology = loadStationTerminology();
  router.get('/registers/a1', async (req, res, next) => {
    try {
      const { from, to } = period(req);
      const format = String(req.query.format ?? 'html');
      if (format !== 'html' && format !== 'csv') throw badRequest(`Định dạng "${echoed(format)}" không hỗ trợ; dùng html hoặc csv`, `Unsupported format "${echoed(format)}"; use html or csv`);
      const register = await buildA1Register({ repo: deps.repoFor(req, res), config: deps.config, terminology, timeZone: deps.timeZone }, from, to);
      res.setHeader('Cache-Control', 'no-store');
      if (format === 'csv') {
        res.setHeader('Content-Type', 'text/csv; charset=utf-8');
        res.setHeader('Content-Disposition', `attachment; filename="so-kham-benh-A1-${from}-${to}.csv"`);
        res.send(renderA1Csv(register));
      } else {
        res.setHeader('Content-Type', 'text/html; charset=utf-8');
        res.send(renderA1Html(register, deps.config));
      }
    } catch (err) {
      next(err);
    }
  });
  const tables = loadGrowthTables(referenceDataDirs(PROJECT_ROOT));
  router.post('/growth', jsonBodyParser('16kb'), async (req, res, next) => {
    try {
      if (!tables) {
        throw new OperationOutcomeError(outcome('error', 'not-supported', 'Máy chủ không có bảng tăng trưởng WHO / The WHO growth tables are not installed'), 503);
      }
      const written = await recordGrowth(deps.repoFor(req, res), (req.body ?? {}) as GrowthMeasurement);
      res.status(201).type('application/fhir+json').send(JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry: written.map((resource) => ({ resource })) }));
    } catch (err) {
      next(err);
    }
  });
  return router;
}

/** from/to: calendar dates, from ≤ to, at most a year apart. */
function period(req: Request): { from: string; to: string } {
  const from = String(req.query.from ?? '');
  const to = String(req.query.to ?? '');
  const valid = (d: string): boolean => /^\d{4}-\d{2}-\d{2}$/.test(d) && !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d);
  if (!valid(from) || !valid(to)) {
    throw badRequest('Cần tham số from và to dạng YYYY-MM-DD (ví dụ from=2025-09-01&to=2025-09-30)', 'from and to are required as YYYY-MM-DD');
  }
  if (from > to) throw badRequest('Ngày bắt đầu (from) phải trước ngày kết thúc (to)', 'from must not be after to');
  if ((Date.parse(to) - Date.parse(from)) / 86_400_000 > MAX_DAYS) throw badRequest(`Kỳ báo cáo tối đa ${MAX_DAYS} ngày`, `The period may span at most ${MAX_DAYS} days`);
  return { from, to };
}
