import { loadStationConfig } from '../station/config';

/**
 * What the station configures for remote care. The Circular 30/2023 list setting is the station's
 * own (`telemedicineListSeverity`, `extraTelemedicineCodes` in STATION_CONFIG, src/station/config.ts),
 * so the station's write rules and the consultation operations always agree.
 */
export interface TelemedicineSettings {
  /** A remote diagnosis off the list: 'warn' (the clinician acknowledges it) or 'refuse'. */
  offListDiagnosis: 'warn' | 'refuse';
  /** ICD-10 codes added to the list shipped in fhir-profiles/. */
  extraListCodes: readonly string[];
  /** How early before its start a resident may join a consultation. */
  joinMinutesBefore: number;
}

const JOIN_MINUTES_BEFORE = 30;

let cached: { file: string | undefined; settings: TelemedicineSettings } | undefined;

/** The settings from the station configuration file named by STATION_CONFIG (read once per file). */
export function telemedicineSettings(env: NodeJS.ProcessEnv = process.env): TelemedicineSettings {
  if (cached && cached.file === env.STATION_CONFIG) return cached.settings;
  const station = loadStationConfig(env);
  const settings: TelemedicineSettings = {
    offListDiagnosis: station.telemedicineListSeverity === 'error' ? 'refuse' : 'warn',
    extraListCodes: station.extraTelemedicineCodes,
    joinMinutesBefore: JOIN_MINUTES_BEFORE,
  };
  cached = { file: env.STATION_CONFIG, settings };
  return settings;
}
