import type { HealthcareService, Parameters, PractitionerRole, Schedule, Slot } from '@medplum/fhirtypes';
import { badRequest } from '../fhir/outcomes';
import type { Interaction } from '../fhir/request';
import { dateRange } from '../fhir/search/dates';
import type { Repository } from '../fhir/store/repository';
import { atomically } from './atomic';
import { refused } from './errors';
import { findAll, idOf } from './lookup';
import { OperationInput } from '../fhir/operations/input';
import { localInstant, slotTimes, type TimeSlot, type WorkingHours } from './working-hours';

/** At most this many days per call: a month of slots is one transaction of a few hundred writes. */
const MAX_DAYS = 31;
const DAY_MS = 86_400_000;

/**
 * Schedule/[id]/$generate-slots?start=2026-05-04&end=2026-05-08[&slot-minutes=15]
 *
 * Makes the free Slots of a Schedule from the working hours the station set on the Schedule's
 * PractitionerRole or HealthcareService (`availableTime`, minus `notAvailable`), for the days from
 * `start` to `end` inclusive, in the station's time zone. Idempotent: a time already covered by a
 * slot of the schedule (whatever its status) is left alone, so running it twice creates nothing
 * new; past times are skipped. One transaction with the schedule locked, so two staff members
 * generating at once cannot create overlapping slots. Answers Parameters `created`, `skipped`.
 */
export const generateSlots: Interaction = async (req, { id }, ctx) => {
  const input = new OperationInput(req);
  const zone = ctx.repo.ctx.timeZone;
  const range = requestedRange(input.requiredString('start', 'ngày bắt đầu'), input.requiredString('end', 'ngày kết thúc'), zone);
  const minutes = input.integer('slot-minutes', 15, 5, 240);
  const result = await atomically(ctx.repo, async (repo) => {
    await repo.findConditionalMatch('Schedule', `_id=${id}`);
    const schedule = (await repo.read('Schedule', id)) as Schedule;
    if (schedule.active === false) throw refused('slot-unavailable', 'Lịch này đã ngừng hoạt động', `Schedule/${id} is not active`);
    const hours = await workingHours(repo, schedule);
    const now = Date.now();
    const wanted = slotTimes(hours, range, minutes, zone).filter((slot) => slot.start >= now);
    const taken = await existingSlots(repo, id, range, zone);
    const fresh = wanted.filter((slot) => !taken.some((t) => slot.start < t.end && t.start < slot.end));
    for (const slot of fresh) await repo.create(slotResource(schedule, slot, zone));
    return { created: fresh.length, skipped: wanted.length - fresh.length };
  });
  const parameters: Parameters = {
    resourceType: 'Parameters',
    parameter: [
      { name: 'created', valueInteger: result.created },
      { name: 'skipped', valueInteger: result.skipped },
    ],
  };
  return { status: 200, resource: parameters };
};

/** [start of the first day, end of the last day) in the station's zone; at most MAX_DAYS. */
function requestedRange(start: string, end: string, zone: string): TimeSlot {
  const from = dateRange(start, zone);
  const to = dateRange(end, zone);
  if (!from || !to) throw badRequest('start và end phải là ngày (YYYY-MM-DD) hoặc thời điểm', 'start and end must be dates or dateTimes');
  const range = { start: from.lo, end: to.hi };
  if (range.end <= range.start) throw badRequest('end phải sau start', 'end must be after start');
  if (range.end - range.start > MAX_DAYS * DAY_MS) throw badRequest(`Mỗi lần tạo tối đa ${MAX_DAYS} ngày`, `At most ${MAX_DAYS} days per call`);
  return range;
}

/**
 * Working hours of the schedule: those of its PractitionerRole actors, else of its
 * HealthcareService actors. A schedule without any cannot make slots (400 saying where to set them).
 */
async function workingHours(repo: Repository, schedule: Schedule): Promise<WorkingHours> {
  for (const type of ['PractitionerRole', 'HealthcareService'] as const) {
    const ids = (schedule.actor ?? []).map((a) => idOf(a.reference, type)).filter((x): x is string => !!x);
    const actors = await Promise.all(ids.map(async (actorId) => (await repo.read(type, actorId)) as PractitionerRole | HealthcareService));
    const availableTime = actors.flatMap((a) => a.availableTime ?? []);
    if (availableTime.length) return { availableTime, notAvailable: actors.flatMap((a) => a.notAvailable ?? []) };
  }
  throw badRequest(
    'Lịch chưa có giờ làm việc: hãy đặt availableTime cho PractitionerRole hoặc HealthcareService trong Schedule.actor',
    'The schedule has no working hours: set availableTime on a PractitionerRole or HealthcareService among Schedule.actor',
  );
}

/** Slots of the schedule overlapping the range, as times (slots are at most 4 hours long). */
async function existingSlots(repo: Repository, scheduleId: string, range: TimeSlot, zone: string): Promise<TimeSlot[]> {
  const slots = await findAll<Slot>(repo, 'Slot', [
    ['schedule', `Schedule/${scheduleId}`],
    ['start', `ge${localInstant(range.start - 4 * 3_600_000, zone)}`],
    ['start', `lt${localInstant(range.end, zone)}`],
  ]);
  return slots
    .filter((s) => s.status !== 'entered-in-error')
    .map((s) => ({ start: Date.parse(s.start), end: Date.parse(s.end) }));
}

function slotResource(schedule: Schedule, slot: TimeSlot, zone: string): Slot {
  return {
    resourceType: 'Slot',
    schedule: { reference: `Schedule/${schedule.id}` },
    serviceType: schedule.serviceType,
    specialty: schedule.specialty,
    status: 'free',
    start: localInstant(slot.start, zone),
    end: localInstant(slot.end, zone),
  };
}
