import type { CodeSystem } from '@medplum/fhirtypes';
import bhytCategory from '../../fhir-profiles/terminology/station/CodeSystem-bhyt-category.json';
import bhytLevel from '../../fhir-profiles/terminology/station/CodeSystem-bhyt-benefit-level.json';
import enrolmentApp from '../../fhir-profiles/terminology/station/CodeSystem-enrolment-app.json';
import enrolmentVerification from '../../fhir-profiles/terminology/station/CodeSystem-enrolment-verification.json';
import enrolmentStatus from '../../fhir-profiles/terminology/station/CodeSystem-enrolment-status.json';
import epiVaccine from '../../fhir-profiles/terminology/station/CodeSystem-epi-vaccine.json';
import examSpecialty from '../../fhir-profiles/terminology/station/CodeSystem-exam-specialty.json';
import householdRole from '../../fhir-profiles/terminology/station/CodeSystem-household-role.json';
import icd10 from '../../fhir-profiles/terminology/station/CodeSystem-icd10-vn-station-subset.json';
import residenceType from '../../fhir-profiles/terminology/station/CodeSystem-residence-type.json';
import stationRecord from '../../fhir-profiles/terminology/station/CodeSystem-station-record-type.json';
import staffRole from '../../fhir-profiles/terminology/station/CodeSystem-staff-role.json';
import occupation from '../../fhir-profiles/terminology/vn-core/CodeSystem-vn-core-occupation-4069.json';
import race from '../../fhir-profiles/terminology/vn-core/CodeSystem-vn-core-race.json';
import type { StationTerminology } from '../../src/station/rules/terminology';
import { fold } from './format';

/**
 * The station's code lists, bundled from the same fhir-profiles/ files the server loads at boot
 * (so the lists cannot drift apart; a registrar may not read CodeSystem resources through the API).
 */

export interface Concept {
  code: string;
  display: string;
}

const SYSTEMS = [bhytCategory, bhytLevel, enrolmentApp, enrolmentVerification, enrolmentStatus, epiVaccine, examSpecialty, householdRole, icd10, residenceType, stationRecord, staffRole, occupation, race] as unknown as CodeSystem[];
const byUrl = new Map(SYSTEMS.map((cs) => [cs.url!, cs]));

/** The concepts of a code system, in the file's order. */
export function concepts(url: string): Concept[] {
  return (byUrl.get(url)?.concept ?? []).map((c) => ({ code: c.code, display: c.display ?? c.code }));
}

export function display(url: string, code: string | undefined): string | undefined {
  return code === undefined ? undefined : byUrl.get(url)?.concept?.find((c) => c.code === code)?.display;
}

/** A staff role as the station's code list names it (Quản trị, Nhân viên y tế…). */
export const roleDisplay = (role: string): string => display(staffRole.url, role) ?? role;

export interface Icd10Concept extends Concept {
  /** On the Circular 30/2023 list of diseases that may be examined remotely. */
  telemedicine: boolean;
  /** Folded code and display, for matching what is typed. */
  search: string;
}

export const ICD10: readonly Icd10Concept[] = (icd10 as unknown as CodeSystem).concept!.map((c) => ({
  code: c.code,
  display: c.display ?? c.code,
  telemedicine: c.property?.some((p) => p.code === 'tt30-2023' && p.valueBoolean) ?? false,
  search: fold(`${c.code} ${c.display ?? ''}`),
}));

/**
 * ICD-10 codes for what was typed: a code prefix ("j0", "J00") or Vietnamese words with or without
 * marks ("viem hong"), each word matching the start of a word of the name.
 */
export function findIcd10(typed: string, limit = 8): Icd10Concept[] {
  const words = fold(typed).trim().split(/\s+/).filter(Boolean);
  if (!words.length) return [];
  const code = words[0].replace('.', '');
  const byCode = ICD10.filter((c) => c.code.replace('.', '').toLowerCase().startsWith(code));
  const byName = ICD10.filter((c) => words.every((w) => c.search.split(/[\s(),-]+/).some((part) => part.startsWith(w))));
  return [...new Set([...byCode, ...byName])].slice(0, limit);
}

/**
 * What the server's resource builders (src/station/model/) need of the terminology: displays and
 * the ICD-10 names. They are typed for the server's full StationTerminology, which reads files;
 * the page answers the two lookups they make from its bundled lists.
 */
export const builderTerminology = {
  display: (system: string, code: string) => display(system, code),
  icd10: new Map(ICD10.map((c) => [c.code, { display: c.display, telemedicine: c.telemedicine }])),
} as unknown as StationTerminology;
