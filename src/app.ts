import express, { type Express } from 'express';
import type { Logger } from 'pino';
import type { Config } from './config/config';
import type { FhirEngine } from './fhir/engine';
import { errorHandler } from './http/errors';
import { fhirRoutes } from './http/fhir-routes';
import { requestLog } from './http/request-log';

export interface AppDeps {
  config: Config;
  engine: FhirEngine;
  logger: Logger;
}

/** Wiring and middleware order only. */
export function createApp({ config, engine, logger }: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(requestLog(logger));
  const basePath = new URL(config.baseUrl).pathname.replace(/\/+$/, '') || '/fhir';
  app.use(basePath, fhirRoutes({ router: engine.router, repo: engine.repo, baseUrl: config.baseUrl, maxBodyBytes: config.maxBodyBytes }));
  app.use(errorHandler(logger, config.maxBodyBytes));
  return app;
}
