import { HA_SON, type HealthManagedRule, type StationConfig } from '../station/config';
import { MEASURE, type MeasureId } from './canonical';

/**
 * What the health-criterion report counts and against which thresholds. Decision 2373/QĐ-BYT (the
 * Ministry's computation guide) was not available, so every working definition and threshold is
 * data: the defaults below, overridden by the station through the configuration Library
 * (docs/report.md, "Configuration") without a code change.
 */

export const CRITERIA_SETS = ['ntm', 'ntm-nang-cao', 'ntm-kieu-mau'] as const;
export type CriteriaSet = (typeof CRITERIA_SETS)[number];

/** The seven socio-economic regions of Decision 318/QĐ-TTg's regional thresholds. */
export const REGIONS = ['MNPB', 'DBSH', 'BTB', 'DHNTB', 'TN', 'DNB', 'DBSCL'] as const;
export type Region = (typeof REGIONS)[number];

/** A threshold in percent: `>=` for indicators to raise, `<=` for ceilings (stunting). */
export interface Threshold {
  comparator: '>=' | '<=';
  value: number;
}

export interface IndicatorRule {
  measure: MeasureId;
  /** The indicator's number in this criteria set (15.1, 14.1 …). */
  code: string;
  /** One threshold for every region; `byRegion` wins where it names the region. null: not confirmed. */
  threshold?: Threshold | null;
  byRegion?: Partial<Record<Region, Threshold | null>>;
  /** "Met for men and for women": the total and both sexes must reach the threshold. */
  bySex?: boolean;
}

export interface CriteriaSetRule {
  label: string;
  indicators: IndicatorRule[];
}

export interface ReportConfig {
  region: Region;
  defaultCriteriaSet: CriteriaSet;
  /** Residence types that make a resident, in order of preference when several cover the date. */
  residenceTypes: string[];
  /** Residents left out of every denominator (counted as denominator exclusions). */
  exclusions: { deceased: boolean; inactive: boolean };
  /** A BHYT card: Coverage of these types and statuses, valid on the reference date. */
  coverage: { typeSystem: string; typeCodes: string[]; statuses: string[] };
  /** Enrolments that count as an electronic health book, and how they must have been verified. */
  eHealthBook: { apps: string[]; verifications: string[] };
  /** Enrolments in telemedicine, and the remote consultations that count as using it. */
  telemedicine: {
    apps: string[];
    verifications: string[];
    encounterClasses: string[];
    /** 'period': a consultation within the report period; 'any': any time up to the reference date. */
    usageWindow: 'period' | 'any';
  };
  /** Height-for-age z-scores (WHO 2006) of children 0–59 months measured in the period. */
  stunting: { system: string; code: string; zBelow: number; maxAgeMonths: number; implausibleAbove: number };
  /** A managed health record: administrative part complete and records dated in the period. */
  healthManaged: {
    /** Resource type → the date search parameter that says when the record was made. */
    records: { type: string; param: string }[];
    minRecords: number;
    requiredAdministrative: HealthManagedRule['requiredAdministrative'];
  };
  /** Apps whose enrolments are counted (by app) in the app-enrolment measure. */
  appCounts: { apps: string[]; verifications: string[] };
  criteriaSets: Record<CriteriaSet, CriteriaSetRule>;
}

const pct = (comparator: Threshold['comparator'], value: number): Threshold => ({ comparator, value });

/** Indicators of the advanced set (criterion 14), which the model-commune set adopts in full. */
const ADVANCED: IndicatorRule[] = [
  { measure: MEASURE.bhyt, code: '14.1', threshold: pct('>=', 95), bySex: true },
  { measure: MEASURE.healthManaged, code: '14.2', threshold: pct('>=', 90), bySex: true },
  { measure: MEASURE.telemedicine, code: '14.3', threshold: pct('>=', 40), bySex: true },
  { measure: MEASURE.eHealthBook, code: '14.4', threshold: pct('>=', 70) },
];

/**
 * Where a type's records carry the date they were made (R4 search parameters): the records the
 * health-managed rule can count (the report keeps these dated rows per resident: src/report/sql/facts.ts).
 */
export const RECORD_DATES: Record<string, string> = {
  Encounter: 'date',
  Observation: 'date',
  Immunization: 'date',
  Condition: 'recorded-date',
  AllergyIntolerance: 'date',
  Procedure: 'date',
  FamilyMemberHistory: 'date',
};

/** The working definitions of domain/README.md §2; the health-managed rule is the station's (src/station/config.ts). */
export function defaultReportConfig(station: StationConfig = HA_SON): ReportConfig {
  return {
    region: 'BTB',
    defaultCriteriaSet: 'ntm-kieu-mau',
    residenceTypes: ['thuong-tru', 'tam-tru'],
    exclusions: { deceased: true, inactive: true },
    coverage: { typeSystem: 'http://commune-ehr.example/fhir/CodeSystem/coverage-type', typeCodes: ['bhyt'], statuses: ['active'] },
    eHealthBook: { apps: ['vneid-health-book', 'provincial-hssk'], verifications: ['self-declared', 'seen-on-phone', 'platform-confirmed'] },
    telemedicine: {
      apps: ['vtelehealth', 'other-telemedicine'],
      verifications: ['self-declared', 'seen-on-phone', 'platform-confirmed'],
      encounterClasses: ['VR'],
      usageWindow: 'period',
    },
    stunting: { system: 'http://commune-ehr.example/fhir/CodeSystem/child-growth', code: 'haz', zBelow: -2, maxAgeMonths: 60, implausibleAbove: 6 },
    healthManaged: {
      records: station.healthManaged.updateTypes.filter((t) => RECORD_DATES[t]).map((type) => ({ type, param: RECORD_DATES[type] })),
      minRecords: station.healthManaged.minUpdates,
      requiredAdministrative: station.healthManaged.requiredAdministrative,
    },
    appCounts: { apps: ['vneid-health-book', 'provincial-hssk', 'vtelehealth', 'other-telemedicine', 'station-app'], verifications: ['self-declared', 'seen-on-phone', 'platform-confirmed'] },
    criteriaSets: {
      ntm: {
        label: 'Nông thôn mới (tiêu chí 15)',
        indicators: [
          { measure: MEASURE.bhyt, code: '15.1', threshold: pct('>=', 90), bySex: true },
          { measure: MEASURE.communeCriteria, code: '15.2' },
          {
            measure: MEASURE.stunting,
            code: '15.3',
            byRegion: { MNPB: pct('<=', 24), DBSH: pct('<=', 16.5), BTB: pct('<=', 25), DHNTB: pct('<=', 22), TN: pct('<=', 26.5), DNB: pct('<=', 14.5), DBSCL: pct('<=', 19) },
          },
          // Only two regions' NTM thresholds could be confirmed; the others stay "not set" until configured.
          { measure: MEASURE.eHealthBook, code: '15.4', threshold: null, byRegion: { MNPB: pct('>=', 50), DBSH: pct('>=', 70) } },
        ],
      },
      'ntm-nang-cao': { label: 'Nông thôn mới nâng cao (tiêu chí 14)', indicators: ADVANCED },
      'ntm-kieu-mau': { label: 'Nông thôn mới kiểu mẫu (đạt đủ bộ nâng cao)', indicators: ADVANCED },
    },
  };
}

/** The threshold of an indicator for a region; undefined when none is set (pass/fail or unconfirmed). */
export function thresholdFor(rule: IndicatorRule, region: Region): Threshold | undefined {
  const regional = rule.byRegion?.[region];
  if (regional !== undefined) return regional ?? undefined;
  return rule.threshold ?? undefined;
}
