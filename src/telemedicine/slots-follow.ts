import type { Appointment } from '@medplum/fhirtypes';
import type { Derivation } from '../fhir/store/derivation';
import { OperationOutcomeError } from '../fhir/outcomes';
import type { Repository } from '../fhir/store/repository';
import { releaseCancelled } from './booking';
import { revokeReminders, scheduleReminder } from './reminders';
import { schedulingRepository } from './scheduling-access';
import { heldSlots, holdingStatus, outOfForce, setSlotStatus, takeSlot } from './slot-holding';

/**
 * The booking operations change an appointment's slots and reminders together with it. Staff and
 * systems may also write an Appointment directly (PUT, JSON PATCH, a transaction entry, DELETE),
 * and a resident's app may cancel its own (direct-writes.ts); a cancelled appointment whose slot
 * stayed busy could never be booked again. So every write of an Appointment the operations did not
 * make brings its slots and reminders along, in the write's own transaction, whoever wrote it:
 *  - out of force (cancelled, noshow, entered-in-error) or deleted: its slots free, its reminders
 *    revoked — releaseCancelled, what $cancel does;
 *  - a slot it comes to hold (a create, a move to another slot, a cancelled appointment set back
 *    to booked) is taken as $book and $reschedule take it: locked, and 409 slot-taken unless it is
 *    free. A past slot is not refused, as it is for a new booking: the station records and
 *    corrects what happened (a resident marked noshow who joined late after all);
 *  - a slot it no longer holds is freed; one it keeps follows its status (busy-tentative until
 *    booked, busy from then on, as $accept sets it);
 *  - a booked appointment has one active reminder an hour before its start: written when it
 *    becomes booked, moved (revoked and written again) when its start moves, as $reschedule does.
 * The operations' own writes (RepositoryContext.byOperation) keep these in step themselves, so
 * nothing is released or taken twice. Runs as a derivation, after bookingThroughOperations has
 * refused what a resident's app may not write.
 */
export const slotsFollowAppointments: Derivation = {
  appliesTo: (resource, previous) => resource.resourceType === 'Appointment' || previous?.resourceType === 'Appointment',
  derive: async (resource, tx, _created, previous) => {
    if (!tx.ctx.byOperation) await follow(tx, previous as Appointment | undefined, resource as Appointment);
  },
  // Called for a delete (the derivation applies to every Appointment, so never for an update).
  retract: async (source, tx) => {
    if (!tx.ctx.byOperation && !outOfForce(source as Appointment)) await releaseCancelled(tx, source as Appointment);
  },
};

/**
 * Whether the Slot is kept here. A direct write may name one that is not (R4's own example
 * Appointment names Slot/example): nothing here holds it, as no other reference of a write is
 * required to resolve either. The booking operations, which offer only this station's slots, do
 * refuse one (404).
 */
async function onThisServer(scheduling: Repository, slotId: string): Promise<boolean> {
  try {
    await scheduling.readHeadOrFail('Slot', slotId);
    return true;
  } catch (err) {
    if (err instanceof OperationOutcomeError && err.status === 404) return false;
    throw err;
  }
}

/**
 * Frees what the appointment leaves, then takes what it comes to hold. In a transaction Bundle the
 * taking waits until every entry has freed what it leaves (Repository.afterOtherEntries), so two
 * appointments may swap their slots in one Bundle; two coming to hold one slot still fail whole.
 */
async function follow(tx: Repository, before: Appointment | undefined, after: Appointment): Promise<void> {
  if (before && !outOfForce(before) && outOfForce(after)) return releaseCancelled(tx, before);
  const scheduling = schedulingRepository(tx);
  const held = before ? heldSlots(before) : [];
  const holds = [...new Set(heldSlots(after))];
  for (const slotId of held) if (!holds.includes(slotId)) await setSlotStatus(scheduling, slotId, 'free');
  await tx.afterOtherEntries(async () => {
    for (const slotId of holds) {
      if (!held.includes(slotId)) {
        if (await onThisServer(scheduling, slotId)) await takeSlot(scheduling, slotId, holdingStatus(after), { pastAllowed: true });
      }
      else if (holdingStatus(after) !== holdingStatus(before!)) await setSlotStatus(scheduling, slotId, holdingStatus(after));
    }
    const moved = before !== undefined && before.start !== after.start;
    const remind = after.status === 'booked' && (before?.status !== 'booked' || moved);
    if (before && (remind || moved)) await revokeReminders(tx, before.id!);
    if (remind) await scheduleReminder(tx, after, tx.ctx.timeZone);
  });
}
