import { planStation, writeStation } from '../../bench/generate/write';
import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';

/**
 * The search benchmark's synthetic station must pass the station's rules on the day it is written,
 * whatever that day: a generated BHYT children's card (TE) once stopped every run when its holder
 * turned 6 after the generator's fixed date. Written here as the bench writes it (transaction
 * Bundles over HTTP), for the first 200 residents of the default seed.
 */

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({}, { stationRules: true });
}, 180_000);
afterAll(() => server?.close());

test('the first 200 generated residents and their records are accepted by the station', async () => {
  const plan = planStation(200, 1);
  const { resources } = await writeStation(plan, { baseUrl: server.baseUrl, headers: async () => ({ authorization: `Bearer ${server.token}` }) });
  expect(resources).toBeGreaterThan(200 * 5);
  const patients = await fhirFetch(`${server.baseUrl}/Patient?_summary=count`);
  expect(patients.body.total).toBe(200);
}, 180_000);
