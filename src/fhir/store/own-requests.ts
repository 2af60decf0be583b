import type { Reference, Resource } from '@medplum/fhirtypes';
import { compare } from 'fast-json-patch';
import { OperationOutcomeError, bilingual, outcome } from '../outcomes';
import { parseReference } from '../references';

/**
 * A resident's app speaks only in the resident's own name. The own-chart rule (repository.ts
 * requireOwnChart) keeps its writes in the resident's record, but a request in that record says
 * who asks for it in a field that is often no compartment field (ServiceRequest.requester) or that
 * may name a practitioner beside the resident (CommunicationRequest.sender): a request the app
 * wrote there would read as the doctor's order, the station's message, or another resident's
 * request. So, for a patient-context caller, each of these fields, when present, must be a
 * reference to the resident's own Patient — a name or identifier without one, or a contained
 * resource, is someone else's name too. Absent is allowed: the AuditEvent says who wrote it.
 *
 * A request someone else made (a practitioner's referral in the resident's record) therefore
 * cannot be rewritten by the app at all: its new version would still name the practitioner.
 * `Task.owner` (who carries the task out, assigned by the station) may stay as stored. An
 * Appointment participant other than the resident may not be given an answer (accepted, declined,
 * tentative) the stored version did not already have: the practitioner accepts for themself.
 *
 * The same holds for every record, not only requests: who took a reading (Observation.performer),
 * wrote a document or answers (author, QuestionnaireResponse.source), recorded or asserted a
 * condition or allergy, gave a vaccine or did a procedure (performer.actor), told of a medicine
 * (MedicationStatement.informationSource), took part in an encounter, wrote a note (every
 * Annotation's author) — a home reading the app uploads must not claim the doctor took it. A
 * field that only an organization or practitioner can fill (Encounter.serviceProvider) may then
 * only be absent. Fields naming whom a record addresses or what else it concerns are listed in
 * NOT_WHO with the reason; the field naming whom it is about must be the resident (own-subject.ts
 * ABOUT); test/auth/own-name-coverage.test.ts keeps the tables complete. A
 * staff-written record in the resident's chart is read and synced as before, but the app cannot
 * update it while it names the staff member (as for a practitioner's request): only fields in
 * MAY_STAY (the station's choice of the resident's doctor and organization on Patient) may keep
 * the stored value.
 *
 * A patient-context token names one Patient, the resident's own or, for a carer, a dependant's
 * (docs/security.md "Carers": the carer then acts as their RelatedPerson, which the audit trail
 * records). Either way a "who" field may name that Patient, or nobody; a carer's token may also
 * name the carer's own RelatedPerson where CARER_MAY_FILL says so. Accepting any RelatedPerson of
 * the resident would not do: the app writes RelatedPersons in the resident's compartment itself, so
 * it could name anyone as one. Writes of the server's operations, made after their own checks
 * (RepositoryContext.byOperation), are left alone.
 */
export const WHO_ASKS: Readonly<Record<string, readonly string[]>> = {
  // Every type: an Annotation's author (a note "by" the doctor).
  '*': ['note.authorReference', 'note.authorString'],
  ServiceRequest: ['requester'],
  MedicationRequest: ['requester', 'recorder', 'reportedReference'],
  DeviceRequest: ['requester'],
  SupplyRequest: ['requester'],
  NutritionOrder: ['orderer'],
  VisionPrescription: ['prescriber', 'lensSpecification.note.authorReference', 'lensSpecification.note.authorString'],
  CommunicationRequest: ['requester', 'sender'],
  Communication: ['sender'],
  Task: ['requester', 'owner', 'input.valueAnnotation.authorReference', 'input.valueAnnotation.authorString', 'output.valueAnnotation.authorReference', 'output.valueAnnotation.authorString', 'input.valueSignature.who', 'input.valueSignature.onBehalfOf', 'output.valueSignature.who', 'output.valueSignature.onBehalfOf'],
  // careTeam: the team that carries the plan out — a plan naming the station's team reads as theirs.
  CarePlan: ['author', 'contributor', 'careTeam', 'activity.progress.authorReference', 'activity.progress.authorString'],
  RequestGroup: ['author'],
  // Who took, recorded, asserted or performed what a record says.
  Observation: ['performer'],
  DocumentReference: ['author', 'authenticator', 'custodian'],
  DocumentManifest: ['author'],
  Composition: ['author', 'attester.party', 'custodian', 'section.author', 'section.section.author'],
  QuestionnaireResponse: ['author', 'source'],
  Media: ['operator'],
  Condition: ['recorder', 'asserter'],
  AllergyIntolerance: ['recorder', 'asserter', 'reaction.note.authorReference', 'reaction.note.authorString'],
  FamilyMemberHistory: ['condition.note.authorReference', 'condition.note.authorString'],
  Immunization: ['performer.actor'],
  ImmunizationEvaluation: ['authority'],
  ImmunizationRecommendation: ['authority'],
  Procedure: ['performer.actor', 'performer.onBehalfOf', 'recorder', 'asserter'],
  MedicationStatement: ['informationSource'],
  MedicationAdministration: ['performer.actor'],
  MedicationDispense: ['performer.actor', 'substitution.responsibleParty'],
  Encounter: ['participant.individual', 'serviceProvider'],
  EpisodeOfCare: ['managingOrganization', 'careManager', 'team'],
  AdverseEvent: ['recorder', 'contributor', 'suspectEntity.causality.author'],
  Basic: ['author'],
  CareTeam: ['participant.member', 'participant.onBehalfOf', 'managingOrganization'],
  ClinicalImpression: ['assessor'],
  DetectedIssue: ['author', 'mitigation.author'],
  DeviceUseStatement: ['source'],
  DiagnosticReport: ['performer', 'resultsInterpreter'],
  Flag: ['author'],
  Goal: ['expressedBy'],
  Group: ['managingEntity'],
  ImagingStudy: ['referrer', 'interpreter', 'series.performer.actor'],
  List: ['source'],
  MeasureReport: ['reporter'],
  MolecularSequence: ['performer'],
  RiskAssessment: ['performer'],
  Specimen: ['collection.collector'],
  SupplyDelivery: ['supplier'],
  Provenance: ['agent.who', 'agent.onBehalfOf', 'entity.agent.who', 'entity.agent.onBehalfOf', 'signature.who', 'signature.onBehalfOf'],
  AppointmentResponse: ['actor'],
  Consent: ['performer', 'organization', 'verification.verifiedWith'],
  Person: ['managingOrganization', 'link.target'],
  Patient: ['generalPractitioner', 'managingOrganization'],
  // Billing and insurance: who entered, provided, decided.
  Account: ['owner'],
  ChargeItem: ['performer.actor', 'enterer', 'performingOrganization', 'requestingOrganization', 'costCenter'],
  Claim: ['enterer', 'provider', 'careTeam.provider', 'payee.party'],
  ClaimResponse: ['insurer', 'requestor', 'addItem.provider'],
  CoverageEligibilityRequest: ['enterer', 'provider', 'item.provider', 'item.facility'],
  CoverageEligibilityResponse: ['requestor', 'insurer', 'insurance.item.provider'],
  EnrollmentRequest: ['provider'],
  ExplanationOfBenefit: ['enterer', 'insurer', 'provider', 'payee.party', 'careTeam.provider', 'addItem.provider'],
  Invoice: ['participant.actor', 'issuer'],
};

/**
 * The "who" fields a carer's own RelatedPerson may fill. A carer's token acts as the RelatedPerson
 * the server made for the link (docs/security.md "Carers": the token's `fhirUser`, never one the app
 * names), so a reading the mother took of her baby, a note she wrote, an allergy she reports can say
 * so. Only fields of the types a resident's app writes (own-types.ts RESIDENT_WRITES) whose R4
 * definition takes a RelatedPerson: not `DocumentReference.authenticator` or `custodian`, which a
 * practitioner or organization fills. Any other RelatedPerson is refused as before: the app writes
 * RelatedPersons in the record itself and could name anyone as one. test/auth/carer-may-fill.test.ts
 * holds the table to R4 and to WHO_ASKS.
 */
export const CARER_MAY_FILL: Readonly<Record<string, readonly string[]>> = {
  '*': ['note.authorReference'],
  Observation: ['performer'],
  QuestionnaireResponse: ['author', 'source'],
  Communication: ['sender'],
  DocumentReference: ['author'],
  Media: ['operator'],
  AllergyIntolerance: ['recorder', 'asserter', 'reaction.note.authorReference'],
  MedicationStatement: ['informationSource'],
};

/** Fields that may keep the value the stored version has (the station assigned it). */
const MAY_STAY: Readonly<Record<string, readonly string[]>> = {
  Task: ['owner'],
  Patient: ['generalPractitioner', 'managingOrganization'],
  Person: ['managingOrganization', 'link.target'],
};

/**
 * Reference elements of the types a resident's app may write that may name someone who acts (a
 * practitioner, practitioner role, organization, care team, service, device, carer) and are
 * deliberately not in WHO_ASKS (nor ABOUT): they say what else a record concerns or whom it
 * addresses, not who wrote, asked or did it. Keys are `Type.path`, or `*.path` for
 * every type (a datatype's element); paths as in WHO_ASKS. Not used at run time: the test
 * test/auth/own-name-coverage.test.ts walks the R4 definitions and fails on a Reference element
 * that is in neither table, so a type or element added later is classified, not forgotten.
 */
export const NOT_WHO: Readonly<Record<string, readonly string[]>> = {
  'the organization that issued an identifier (a health-insurance number, a national ID), not who wrote the record': ['*.assigner'],
  'whom a request or message is addressed to, or who is asked to carry it out (the resident may write to or ask the doctor)': [
    'Communication.recipient',
    'CommunicationRequest.recipient',
    'DocumentManifest.recipient',
    'ServiceRequest.performer',
    'DeviceRequest.performer',
    'MedicationRequest.performer',
    'MedicationRequest.dispenseRequest.performer',
    'CarePlan.activity.detail.performer',
    'RequestGroup.action.participant',
    'RequestGroup.action.action.participant',
    'SupplyRequest.supplier',
    'SupplyRequest.deliverFrom',
    'SupplyDelivery.receiver',
    'MedicationDispense.receiver',
    'Task.restriction.recipient',
    'Invoice.recipient',
    'Claim.insurer',
    'CoverageEligibilityRequest.insurer',
    'EnrollmentRequest.insurer',
  ],
  'an Appointment participant may be the practitioner being booked; their answer is held to the stored one (requireOwnRequests)': ['Appointment.participant.actor'],
  'whom a Consent permits or denies (the resident decides who may see the record)': ['Consent.provision.actor.reference', 'Consent.provision.provision.actor.reference'],
  "a party to the resident's insurance or account (the insurer on the card, the policy holder or subscriber, who pays), not the record's author": [
    'Coverage.payor',
    'Coverage.policyHolder',
    'Coverage.subscriber',
    'Account.guarantor.party',
  ],
  "another record of the same person (a duplicate Patient, or the person's RelatedPerson record); Patient's compartment field, held to the resident by the own-chart rule": ['Patient.link.other'],
  'a device, product or item used, implanted, supplied, requested or suspected — a thing, not who acted (a device that authors or performs is in WHO_ASKS through author, performer, source…)': [
    'AdverseEvent.suspectEntity.instance',
    'ChargeItem.productReference',
    'Claim.procedure.udi',
    'Claim.item.udi',
    'Claim.item.detail.udi',
    'Claim.item.detail.subDetail.udi',
    'DeviceRequest.codeReference',
    'DeviceUseStatement.device',
    'ExplanationOfBenefit.procedure.udi',
    'ExplanationOfBenefit.item.udi',
    'ExplanationOfBenefit.item.detail.udi',
    'ExplanationOfBenefit.item.detail.subDetail.udi',
    'Media.device',
    'MedicationAdministration.device',
    'MolecularSequence.device',
    'Observation.device',
    'Procedure.focalDevice.manipulated',
    'Procedure.usedReference',
    'SupplyDelivery.suppliedItem.itemReference',
    'SupplyRequest.itemReference',
  ],
  'a place or maker, not a person acting: where the patient came from or went, the vaccine maker, the authority whose schedule a dose follows, the organization of a contact person': [
    'Encounter.hospitalization.origin',
    'Encounter.hospitalization.destination',
    'Immunization.manufacturer',
    'Immunization.protocolApplied.authority',
    'Patient.contact.organization',
    'Task.input.valueUsageContext.valueReference',
    'Task.output.valueUsageContext.valueReference',
  ],
  'a Reference to any type: a record the resource is about, based on, part of, or answers with — not a person acting': [
    'Appointment.supportingInformation',
    'CarePlan.supportingInfo',
    'CarePlan.activity.outcomeReference',
    'ChargeItem.supportingInformation',
    'Claim.supportingInfo.valueReference',
    'ClinicalImpression.supportingInfo',
    'Communication.basedOn',
    'Communication.partOf',
    'Communication.about',
    'Communication.payload.contentReference',
    'CommunicationRequest.basedOn',
    'CommunicationRequest.about',
    'CommunicationRequest.payload.contentReference',
    'Composition.event.detail',
    'Composition.section.focus',
    'Composition.section.entry',
    'Composition.section.section.focus',
    'Composition.section.section.entry',
    'Condition.evidence.detail',
    'Consent.provision.data.reference',
    'Consent.provision.provision.data.reference',
    'CoverageEligibilityRequest.supportingInfo.information',
    'CoverageEligibilityRequest.item.detail',
    'DetectedIssue.implicated',
    'DetectedIssue.evidence.detail',
    'DeviceRequest.basedOn',
    'DeviceRequest.priorRequest',
    'DeviceRequest.supportingInfo',
    'DocumentManifest.content',
    'DocumentManifest.related.ref',
    'DocumentReference.context.related',
    'ExplanationOfBenefit.supportingInfo.valueReference',
    'Group.characteristic.valueReference',
    'ImmunizationRecommendation.recommendation.supportingPatientInformation',
    'List.entry.item',
    'MeasureReport.evaluatedResource',
    'Media.partOf',
    'MedicationAdministration.supportingInformation',
    'MedicationDispense.supportingInformation',
    'MedicationRequest.supportingInformation',
    'MedicationStatement.derivedFrom',
    'Observation.focus',
    'Provenance.target',
    'Provenance.entity.what',
    'QuestionnaireResponse.item.answer.valueReference',
    'QuestionnaireResponse.item.item.answer.valueReference',
    'RequestGroup.basedOn',
    'RequestGroup.replaces',
    'RequestGroup.action.resource',
    'RequestGroup.action.action.resource',
    'RiskAssessment.basedOn',
    'RiskAssessment.parent',
    'RiskAssessment.basis',
    'ServiceRequest.supportingInfo',
    'Task.basedOn',
    'Task.focus',
    'Task.reasonReference',
    'Task.input.valueReference',
    'Task.output.valueReference',
  ],
};

/** 403 unless every "who" field of `resource` names `own` (see above); `previous` is the stored version an update replaces. */
export function requireOwnRequests(resource: Resource, previous: Resource | undefined, own: string, baseUrl: string, carer?: string): void {
  const foreign = foreignField(resource, own, baseUrl, carer, previous);
  if (foreign) throw inSomeoneElsesName(foreign.path, own, foreign.carer);
  if (resource.resourceType === 'Appointment') {
    const before = previous?.resourceType === 'Appointment' ? previous.participant : [];
    for (const p of resource.participant ?? []) {
      if (p.status === 'needs-action' || (p.actor && isOwn(p.actor, own, baseUrl))) continue;
      if (!before.some((b) => b.status === p.status && sameJson(b.actor, p.actor))) throw inSomeoneElsesName('Appointment.participant.status', own);
    }
  }
}

/**
 * 403 unless every "who" field of the stored `resource` a patient-context client deletes names
 * `own`: the app may delete what it wrote in the resident's name, not a clinician's reading,
 * diagnosis or request that its rewriting is refused for (above) — deleting one would erase it
 * from the record as surely as rewriting it.
 */
export function requireOwnDeletion(resource: Resource, own: string, baseUrl: string, carer?: string): void {
  const field = foreignField(resource, own, baseUrl, carer)?.path;
  if (!field) return;
  const text = bilingual(
    `Ứng dụng chỉ được xóa hồ sơ do chính người dùng ghi: ${field} ghi tên nhân viên y tế hoặc người khác`,
    `A patient-context client deletes only what was written in its own name: ${field} names a practitioner or someone else`,
  );
  throw new OperationOutcomeError(outcome('error', 'forbidden', text, [field]), 403);
}

/**
 * The first "who" field of `resource` naming anyone but `own` — or, where CARER_MAY_FILL says so,
 * the acting carer's RelatedPerson (`carer`, `RelatedPerson/{id}`): its `Type.path`, and the carer
 * when they may fill it. One that `previous` holds unchanged is let stay where MAY_STAY says so.
 */
function foreignField(resource: Resource, own: string, baseUrl: string, carer?: string, previous?: Resource): { path: string; carer?: string } | undefined {
  const type = resource.resourceType;
  for (const field of [...(WHO_ASKS['*'] ?? []), ...(WHO_ASKS[type] ?? [])]) {
    const values = valuesAt(resource, field);
    const carerHere = carer !== undefined && carerMayFill(type, field) ? carer : undefined;
    if (values.every((v) => isOwn(v as Reference, own, baseUrl) || (carerHere !== undefined && refersTo(v as Reference, carerHere, baseUrl)))) continue;
    if (MAY_STAY[type]?.includes(field) && previous && sameJson(values, valuesAt(previous, field))) continue;
    return { path: `${type}.${field}`, carer: carerHere };
  }
  return undefined;
}

/** The values at a dotted path of JSON names, through arrays: `performer.actor` of an Immunization is every performer's actor. */
export function valuesAt(resource: unknown, path: string): unknown[] {
  let current: unknown[] = [resource];
  for (const segment of path.split('.')) {
    current = current.flatMap((item) => {
      const value = item !== null && typeof item === 'object' ? (item as Record<string, unknown>)[segment] : undefined;
      return (Array.isArray(value) ? value : [value]).filter((v) => v !== undefined && v !== null);
    });
  }
  return current;
}

/** Whether `ref` is a reference to the resident's own Patient (a name or identifier alone is not). */
export function isOwn(ref: Reference, own: string, baseUrl: string): boolean {
  return refersTo(ref, `Patient/${own}`, baseUrl);
}

/** Whether `ref` is a reference (local or to this server) to `target`, `Type/id`. */
function refersTo(ref: Reference, target: string, baseUrl: string): boolean {
  if (typeof ref?.reference !== 'string') return false;
  const local = parseReference(ref.reference, baseUrl);
  return local !== undefined && `${local.type}/${local.id}` === target;
}

/** Whether a carer's own RelatedPerson may fill `field` of `type` (CARER_MAY_FILL). */
function carerMayFill(type: string, field: string): boolean {
  return (CARER_MAY_FILL['*'] ?? []).includes(field) || (CARER_MAY_FILL[type] ?? []).includes(field);
}

const sameJson = (a: unknown, b: unknown): boolean => compare({ v: a ?? null }, { v: b ?? null }).length === 0;

function inSomeoneElsesName(path: string, own: string, carer?: string): OperationOutcomeError {
  const allowed = carer ? `Patient/${own}, ${carer}` : `Patient/${own}`;
  return new OperationOutcomeError(
    outcome(
      'error',
      'forbidden',
      bilingual(
        `Ứng dụng chỉ được gửi yêu cầu và ghi hồ sơ nhân danh chính người dùng: ${path} phải là ${allowed} (hoặc để trống), không phải nhân viên y tế hay người khác`,
        `A patient-context client acts only in its own name: ${path} must be ${allowed} (or absent), not a practitioner or anyone else`,
      ),
      [path],
    ),
    403,
  );
}
