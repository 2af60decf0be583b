import { PROJECT_ROOT } from '../paths';
import path from 'node:path';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { Location, Measure, Patient, Practitioner, Reference } from '@medplum/fhirtypes';
import type { AuthService } from '../auth/service';
import type { FhirEngine } from '../fhir/engine';
import { badRequest, echoed } from '../fhir/outcomes';
import { localDay } from '../fhir/search/dates';
import type { Repository } from '../fhir/store/repository';
import { mayListPeople, requirePeople } from '../report/access';
import { MEASURE, type MeasureId } from '../report/canonical';
import { CRITERIA_SETS, type CriteriaSet } from '../report/config';
import { loadReportConfig, saveReportOverride } from '../report/config-store';
import { saveDossier } from '../report/dossier';
import { evaluateMeasure, type Scope } from '../report/evaluate';
import { buildHealthCriterion, type HealthCriterionView } from '../report/health-criterion';
import { parsePeriod, type ReportPeriod } from '../report/period';
import { stationConfig } from '../report/station';
import { recordAttestation, recordOfficialFigure } from '../report/stored';
import { SID } from '../station/canonical';
import type { StationConfig } from '../station/config';
import { readMany } from '../station/registers/fetch';
import { renderCsv } from '../web/reports/csv';
import { followUpIds, renderFollowUp } from '../web/reports/follow-up';
import { renderPage } from '../web/reports/page';
import { renderPdf } from '../web/reports/pdf';
import { authenticate, requestRepository, requireRole, type Authenticated } from './authenticate';
import type { Csrf } from './csrf';
import { jsonBodyParser } from './json-body';

export interface ReportRoutesDeps {
  auth: AuthService;
  engine: FhirEngine;
  csrf: Csrf;
  timeZone: string;
  /** The commune (default: STATION_CONFIG or Hà Sơn's). */
  station?: StationConfig;
}

/** Roles that read the report: officers, and station staff who see more. */
const READERS = ['officer', 'registrar', 'clinician', 'admin'];
/** Roles that may save the dossier and enter official figures (the assessor is an officer). */
const ASSESSORS = ['officer', 'clinician', 'admin'];
/** Roles that record the 15.2 attestation (station staff). */
const ATTESTERS = ['clinician', 'admin'];

// No inline script, nothing from elsewhere; no upgrade-insecure-requests (the station serves plain http on its network).
const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/** Where the page's assets are: src/web/reports/assets, uPlot's and Noto Sans' files in node_modules. */
function assetDirs(): { own: string; uplot: string; fonts: string } {
  const root = PROJECT_ROOT;
  return {
    own: path.join(root, 'src', 'web', 'reports', 'assets'),
    uplot: path.dirname(require.resolve('uplot/dist/uPlot.iife.min.js')),
    fonts: path.dirname(require.resolve('@fontsource/noto-sans/400.css')),
  };
}

/**
 * The health-criterion report for people: GET /reports/health-criterion (HTML), .csv, .pdf, the
 * follow-up lists (staff), and the assessors' writes (save, official figures, attestation,
 * configuration). Errors go to the app's error handler (OperationOutcome, Vietnamese first).
 */
export function reportRoutes(deps: ReportRoutesDeps): Router {
  const { auth, engine, csrf } = deps;
  const station = deps.station ?? stationConfig();
  const router = express.Router();
  const json = jsonBodyParser('64kb');
  const signedIn = [authenticate(auth), requestRepository(engine)];
  const dirs = assetDirs();
  const cache = { maxAge: '1d', index: false };
  router.use('/reports/assets/fonts', express.static(dirs.fonts, cache));
  router.use('/reports/assets', express.static(dirs.own, cache), express.static(dirs.uplot, cache));

  const handle = (work: (req: Request, res: Response) => Promise<void>) => (req: Request, res: Response, next: NextFunction) => work(req, res).catch(next);
  const view = async (req: Request, res: Response, trend = true): Promise<HealthCriterionView> => {
    const repo = res.locals.repo as Repository;
    const { period, set, village } = choice(req.query, deps.timeZone);
    return buildHealthCriterion({ repo, station, criteriaSet: set, period, scope: await villageScope(repo, station, village), trend });
  };
  const pageOptions = (req: Request, res: Response) => {
    const roles = ((res.locals.auth as Authenticated).claims.roles ?? []) as string[];
    const any = (list: string[]): boolean => roles.some((r) => list.includes(r));
    return {
      station,
      timeZone: deps.timeZone,
      query: queryOf(req),
      can: { save: any(ASSESSORS), enterFigures: any(ASSESSORS), attest: any(ATTESTERS), followUp: mayListPeople(res.locals.repo) },
    };
  };

  router.get('/reports/health-criterion', ...signedIn, requireRole(READERS), handle(async (req, res) => {
    const v = await view(req, res);
    const flash = typeof req.query.done === 'string' ? req.query.done.slice(0, 200) : undefined;
    sendHtml(res, renderPage(v, { ...pageOptions(req, res), csrfToken: csrf.issue(req, res), flash }));
  }));

  router.get('/reports/health-criterion.csv', ...signedIn, requireRole(READERS), handle(async (req, res) => {
    const v = await view(req, res);
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="bao-cao-tieu-chi-y-te-${v.criteriaSet}-${v.period.start}-${v.period.end}.csv"`);
    res.setHeader('Cache-Control', 'no-store');
    res.send(renderCsv(v, station));
  }));

  router.get('/reports/health-criterion.pdf', ...signedIn, requireRole(READERS), handle(async (req, res) => {
    const v = await view(req, res);
    const html = renderPage(v, { ...pageOptions(req, res), forPdf: true });
    const pdf = await renderPdf(html, `http://127.0.0.1:${req.socket.localPort}`);
    res.setHeader('Content-Type', 'application/pdf');
    res.setHeader('Content-Disposition', `attachment; filename="bao-cao-tieu-chi-y-te-${v.criteriaSet}-${v.period.end}.pdf"`);
    res.setHeader('Cache-Control', 'no-store');
    res.send(pdf);
  }));

  router.get('/reports/health-criterion/follow-up', ...signedIn, handle(async (req, res) => {
    const repo = res.locals.repo as Repository;
    requirePeople(repo);
    const measureId = String(req.query.measure ?? '') as MeasureId;
    if (!(Object.values(MEASURE) as string[]).includes(measureId) || measureId === MEASURE.communeCriteria || measureId === MEASURE.appEnrolment) {
      throw badRequest('Tham số measure không hợp lệ', 'Unknown or uncounted measure');
    }
    const { period, village } = choice(req.query, deps.timeZone);
    const measure = (await repo.read('Measure', measureId)) as Measure;
    const report = await evaluateMeasure({ repo, station, measure, period, reportType: 'subject-list', scope: await villageScope(repo, station, village) });
    const ids = followUpIds(report);
    const patients = await readMany<Patient>(repo, 'Patient', ids);
    const code = measure.identifier?.map((i) => i.value).join(' / ') ?? '';
    sendHtml(res, renderFollowUp((measure.title ?? '').split(' / ')[0], code, period, ids, patients, station, `/reports/health-criterion?${queryOf(req)}`));
  }));

  router.post('/reports/health-criterion/save', json, ...signedIn, csrf.protect, requireRole(ASSESSORS), handle(async (req, res) => {
    const repo = writer(engine, res);
    const { period, set, village } = choice(req.body ?? {}, deps.timeZone);
    const v = await buildHealthCriterion({ repo, station, criteriaSet: set, period, scope: await villageScope(repo, station, village), trend: false });
    const saved = await saveDossier(repo, v, station, await reporterOf(engine, res));
    res.status(201).json({ message: `Đã lưu ${saved.length} báo cáo`, reports: saved.map((r) => `MeasureReport/${r.id}/_history/${r.meta?.versionId}`) });
  }));

  router.post('/reports/health-criterion/official-figures', json, ...signedIn, csrf.protect, requireRole(ASSESSORS), handle(async (req, res) => {
    const b = req.body ?? {};
    const { period } = choice(b, deps.timeZone);
    const stored = await recordOfficialFigure(writer(engine, res), { measure: b.measure, period, numerator: Number(b.numerator), denominator: Number(b.denominator), source: String(b.source ?? ''), note: b.note ? String(b.note) : undefined }, await reporterOf(engine, res));
    res.status(201).json({ message: 'Đã ghi số liệu chính thức', report: `MeasureReport/${stored.id}` });
  }));

  router.post('/reports/health-criterion/attestation', json, ...signedIn, csrf.protect, requireRole(ATTESTERS), handle(async (req, res) => {
    const b = req.body ?? {};
    const { period } = choice(b, deps.timeZone);
    const met = b.met === true || b.met === 'true' ? true : b.met === false || b.met === 'false' ? false : undefined;
    const stored = await recordAttestation(res.locals.repo, { period, met: met as boolean, note: String(b.note ?? '') }, await reporterOf(engine, res));
    res.status(201).json({ message: 'Đã ghi xác nhận', report: `MeasureReport/${stored.id}` });
  }));

  router.get('/reports/health-criterion/config', ...signedIn, requireRole(READERS), handle(async (_req, res) => {
    res.json(await loadReportConfig(res.locals.repo, station));
  }));

  router.put('/reports/health-criterion/config', json, ...signedIn, csrf.protect, requireRole(['admin']), handle(async (req, res) => {
    res.json(await saveReportOverride(res.locals.repo, station, req.body));
  }));
  return router;
}

/**
 * The signed-in user's repository, allowed besides their role to write MeasureReports: this is how
 * an officer (who otherwise only reads) saves the dossier and enters official figures. Audited as them.
 */
function writer(engine: FhirEngine, res: Response): Repository {
  const policy = (res.locals.auth as Authenticated).policy;
  return engine.repo.as({ ...policy, allows: (type, action) => policy.allows(type, action) || (type === 'MeasureReport' && action !== 'd') });
}

/** Who entered something: the staff member's Practitioner, with their name. */
async function reporterOf(engine: FhirEngine, res: Response): Promise<Reference> {
  const { claims, policy } = res.locals.auth as Authenticated;
  const ref = claims.fhirUser;
  const id = ref?.startsWith('Practitioner/') ? ref.slice('Practitioner/'.length) : undefined;
  const practitioner = id ? ((await engine.repo.read('Practitioner', id).catch(() => undefined)) as Practitioner | undefined) : undefined;
  return { reference: ref, display: practitioner?.name?.[0]?.text ?? policy.actor.display ?? claims.sub };
}

interface Choice {
  period: ReportPeriod;
  set?: CriteriaSet;
  village?: string;
}

/**
 * set, from, to and village from the query (defaults: this year to date in the station's time
 * zone, the configured set, the commune).
 */
export function choice(q: Record<string, unknown>, timeZone: string, now = new Date()): Choice {
  const today = localDay(timeZone, now.getTime());
  const period = parsePeriod(q.from || `${today.slice(0, 4)}-01-01`, q.to || today);
  const set = q.set ? String(q.set) : undefined;
  if (set !== undefined && !(CRITERIA_SETS as readonly string[]).includes(set)) throw badRequest(`Bộ tiêu chí "${echoed(set)}" không có (${CRITERIA_SETS.join(', ')})`, `Unknown criteria set "${echoed(set)}"`);
  return { period, set: set as CriteriaSet | undefined, village: q.village ? String(q.village) : undefined };
}

async function villageScope(repo: Repository, station: StationConfig, code: string | undefined): Promise<Scope> {
  if (!code) return {};
  if (!station.villages.some((v) => v.code === code)) throw badRequest(`Thôn "${echoed(code)}" không thuộc xã`, `Village "${echoed(code)}" is not one of the commune's`);
  const req = repo.parseSearch('Location', [['identifier', `${SID.village}|${code}`], ['_count', '1']]);
  const location = (await repo.search(req)).resources[0] as Location | undefined;
  return { village: code, reference: location ? { reference: `Location/${location.id}`, display: location.name } : undefined };
}

function queryOf(req: Request): string {
  const q = req.query as Record<string, unknown>;
  return new URLSearchParams(['set', 'from', 'to', 'village'].filter((k) => typeof q[k] === 'string' && q[k]).map((k) => [k, String(q[k])])).toString();
}

function sendHtml(res: Response, html: string): void {
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Content-Security-Policy', CSP);
  res.setHeader('Cache-Control', 'no-store');
  res.send(html);
}
