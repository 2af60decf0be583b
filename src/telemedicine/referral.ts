import type { Encounter, Organization, ServiceRequest } from '@medplum/fhirtypes';
import { resourceResponse, type Interaction } from '../fhir/request';
import { atomically } from './atomic';
import { OperationInput } from '../fhir/operations/input';
import { staffOnly } from './errors';

/**
 * Encounter/[id]/$refer — referral to the district hospital (or any facility) as a ServiceRequest:
 * the reason, the encounter and its diagnoses, the target organisation, the examiner as requester.
 * It is in the resident's compartment (subject), so their app sees it.
 * Parameters: target (Reference(Organization)), reason, note.
 */
export const refer: Interaction = async (req, { id }, ctx) => {
  staffOnly(ctx.repo, 'Chỉ nhân viên y tế mới chuyển tuyến được', 'Only the station refers, not a patient-context client');
  const input = new OperationInput(req);
  const targetId = input.requiredReference('target', 'Organization', 'nơi chuyển đến');
  const reason = input.requiredString('reason', 'lý do chuyển tuyến');
  const note = input.string('note');
  const created = await atomically(ctx.repo, async (repo) => {
    const encounter = (await repo.read('Encounter', id)) as Encounter;
    const target = (await repo.read('Organization', targetId)) as Organization;
    const referral: ServiceRequest = {
      resourceType: 'ServiceRequest',
      status: 'active',
      intent: 'order',
      category: [{ coding: [{ system: 'http://snomed.info/sct', code: '3457005', display: 'Patient referral' }] }],
      code: { coding: [{ system: 'http://snomed.info/sct', code: '306206005', display: 'Referral to service' }], text: 'Chuyển tuyến' },
      subject: encounter.subject!,
      encounter: { reference: `Encounter/${id}` },
      authoredOn: new Date().toISOString(),
      requester: encounter.participant?.[0]?.individual,
      performer: [{ reference: `Organization/${targetId}`, display: target.name }],
      reasonCode: [{ text: reason }],
      reasonReference: encounter.diagnosis?.length ? encounter.diagnosis.map((d) => ({ reference: d.condition.reference })) : undefined,
      note: note ? [{ text: note }] : undefined,
    };
    return (await repo.create(referral)).resource;
  });
  return resourceResponse(201, created, ctx.baseUrl, true);
};
