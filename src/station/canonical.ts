/**
 * Canonical URLs of the station's conformance resources and the systems its data uses.
 *
 * Identifiers and the ethnic-group list reuse the Ministry of Health's draft VN Core guide
 * (`http://fhir.ehealth.gov.vn/core/`) so our records stay compatible with it. Everything the guide
 * does not define lives under our own base. `commune-ehr.example` is a reserved name (RFC 2606):
 * a placeholder until the project owns a domain, chosen so it can never collide with someone
 * else's definitions (docs/station/profiles.md says how to move it). fhir-profiles/ spells the same
 * base; test/station/profiles.test.ts fails if the two drift apart.
 */
export const BASE = 'http://commune-ehr.example/fhir';

export const sd = (id: string): string => `${BASE}/StructureDefinition/${id}`;
export const cs = (id: string): string => `${BASE}/CodeSystem/${id}`;
export const vs = (id: string): string => `${BASE}/ValueSet/${id}`;

/** VN Core (Ministry of Health draft) identifier systems and code systems. */
export const VN_CORE = {
  nationalId: 'http://fhir.ehealth.gov.vn/core/sid/national_id',
  citizenId: 'http://fhir.ehealth.gov.vn/core/sid/citizen_id',
  insuranceNumber: 'http://fhir.ehealth.gov.vn/core/sid/insurance_number',
  passport: 'http://fhir.ehealth.gov.vn/core/sid/passport_number',
  patientInternalId: 'http://fhir.ehealth.gov.vn/core/sid/patient-internal-id',
  race: 'http://fhir.ehealth.gov.vn/core/CodeSystem/vn-core-race',
  raceValueSet: 'http://fhir.ehealth.gov.vn/core/ValueSet/vn-core-race',
  religion: 'http://fhir.ehealth.gov.vn/core/CodeSystem/vn-core-ethic',
  occupation: 'http://fhir.ehealth.gov.vn/core/CodeSystem/vn-core-occupation-4069',
} as const;

/** International systems. */
export const SYSTEMS = {
  icd10: 'http://hl7.org/fhir/sid/icd-10',
  loinc: 'http://loinc.org',
  ucum: 'http://unitsofmeasure.org',
  v2IdentifierType: 'http://terminology.hl7.org/CodeSystem/v2-0203',
  v3ActCode: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
  v3RoleCode: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode',
  v3ParticipationType: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType',
  observationCategory: 'http://terminology.hl7.org/CodeSystem/observation-category',
  conditionCategory: 'http://terminology.hl7.org/CodeSystem/condition-category',
  conditionClinical: 'http://terminology.hl7.org/CodeSystem/condition-clinical',
  diagnosisRole: 'http://terminology.hl7.org/CodeSystem/diagnosis-role',
  coverageClass: 'http://terminology.hl7.org/CodeSystem/coverage-class',
  interpretation: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation',
} as const;

/** Our identifier systems (things VN Core has no system for). */
export const SID = {
  facilityCode: `${BASE}/sid/facility-code`,
  village: `${BASE}/sid/village`,
  household: `${BASE}/sid/household`,
  practitionerLicence: `${BASE}/sid/practitioner-licence`,
} as const;

/** Our code systems. */
export const CS = {
  adminUnit2025: cs('vn-admin-unit-2025'),
  adminUnitPre2025: cs('vn-admin-unit-pre-2025'),
  village: cs('village'),
  residenceType: cs('residence-type'),
  religionExtra: cs('religion-extra'),
  epiVaccine: cs('epi-vaccine'),
  enrolmentApp: cs('enrolment-app'),
  enrolmentVerification: cs('enrolment-verification'),
  enrolmentStatus: cs('enrolment-status'),
  stationRecord: cs('station-record-type'),
  bhytCategory: cs('bhyt-category'),
  bhytBenefitLevel: cs('bhyt-benefit-level'),
  examSpecialty: cs('exam-specialty'),
  householdRole: cs('household-role'),
  growth: cs('child-growth'),
  coverageType: cs('coverage-type'),
} as const;

/** Extension URLs. */
export const EXT = {
  ethnicGroup: sd('ethnic-group'),
  occupation: sd('occupation'),
  religion: 'http://hl7.org/fhir/StructureDefinition/patient-religion',
  province: sd('address-province'),
  commune: sd('address-commune'),
  village: sd('address-village'),
  formerCommune: sd('address-former-commune'),
  formerDistrict: sd('address-former-district'),
  residenceType: sd('residence-type'),
  treatment: sd('visit-treatment'),
  visitNote: sd('visit-note'),
  registeredFacility: sd('bhyt-registered-facility'),
  enrolmentApp: sd('enrolment-app'),
  enrolmentVerification: sd('enrolment-verification'),
  enrolmentStatus: sd('enrolment-status'),
  enrolmentPeriod: sd('enrolment-period'),
  householdRole: sd('household-role'),
} as const;

/** Profiles. */
export const PROFILE = {
  resident: sd('station-resident'),
  carer: sd('station-carer'),
  household: sd('station-household'),
  visit: sd('station-visit'),
  diagnosis: sd('station-diagnosis'),
  vitalSign: sd('station-vital-sign'),
  growthZScore: sd('station-growth-zscore'),
  coverage: sd('station-bhyt-coverage'),
  immunization: sd('station-immunization'),
  enrolment: sd('station-app-enrolment'),
  station: sd('station-organization'),
  location: sd('station-location'),
} as const;
