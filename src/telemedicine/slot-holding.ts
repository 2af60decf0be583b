import type { Appointment, Slot } from '@medplum/fhirtypes';
import type { Repository } from '../fhir/store/repository';
import { refused } from './errors';
import { idOf } from './lookup';

/**
 * Taking and freeing slots, always inside the booking's transaction and through the scheduling
 * repository (scheduling-access.ts). Taking locks the slot until commit (an advisory lock on it,
 * the repository's conditional-write lock), so of twenty residents pressing "book" on one slot at
 * once exactly one finds it free; the others wait for the lock, then see it taken and get 409.
 */

type Held = 'busy' | 'busy-tentative';

export async function takeSlot(scheduling: Repository, slotId: string, status: Held): Promise<Slot> {
  // A slot already taken is refused at once, without queueing for the lock behind its taker.
  const seen = await scheduling.readHeadOrFail('Slot', slotId);
  if (seen.deleted || (seen.content as Slot).status !== 'free') throw slotTaken(slotId);
  await scheduling.findConditionalMatch('Slot', `_id=${slotId}`);
  const slot = (await scheduling.read('Slot', slotId)) as Slot;
  if (slot.status !== 'free') throw slotTaken(slotId);
  if (Date.parse(slot.end) <= Date.now()) {
    throw refused('slot-unavailable', 'Khung giờ này đã qua, vui lòng chọn giờ khác', `Slot/${slotId} is in the past`);
  }
  const { resource } = await scheduling.update('Slot', slotId, { ...slot, status }, { ifMatch: Number(slot.meta?.versionId) });
  return resource as Slot;
}

const slotTaken = (slotId: string): Error =>
  refused('slot-taken', 'Khung giờ này đã có người đặt, vui lòng chọn giờ khác', `Slot/${slotId} is already taken; choose another`);

/** Sets the appointment's slots to `status` (busy when it is booked, free when it is cancelled). */
export async function setSlotsStatus(scheduling: Repository, appointment: Appointment, status: Slot['status']): Promise<void> {
  for (const ref of appointment.slot ?? []) {
    const slotId = idOf(ref.reference, 'Slot');
    if (!slotId) continue;
    await scheduling.findConditionalMatch('Slot', `_id=${slotId}`);
    const slot = (await scheduling.read('Slot', slotId)) as Slot;
    if (slot.status === status || slot.status === 'entered-in-error') continue;
    await scheduling.update('Slot', slotId, { ...slot, status }, { ifMatch: Number(slot.meta?.versionId) });
  }
}
