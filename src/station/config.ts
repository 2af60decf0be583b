import fs from 'node:fs';

/**
 * The commune a deployment serves. Defaults describe Hà Sơn (Thanh Hóa): the former commune 15313
 * of Hà Trung district, part of Tống Sơn (15316) since 1 July 2025. Another commune is a JSON file
 * of the same shape (STATION_CONFIG=path), see docs/station/configuration.md.
 */
export interface Village {
  /** Stable code of the village within the station (CodeSystem …/village). */
  code: string;
  name: string;
  /** Former (pre-2025) commune the village belonged to, so reports can group by it. */
  formerCommune: string;
  /** True for the names this project invented to fill the list (the plan names only four). */
  synthetic?: boolean;
}

/** A village as addresses, registers and reports write it: "Thôn Chí Phúc" (a name already starting with "Thôn" keeps one). */
export function villageText(name: string): string {
  return `Thôn ${name.replace(/^Thôn\s+/, '')}`;
}

export interface StationConfig {
  province: { code: string; name: string };
  /** The current (2025) commune the station belongs to. */
  commune: { code: string; name: string };
  /** Former communes (pre-2025 codes) now part of the commune that the station serves. */
  formerCommunes: { code: string; name: string; district: { code: string; name: string } }[];
  villages: Village[];
  station: { name: string; facilityCode: string };
  /**
   * Which resources the station rules check in full: 'claimed' — those whose meta.profile names a
   * station profile; 'all' — every resource of a type the station profiles. Element checks (a CCCD,
   * a BHYT code, an ethnic code, a village code wherever they appear) always run.
   */
  enforce: 'claimed' | 'all';
  /** Severity when a remote visit's ICD-10 code is not on the telemedicine list we hold (incomplete). */
  telemedicineListSeverity: 'error' | 'warning';
  /** ICD-10 codes added to the Circular 30/2023 list we ship (its remaining items, when available). */
  extraTelemedicineCodes: string[];
  healthManaged: HealthManagedRule;
}

/** When a resident counts as "health-managed" (indicator 14.2), see docs/station/phr.md. */
export interface HealthManagedRule {
  /** Resource types whose creation or update in the period counts as updating the record. */
  updateTypes: string[];
  /** Minimum number of such resources written in the period. */
  minUpdates: number;
  /** Administrative fields (Decision 831 part A) the Patient must have. */
  requiredAdministrative: ('name' | 'birthDate' | 'gender' | 'address' | 'identifier' | 'ethnicGroup')[];
}

export const HA_SON: StationConfig = {
  province: { code: '38', name: 'Thanh Hóa' },
  commune: { code: '15316', name: 'Tống Sơn' },
  formerCommunes: [{ code: '15313', name: 'Hà Sơn', district: { code: '392', name: 'Hà Trung' } }],
  villages: [
    { code: '15313-01', name: 'Chí Phúc', formerCommune: '15313' },
    { code: '15313-02', name: 'Giang Sơn 9', formerCommune: '15313' },
    { code: '15313-03', name: 'Cẩm Cường', formerCommune: '15313' },
    { code: '15313-04', name: 'Vĩnh An', formerCommune: '15313' },
    { code: '15313-05', name: 'Thôn Giả Lập 5', formerCommune: '15313', synthetic: true },
    { code: '15313-06', name: 'Thôn Giả Lập 6', formerCommune: '15313', synthetic: true },
    { code: '15313-07', name: 'Thôn Giả Lập 7', formerCommune: '15313', synthetic: true },
    { code: '15313-08', name: 'Thôn Giả Lập 8', formerCommune: '15313', synthetic: true },
  ],
  // The real facility code of Hà Sơn's station is not in our sources: a placeholder, to be configured.
  station: { name: 'Trạm Y tế xã Hà Sơn', facilityCode: '38999' },
  enforce: 'claimed',
  telemedicineListSeverity: 'warning',
  extraTelemedicineCodes: [],
  healthManaged: {
    updateTypes: ['Encounter', 'Observation', 'Immunization', 'Condition', 'AllergyIntolerance', 'Procedure', 'FamilyMemberHistory'],
    minUpdates: 1,
    requiredAdministrative: ['name', 'birthDate', 'gender', 'address', 'ethnicGroup'],
  },
};

/** Reads STATION_CONFIG (a JSON file overriding any of the defaults) or returns Hà Sơn's. */
export function loadStationConfig(env: NodeJS.ProcessEnv = process.env): StationConfig {
  const file = env.STATION_CONFIG;
  if (!file) return HA_SON;
  const override = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<StationConfig>;
  const config = { ...HA_SON, ...override, healthManaged: { ...HA_SON.healthManaged, ...override.healthManaged } };
  checkConfig(config);
  return config;
}

function checkConfig(config: StationConfig): void {
  if (!/^\d{2}$/.test(config.province.code)) throw new Error('STATION_CONFIG: province.code must be 2 digits');
  if (!/^\d{5}$/.test(config.commune.code)) throw new Error('STATION_CONFIG: commune.code must be 5 digits');
  const codes = new Set(config.villages.map((v) => v.code));
  if (codes.size !== config.villages.length || codes.size === 0) throw new Error('STATION_CONFIG: villages need unique codes');
  const former = new Set(config.formerCommunes.map((c) => c.code));
  const orphan = config.villages.find((v) => !former.has(v.formerCommune));
  if (orphan) throw new Error(`STATION_CONFIG: village ${orphan.code} names an unknown former commune ${orphan.formerCommune}`);
}
