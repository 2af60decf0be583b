import { BASE, cs, sd } from '../station/canonical';

/**
 * Canonical URLs of the health-criterion report: its Measures (fhir-profiles/measures/), the code
 * systems its reports use, its extensions, and the Library that holds the station's configuration.
 */

export const measureUrl = (id: string): string => `${BASE}/Measure/${id}`;

/** The Measures the report evaluates, by id (= file name under fhir-profiles/measures/). */
export const MEASURE = {
  bhyt: 'bhyt-coverage',
  stunting: 'stunting-under-5',
  healthManaged: 'health-managed',
  telemedicine: 'telemedicine',
  eHealthBook: 'e-health-book',
  communeCriteria: 'commune-health-criteria',
  appEnrolment: 'app-enrolment',
} as const;
export type MeasureKey = keyof typeof MEASURE;
export type MeasureId = (typeof MEASURE)[MeasureKey];

export const REPORT_CS = {
  /** Indicator codes of Decision 318/QĐ-TTg: 15.1 … 15.4 (NTM), 14.1 … 14.4 (NTM nâng cao). */
  indicator: cs('health-criterion-indicator'),
  criteriaSet: cs('criteria-set'),
  region: cs('vn-socioeconomic-region'),
  stratifier: cs('report-stratifier'),
  ageGroup: cs('report-age-group'),
  /** What a stored MeasureReport is (meta.tag): a saved computation, an official figure, an attestation. */
  reportKind: cs('measure-report-kind'),
  /** The follow-up population of a subject-list report. */
  population: cs('report-population'),
} as const;

export const REPORT_EXT = {
  criteriaSet: sd('criteria-set'),
  region: sd('socioeconomic-region'),
  /** On MeasureReport.group: the threshold in percent, with its comparator. */
  threshold: sd('criterion-threshold'),
  /** On MeasureReport.group (the indicator's rule) and on a stratum (that stratum alone). */
  met: sd('criterion-met'),
  /** Where an official figure comes from (e.g. the social-insurance office's list). */
  source: sd('report-source'),
  /** Free text an assessor or the station adds (the evidence of an attestation). */
  note: sd('report-note'),
} as const;

/** Composite search parameters (fhir-profiles/measures/search/): residence by village and period, one per residence type. */
export const residenceParam = (residenceType: string): string => `residence-${residenceType}`;

/** Where the station's overrides of the report configuration live (created when first changed). */
export const CONFIG_LIBRARY_URL = `${BASE}/Library/health-criterion-config`;

/** Criteria expressions name the rules of src/report/sql/ (no CQL engine is involved). */
export const RULE_LANGUAGE = 'application/x-commune-ehr-rule';

export const GENDER_SYSTEM = 'http://hl7.org/fhir/administrative-gender';
export const DATA_ABSENT = 'http://terminology.hl7.org/CodeSystem/data-absent-reason';
export const POPULATION_SYSTEM = 'http://terminology.hl7.org/CodeSystem/measure-population';
