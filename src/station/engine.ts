import type { Config } from '../config/config';
import type { Database } from '../db/database';
import { createFhirEngine, type EngineOptions, type FhirEngine } from '../fhir/engine';
import { version } from '../version';
import type { StationConfig } from './config';
import { heightForAgeDerivation } from './growth/derive';
import { stationNumberAssignment } from './identifiers/station-number';
import { STATION_UNIQUE_IDENTIFIERS } from './identifiers/unique';
import { loadGrowthTables, referenceDataDirs } from './growth/tables';
import { BUILT_PROFILES_DIR, PROJECT_ROOT } from './profiles/pack';
import { stationRules } from './rules';
import { fitsResidentCheck } from './rules/fits-resident';
import { residentCorrectionCheck } from './rules/resident-correction';
import { oneAppointmentPerSlot } from '../telemedicine/slot-holding';

/**
 * The FHIR engine as the station runs it: its built profile pack (profiles, search parameters,
 * code systems) and its checks on every write (stationWriteChecks). The server, the seed and the
 * re-index all use this, so none of them indexes or validates with other definitions than the others.
 */
export function createStationEngine(db: Database, config: Config, station: StationConfig): FhirEngine {
  return createFhirEngine(db, {
    stationId: config.stationId,
    timeZone: config.timeZone,
    baseUrl: config.baseUrl,
    version,
    profilesDir: BUILT_PROFILES_DIR,
    ...stationWriteChecks(station, config.timeZone),
  });
}

/**
 * What the station adds to every write, in one place so that tests and benches run the checks the
 * server runs: the rules on the written resource; what runs in the write's transaction beside them
 * — the checks that a record fits its resident (not dated before their birth, no diagnosis only the
 * other sex can have) when the record is written and when the resident's birth date or sex is
 * corrected, that no two appointments hold one slot (src/telemedicine/slot-holding.ts), and the
 * height-for-age z-score when the WHO tables are installed; the identifiers
 * no two residents share; and the station number a resident is registered under.
 */
export function stationWriteChecks(station: StationConfig, timeZone: string): Required<Pick<EngineOptions, 'assignments' | 'rules' | 'derivations' | 'uniqueIdentifiers'>> {
  const tables = loadGrowthTables(referenceDataDirs(PROJECT_ROOT));
  return {
    assignments: [stationNumberAssignment(station)],
    rules: stationRules(station, timeZone),
    derivations: [fitsResidentCheck(station, timeZone), residentCorrectionCheck(station, timeZone), oneAppointmentPerSlot(), ...(tables ? [heightForAgeDerivation(tables, timeZone)] : [])],
    uniqueIdentifiers: STATION_UNIQUE_IDENTIFIERS,
  };
}
