import path from 'node:path';
import type { Database } from '../db/database';
import { loadR4Definitions, type R4Definitions } from './definitions';
import { createFhirRouter, type FhirRouter } from './router';
import { Repository } from './store/repository';
import { loadProfiles } from './validate/profiles';

export interface EngineOptions {
  stationId: string;
  timeZone: string;
  baseUrl: string;
  /** Folder of the StructureDefinitions the server enforces (default: fhir-profiles/ at the project root). */
  profilesDir?: string;
  version: string;
}

export interface FhirEngine {
  defs: R4Definitions;
  repo: Repository;
  router: FhirRouter;
}

/** Assembles the FHIR engine over a database: definitions, profiles, repository and router. */
export function createFhirEngine(db: Database, options: EngineOptions): FhirEngine {
  const defs = loadR4Definitions();
  const profiles = loadProfiles(options.profilesDir ?? path.resolve(__dirname, '../../fhir-profiles'));
  const repo = new Repository(db, { stationId: options.stationId, defs, profiles, timeZone: options.timeZone, baseUrl: options.baseUrl });
  return { defs, repo, router: createFhirRouter(defs, options.version) };
}
