import { choice } from '../../src/http/report-routes';

// Without from/to the report covers this year to date, "today" being the station's calendar day
// (the configured zone, not the server's nor a fixed one).
describe("the report's default period", () => {
  test.each([
    ['Asia/Ho_Chi_Minh', '2026-12-31T16:59:00Z', { start: '2026-01-01', end: '2026-12-31' }],
    ['Asia/Ho_Chi_Minh', '2026-12-31T17:00:00Z', { start: '2027-01-01', end: '2027-01-01' }],
    ['Pacific/Pago_Pago', '2027-01-01T10:00:00Z', { start: '2026-01-01', end: '2026-12-31' }],
    ['Pacific/Kiritimati', '2026-12-31T10:00:00Z', { start: '2027-01-01', end: '2027-01-01' }],
  ])('in %s at %s', (zone, now, period) => {
    expect(choice({}, zone, new Date(now)).period).toEqual(period);
  });

  test('a period asked for is kept', () => {
    expect(choice({ from: '2025-01-01', to: '2025-09-30' }, 'Pacific/Kiritimati', new Date('2026-12-31T10:00:00Z')).period).toEqual({ start: '2025-01-01', end: '2025-09-30' });
  });
});
