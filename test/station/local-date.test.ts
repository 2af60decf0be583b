import { localDate } from '../../src/station/registers/fetch';

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
