import type { Reference, Resource } from '@medplum/fhirtypes';
import { OperationOutcomeError, bilingual, outcome } from '../outcomes';
import { isOwn, valuesAt } from './own-requests';

/**
 * A resident's app writes records about the resident. The own-chart rule (repository.ts
 * requireOwnChart) only asks that every patient a record places in the Patient compartment be the
 * resident, and a record is in the compartment through any of its compartment fields: an
 * Observation whose subject is a practitioner, a device or a household Group, with the resident
 * as performer, is in the resident's compartment and passed — a record about someone or something
 * else, written by the app and then read by the station as its own. So, for a patient-context
 * caller, the field that says whom a record is about (its Patient compartment parameter that is
 * the subject, not who took part) must be present and name the resident's own Patient, and only
 * them; the stored version an update or delete replaces must be about the resident too. The other
 * compartment fields (performer, author, recorder…) stay who-fields (own-requests.ts WHO_ASKS).
 * Paths are JSON names as in WHO_ASKS; test/auth/own-name-coverage.test.ts checks each is one of
 * the type's compartment parameters and that every type a resident may write is listed here or in
 * ABOUT_ITSELF.
 */
export const ABOUT: Readonly<Record<string, string>> = {
  Account: 'subject',
  AdverseEvent: 'subject',
  AllergyIntolerance: 'patient',
  AppointmentResponse: 'actor',
  Basic: 'subject',
  BodyStructure: 'patient',
  CarePlan: 'subject',
  CareTeam: 'subject',
  ChargeItem: 'subject',
  Claim: 'patient',
  ClaimResponse: 'patient',
  ClinicalImpression: 'subject',
  Communication: 'subject',
  CommunicationRequest: 'subject',
  Composition: 'subject',
  Condition: 'subject',
  Consent: 'patient',
  Coverage: 'beneficiary',
  CoverageEligibilityRequest: 'patient',
  CoverageEligibilityResponse: 'patient',
  DetectedIssue: 'patient',
  DeviceRequest: 'subject',
  DeviceUseStatement: 'subject',
  DiagnosticReport: 'subject',
  DocumentManifest: 'subject',
  DocumentReference: 'subject',
  Encounter: 'subject',
  EnrollmentRequest: 'candidate',
  EpisodeOfCare: 'patient',
  ExplanationOfBenefit: 'patient',
  FamilyMemberHistory: 'patient',
  Flag: 'subject',
  Goal: 'subject',
  // Every member: a group of the resident and anyone else is not the resident's record.
  Group: 'member.entity',
  ImagingStudy: 'subject',
  Immunization: 'patient',
  ImmunizationEvaluation: 'patient',
  ImmunizationRecommendation: 'patient',
  Invoice: 'subject',
  List: 'subject',
  MeasureReport: 'subject',
  Media: 'subject',
  MedicationAdministration: 'subject',
  MedicationDispense: 'subject',
  MedicationRequest: 'subject',
  MedicationStatement: 'subject',
  MolecularSequence: 'patient',
  NutritionOrder: 'patient',
  Observation: 'subject',
  Procedure: 'subject',
  QuestionnaireResponse: 'subject',
  RelatedPerson: 'patient',
  RequestGroup: 'subject',
  ResearchSubject: 'individual',
  RiskAssessment: 'subject',
  ServiceRequest: 'subject',
  Specimen: 'subject',
  SupplyDelivery: 'patient',
  // Its compartment parameter ("subject") is where the supply goes: to the resident.
  SupplyRequest: 'deliverTo',
  Task: 'for',
  VisionPrescription: 'patient',
};

/**
 * Types a resident may write whose compartment field is not one subject the record is about, with
 * the reason the own-chart rule is enough. Not used at run time (the coverage test reads it).
 */
export const ABOUT_ITSELF: Readonly<Record<string, string>> = {
  Patient: 'the resident’s own Patient: in its own compartment by its id',
  Person: 'link.target is the compartment field and a who-field: each must be the resident’s Patient or stay as the station set it (WHO_ASKS, MAY_STAY)',
  Appointment:
    'participant.actor names the resident and the practitioner booked: the own-chart rule requires the resident among them, and others’ answers are held (requireOwnRequests)',
  Provenance: 'target is the records it is about (an Observation, the Patient): the own-chart rule requires a Patient target, the resident’s',
};

/** 403 unless the record `resource` is about `own` (see above); types not in ABOUT pass. */
export function requireAboutOwn(resource: Resource, own: string, baseUrl: string): void {
  const path = ABOUT[resource.resourceType];
  if (!path) return;
  const values = valuesAt(resource, path);
  if (values.length > 0 && values.every((v) => isOwn(v as Reference, own, baseUrl))) return;
  const field = `${resource.resourceType}.${path}`;
  const text = bilingual(
    `Ứng dụng chỉ được ghi hồ sơ về chính người dùng: ${field} phải là Patient/${own}, không phải người, nhóm hay thiết bị khác`,
    `A patient-context client writes only records about its own patient: ${field} must be Patient/${own}, not anyone or anything else`,
  );
  throw new OperationOutcomeError(outcome('error', 'forbidden', text, [field]), 403);
}
