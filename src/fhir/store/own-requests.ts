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
 * Residents' tokens are always for their own Patient (src/auth/oauth-model.ts fhirUserOf): no
 * RelatedPerson acts through them. Writes of the server's operations, made after their own checks
 * (RepositoryContext.byOperation), are left alone.
 */
const WHO_ASKS: Readonly<Record<string, readonly string[]>> = {
  ServiceRequest: ['requester'],
  MedicationRequest: ['requester', 'recorder'],
  DeviceRequest: ['requester'],
  SupplyRequest: ['requester'],
  NutritionOrder: ['orderer'],
  VisionPrescription: ['prescriber'],
  CommunicationRequest: ['requester', 'sender'],
  Communication: ['sender'],
  Task: ['requester', 'owner'],
  CarePlan: ['author'],
  RequestGroup: ['author'],
};

/** Fields that may keep the value the stored version has (the station assigned it). */
const MAY_STAY: Readonly<Record<string, readonly string[]>> = { Task: ['owner'] };

/** 403 unless every "who asks" field of `resource` names `own` (see above); `previous` is the stored version an update replaces. */
export function requireOwnRequests(resource: Resource, previous: Resource | undefined, own: string, baseUrl: string): void {
  const type = resource.resourceType;
  const fields = WHO_ASKS[type] ?? [];
  for (const field of fields) {
    const value = (resource as unknown as Record<string, unknown>)[field];
    if (value === undefined) continue;
    if (MAY_STAY[type]?.includes(field) && previous && sameJson(value, (previous as unknown as Record<string, unknown>)[field])) continue;
    if (!isOwn(value as Reference, own, baseUrl)) throw inSomeoneElsesName(`${type}.${field}`, own);
  }
  if (resource.resourceType === 'Appointment') {
    const before = previous?.resourceType === 'Appointment' ? previous.participant : [];
    for (const p of resource.participant ?? []) {
      if (p.status === 'needs-action' || (p.actor && isOwn(p.actor, own, baseUrl))) continue;
      if (!before.some((b) => b.status === p.status && sameJson(b.actor, p.actor))) throw inSomeoneElsesName('Appointment.participant.status', own);
    }
  }
}

function isOwn(ref: Reference, own: string, baseUrl: string): boolean {
  if (typeof ref?.reference !== 'string') return false;
  const local = parseReference(ref.reference, baseUrl);
  return local?.type === 'Patient' && local.id === own;
}

const sameJson = (a: unknown, b: unknown): boolean => compare({ v: a ?? null }, { v: b ?? null }).length === 0;

function inSomeoneElsesName(path: string, own: string): OperationOutcomeError {
  return new OperationOutcomeError(
    outcome(
      'error',
      'forbidden',
      bilingual(
        `Ứng dụng chỉ được gửi yêu cầu nhân danh chính người dùng: ${path} phải là Patient/${own} (hoặc để trống), không phải nhân viên y tế hay người khác`,
        `A patient-context client acts only in its own name: ${path} must be Patient/${own} (or absent), not a practitioner or anyone else`,
      ),
      [path],
    ),
    403,
  );
}
