import type { Appointment, AppointmentParticipant, Patient, Schedule, Slot } from '@medplum/fhirtypes';
import { badRequest, forbidden } from '../fhir/outcomes';
import { resourceResponse, type Interaction } from '../fhir/request';
import { localDate } from '../fhir/search/dates';
import type { Repository } from '../fhir/store/repository';
import { statusVi } from './appointment-status';
import { atomically } from './atomic';
import { remoteCareConsent } from './consent';
import { refused, staffOnly } from './errors';
import { idOf } from './lookup';
import { OperationInput } from '../fhir/operations/input';
import { revokeReminders, scheduleReminder } from './reminders';
import { schedulingRepository } from './scheduling-access';
import { setSlotsStatus, takeSlot } from './slot-holding';
import { appointmentJoinDetails, parseChannel } from './virtual-service';

/**
 * Booking a remote consultation (issue 7):
 *   Appointment/$book          proposed, slot busy-tentative — the resident (or staff for them)
 *   Appointment/[id]/$accept   booked, slot busy — the station's practitioner accepts
 *   Appointment/[id]/$cancel   cancelled, slot free
 *   Appointment/[id]/$reschedule  another slot; the old one is freed
 * Each is one database transaction: the slot and the appointment change together or not at all.
 */

/** The statuses an appointment can be cancelled or moved from. */
export const OPEN: readonly Appointment['status'][] = ['proposed', 'pending', 'booked'];

/** Appointment/$book — Parameters: slot, patient (staff only; a resident books for themself), channel, reason, consent. */
export const book: Interaction = async (req, _params, ctx) => {
  const input = new OperationInput(req);
  const slotId = input.requiredReference('slot', 'Slot', 'khung giờ cần đặt');
  const patientId = bookingPatient(ctx.repo, input.reference('patient', 'Patient'));
  const channel = parseChannel(input.string('channel'));
  const reason = input.string('reason');
  const agreed = input.boolean('consent');
  if (!ctx.repo.ctx.access.allows('Appointment', 'c')) throw forbidden('Bạn không có quyền đặt lịch khám', 'Not allowed to create appointments');
  const appointment = await atomically(ctx.repo, async (repo) => {
    const scheduling = schedulingRepository(repo);
    const { slot, schedule } = await takeBookableSlot(scheduling, slotId);
    refuseDeceased((await repo.read('Patient', patientId)) as Patient, repo.ctx.timeZone);
    const consent = await remoteCareConsent(repo, patientId, agreed);
    const draft = newAppointment(slot, schedule, patientId, consent, reason, repo.actingCarer());
    draft.extension = appointmentJoinDetails(schedule, channel);
    return (await repo.create(draft)).resource as Appointment;
  });
  return resourceResponse(201, appointment, ctx.baseUrl, true);
};

/** Takes a free slot (held tentatively) of a schedule still taking bookings — for $book and $reschedule alike. */
async function takeBookableSlot(scheduling: Repository, slotId: string): Promise<{ slot: Slot; schedule: Schedule }> {
  const slot = await takeSlot(scheduling, slotId, 'busy-tentative');
  const schedule = (await scheduling.read('Schedule', idOf(slot.schedule.reference, 'Schedule') ?? '')) as Schedule;
  if (schedule.active === false) throw refused('slot-unavailable', 'Lịch khám này đã ngừng nhận đặt', `Schedule/${schedule.id} is not active`);
  return { slot, schedule };
}

/** A resident books only for themself; staff and systems name the patient. */
function bookingPatient(repo: Repository, requested: string | undefined): string {
  const own = repo.ctx.access.patientCompartment;
  if (own !== undefined) {
    if (requested !== undefined && requested !== own) {
      throw forbidden('Ứng dụng chỉ được đặt lịch cho chính người dùng', `A patient-context client books only for Patient/${own}`);
    }
    return own;
  }
  if (requested === undefined) throw badRequest('Cần chỉ rõ người dân được đặt lịch (tham số patient)', 'Parameter patient is required when booking for someone');
  return requested;
}

/**
 * Nobody can be examined after their death: a booking would hold a slot and remind a family of a
 * consultation that cannot happen. Like a missing consent it is the resident's state that forbids
 * the request (422), not a resident who is gone from the records (a deleted Patient, 410).
 */
function refuseDeceased(patient: Patient, timeZone: string): void {
  if (patient.deceasedBoolean !== true && patient.deceasedDateTime === undefined) return;
  const day = patient.deceasedDateTime ? localDate(patient.deceasedDateTime, timeZone) : undefined;
  const vi = day ? ` ngày ${day.split('-').reverse().join('/')}` : '';
  const en = day ? ` on ${day}` : '';
  throw refused('patient-deceased', `Người dân này đã mất${vi}: không thể đặt lịch khám từ xa`, `The resident died${en}: a remote consultation cannot be booked`);
}

/**
 * The appointment $book proposes: the resident (accepted: they asked), the schedule's practitioner
 * (to answer), and — when a carer books for a child from their app — the carer, who brings the
 * child to the call and is reminded of it (reminders.ts).
 */
function newAppointment(slot: Slot, schedule: Schedule, patientId: string, consent: string, reason: string | undefined, carer: string | undefined): Appointment {
  const practitioner = schedule.actor.find((a) => a.reference?.startsWith('Practitioner/'));
  const participant: AppointmentParticipant[] = [{ actor: { reference: `Patient/${patientId}` }, required: 'required', status: 'accepted' }];
  if (carer) participant.push({ actor: { reference: carer }, required: 'optional', status: 'accepted' });
  if (practitioner) participant.push({ actor: practitioner, required: 'required', status: 'needs-action' });
  return {
    resourceType: 'Appointment',
    status: 'proposed',
    serviceType: schedule.serviceType,
    specialty: schedule.specialty,
    reasonCode: reason ? [{ text: reason }] : undefined,
    start: slot.start,
    end: slot.end,
    minutesDuration: Math.round((Date.parse(slot.end) - Date.parse(slot.start)) / 60_000),
    slot: [{ reference: `Slot/${slot.id}` }],
    created: new Date().toISOString(),
    supportingInformation: [{ reference: consent }],
    participant,
  };
}

/** Reads the appointment through the caller's repository (a resident sees only their own: 404 otherwise). */
async function openAppointment(repo: Repository, id: string, allowed: readonly Appointment['status'][], action: { vi: string; en: string }): Promise<Appointment> {
  await repo.findConditionalMatch('Appointment', `_id=${id}`);
  const appointment = (await repo.read('Appointment', id)) as Appointment;
  requireStatus(appointment, allowed, action);
  return appointment;
}

/** 409 wrong-status unless the appointment's status is one of `allowed`. */
export function requireStatus(appointment: Appointment, allowed: readonly Appointment['status'][], action: { vi: string; en: string }): void {
  if (allowed.includes(appointment.status)) return;
  throw refused('wrong-status', `Không thể ${action.vi} lịch hẹn đang ở trạng thái "${statusVi(appointment.status)}"`, `Cannot ${action.en} an appointment with status ${appointment.status}`);
}

/**
 * What cancelling an appointment changes besides the appointment: its slots are free for someone
 * else, its reminders revoked. The one path for $cancel and for every other write that takes an
 * appointment out of force — a status cancelled, noshow or entered-in-error, a delete — by staff,
 * a system or a resident's app (slots-follow.ts).
 */
export async function releaseCancelled(repo: Repository, cancelled: Appointment): Promise<void> {
  await setSlotsStatus(schedulingRepository(repo), cancelled, 'free');
  await revokeReminders(repo, cancelled.id!);
}

/** Appointment/[id]/$accept — the practitioner's side accepts: booked, slot busy, reminder set. */
export const accept: Interaction = async (_req, { id }, ctx) => {
  staffOnly(ctx.repo, 'Chỉ trạm y tế mới nhận được lịch hẹn', 'Only the station accepts an appointment, not a patient-context client');
  const appointment = await atomically(ctx.repo, async (repo) => {
    const current = await openAppointment(repo, id, ['proposed', 'pending'], { vi: 'nhận', en: 'accept' });
    const accepted: Appointment = {
      ...current,
      status: 'booked',
      participant: current.participant.map((p) => (p.actor?.reference?.startsWith('Practitioner/') ? { ...p, status: 'accepted' } : p)),
    };
    await setSlotsStatus(schedulingRepository(repo), accepted, 'busy');
    const { resource } = await repo.update('Appointment', id, accepted);
    await scheduleReminder(repo, resource as Appointment, repo.ctx.timeZone);
    return resource;
  });
  return resourceResponse(200, appointment, ctx.baseUrl, false);
};

/** Cancelling, as refusals name it ($cancel, and a resident's direct cancellation: direct-writes.ts). */
export const CANCELLING = { vi: 'hủy', en: 'cancel' };

/** Appointment/[id]/$cancel — Parameters: reason. The slot is free again for someone else. */
export const cancel: Interaction = async (req, { id }, ctx) => {
  const reason = new OperationInput(req).string('reason');
  const appointment = await atomically(ctx.repo, async (repo) => {
    const current = await openAppointment(repo, id, OPEN, CANCELLING);
    const cancelled: Appointment = { ...current, status: 'cancelled', cancelationReason: reason ? { text: reason } : current.cancelationReason };
    await releaseCancelled(repo, cancelled);
    return (await repo.update('Appointment', id, cancelled)).resource;
  });
  return resourceResponse(200, appointment, ctx.baseUrl, false);
};

/**
 * Appointment/[id]/$reschedule — Parameters: slot. Takes the new slot, frees the old one. With the
 * same practitioner a booked appointment stays booked; with another it is proposed to them again.
 */
export const reschedule: Interaction = async (req, { id }, ctx) => {
  const slotId = new OperationInput(req).requiredReference('slot', 'Slot', 'khung giờ mới');
  const appointment = await atomically(ctx.repo, async (repo) => {
    const scheduling = schedulingRepository(repo);
    const current = await openAppointment(repo, id, OPEN, { vi: 'đổi giờ', en: 'reschedule' });
    const { slot, schedule } = await takeBookableSlot(scheduling, slotId);
    const samePractitioner = schedule.actor.some((a) => current.participant.some((p) => p.actor?.reference === a.reference && a.reference?.startsWith('Practitioner/')));
    await setSlotsStatus(scheduling, current, 'free');
    await revokeReminders(repo, id);
    const moved = movedAppointment(current, slot, schedule, samePractitioner);
    await setSlotsStatus(scheduling, moved, moved.status === 'booked' ? 'busy' : 'busy-tentative');
    const { resource } = await repo.update('Appointment', id, moved);
    if (moved.status === 'booked') await scheduleReminder(repo, resource as Appointment, repo.ctx.timeZone);
    return resource;
  });
  return resourceResponse(200, appointment, ctx.baseUrl, false);
};

function movedAppointment(current: Appointment, slot: Slot, schedule: Schedule, samePractitioner: boolean): Appointment {
  const keepBooked = samePractitioner && current.status === 'booked';
  const practitioner = schedule.actor.find((a) => a.reference?.startsWith('Practitioner/'));
  const others = current.participant.filter((p) => !p.actor?.reference?.startsWith('Practitioner/'));
  return {
    ...current,
    status: keepBooked ? 'booked' : 'proposed',
    serviceType: schedule.serviceType ?? current.serviceType,
    start: slot.start,
    end: slot.end,
    minutesDuration: Math.round((Date.parse(slot.end) - Date.parse(slot.start)) / 60_000),
    slot: [{ reference: `Slot/${slot.id}` }],
    participant: practitioner ? [...others, { actor: practitioner, required: 'required', status: keepBooked ? 'accepted' : 'needs-action' }] : others,
  };
}
