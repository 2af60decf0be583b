import { loadStationConfig, type StationConfig } from '../station/config';

let cached: { file: string | undefined; config: StationConfig } | undefined;

/**
 * The commune's configuration (STATION_CONFIG or Hà Sơn's), read once per file: the FHIR operation
 * handler has no other way to receive it (interactions get only the repository).
 */
export function stationConfig(env: NodeJS.ProcessEnv = process.env): StationConfig {
  if (!cached || cached.file !== env.STATION_CONFIG) cached = { file: env.STATION_CONFIG, config: loadStationConfig(env) };
  return cached.config;
}
