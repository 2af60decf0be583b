import type { Basic, Condition, Coverage, Encounter, Group, Immunization, Location, Observation, Organization, Patient, RelatedPerson, Resource } from '@medplum/fhirtypes';
import type { ResourceRule } from '../../fhir/validate/validator';
import { CS, PROFILE } from '../canonical';
import type { StationConfig } from '../config';
import type { RuleContext } from './common';
import { claims, type Issue } from './issues';
import { carerIssues, householdIssues, patientElementIssues, residentIssues } from './resident';
import { coverageIssues, enrolmentIssues, immunizationIssues, locationIssues, organizationIssues } from './records';
import { futureDateIssues } from './record-dates';
import { loadStationTerminology, type StationTerminology } from './terminology';
import { conditionIssues, encounterElementIssues, visitIssues } from './visit';
import { growthZScoreIssues, vitalSignIssues } from './vital-signs';

/**
 * The station's domain rules for the engine (`createFhirEngine(db, { rules: stationRules(config, timeZone) })`).
 *
 * Two levels (docs/station/profiles.md):
 *  - element checks run on every write, for whatever is present: a personal ID, a BHYT card code,
 *    an ethnic code, administrative and village codes, an ICD-10 code;
 *  - the full profile check runs when the resource names a station profile in meta.profile, or on
 *    every resource of a profiled type when `config.enforce` is 'all'.
 * Errors block the write (400) with a Vietnamese message that says what to fix.
 */
export function stationRules(config: StationConfig, timeZone: string, terminology: StationTerminology = loadStationTerminology()): ResourceRule[] {
  const ctx: RuleContext = { config, terminology, timeZone };
  return [(resource) => checkResource(resource, ctx)];
}

/** The profile a resource of this type would have at the station (by content where a type has several). */
export function stationProfileFor(resource: Resource): string | undefined {
  switch (resource.resourceType) {
    case 'Patient':
      return PROFILE.resident;
    case 'RelatedPerson':
      return PROFILE.carer;
    case 'Group':
      return PROFILE.household;
    case 'Encounter':
      return PROFILE.visit;
    case 'Condition':
      return PROFILE.diagnosis;
    case 'Observation':
      return resource.code?.coding?.some((c) => c.system === CS.growth) ? PROFILE.growthZScore : PROFILE.vitalSign;
    case 'Coverage':
      return PROFILE.coverage;
    case 'Immunization':
      return PROFILE.immunization;
    case 'Basic':
      return resource.code?.coding?.some((c) => c.system === CS.stationRecord && c.code === 'app-enrolment') ? PROFILE.enrolment : undefined;
    case 'Organization':
      return PROFILE.station;
    case 'Location':
      return PROFILE.location;
    default:
      return undefined;
  }
}

/** Whether the full profile check applies (see stationRules). */
export function fullCheck(resource: Resource, config: StationConfig): boolean {
  const profile = stationProfileFor(resource);
  if (!profile) return false;
  if (claims(resource, profile)) return true;
  if (config.enforce !== 'all') return false;
  // Under 'all', only vital-sign Observations are taken for the vital-sign profile (labs are not).
  if (profile === PROFILE.vitalSign) {
    return (resource as Observation).category?.some((c) => c.coding?.some((x) => x.code === 'vital-signs')) ?? false;
  }
  return true;
}

function checkResource(resource: Resource, ctx: RuleContext): Issue[] {
  const full = fullCheck(resource, ctx.config);
  return [...typeIssues(resource, ctx, full), ...(full ? futureDateIssues(resource, ctx.timeZone) : [])];
}

function typeIssues(resource: Resource, ctx: RuleContext, full: boolean): Issue[] {
  switch (resource.resourceType) {
    case 'Patient':
      return [...patientElementIssues(resource as Patient, ctx), ...(full ? residentIssues(resource as Patient, ctx) : [])];
    case 'RelatedPerson':
      return carerIssues(resource as RelatedPerson, ctx, full);
    case 'Group':
      return full ? householdIssues(resource as Group, ctx) : [];
    case 'Encounter':
      return [...encounterElementIssues(resource as Encounter, ctx), ...(full ? visitIssues(resource as Encounter, ctx) : [])];
    case 'Condition':
      return conditionIssues(resource as Condition, ctx, full);
    case 'Observation':
      if (!full) return [];
      return stationProfileFor(resource) === PROFILE.growthZScore ? growthZScoreIssues(resource as Observation) : vitalSignIssues(resource as Observation);
    case 'Coverage':
      return coverageIssues(resource as Coverage, ctx, full);
    case 'Immunization':
      return full ? immunizationIssues(resource as Immunization, ctx) : [];
    case 'Basic':
      return full ? enrolmentIssues(resource as Basic, ctx) : [];
    case 'Organization':
      return organizationIssues(resource as Organization, ctx, full);
    case 'Location':
      return locationIssues(resource as Location, ctx, full);
    default:
      return [];
  }
}
