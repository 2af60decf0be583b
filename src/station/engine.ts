import type { Config } from '../config/config';
import type { Database } from '../db/database';
import { createFhirEngine, type FhirEngine } from '../fhir/engine';
import type { Derivation } from '../fhir/store/derivation';
import { version } from '../version';
import type { StationConfig } from './config';
import { heightForAgeDerivation } from './growth/derive';
import { STATION_UNIQUE_IDENTIFIERS } from './identifiers/unique';
import { loadGrowthTables, referenceDataDirs } from './growth/tables';
import { BUILT_PROFILES_DIR, PROJECT_ROOT } from './profiles/pack';
import { stationRules } from './rules';
import { afterBirthCheck } from './rules/after-birth';
import { residentCorrectionCheck } from './rules/resident-correction';

/**
 * The FHIR engine as the station runs it: its built profile pack (profiles, search parameters,
 * code systems), its rules on every write, the records derived from writes (z-scores) and the identifiers no two
 * residents share. The server, the seed and the re-index all use this,
 * so none of them indexes or validates with other definitions than the others.
 */
export function createStationEngine(db: Database, config: Config, station: StationConfig): FhirEngine {
  return createFhirEngine(db, {
    stationId: config.stationId,
    timeZone: config.timeZone,
    baseUrl: config.baseUrl,
    version,
    profilesDir: BUILT_PROFILES_DIR,
    rules: stationRules(station, config.timeZone),
    derivations: stationDerivations(station, config.timeZone),
    uniqueIdentifiers: STATION_UNIQUE_IDENTIFIERS,
  });
}

/**
 * What runs in a write's transaction beside the rules: the checks that a record fits its resident
 * — not dated before their birth, no diagnosis only the other sex can have — when the record is
 * written and when the resident's birth date or sex is corrected; and the height-for-age z-score,
 * when the WHO tables are installed.
 */
export function stationDerivations(station: StationConfig, timeZone: string, tables = loadGrowthTables(referenceDataDirs(PROJECT_ROOT))): Derivation[] {
  return [afterBirthCheck(station, timeZone), residentCorrectionCheck(station, timeZone), ...(tables ? [heightForAgeDerivation(tables, timeZone)] : [])];
}
