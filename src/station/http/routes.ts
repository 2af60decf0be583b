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
import { buildA2Register } from '../registers/a2';
import { buildDosesGiven } from '../registers/a2-doses';
import { renderA2Csv, renderA2Html, renderDosesCsv, renderDosesHtml } from '../registers/a2-render';
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

/** A printed register: built for a period from the requester's repository, then rendered. */
interface Register<T> {
  /** The CSV's file name before the period. */
  file: string;
  build(req: Request, res: Response, from: string, to: string): Promise<T>;
  html(register: T): string;
  csv(register: T): string;
}

/** `GET /registers/{path}?from=…&to=…[&format=csv]`: the register of the period, as HTML or CSV, never cached. */
function servePrinted<T>(router: Router, path: string, register: Register<T>): void {
  router.get(`/registers/${path}`, async (req, res, next) => {
    try {
      const { from, to } = period(req);
      const format = String(req.query.format ?? 'html');
      if (format !== 'html' && format !== 'csv') throw badRequest(`Định dạng "${echoed(format)}" không hỗ trợ; dùng html hoặc csv`, `Unsupported format "${echoed(format)}"; use html or csv`);
      const built = await register.build(req, res, from, to);
      res.setHeader('Cache-Control', 'no-store');
      if (format === 'csv') {
        res.setHeader('Content-Type', 'text/csv; charset=utf-8');
        res.setHeader('Content-Disposition', `attachment; filename="${register.file}-${from}-${to}.csv"`);
        res.send(register.csv(built));
      } else {
        res.setHeader('Content-Type', 'text/html; charset=utf-8');
        res.send(register.html(built));
      }
    } catch (err) {
      next(err);
    }
  });
}

/**
 * The station's own routes, mounted at /station. Errors go to the app's error handler
 * (OperationOutcome, Vietnamese first).
 *  - `GET /registers/a1?from=YYYY-MM-DD&to=YYYY-MM-DD[&format=csv]`: the examination register as
 *    printable HTML or CSV;
 *  - `GET /registers/a2?from=…&to=…[&format=csv]`: the childhood immunisation register of the
 *    children born in the period, likewise;
 *  - `GET /registers/a2/doses?from=…&to=…[&format=csv]`: the doses of that book given in the
 *    period (the monthly report), by village;
 *  - `POST /growth` `{ patient, when, heightCm, weightKg?, lying? }`: records a child's measurement
 *    and the height-for-age z-score computed from it; answers 201 with the Observations written.
 */
export function stationRoutes(deps: StationRoutesDeps): Router {
  const router = express.Router();
  const terminology = loadStationTerminology();
  servePrinted(router, 'a1', {
    file: 'so-kham-benh-A1',
    build: (req, res, from, to) => buildA1Register({ repo: deps.repoFor(req, res), config: deps.config, terminology, timeZone: deps.timeZone }, from, to),
    html: (register) => renderA1Html(register, deps.config),
    csv: renderA1Csv,
  });
  servePrinted(router, 'a2', {
    file: 'so-tiem-chung-tre-em-A2.1',
    build: (req, res, from, to) => buildA2Register({ repo: deps.repoFor(req, res), config: deps.config, timeZone: deps.timeZone }, from, to),
    html: (register) => renderA2Html(register, deps.config),
    csv: renderA2Csv,
  });
  servePrinted(router, 'a2/doses', {
    file: 'bao-cao-tiem-chung-tre-em',
    build: (req, res, from, to) => buildDosesGiven({ repo: deps.repoFor(req, res), config: deps.config, timeZone: deps.timeZone }, from, to),
    html: (report) => renderDosesHtml(report, deps.config),
    csv: renderDosesCsv,
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
