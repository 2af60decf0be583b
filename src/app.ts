import express, { type Express } from 'express';
import cookieParser from 'cookie-parser';
import cors from 'cors';
import { MemoryStore } from 'express-rate-limit';
import helmet from 'helmet';
import type { Logger } from 'pino';
import type { AuthService } from './auth/service';
import type { Config } from './config/config';
import type { FhirEngine } from './fhir/engine';
import { authRoutes } from './http/auth-routes';
import { authenticate, requestRepository, requireRole } from './http/authenticate';
import { createCsrf } from './http/csrf';
import { errorHandler } from './http/errors';
import { auditParserRefusals, auditRefusals } from './http/refusal-audit';
import type { ServerLimits } from './http/server';
import { fhirRoutes } from './http/fhir-routes';
import { reportRoutes } from './http/report-routes';
import { requestLog } from './http/request-log';
import { webRoutes } from './http/web-routes';
import type { StationConfig } from './station/config';
import { stationRoutes } from './station/http/routes';

export interface AppDeps {
  config: Config;
  engine: FhirEngine;
  auth: AuthService;
  logger: Logger;
  station: StationConfig;
}

export interface App {
  app: Express;
  /**
   * Stops what the routes keep running: the sign-in limiter's sweep, a timer that would otherwise
   * keep the limiter, and everything its creation could reach, for the life of the process (each
   * test file's whole server stayed in the jest worker's heap). Call it when the server stops.
   */
  close(): void;
  /** What the HTTP server is to refuse before the app reads a request, and the audit of those refusals (server.ts). */
  serverLimits: ServerLimits;
}

/** Wiring and middleware order only. */
export function createApp({ config, engine, auth, logger, station }: AppDeps): App {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  if (config.trustProxy) app.set('trust proxy', true);
  app.use(helmet());
  app.use(cors({ origin: config.corsOrigins, credentials: true, exposedHeaders: ['ETag', 'Location', 'Last-Modified'] }));
  app.use(cookieParser());
  app.use(requestLog(logger));
  // No passport.initialize(): it only prepares login sessions, and every passport use here is
  // `session: false` (it cost each request eight properties on `req`).
  const fhirPath = new URL(config.baseUrl).pathname.replace(/\/+$/, '') || '/fhir';
  const csrf = createCsrf();
  const loginAttempts = new MemoryStore();
  app.use(authRoutes({ auth, engine, fhirPath, loginRateLimit: config.loginRateLimit, loginAttempts, csrf }));
  app.use(reportRoutes({ auth, engine, csrf, timeZone: config.timeZone, station }));
  app.use(fhirPath, fhirRoutes({ router: engine.router, engine, auth, baseUrl: config.baseUrl, maxBodyBytes: config.maxBodyBytes, csrf }));
  app.use(
    '/station',
    authenticate(auth),
    requestRepository(engine),
    csrf.protect,
    requireRole(['admin', 'clinician', 'registrar']),
    stationRoutes({ config: station, timeZone: config.timeZone, repoFor: (_req, res) => res.locals.repo }),
  );
  app.use(webRoutes());
  app.use(auditRefusals(engine, fhirPath));
  app.use(errorHandler(logger, config.maxBodyBytes));
  return { app, close: () => loginAttempts.shutdown(), serverLimits: { maxBodyBytes: config.maxBodyBytes, auditRefusal: auditParserRefusals(engine) } };
}
