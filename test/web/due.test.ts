import type { Immunization } from '@medplum/fhirtypes';
import { CS } from '../../src/station/canonical';
import { dueDoses } from '../../web/src/immunisation/due';

const TODAY = '2026-11-29';
const dose = (vaccine: string, n: number, when: string, status: Immunization['status'] = 'completed'): Immunization => ({
  resourceType: 'Immunization',
  status,
  vaccineCode: { coding: [{ system: CS.epiVaccine, code: vaccine }] },
  patient: { reference: 'Patient/x' },
  occurrenceDateTime: when,
  protocolApplied: [{ doseNumberPositiveInt: n }],
});
const brief = (list: ReturnType<typeof dueDoses>): string[] => list.map((d) => `${d.vaccine} ${d.dose} ${d.dueDate} ${d.status}`);

describe('EPI doses due (web/src/immunisation/due.ts)', () => {
  test('a newborn of 3 days: hepatitis B birth dose and BCG due today', () => {
    expect(brief(dueDoses('2026-11-26', [], TODAY))).toEqual(['VGB-SS 1 2026-11-26 due', 'BCG 1 2026-11-26 due']);
  });

  test('75 days, nothing given: BCG more than 28 days late is overdue, the 2-month doses due; the birth dose no longer offered', () => {
    // born 2026-09-15: BCG due 09-15 (75 days late), DPT-VGB-Hib 1 and OPV 1 at day 61 = 11-15 (14 days late)
    expect(brief(dueDoses('2026-09-15', [], TODAY))).toEqual(['BCG 1 2026-09-15 overdue', 'DPT-VGB-Hib 1 2026-11-15 due', 'OPV 1 2026-11-15 due']);
  });

  test('a second dose waits for the first and for 28 days after it', () => {
    // born 2026-08-21; 5-in-1 and OPV dose 1 given late on 2026-11-20: dose 2 by schedule on day 91
    // (11-20), by interval 28 days later (12-18). On 11-29 that is 19 days ahead: not yet listed.
    const given = [dose('VGB-SS', 1, '2026-08-21'), dose('BCG', 1, '2026-08-22'), dose('DPT-VGB-Hib', 1, '2026-11-20'), dose('OPV', 1, '2026-11-20')];
    expect(brief(dueDoses('2026-08-21', given, TODAY))).toEqual([]);
    expect(brief(dueDoses('2026-08-21', given, '2026-12-10'))).toEqual(['DPT-VGB-Hib 2 2026-12-18 due', 'OPV 2 2026-12-18 due']);
    // Dose 3 waits for dose 2.
    expect(brief(dueDoses('2026-08-21', given, '2027-01-10')).filter((d) => d.includes(' 3 '))).toEqual([]);
  });

  test('Japanese encephalitis dose 2 is due 1–2 weeks after dose 1, as the schedule says, not 28 days', () => {
    // Born 2025-11-20; VNNB 1 on its day (365 = 2026-11-20): VNNB 2 is due on day 379 (2026-12-04), and a week after dose 1 at the earliest.
    const vnnb = (given: Immunization[], today = TODAY): string[] => brief(dueDoses('2025-11-20', given, today)).filter((d) => d.startsWith('VNNB'));
    expect(vnnb([dose('VNNB', 1, '2026-11-20')])).toEqual(['VNNB 2 2026-12-04 due']);
    // Dose 1 given late, on day 375 (2026-11-30): dose 2 a week later, 2026-12-07.
    expect(vnnb([dose('VNNB', 1, '2026-11-30')], '2026-12-01')).toEqual(['VNNB 2 2026-12-07 due']);
  });

  test('doses not completed do not count; doses more than 14 days ahead are not listed', () => {
    // Born 10-01: the 2-month doses fall on 12-01, 2 days ahead (listed); BCG "not done" is still owed.
    expect(brief(dueDoses('2026-10-01', [dose('BCG', 1, '2026-10-01', 'not-done')], TODAY))).toEqual(['BCG 1 2026-10-01 overdue', 'DPT-VGB-Hib 1 2026-12-01 due', 'OPV 1 2026-12-01 due']);
    // Born 10-20: the 2-month doses fall on 12-20, 21 days ahead (not listed yet).
    expect(brief(dueDoses('2026-10-20', [dose('BCG', 1, '2026-10-20')], TODAY))).toEqual([]);
  });
});
