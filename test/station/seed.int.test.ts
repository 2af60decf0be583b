import type { Bundle } from '@medplum/fhirtypes';
import { HA_SON } from '../../src/station/config';
import { loadGrowthTables } from '../../src/station/growth/tables';
import { loadStationTerminology } from '../../src/station/rules/terminology';
import { localDay } from '../../src/fhir/search/dates';
import { latestAsOf, seedCommune, type SeedSummary } from '../../src/station/seed/run';
import { startStationEngine, type StationEngine } from './helpers';
import { HAS_SHARED, REFERENCE_DIR } from './shared';

const AS_OF = '2025-10-01';

describe('synthetic commune seed (400 residents through the write path)', () => {
  let s: StationEngine;
  let summary: SeedSummary;
  beforeAll(async () => {
    s = await startStationEngine();
    summary = await seedCommune(s.engine, HA_SON, loadStationTerminology(), loadGrowthTables([REFERENCE_DIR]), { residents: 400, seed: 42, asOf: AS_OF, concurrency: 2 });
  }, 300_000);
  afterAll(() => s.close());

  const count = async (type: string, query: [string, string][] = []): Promise<number> => {
    const res = await s.dispatch({ method: 'GET', path: type, query: [...query, ['_summary', 'count']] });
    return (res.resource as Bundle).total!;
  };
  const ratio = async (type: string, query: [string, string][]): Promise<number> => (await count(type, query)) / 400;

  test('400 residents in households of about 3.6, all in the 8 villages, marked synthetic', async () => {
    expect(summary.residents).toBe(400);
    expect(await count('Patient')).toBe(400);
    expect(400 / summary.households).toBeGreaterThan(3.2);
    expect(400 / summary.households).toBeLessThan(4.0);
    expect(await count('Group')).toBe(summary.households);
    expect(await count('Patient', [['_security', 'http://terminology.hl7.org/CodeSystem/v3-ActReason|HTEST']])).toBe(400);
    for (const village of HA_SON.villages) expect(await count('Patient', [['village', village.code]])).toBeGreaterThan(15);
  });

  test('an age pyramid with about 7% under 5 and 15% aged 60 and over', async () => {
    const under5 = await ratio('Patient', [['birthdate', 'gt2020-10-01']]);
    const over60 = await ratio('Patient', [['birthdate', 'le1965-10-01']]);
    expect(under5).toBeGreaterThan(0.04);
    expect(under5).toBeLessThan(0.11);
    expect(over60).toBeGreaterThan(0.1);
    expect(over60).toBeLessThan(0.2);
  });

  test('about 95% hold a BHYT card valid on the reference date', async () => {
    const valid = await ratio('Coverage', [['period', `le${AS_OF}`], ['period', `ge${AS_OF}`]]);
    expect(valid).toBeGreaterThan(0.9);
    expect(valid).toBeLessThan(0.99);
  });

  test('about 65% enrolled in the e-health book, about 35% in telemedicine with a remote consultation', async () => {
    const book = await ratio('Basic', [['app', 'vneid-health-book']]);
    expect(book).toBeGreaterThan(0.55);
    expect(book).toBeLessThan(0.75);
    const tele = await ratio('Basic', [['app', 'vtelehealth,other-telemedicine']]);
    expect(tele).toBeGreaterThan(0.28);
    expect(tele).toBeLessThan(0.48);
    expect(await count('Encounter', [['class', 'VR']])).toBeGreaterThan(0.25 * 400);
  });

  test('a year of visits with ICD-10 diagnoses and vital signs', async () => {
    const visits = await count('Encounter');
    expect(visits).toBeGreaterThan(300);
    expect(await count('Encounter', [['date', `lt2024-10-01`]])).toBe(0);
    expect(await count('Condition', [['code', 'http://hl7.org/fhir/sid/icd-10|I10']])).toBeGreaterThan(10);
    expect(await count('Observation', [['code', 'http://loinc.org|85354-9']])).toBeGreaterThan(100);
  });

  test('EPI doses for children', async () => {
    expect(await count('Immunization', [['vaccine-code', 'DPT-VGB-Hib']])).toBeGreaterThan(20);
  });

  /** The z-scores come from the WHO tables in ../shared; without them the seed measures no child. */
  const withTables = HAS_SHARED ? test : (name: string, fn: () => Promise<void>) => test.skip(`${name} (skipped: ${REFERENCE_DIR} is absent)`, fn);
  withTables('height-for-age z-scores with 12–18% stunted (±6 points at this size)', async () => {
    const measured = await count('Observation', [['code', 'http://commune-ehr.example/fhir/CodeSystem/child-growth|haz']]);
    const stunted = await count('Observation', [['code', 'http://commune-ehr.example/fhir/CodeSystem/child-growth|haz'], ['value-quantity', 'lt-2']]);
    expect(measured).toBeGreaterThan(20);
    expect(stunted / measured).toBeGreaterThan(0.06);
    expect(stunted / measured).toBeLessThan(0.24);
  });

  test('residents moved in and out during the year', async () => {
    expect(await count('Patient', [['residence-period', `ge2024-10-02`], ['residence-period', `le${AS_OF}`], ['residence-type', 'tam-tru']])).toBeGreaterThan(0);
    expect(await count('Group', [])).toBeGreaterThan(0);
  });

  test('seeding again is refused: synthetic data never mixes with a populated database', async () => {
    await expect(seedCommune(s.engine, HA_SON, loadStationTerminology(), undefined, { residents: 10, seed: 1, asOf: AS_OF, concurrency: 1 })).rejects.toThrow('already holds 400 patients');
  });
});

// `npm run seed` with no --as-of seeds up to yesterday: on the as-of day visits are planned at any
// hour, and today's later hours would be refused as records from the future.
describe('a commune seeded up to the latest day it may be, whatever day the test runs', () => {
  let s: StationEngine;
  beforeAll(async () => {
    s = await startStationEngine();
  }, 180_000);
  afterAll(() => s?.close());

  test('yesterday in the station\'s zone is the latest as-of day, and seeding up to it succeeds', async () => {
    expect(latestAsOf('Asia/Ho_Chi_Minh', Date.parse('2026-12-03T19:10:00Z'))).toBe('2026-12-03'); // 02:10 on the 4th there
    const summary = await seedCommune(s.engine, HA_SON, loadStationTerminology(), undefined, { residents: 120, seed: 7, asOf: latestAsOf('Asia/Ho_Chi_Minh'), concurrency: 2 });
    expect(summary.residents).toBe(120);
  }, 300_000);

  test('today, not over yet, is refused with the day to use', async () => {
    const today = localDay('Asia/Ho_Chi_Minh', Date.now());
    await expect(seedCommune(s.engine, HA_SON, loadStationTerminology(), undefined, { residents: 10, seed: 1, asOf: today, concurrency: 1 })).rejects.toThrow(`use ${latestAsOf('Asia/Ho_Chi_Minh')} or earlier`);
  });
});
