import type { Config } from '../config/config';
import type { Database } from '../db/database';
import { createFhirEngine, type FhirEngine } from '../fhir/engine';
import { version } from '../version';
import type { StationConfig } from './config';
import { BUILT_PROFILES_DIR } from './profiles/pack';
import { stationRules } from './rules';

/**
 * The FHIR engine as the station runs it: its built profile pack (profiles, search parameters,
 * code systems) and its rules on every write. The server, the seed and the re-index all use this,
 * so none of them indexes or validates with other definitions than the others.
 */
export function createStationEngine(db: Database, config: Config, station: StationConfig): FhirEngine {
  return createFhirEngine(db, {
    stationId: config.stationId,
    timeZone: config.timeZone,
    baseUrl: config.baseUrl,
    version,
    profilesDir: BUILT_PROFILES_DIR,
    rules: stationRules(station),
  });
}
