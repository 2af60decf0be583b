import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import type { FhirRequest, FhirResponse, InteractionContext } from '../../src/fhir/request';
import { extendDefinitions, loadR4Definitions } from '../../src/fhir/definitions';
import { createFhirEngine, type FhirEngine } from '../../src/fhir/engine';
import { loadConformancePack, type LoadedPack } from '../../src/fhir/validate/profiles';
import { validate } from '../../src/fhir/validate/validator';
import { HA_SON, type StationConfig } from '../../src/station/config';
import { PROFILE_SOURCES_DIR, writePack } from '../../src/station/profiles/pack';
import { stationWriteChecks } from '../../src/station/engine';
import { stationRules } from '../../src/station/rules';
import { createTestDatabase } from '../helpers/database';
import type { Database } from '../../src/db/database';

let builtDir: string | undefined;

/** Builds fhir-profiles/ (snapshots included) into a temporary folder, once per test file. */
export function builtPackDir(): string {
  if (!builtDir) {
    builtDir = fs.mkdtempSync(path.join(os.tmpdir(), 'station-pack-'));
    writePack(PROFILE_SOURCES_DIR, builtDir);
  }
  return builtDir;
}

export interface StationValidator {
  pack: LoadedPack;
  /** Every issue the engine would report on a write (FHIR validation, claimed profiles, station rules). */
  issues(resource: Resource, config?: StationConfig): OperationOutcomeIssue[];
}

/** The engine's own validation path, without a database. */
export function stationValidator(): StationValidator {
  const pack = loadConformancePack(builtPackDir());
  const defs = extendDefinitions(loadR4Definitions(), pack);
  return { pack, issues: (resource, config = HA_SON) => validate(resource, defs, pack, stationRules(config, 'Asia/Ho_Chi_Minh')) };
}

export const errorsOf = (issues: OperationOutcomeIssue[]): OperationOutcomeIssue[] => issues.filter((i) => i.severity === 'error' || i.severity === 'fatal');

export interface StationEngine {
  engine: FhirEngine;
  db: Database;
  /** Runs one FHIR interaction through the engine's router, as the HTTP layer does. */
  dispatch(req: Omit<FhirRequest, 'headers'> & { headers?: FhirRequest['headers'] }): Promise<FhirResponse>;
  close(): Promise<void>;
}

const BASE_URL = 'http://station.test/fhir';

/**
 * The engine as the station runs it: the built pack (profiles with snapshots, our search
 * parameters and code systems) and the station rules, over a throwaway database (PostgreSQL when
 * DATABASE_URL is set, else embedded PGlite). The HTTP app is being given authentication by another
 * issue, so these tests drive the engine and its router directly (real database, real router).
 */
export async function startStationEngine(config: StationConfig = HA_SON): Promise<StationEngine> {
  const db = await createTestDatabase();
  const engine = createFhirEngine(db, {
    stationId: 'default',
    timeZone: 'Asia/Ho_Chi_Minh',
    baseUrl: BASE_URL,
    version: 'test',
    profilesDir: builtPackDir(),
    ...stationWriteChecks(config, 'Asia/Ho_Chi_Minh'),
  });
  const ctx: InteractionContext = { repo: engine.repo, baseUrl: BASE_URL, dispatch: (r, c) => engine.router.dispatch(r, c) };
  return {
    engine,
    db,
    dispatch: (req) => engine.router.dispatch({ headers: {}, ...req }, ctx),
    close: () => engine.repo.flushAudit().then(() => db.close()),
  };
}

/** Serves an express router, then an error handler, on a free loopback port (the station's own HTTP routes). */
export async function serveRouter(path: string, router: express.Router, onError: express.ErrorRequestHandler): Promise<{ url: string; close(): Promise<void> }> {
  const app = express();
  app.use(path, router);
  app.use(onError);
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
