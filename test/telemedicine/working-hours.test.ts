import { localInstant, slotTimes, type WorkingHours } from '../../src/telemedicine/working-hours';

const ZONE = 'Asia/Ho_Chi_Minh';
const at = (text: string): number => Date.parse(text);
const weekdays: WorkingHours = {
  availableTime: [
    { daysOfWeek: ['mon', 'tue', 'wed', 'thu', 'fri'], availableStartTime: '07:30:00', availableEndTime: '11:30:00' },
    { daysOfWeek: ['mon', 'tue', 'wed', 'thu', 'fri'], availableStartTime: '13:30:00', availableEndTime: '17:00:00' },
  ],
  notAvailable: [],
};

describe('slot times from working hours', () => {
  test('a weekday morning and afternoon in the station zone, cut from each start', () => {
    // 2026-05-04 is a Monday.
    const slots = slotTimes(weekdays, { start: at('2026-05-04T00:00:00+07:00'), end: at('2026-05-05T00:00:00+07:00') }, 30, ZONE);
    const local = slots.map((s) => localInstant(s.start, ZONE).slice(11, 16));
    expect(local).toEqual(['07:30', '08:00', '08:30', '09:00', '09:30', '10:00', '10:30', '11:00', '13:30', '14:00', '14:30', '15:00', '15:30', '16:00', '16:30']);
    expect(localInstant(slots[0].start, ZONE)).toBe('2026-05-04T07:30:00+07:00');
    expect(slots[0].start).toBe(at('2026-05-04T00:30:00Z'));
  });

  test('a slot that would run past the end of the period is not made', () => {
    const slots = slotTimes(weekdays, { start: at('2026-05-04T00:00:00+07:00'), end: at('2026-05-05T00:00:00+07:00') }, 45, ZONE);
    // 07:30 + 5 × 45 min = 11:15; 11:15–12:00 would pass 11:30.
    expect(slots.filter((s) => s.end <= at('2026-05-04T12:00:00+07:00')).map((s) => localInstant(s.end, ZONE).slice(11, 16))).toEqual(['08:15', '09:00', '09:45', '10:30', '11:15']);
  });

  test('weekends are skipped, and so are notAvailable periods (a holiday)', () => {
    const hours = { ...weekdays, notAvailable: [{ during: { start: '2026-05-01', end: '2026-05-01' } }] };
    // Thursday 30 April to Monday 4 May: Friday 1 May is the holiday, then a weekend.
    const slots = slotTimes(hours, { start: at('2026-04-30T00:00:00+07:00'), end: at('2026-05-05T00:00:00+07:00') }, 60, ZONE);
    const days = [...new Set(slots.map((s) => localInstant(s.start, ZONE).slice(0, 10)))];
    expect(days).toEqual(['2026-04-30', '2026-05-04']);
  });

  test('a range cutting into the day keeps the grid of the working period and only whole slots inside it', () => {
    const slots = slotTimes(weekdays, { start: at('2026-05-04T10:00:00+07:00'), end: at('2026-05-04T14:00:00+07:00') }, 60, ZONE);
    // The grid is 07:30, 08:30, 09:30, 10:30; 13:30–14:30 would end after the range.
    expect(slots.map((s) => localInstant(s.start, ZONE).slice(11, 16))).toEqual(['10:30']);
  });

  test('all-day availability without days listed covers every day; overlapping entries give no overlapping slots', () => {
    const hours: WorkingHours = { availableTime: [{ allDay: true }, { daysOfWeek: ['sat'], availableStartTime: '08:10:00', availableEndTime: '09:00:00' }], notAvailable: [] };
    const slots = slotTimes(hours, { start: at('2026-05-09T00:00:00+07:00'), end: at('2026-05-10T00:00:00+07:00') }, 60, ZONE);
    expect(slots).toHaveLength(24);
    for (let i = 1; i < slots.length; i++) expect(slots[i].start).toBeGreaterThanOrEqual(slots[i - 1].end);
  });

  test('a zone with daylight saving keeps wall-clock hours across the change', () => {
    // Europe/Paris moves to summer time on 29 March 2026.
    const hours: WorkingHours = { availableTime: [{ availableStartTime: '09:00:00', availableEndTime: '10:00:00' }], notAvailable: [] };
    const slots = slotTimes(hours, { start: at('2026-03-28T00:00:00+01:00'), end: at('2026-03-30T00:00:00+02:00') }, 60, 'Europe/Paris');
    expect(slots.map((s) => localInstant(s.start, 'Europe/Paris'))).toEqual(['2026-03-28T09:00:00+01:00', '2026-03-29T09:00:00+02:00']);
  });
});
