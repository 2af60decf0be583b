import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';

// The station's own routes and rules, through the real app and its authentication.
describe('station routes and rules in the running server', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({}, { stationRules: true });
  });
  afterAll(() => server.close());

  test.each([
    ['a1', 'SỔ KHÁM BỆNH'],
    ['a2', 'SỔ TIÊM CHỦNG TRẺ EM'],
    ['a2/doses', 'BÁO CÁO TIÊM CHỦNG TRẺ EM'],
  ])('the register %s answers staff, not officers or anonymous callers', async (register, heading) => {
    const url = `${server.origin}/station/registers/${register}?from=2026-01-01&to=2026-01-31`;
    const clinician = await fetch(url, { headers: { authorization: `Bearer ${server.token}` } });
    expect(clinician.status).toBe(200);
    expect(await clinician.text()).toContain(heading);
    const csv = await fetch(`${url}&format=csv`, { headers: { authorization: `Bearer ${server.token}` } });
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    expect((await fetch(url, { headers: { authorization: `Bearer ${await server.staffToken(['officer'])}` } })).status).toBe(403);
    expect((await fetch(url)).status).toBe(401);
  });

  test('a malformed CCCD is refused with a Vietnamese message saying what to fix', async () => {
    const res = await fhirFetch(`${server.baseUrl}/Patient`, {
      method: 'POST',
      body: { resourceType: 'Patient', gender: 'male', birthDate: '1990-05-01', identifier: [{ system: 'http://fhir.ehealth.gov.vn/core/sid/national_id', value: '038190' }] },
    });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toMatch(/CCCD/);
  });
});
