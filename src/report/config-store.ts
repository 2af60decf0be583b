import type { Library } from '@medplum/fhirtypes';
import { badRequest, echoed } from '../fhir/outcomes';
import type { Repository } from '../fhir/store/repository';
import type { StationConfig } from '../station/config';
import { CONFIG_LIBRARY_URL, MEASURE } from './canonical';
import { CRITERIA_SETS, defaultReportConfig, RECORD_DATES, REGIONS, type ReportConfig, type Threshold } from './config';

/**
 * The station's changes to the report configuration, kept as a FHIR Library (versioned like every
 * resource, readable by officers): its one attachment is a JSON object with the keys of
 * ReportConfig to replace. Objects are merged one level deep (`{"stunting": {"zBelow": -3}}`
 * changes only the cut-off); a criteria set given is replaced whole.
 */

export interface EffectiveConfig {
  config: ReportConfig;
  /** `Library/<id>/_history/<v>` when the station has changed anything (recorded in saved reports). */
  source?: string;
}

/** The defaults merged with the station's Library, when there is one. */
export async function loadReportConfig(repo: Repository, station: StationConfig): Promise<EffectiveConfig> {
  const library = await findConfigLibrary(repo);
  const defaults = defaultReportConfig(station);
  if (!library) return { config: defaults };
  const override = decodeOverride(library);
  return { config: mergeConfig(defaults, override), source: `Library/${library.id}/_history/${library.meta?.versionId}` };
}

/** Validates and stores the station's overrides (a new version of the Library). */
export async function saveReportOverride(repo: Repository, station: StationConfig, override: unknown): Promise<EffectiveConfig> {
  if (!override || typeof override !== 'object' || Array.isArray(override)) throw invalid('cấu hình phải là một đối tượng JSON', 'the configuration must be a JSON object');
  const config = mergeConfig(defaultReportConfig(station), override as Partial<ReportConfig>);
  const library: Library = {
    resourceType: 'Library',
    url: CONFIG_LIBRARY_URL,
    name: 'HealthCriterionConfig',
    title: 'Cấu hình báo cáo tiêu chí y tế / Health-criterion report configuration',
    status: 'active',
    type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/library-type', code: 'asset-collection' }] },
    description: 'Định nghĩa và ngưỡng do trạm điều chỉnh (docs/report.md). / The station\'s working definitions and thresholds.',
    content: [{ contentType: 'application/json', data: Buffer.from(JSON.stringify(override), 'utf8').toString('base64') }],
  };
  const { resource } = await repo.conditionalUpdate('Library', `url=${encodeURIComponent(CONFIG_LIBRARY_URL)}`, library);
  return { config, source: `Library/${resource.id}/_history/${resource.meta?.versionId}` };
}

async function findConfigLibrary(repo: Repository): Promise<Library | undefined> {
  const req = repo.parseSearch('Library', [['url', CONFIG_LIBRARY_URL], ['_count', '1']]);
  req.total = 'none';
  const { resources } = await repo.search(req);
  return resources[0] as Library | undefined;
}

function decodeOverride(library: Library): Partial<ReportConfig> {
  const data = library.content?.find((c) => c.contentType?.startsWith('application/json'))?.data;
  if (!data) return {};
  try {
    return JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as Partial<ReportConfig>;
  } catch {
    throw invalid(`Library/${library.id} không chứa JSON hợp lệ`, `Library/${library.id} does not hold valid JSON`);
  }
}

/** Defaults with `override` applied; throws 400 (Vietnamese, then English) on anything invalid. */
export function mergeConfig(defaults: ReportConfig, override: Partial<ReportConfig>): ReportConfig {
  const merged: Record<string, unknown> = { ...defaults };
  for (const [key, value] of Object.entries(override)) {
    if (!(key in defaults)) throw invalid(`khóa "${echoed(key)}" không có trong cấu hình`, `unknown key "${echoed(key)}"`);
    const base = (defaults as unknown as Record<string, unknown>)[key];
    const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
    merged[key] = isObject(base) && isObject(value) ? { ...base, ...value } : value;
  }
  const config = merged as unknown as ReportConfig;
  checkConfig(config);
  return config;
}

function checkConfig(c: ReportConfig): void {
  if (!REGIONS.includes(c.region)) throw invalid(`vùng "${echoed(c.region)}" không hợp lệ (${REGIONS.join(', ')})`, `unknown region "${echoed(c.region)}"`);
  if (!CRITERIA_SETS.includes(c.defaultCriteriaSet)) throw invalid(`bộ tiêu chí "${echoed(c.defaultCriteriaSet)}" không hợp lệ`, `unknown criteria set "${echoed(c.defaultCriteriaSet)}"`);
  const lists: [string, unknown][] = [
    ['residenceTypes', c.residenceTypes],
    ['coverage.typeCodes', c.coverage?.typeCodes],
    ['coverage.statuses', c.coverage?.statuses],
    ['eHealthBook.apps', c.eHealthBook?.apps],
    ['eHealthBook.verifications', c.eHealthBook?.verifications],
    ['telemedicine.apps', c.telemedicine?.apps],
    ['telemedicine.verifications', c.telemedicine?.verifications],
    ['telemedicine.encounterClasses', c.telemedicine?.encounterClasses],
    ['appCounts.apps', c.appCounts?.apps],
    ['appCounts.verifications', c.appCounts?.verifications],
    ['healthManaged.requiredAdministrative', c.healthManaged?.requiredAdministrative],
  ];
  for (const [name, list] of lists) {
    if (!Array.isArray(list) || !list.every((x) => typeof x === 'string' && x.length > 0)) throw invalid(`${name} phải là danh sách mã`, `${name} must be a list of codes`);
  }
  if (!c.residenceTypes.length) throw invalid('cần ít nhất một loại cư trú', 'residenceTypes must not be empty');
  if (!['period', 'any'].includes(c.telemedicine.usageWindow)) throw invalid('telemedicine.usageWindow là "period" hoặc "any"', 'telemedicine.usageWindow must be "period" or "any"');
  const s = c.stunting;
  if (![s?.zBelow, s?.maxAgeMonths, s?.implausibleAbove].every(Number.isFinite)) throw invalid('stunting cần zBelow, maxAgeMonths, implausibleAbove là số', 'stunting needs numeric zBelow, maxAgeMonths, implausibleAbove');
  const h = c.healthManaged;
  if (!Array.isArray(h?.records) || !h.records.every((r) => /^[A-Z][A-Za-z]+$/.test(r?.type ?? '') && /^[a-z][a-z-]*$/.test(r?.param ?? ''))) {
    throw invalid('healthManaged.records là danh sách {type, param}', 'healthManaged.records must be a list of {type, param}');
  }
  // The report keeps the dated rows of these records only (src/report/sql/facts.ts).
  const unknown = h.records.find((r) => RECORD_DATES[r.type] !== r.param);
  if (unknown) {
    const known = Object.entries(RECORD_DATES).map(([type, param]) => `${type}.${param}`).join(', ');
    throw invalid(`healthManaged.records: ${unknown.type}.${unknown.param} không phải ngày ghi hồ sơ (${known})`, `healthManaged.records: ${unknown.type}.${unknown.param} is not a record date (${known})`);
  }
  if (!Number.isInteger(h.minRecords) || h.minRecords < 0) throw invalid('healthManaged.minRecords phải là số nguyên ≥ 0', 'healthManaged.minRecords must be an integer ≥ 0');
  for (const set of CRITERIA_SETS) checkCriteriaSet(set, c.criteriaSets?.[set]);
}

function checkCriteriaSet(set: string, rule: ReportConfig['criteriaSets'][keyof ReportConfig['criteriaSets']] | undefined): void {
  if (!rule || typeof rule.label !== 'string' || !Array.isArray(rule.indicators)) throw invalid(`bộ tiêu chí ${set} thiếu label hoặc indicators`, `criteria set ${set} needs label and indicators`);
  const measures = Object.values(MEASURE) as string[];
  for (const ind of rule.indicators) {
    if (!measures.includes(ind?.measure)) throw invalid(`chỉ tiêu ${ind?.code} của ${set}: measure "${ind?.measure}" không tồn tại`, `indicator ${ind?.code} of ${set}: unknown measure "${ind?.measure}"`);
    if (typeof ind.code !== 'string') throw invalid(`chỉ tiêu của ${set} thiếu mã`, `an indicator of ${set} has no code`);
    for (const t of [ind.threshold, ...Object.values(ind.byRegion ?? {})]) checkThreshold(`${set} ${ind.code}`, t);
    for (const region of Object.keys(ind.byRegion ?? {})) {
      if (!(REGIONS as readonly string[]).includes(region)) throw invalid(`${set} ${ind.code}: vùng "${region}" không hợp lệ`, `${set} ${ind.code}: unknown region "${region}"`);
    }
  }
}

function checkThreshold(where: string, t: Threshold | null | undefined): void {
  if (t === null || t === undefined) return;
  if (!['>=', '<='].includes(t.comparator) || !Number.isFinite(t.value) || t.value < 0 || t.value > 100) {
    throw invalid(`${where}: ngưỡng cần comparator ">=" hoặc "<=" và value từ 0 đến 100`, `${where}: a threshold needs comparator ">=" or "<=" and a value from 0 to 100`);
  }
}

const invalid = (vi: string, en: string) => badRequest(`Cấu hình báo cáo không hợp lệ: ${vi}`, `Invalid report configuration: ${en}`);

