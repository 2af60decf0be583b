import type { Encounter, Observation, Resource } from '@medplum/fhirtypes';
import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';
import { matchIds, seed } from './helpers';
import { datePrefixMatches, range } from './oracle';

// R4 search.html#date: every prefix, every precision from year to seconds; periods are ranges; a
// value without a timezone is read in the station's zone (Asia/Ho_Chi_Minh, UTC+7).
const EFFECTIVE = [
  '2024',
  '2024-03',
  '2024-03-05',
  '2024-03-04',
  '2024-03-05T00:30:00', // 00:30 in Hà Nội is still 5 March there, though 4 March in UTC
  '2024-03-05T23:59:59+07:00',
  '2024-03-05T17:30:00Z', // 00:30 on 6 March in Hà Nội
  '2024-03-05T10:15:30.250+07:00',
  '2023-12-31T23:00:00Z',
  '2025-01-01',
];
const PERIODS: [string | undefined, string | undefined][] = [
  ['2024-03-01', '2024-03-10'],
  ['2024-03-05T08:00:00+07:00', '2024-03-05T09:00:00+07:00'],
  ['2024-02-20', undefined],
  [undefined, '2024-03-01'],
  ['2023-06', '2024'],
];
const QUERIES = ['2024', '2024-03', '2024-03-05', '2024-03-04', '2024-03-05T10:15', '2024-03-05T10:15:30', '2024-03-05T03:15:30Z', '2024-03-05T10:15:30+07:00', '2023', '2024-03-06'];
const PREFIXES = ['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb'];

const periodRange = ([start, end]: [string | undefined, string | undefined]): [number, number] => [
  start ? range(start)[0] : -Infinity,
  end ? range(end)[1] : Infinity,
];

describe('date search', () => {
  let server: TestServer;
  let observations: Observation[];
  let encounters: Encounter[];

  beforeAll(async () => {
    server = await startTestServer();
    const resources: Resource[] = [
      ...EFFECTIVE.map((effectiveDateTime): Observation => ({ resourceType: 'Observation', status: 'final', code: { text: 'x' }, effectiveDateTime })),
      ...PERIODS.map(([start, end]): Encounter => ({ resourceType: 'Encounter', status: 'finished', class: { code: 'AMB' }, period: { start, end } })),
    ];
    const stored = await seed(server, resources);
    observations = stored.filter((r): r is Observation => r.resourceType === 'Observation');
    encounters = stored.filter((r): r is Encounter => r.resourceType === 'Encounter');
  });
  afterAll(() => server.close());

  const cases = PREFIXES.flatMap((prefix) => QUERIES.map((query) => [prefix, query] as const));

  test.each(cases)('Observation?date=%s%s (dateTime at every precision)', async (prefix, query) => {
    const expected = observations.filter((o) => datePrefixMatches(prefix, range(o.effectiveDateTime!), range(query))).map((o) => o.id!).sort();
    expect(await matchIds(server, `Observation?date=${prefix}${encodeURIComponent(query)}`)).toEqual(expected);
  });

  test.each(cases)('Encounter?date=%s%s (periods as ranges, open ends unbounded)', async (prefix, query) => {
    const expected = encounters
      .filter((e) => datePrefixMatches(prefix, periodRange([e.period?.start, e.period?.end]), range(query)))
      .map((e) => e.id!)
      .sort();
    expect(await matchIds(server, `Encounter?date=${prefix}${encodeURIComponent(query)}`)).toEqual(expected);
  });

  test('a date without prefix is eq; a visit at 00:30 local time stays on its local day', async () => {
    const early = observations[4].id;
    expect(await matchIds(server, 'Observation?date=2024-03-05')).toContain(early);
    expect(await matchIds(server, 'Observation?date=2024-03-04')).not.toContain(early);
    expect(await matchIds(server, 'Observation?date=2024-03-06')).toContain(observations[6].id);
  });

  test('an unencoded + in the zone (arriving as a space) is read as +', async () => {
    const res = await fhirFetch(`${server.baseUrl}/Observation?date=2024-03-05T10:15:30.250+07:00`);
    expect(res.status).toBe(200);
    const ids = (res.body.entry ?? []).map((e: { resource: Observation }) => e.resource.id);
    expect(ids).toContain(observations[7].id);
  });

  test('ap matches values near the query', async () => {
    const ids = await matchIds(server, 'Observation?date=ap2024-03-05');
    expect(ids).toEqual(expect.arrayContaining([observations[2].id, observations[4].id]));
    expect(ids).not.toContain(observations[9].id);
  });

  test('two date parameters make a range (AND)', async () => {
    const lo = range('2024-03-05')[0];
    const hi = range('2024-03-06')[0];
    const expected = observations
      .filter((o) => {
        const [a, b] = range(o.effectiveDateTime!);
        return (b > lo || (a >= lo && b <= hi)) && a < hi;
      })
      .map((o) => o.id!)
      .sort();
    expect(await matchIds(server, 'Observation?date=ge2024-03-05&date=lt2024-03-06')).toEqual(expected);
  });

  test('_lastUpdated compares the stored instant', async () => {
    const last = observations[0].meta!.lastUpdated!;
    const later = new Date(Date.parse(last) + 3_600_000).toISOString();
    expect((await matchIds(server, `Observation?_lastUpdated=lt${later}`)).length).toBe(observations.length);
    expect(await matchIds(server, `Observation?_lastUpdated=gt${later}`)).toEqual([]);
  });

  // The database keeps microseconds; meta.lastUpdated (and so every client) knows milliseconds. A
  // resource searched by its own lastUpdated is that millisecond: in for eq, le and ge, out for gt
  // and lt (a sync by `_lastUpdated=gt<last seen>` would otherwise fetch its last resource again).
  test('_lastUpdated finds a resource by the meta.lastUpdated it was answered with', async () => {
    for (const o of observations) {
      const at = encodeURIComponent(o.meta!.lastUpdated!);
      const ids = async (prefix: string): Promise<string[]> => matchIds(server, `Observation?_id=${o.id}&_lastUpdated=${prefix}${at}`);
      for (const prefix of ['', 'eq', 'le', 'ge', 'ap']) expect([prefix, await ids(prefix)]).toEqual([prefix, [o.id]]);
      for (const prefix of ['gt', 'lt', 'ne', 'sa', 'eb']) expect([prefix, await ids(prefix)]).toEqual([prefix, []]);
    }
  });

  test('malformed dates are a 400', async () => {
    for (const bad of ['2024-13', 'yesterday', '2024-03-05T25:00', 'gt']) {
      const res = await fhirFetch(`${server.baseUrl}/Observation?date=${bad}`);
      expect(res.status).toBe(400);
    }
  });
});
