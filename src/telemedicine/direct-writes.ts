import type { Appointment, Resource } from '@medplum/fhirtypes';
import { compare } from 'fast-json-patch';
import type { Derivation } from '../fhir/store/derivation';
import type { Repository } from '../fhir/store/repository';
import { statusVi } from './appointment-status';
import { CANCELLING, OPEN, requireStatus } from './booking';
import { refused } from './errors';

/**
 * A resident's app books through the operations ($book, $reschedule, $cancel, $join), which take
 * and free slots under their lock and keep Slot.status in step. Writing an Appointment directly
 * (POST, PUT, PATCH, a transaction entry) it could otherwise book a slot the station blocked, move
 * an appointment to another slot, or mark it booked or fulfilled itself. So a patient-context
 * caller's direct write of an Appointment may only cancel its own appointment (status → cancelled
 * from proposed, pending or booked, as $cancel) and change `cancelationReason` and `comment`; the
 * cancellation then frees the slot and revokes the reminders exactly as $cancel does, as every
 * direct write out of force does (slotsFollowAppointments, slots-follow.ts, which runs after this
 * check). Anything else is 403 `operation-required`, naming the operation to use; a delete too
 * (cancel instead). Staff and systems write Appointments as before, and so do the operations
 * (RepositoryContext.byOperation).
 *
 * A check in the write's own transaction (a derivation, like fixed-subscription.ts): it needs the
 * version an update replaces.
 */

/** Fields a resident's app may change directly (status only to cancelled). */
const DIRECT = new Set(['status', 'cancelationReason', 'comment']);
/** Fields only $reschedule changes. */
const WHEN = new Set(['slot', 'start', 'end', 'minutesDuration', 'requestedPeriod']);
/** Not the appointment's content: set by the server on every write. */
const IGNORED = new Set(['meta', 'id', 'resourceType']);

const direct = (tx: Repository): boolean => tx.ctx.access.patientCompartment !== undefined && !tx.ctx.byOperation;

export const bookingThroughOperations: Derivation = {
  appliesTo: (resource, previous) => resource.resourceType === 'Appointment' || previous?.resourceType === 'Appointment',
  derive: async (resource, tx, _created, previous) => {
    if (!direct(tx)) return;
    const appointment = resource as Appointment;
    const before = previous?.resourceType === 'Appointment' ? previous : undefined;
    if (!before) {
      throw useOperation(
        'Ứng dụng đặt lịch khám qua thao tác Appointment/$book (thao tác giữ khung giờ cho đúng một lịch hẹn), không ghi trực tiếp lịch hẹn',
        'A patient-context client books with Appointment/$book, which holds the slot for one appointment; it does not write an Appointment directly',
      );
    }
    checkChange(appointment, before);
  },
  // Called for a delete (the derivation applies to every Appointment, so never for an update).
  retract: async (source, tx) => {
    if (!direct(tx)) return;
    throw useOperation(
      `Hủy lịch hẹn qua thao tác Appointment/${source.id}/$cancel (hoặc ghi trạng thái cancelled), không xóa lịch hẹn`,
      `Cancel with Appointment/${source.id}/$cancel (or by writing status cancelled), not by deleting the appointment`,
    );
  },
};

function checkChange(appointment: Appointment, before: Appointment): void {
  const id = appointment.id;
  const changed = changedFields(before, appointment);
  if (changed.some((f) => WHEN.has(f))) {
    throw useOperation(
      `Đổi giờ hẹn qua thao tác Appointment/${id}/$reschedule, không sửa trực tiếp khung giờ hay thời gian của lịch hẹn`,
      `Move an appointment with Appointment/${id}/$reschedule, not by changing its slot or times directly`,
    );
  }
  if (appointment.status !== before.status && appointment.status !== 'cancelled') {
    const status = appointment.status;
    if (status === 'arrived' || status === 'checked-in') {
      throw useOperation(`Vào buổi khám qua thao tác Appointment/${id}/$join, ứng dụng không tự ghi trạng thái "${statusVi(status)}"`, `Join with Appointment/${id}/$join; the app does not set status ${status} itself`);
    }
    throw useOperation(
      `Chỉ trạm y tế mới đổi lịch hẹn sang trạng thái "${statusVi(status)}" (Appointment/${id}/$accept, Encounter/[id]/$finish); ứng dụng chỉ hủy được lịch hẹn (Appointment/${id}/$cancel) và đặt lịch mới qua Appointment/$book`,
      `Only the station sets an appointment's status to ${status} (Appointment/${id}/$accept, Encounter/[id]/$finish); the app cancels (Appointment/${id}/$cancel) and books anew with Appointment/$book`,
    );
  }
  const others = changed.filter((f) => !DIRECT.has(f));
  if (others.length) {
    throw useOperation(
      `Ứng dụng chỉ được sửa trực tiếp trạng thái (hủy: cancelled), lý do hủy và ghi chú (comment) của lịch hẹn; ${others.join(', ')} thay đổi qua các thao tác Appointment/$book, /$reschedule, /$cancel`,
      `A patient-context client changes only an appointment's status (to cancelled), cancelationReason and comment directly; ${others.join(', ')} change through Appointment/$book, /$reschedule or /$cancel`,
    );
  }
  if (appointment.status === 'cancelled' && before.status !== 'cancelled') requireStatus(before, OPEN, CANCELLING);
}

/** Top-level fields whose JSON value differs between the two versions. */
function changedFields(before: Resource, after: Resource): string[] {
  const a = before as unknown as Record<string, unknown>;
  const b = after as unknown as Record<string, unknown>;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((k) => !IGNORED.has(k) && compare({ v: a[k] ?? null }, { v: b[k] ?? null }).length > 0);
}

const useOperation = (vi: string, en: string): Error => refused('operation-required', vi, en);
