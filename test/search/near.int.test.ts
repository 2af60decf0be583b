import type { Bundle, CapabilityStatement, Location } from '@medplum/fhirtypes';
import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';
import { matchIds, pageAll, search, seed } from './helpers';

// R4 Location.near (docs/search.md, "Positions"): latitude|longitude|distance|unit, km when the
// unit is left out, 10 km when the distance is. Expected matches are computed here with the
// spherical law of cosines (the server uses the haversine form), on the same sphere.
const R = 6371.0088;
const rad = (deg: number): number => (deg * Math.PI) / 180;
function km(a: [number, number], b: [number, number]): number {
  const cos = Math.sin(rad(a[0])) * Math.sin(rad(b[0])) + Math.cos(rad(a[0])) * Math.cos(rad(b[0])) * Math.cos(rad(b[1] - a[1]));
  return R * Math.acos(Math.min(1, cos));
}

/** The station (Hà Sơn, Thanh Hóa, roughly) and places around it; distances from it in comments. */
const STATION: [number, number] = [19.8, 105.77];
const PLACES: Record<string, [number, number]> = {
  'thon-bac': [19.82, 105.77], // 2.2 km north
  'thon-xa': [19.85, 105.77], // 5.6 km north
  'diem-tiem': [19.885, 105.77], // 9.5 km north
  'cho-huyen': [19.71, 105.77], // 10.007 km south: just outside the default 10 km
  'thon-dong': [19.8, 105.8], // 3.1 km east, along the parallel
  'goc-ruong': [19.83, 105.8], // 4.6 km north-east: inside a 4 km square round the station, outside its circle
  'ha-noi': [21.0285, 105.8542],
  'dao-tay': [10, 179.99], // across the date line from dao-dong
  'dao-dong': [10, -179.995],
  'cuc-bac': [89.99, 0], // across the pole from cuc-bac-2
  'cuc-bac-2': [89.99, 180],
};

describe('near (Location.position)', () => {
  let server: TestServer;
  const ids = new Map<string, string>();
  beforeAll(async () => {
    server = await startTestServer();
    const locations: Location[] = Object.entries(PLACES).map(([name, [latitude, longitude]]) => ({ resourceType: 'Location', name, position: { latitude, longitude } }));
    locations.push({ resourceType: 'Location', name: 'khong-toa-do' });
    for (const stored of (await seed(server, locations)) as Location[]) ids.set(stored.name!, stored.id!);
  });
  afterAll(() => server.close());

  /** Ids of the places within `limit` km of any of `points`. */
  const within = (points: [number, number][], limit: number): string[] =>
    Object.entries(PLACES)
      .filter(([, at]) => points.some((point) => km(point, at) <= limit))
      .map(([name]) => ids.get(name)!)
      .sort();
  const near = (point: [number, number], rest = ''): string => `${point[0]}|${point[1]}${rest}`;

  test('within a distance in km, and the same in m', async () => {
    const expected = within([STATION], 5);
    expect(expected.map((id) => [...ids].find(([, v]) => v === id)![0]).sort()).toEqual(['goc-ruong', 'thon-bac', 'thon-dong']);
    expect(await matchIds(server, `Location?near=${near(STATION, '|5|km')}`)).toEqual(expected);
    expect(await matchIds(server, `Location?near=${near(STATION, '|5000|m')}`)).toEqual(expected);
    expect(await matchIds(server, `Location?near=${near(STATION, '|5')}`)).toEqual(expected);
    expect(await matchIds(server, `Location?near=${near(STATION, '|6|km')}`)).toEqual(within([STATION], 6));
  });

  test('the distance is along the Earth, not a square of latitudes and longitudes', async () => {
    const expected = within([STATION], 4);
    expect(expected).not.toContain(ids.get('goc-ruong'));
    expect(await matchIds(server, `Location?near=${near(STATION, '|4|km')}`)).toEqual(expected);
  });

  test('with no distance, 10 km: the place 10.007 km away is left out', async () => {
    const expected = within([STATION], 10);
    expect(expected).toHaveLength(5);
    expect(expected).not.toContain(ids.get('cho-huyen'));
    expect(await matchIds(server, `Location?near=${near(STATION)}`)).toEqual(expected);
    expect(await matchIds(server, `Location?near=${near(STATION, '|10.01|km')}`)).toContain(ids.get('cho-huyen'));
  });

  test('several points are alternatives; a repeated near must hold for each', async () => {
    const hanoi = PLACES['ha-noi'];
    expect(await matchIds(server, `Location?near=${near(STATION, '|3|km')},${near(hanoi, '|1|km')}`)).toEqual(within([STATION], 3).concat(ids.get('ha-noi')!).sort());
    expect(await matchIds(server, `Location?near=${near(STATION, '|6|km')}&near=${near(PLACES['thon-xa'], '|1|km')}`)).toEqual([ids.get('thon-xa')]);
  });

  test('across the date line and across the pole', async () => {
    const [eastLat, eastLong] = PLACES['dao-dong'];
    expect(km(PLACES['dao-tay'], PLACES['dao-dong'])).toBeLessThan(2);
    expect(await matchIds(server, `Location?near=${eastLat}|${eastLong}|2|km`)).toEqual(within([PLACES['dao-dong']], 2));
    expect(within([PLACES['dao-dong']], 2)).toContain(ids.get('dao-tay'));
    expect(await matchIds(server, `Location?near=${near(PLACES['cuc-bac-2'], '|3|km')}`)).toEqual([ids.get('cuc-bac'), ids.get('cuc-bac-2')].sort());
  });

  test('each match carries its distance (location-distance), and pages hold every match once', async () => {
    const bundle = await search(server, `Location?near=${near(STATION, '|20|km')}`);
    const matches = bundle.entry!.filter((e) => e.search?.mode === 'match');
    expect(matches).toHaveLength(within([STATION], 20).length);
    for (const e of matches) {
      const place = PLACES[(e.resource as Location).name!];
      const [extension] = e.search!.extension!;
      expect(extension.url).toBe('http://hl7.org/fhir/StructureDefinition/location-distance');
      expect(extension.valueDistance!.code).toBe('km');
      expect(extension.valueDistance!.value).toBeCloseTo(km(STATION, place), 2);
    }
    expect((await pageAll(server, `Location?near=${near(STATION, '|20|km')}&_count=2`)).sort()).toEqual(within([STATION], 20));
    const total = await search(server, `Location?near=${near(STATION, '|20|km')}&_total=accurate&_count=1`);
    expect(total.total).toBe(within([STATION], 20).length);
  });

  test('a moved place is found where it is now; a chained near finds the visits there', async () => {
    const id = ids.get('ha-noi')!;
    const current = (await fhirFetch(`${server.baseUrl}/Location/${id}`)).body as Location;
    await fhirFetch(`${server.baseUrl}/Location/${id}`, { method: 'PUT', body: { ...current, position: { latitude: 19.81, longitude: 105.77 } } });
    try {
      expect(await matchIds(server, `Location?near=${near(STATION, '|2|km')}`)).toContain(id);
      expect(await matchIds(server, `Location?near=${near(PLACES['ha-noi'], '|5|km')}`)).toEqual([]);
      const [visit] = await seed(server, [
        { resourceType: 'Encounter', status: 'finished', class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'HH' }, location: [{ location: { reference: `Location/${id}` } }] },
      ]);
      expect(await matchIds(server, `Encounter?location.near=${near(STATION, '|2|km')}`)).toEqual([visit.id]);
      expect(await matchIds(server, `Encounter?location.near=${near(PLACES['cuc-bac'], '|2|km')}`)).toEqual([]);
    } finally {
      await fhirFetch(`${server.baseUrl}/Location/${id}`, { method: 'PUT', body: { ...current, meta: undefined } });
    }
  });

  test('a malformed near is a 400 that says the form, in Vietnamese and English', async () => {
    for (const bad of ['91|105|1|km', '19.8|181', 'abc|105', '19.8', '19.8|105.77|-3|km', '19.8|105.77|3|kg', '19.8|105.77|3|km|x', '19.8|105.77|nhiều|km']) {
      const res = await fhirFetch(`${server.baseUrl}/Location?near=${encodeURIComponent(bad)}`);
      expect([bad, res.status]).toEqual([bad, 400]);
      expect(res.body.resourceType).toBe('OperationOutcome');
      expect(res.body.issue[0].diagnostics).toMatch(/vĩ|đơn vị/);
      expect(res.body.issue[0].diagnostics).toMatch(/latitude|unit/);
    }
    expect((await fhirFetch(`${server.baseUrl}/Location?near:missing=true`)).status).toBe(400);
    const points = (n: number): string => Array.from({ length: n }, (_, k) => `19.${k}|105.7|1|km`).join(',');
    expect((await fhirFetch(`${server.baseUrl}/Location?near=${encodeURIComponent(points(100))}`)).status).toBe(200);
    expect((await fhirFetch(`${server.baseUrl}/Location?near=${encodeURIComponent(points(101))}`)).status).toBe(400);
  });

  test('the CapabilityStatement lists near for Location', async () => {
    const cs = (await fhirFetch(`${server.baseUrl}/metadata`)).body as CapabilityStatement;
    const location = cs.rest![0].resource!.find((r) => r.type === 'Location')!;
    expect(location.searchParam!.find((p) => p.name === 'near')).toMatchObject({ type: 'special', definition: 'http://hl7.org/fhir/SearchParameter/Location-near' });
    const res = (await fhirFetch(`${server.baseUrl}/Location?near=${near(STATION)}`, { headers: { prefer: 'handling=strict' } })).body as Bundle;
    expect(res.entry!.some((e) => e.search?.mode === 'outcome')).toBe(false);
  });
});
