import type { Appointment, Encounter } from '@medplum/fhirtypes';
import { badRequest } from '../fhir/outcomes';
import { resourceResponse, type Interaction } from '../fhir/request';
import type { Repository } from '../fhir/store/repository';
import { PROFILE, SYSTEMS } from '../station/canonical';
import { statusVi } from './appointment-status';
import { atomically } from './atomic';
import { TM_EXT, VIRTUAL_CLASS } from './canonical';
import { refused } from './errors';
import { examinerReference } from './examiner';
import { findOne } from './lookup';
import { OperationInput } from '../fhir/operations/input';
import { specialtyOf } from './services';
import { telemedicineSettings } from './settings';

/**
 * Joining and starting a booked remote consultation:
 *   Appointment/[id]/$join   the resident (or staff) joins: answers the appointment with its join
 *                            details; the resident joining marks it arrived (in the waiting room)
 *   Appointment/[id]/$start  the clinician starts it: an Encounter of class VR linked to the
 *                            appointment, with the register fields of a station visit
 */

/** Appointment/[id]/$join — from `joinMinutesBefore` before the start until the end. */
export const join: Interaction = async (_req, { id }, ctx) => {
  const settings = telemedicineSettings();
  const appointment = await atomically(ctx.repo, async (repo) => {
    await repo.findConditionalMatch('Appointment', `_id=${id}`);
    const current = (await repo.read('Appointment', id)) as Appointment;
    if (current.status !== 'booked' && current.status !== 'arrived') {
      throw refused('wrong-status', `Lịch hẹn đang ở trạng thái "${statusVi(current.status)}", chưa thể tham gia`, `Cannot join an appointment with status ${current.status}`);
    }
    const now = Date.now();
    const opens = Date.parse(current.start ?? '') - settings.joinMinutesBefore * 60_000;
    if (!(now >= opens && now <= Date.parse(current.end ?? ''))) {
      throw refused('outside-window', `Chỉ tham gia được từ ${settings.joinMinutesBefore} phút trước giờ hẹn đến hết giờ hẹn`, `Joining is open from ${settings.joinMinutesBefore} minutes before the start until the end`);
    }
    if (repo.ctx.access.patientCompartment === undefined || current.status === 'arrived') return current;
    return (await repo.update('Appointment', id, { ...current, status: 'arrived' })).resource as Appointment;
  });
  return resourceResponse(200, appointment, ctx.baseUrl, false);
};

/**
 * Appointment/[id]/$start — Parameters: reason (when the booking gave none). Creates the VR
 * Encounter (in progress) once: starting again answers the same encounter.
 */
export const start: Interaction = async (req, { id }, ctx) => {
  const reason = new OperationInput(req).string('reason');
  const result = await atomically(ctx.repo, async (repo) => {
    await repo.findConditionalMatch('Appointment', `_id=${id}`);
    const appointment = (await repo.read('Appointment', id)) as Appointment;
    const existing = await findOne<Encounter>(repo, 'Encounter', [['appointment', `Appointment/${id}`]]);
    if (existing) return { encounter: existing, created: false };
    if (appointment.status !== 'booked' && appointment.status !== 'arrived') {
      throw refused('wrong-status', `Chỉ bắt đầu được lịch hẹn đã nhận, không phải lịch hẹn "${statusVi(appointment.status)}"`, `Only a booked appointment can start, not ${appointment.status}`);
    }
    const encounter = await virtualEncounter(repo, appointment, reason);
    const { resource } = await repo.create(encounter);
    if (appointment.status === 'booked') await repo.update('Appointment', id, { ...appointment, status: 'arrived' });
    return { encounter: resource as Encounter, created: true };
  });
  return resourceResponse(result.created ? 201 : 200, result.encounter, ctx.baseUrl, result.created);
};

async function virtualEncounter(repo: Repository, appointment: Appointment, reason: string | undefined): Promise<Encounter> {
  const patient = appointment.participant.find((p) => p.actor?.reference?.startsWith('Patient/'))?.actor;
  if (!patient) throw badRequest('Lịch hẹn không có người dân (Patient) tham gia', 'The appointment has no Patient participant');
  const symptoms = reason ?? appointment.reasonCode?.map((r) => r.text).find(Boolean) ?? appointment.description;
  if (!symptoms) throw badRequest('Cần lý do khám / triệu chứng (tham số reason) vì lịch hẹn chưa ghi', 'Give the reason for the visit (parameter reason): the appointment has none');
  const extension = (appointment.extension ?? []).filter((e) => e.url === TM_EXT.virtualService || e.url === TM_EXT.mode);
  return {
    resourceType: 'Encounter',
    meta: { profile: [PROFILE.visit] },
    status: 'in-progress',
    class: VIRTUAL_CLASS,
    serviceType: { coding: [specialtyOf(appointment.serviceType?.flatMap((s) => s.coding ?? []))] },
    subject: { reference: patient.reference },
    participant: [{ type: [{ coding: [{ system: SYSTEMS.v3ParticipationType, code: 'PPRF' }] }], individual: await examinerReference(repo) }],
    appointment: [{ reference: `Appointment/${appointment.id}` }],
    period: { start: new Date().toISOString() },
    reasonCode: [{ text: symptoms }],
    // R4's JSON has no empty arrays: an appointment without them gives the visit no extension.
    extension: extension.length ? extension : undefined,
  };
}
