import { dateRange, localDate, zoneOffsetMinutes } from '../../src/fhir/search/dates';

// zoneOffsetMinutes keeps a UTC day's offset once its first and last millisecond agree: it must
// still answer exactly what Intl answers on every instant, on days with a transition (not kept)
// and on the days around them (kept), asked in any order and asked again.
describe('time zone offsets', () => {
  /** The offset straight from Intl: the zone's wall clock at the instant, read as UTC, minus the instant. */
  function intlOffset(zone: string, utcMillis: number): number {
    const parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(new Date(utcMillis));
    const get = (type: string): number => Number(parts.find((p) => p.type === type)!.value);
    const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
    return Math.round((wall - Math.floor(utcMillis / 1000) * 1000) / 60000);
  }

  test.each([
    ['America/New_York', '2024-03-09T00:00:00Z', '2024-03-12T00:00:00Z'], // spring forward 10 March, 07:00 UTC
    ['America/New_York', '2024-11-02T00:00:00Z', '2024-11-05T00:00:00Z'], // fall back 3 November
    ['Australia/Lord_Howe', '2024-04-06T00:00:00Z', '2024-04-08T00:00:00Z'], // a half-hour transition
    ['Asia/Ho_Chi_Minh', '1975-06-12T00:00:00Z', '1975-06-14T00:00:00Z'], // +08:00 → +07:00 on 13 June 1975
  ])('%s from %s to %s, every 10 minutes, twice', (zone, from, to) => {
    const instants: number[] = [];
    for (let t = Date.parse(from); t < Date.parse(to); t += 10 * 60_000) instants.push(t);
    const expected = instants.map((t) => intlOffset(zone, t));
    expect(new Set(expected).size).toBe(2); // the range does hold a transition
    expect(instants.map((t) => zoneOffsetMinutes(zone, t))).toEqual(expected);
    expect([...instants].reverse().map((t) => zoneOffsetMinutes(zone, t))).toEqual([...expected].reverse());
  });

  test("a date without a zone is that day in the station's zone", () => {
    const range = dateRange('1990-05-12', 'Asia/Ho_Chi_Minh')!;
    expect(new Date(range.lo).toISOString()).toBe('1990-05-11T17:00:00.000Z');
    expect(new Date(range.hi).toISOString()).toBe('1990-05-12T17:00:00.000Z');
    expect(dateRange('1990-05-12', 'Asia/Ho_Chi_Minh')).toEqual(range);
  });
});

// The station's calendar date of a visit or a measurement (the examination register's day, a
// child's age at a height): what Intl gives for the instant in the station's zone.
describe('localDate', () => {
  const intl = (instant: string, zone: string): string =>
    new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(instant));

  test.each([
    ['2026-03-05T16:59:59Z', 'Asia/Ho_Chi_Minh'],
    ['2026-03-05T17:00:00Z', 'Asia/Ho_Chi_Minh'],
    ['2026-03-05T23:30:00.123+00:00', 'Asia/Ho_Chi_Minh'],
    ['2026-03-05T01:00:00+07:00', 'Asia/Ho_Chi_Minh'],
    ['2026-03-05T01:00:00-05:00', 'Asia/Ho_Chi_Minh'],
    ['2024-03-10T06:59:00Z', 'America/New_York'],
    ['2024-03-10T07:00:00Z', 'America/New_York'],
    ['1975-06-12T16:30:00Z', 'Asia/Ho_Chi_Minh'], // the last evening at +08:00
  ])('%s in %s', (instant, zone) => {
    expect(localDate(instant, zone)).toBe(intl(instant, zone));
  });

  test("a date stays itself; a dateTime without a zone is the station's wall clock; a partial date is its first day", () => {
    expect(localDate('2026-03-05', 'Asia/Ho_Chi_Minh')).toBe('2026-03-05');
    expect(localDate('2026-03-05T23:30:00', 'Asia/Ho_Chi_Minh')).toBe('2026-03-05');
    expect(localDate('2026-03', 'Asia/Ho_Chi_Minh')).toBe('2026-03-01');
    expect(() => localDate('not a date', 'Asia/Ho_Chi_Minh')).toThrow(RangeError);
  });
});
