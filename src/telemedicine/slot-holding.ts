import type { Appointment, Resource, Slot } from '@medplum/fhirtypes';
import { SYSTEM_ACCESS } from '../fhir/access';
import type { Derivation } from '../fhir/store/derivation';
import type { Repository } from '../fhir/store/repository';
import { refused } from './errors';
import { findAll, idOf } from './lookup';

/**
 * Taking and freeing slots, always inside the booking's transaction and through the scheduling
 * repository (scheduling-access.ts). Taking locks the slot until commit (an advisory lock on it,
 * the repository's conditional-write lock), so of twenty residents pressing "book" on one slot at
 * once exactly one finds it free; the others wait for the lock, then see it taken and get 409.
 */

type Held = 'busy' | 'busy-tentative';

/** Takes a free slot; a past one only with `pastAllowed` (a direct write recording what happened: slots-follow.ts). */
export async function takeSlot(scheduling: Repository, slotId: string, status: Held, { pastAllowed = false } = {}): Promise<Slot> {
  // A slot already taken is refused at once, without queueing for the lock behind its taker.
  const seen = await scheduling.readHeadOrFail('Slot', slotId);
  if (seen.deleted || (seen.content as Slot).status !== 'free') throw slotTaken(slotId);
  await scheduling.findConditionalMatch('Slot', `_id=${slotId}`);
  const slot = (await scheduling.read('Slot', slotId)) as Slot;
  if (slot.status !== 'free') throw slotTaken(slotId);
  if (!pastAllowed && Date.parse(slot.end) <= Date.now()) {
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
    if (slotId) await setSlotStatus(scheduling, slotId, status);
  }
}

/**
 * Sets one slot's status under its lock; a slot withdrawn (entered-in-error) stays so, and one not
 * kept on this server, or deleted (a direct write may name such a slot: slots-follow.ts), is left alone.
 */
export async function setSlotStatus(scheduling: Repository, slotId: string, status: Slot['status']): Promise<void> {
  if ((await scheduling.findConditionalMatch('Slot', `_id=${slotId}`)) === undefined) return;
  const slot = (await scheduling.read('Slot', slotId)) as Slot;
  if (slot.status === status || slot.status === 'entered-in-error') return;
  await scheduling.update('Slot', slotId, { ...slot, status }, { ifMatch: Number(slot.meta?.versionId) });
}

/**
 * Appointments in these states are out of force and no longer hold their slot (it may be booked
 * again): cancelled, withdrawn as a mistake, or the resident did not come (the consultation that
 * held the slot will not happen; set back to arrived or fulfilled, it takes the slot again).
 */
const RELEASED: ReadonlySet<Appointment['status']> = new Set(['cancelled', 'noshow', 'entered-in-error']);

export const outOfForce = (appointment: Appointment): boolean => RELEASED.has(appointment.status);

/** Not yet accepted by the station: the slot is held tentatively ($book), busy once booked ($accept). */
const TENTATIVE: ReadonlySet<Appointment['status']> = new Set(['proposed', 'pending', 'waitlist']);

export const holdingStatus = (appointment: Appointment): Held => (TENTATIVE.has(appointment.status) ? 'busy-tentative' : 'busy');

/** The slots an appointment holds, as ids (none once it is out of force). */
export function heldSlots(resource: Resource): string[] {
  if (resource.resourceType !== 'Appointment' || RELEASED.has(resource.status)) return [];
  return (resource.slot ?? []).map((ref) => idOf(ref.reference, 'Slot')).filter((id): id is string => !!id);
}

/**
 * One appointment per slot, on every write of an Appointment — not only through $book: a plain
 * POST or PUT (a resident's app may write its own appointments), a transaction Bundle, a PATCH.
 * A write that comes to hold a slot locks it (the lock takeSlot takes, so it waits for a booking
 * in progress) and is refused if another appointment still holds it. The search runs as the
 * server: a resident's app cannot see the other resident's appointment, and is told only that the
 * slot is taken.
 */
export function oneAppointmentPerSlot(): Derivation {
  return {
    appliesTo: (resource, previous) => {
      const before = previous ? heldSlots(previous) : [];
      return heldSlots(resource).some((id) => !before.includes(id));
    },
    derive: async (resource, tx, _created, previous) => {
      const system = tx.as(SYSTEM_ACCESS, false);
      const before = previous ? heldSlots(previous) : [];
      for (const slotId of heldSlots(resource).filter((id) => !before.includes(id))) {
        await system.findConditionalMatch('Slot', `_id=${slotId}`);
        const holders = await findAll<Appointment>(system, 'Appointment', [['slot', `Slot/${slotId}`]]);
        if (holders.some((a) => a.id !== resource.id && heldSlots(a).includes(slotId))) throw slotTaken(slotId);
      }
    },
    retract: async () => undefined,
  };
}
