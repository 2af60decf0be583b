import type { MeasureReport, MeasureReportGroup, MeasureReportGroupPopulation, Resource } from '@medplum/fhirtypes';
import { defaultReportConfig } from '../../src/report/config';
import { HA_SON } from '../../src/station/config';
import { loadGrowthTables } from '../../src/station/growth/tables';
import { loadStationTerminology } from '../../src/station/rules/terminology';
import { seedCommune } from '../../src/station/seed/run';
import { startStationEngine, type StationEngine } from '../station/helpers';
import { HAS_SHARED, REFERENCE_DIR } from '../station/shared';
import { cardHolders, enrolled, latestHaz, managed, people, remoteUsers, tally, type Person, type Raw, type Rule, type Triple } from './recompute';

/**
 * The synthetic commune (seed 42, through the write path), evaluated by $evaluate-measure and
 * recomputed in plain JavaScript over the raw resources: both must agree stratum by stratum, for
 * every indicator and two periods. Without ../shared the WHO tables are absent and the seed
 * measures no child (stunting is then compared on an empty population).
 */

const RESIDENTS = 300;
const AS_OF = '2025-10-01';
const ZONE = 'Asia/Ho_Chi_Minh';
const PERIODS = [
  { start: '2024-10-02', end: AS_OF },
  { start: '2025-01-01', end: '2025-06-30' },
];
const config = defaultReportConfig(HA_SON);

let s: StationEngine;
let raw: Raw;

beforeAll(async () => {
  if (!HAS_SHARED) console.warn(`${REFERENCE_DIR} is absent: the synthetic commune has no growth measurements`);
  s = await startStationEngine();
  const tables = HAS_SHARED ? loadGrowthTables([REFERENCE_DIR]) : undefined;
  await seedCommune(s.engine, HA_SON, loadStationTerminology(), tables, { residents: RESIDENTS, seed: 42, asOf: AS_OF, concurrency: 1 });
  const rows = await s.db.query<{ resource_type: string; content: Resource | string }>(
    `SELECT resource_type, content FROM resource WHERE NOT deleted AND resource_type IN ('Patient', 'Coverage', 'Basic', 'Encounter', 'Observation', 'Immunization', 'Condition')`,
  );
  const all = rows.map((r) => (typeof r.content === 'string' ? JSON.parse(r.content) : r.content) as Resource);
  const of = <T extends Resource>(type: string): T[] => all.filter((r) => r.resourceType === type) as T[];
  raw = {
    patients: of('Patient'),
    coverages: of('Coverage'),
    basics: of('Basic'),
    encounters: of('Encounter'),
    observations: of('Observation'),
    records: new Map(['Encounter', 'Observation', 'Immunization', 'Condition'].map((t) => [t, of(t)])),
  };
}, 1_800_000);
afterAll(() => s?.close(), 60_000);

async function evaluate(measure: string, period: { start: string; end: string }): Promise<MeasureReport> {
  const res = await s.dispatch({ method: 'GET', path: `Measure/${measure}/$evaluate-measure`, query: [['periodStart', period.start], ['periodEnd', period.end]] });
  expect(res.status).toBe(200);
  return res.resource as MeasureReport;
}

/** The report's group in the recomputation's shape, strata with nobody in them left out. */
function shapeOf(group: MeasureReportGroup): Record<string, Record<string, Triple>> {
  const triple = (pops: MeasureReportGroupPopulation[] | undefined): Triple => {
    const get = (code: string): number => pops?.find((p) => p.code!.coding![0].code === code)?.count ?? 0;
    return [get('initial-population'), get('denominator-exclusion'), get('numerator')];
  };
  const total = triple(group.population);
  const out: Record<string, Record<string, Triple>> = { total: total[0] > 0 ? { all: total } : {} };
  for (const st of group.stratifier ?? []) {
    const name = st.code!.map((c) => c.coding![0].code).join('-');
    out[name] = {};
    for (const stratum of st.stratum ?? []) {
      const key = stratum.value ? stratum.value.coding![0].code! : stratum.component!.map((c) => c.value.coding![0].code).join('|');
      const t = triple(stratum.population);
      if (t[0] > 0) out[name][key] = t;
    }
  }
  return out;
}

describe(`synthetic commune (${RESIDENTS} residents, seed 42): SQL evaluation = plain JavaScript, stratum by stratum`, () => {
  test.each(PERIODS)('period $start … $end', async (period) => {
    const day = period.end;
    const persons = people(raw, day, config, HA_SON, ZONE);
    const byId = new Map(persons.map((p) => [p.id, p]));
    const cards = cardHolders(raw, day, config);
    const book = enrolled(raw, day, config.eHealthBook.apps, config.eHealthBook.verifications);
    const tele = enrolled(raw, day, config.telemedicine.apps, config.telemedicine.verifications);
    const used = remoteUsers(raw, period.start, day, config, ZONE);
    const managedSet = managed(raw, period.start, day, config, ZONE);
    const haz = latestHaz(raw, byId, period.start, day, config, ZONE);
    const everyone = (p: Person): boolean => !!p;
    const expectations: [string, Record<string, Record<string, Triple>>][] = [
      ['bhyt-coverage', tally(persons, { initial: everyone, numerator: (p) => cards.has(p.id) })],
      ['e-health-book', tally(persons, { initial: everyone, numerator: (p) => book.has(p.id) })],
      ['telemedicine', tally(persons, { initial: everyone, numerator: (p) => tele.has(p.id) && used.has(p.id) })],
      ['health-managed', tally(persons, { initial: everyone, numerator: (p) => managedSet.has(p.id) })],
      ['stunting-under-5', tally(persons, { initial: (p) => haz.has(p.id), numerator: (p) => haz.get(p.id)! < config.stunting.zBelow }, (p) => p.excluded || Math.abs(haz.get(p.id)!) > config.stunting.implausibleAbove)],
    ];
    expect(persons.length).toBeGreaterThan(RESIDENTS * 0.85);
    for (const [measure, expected] of expectations) {
      const report = await evaluate(measure, period);
      expect({ measure, ...shapeOf(report.group![0]) }).toEqual({ measure, ...expected });
    }
    const apps = await evaluate('app-enrolment', period);
    for (const group of apps.group!) {
      const app = group.code!.coding![0].code!;
      const set = enrolled(raw, day, [app], config.appCounts.verifications);
      const rule: Rule = { initial: (p) => set.has(p.id) && !p.excluded };
      expect({ app, ...shapeOf(group) }).toEqual({ app, ...tally(persons, rule, () => false) });
    }
  }, 300_000);

  test('the figures look like the commune the seed describes', async () => {
    const g = (await evaluate('bhyt-coverage', PERIODS[0])).group![0];
    expect(g.measureScore!.value).toBeGreaterThan(0.9);
    const stunting = (await evaluate('stunting-under-5', PERIODS[0])).group![0];
    if (HAS_SHARED) expect(stunting.population![0].count).toBeGreaterThan(5);
  }, 300_000);
});
