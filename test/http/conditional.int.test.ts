import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';

// docs/interactions/conditional.md — https://hl7.org/fhir/R4/http.html#ccreate
describe('conditional create, update and delete', () => {
  let server: TestServer;
  let base: string;
  beforeAll(async () => {
    server = await startTestServer();
    base = server.baseUrl;
  });
  afterAll(() => server.close());

  const CCCD = 'http://fhir.ehealth.gov.vn/core/sid/national_id';
  const withCccd = (value: string, extra: object = {}): object => ({
    resourceType: 'Patient',
    identifier: [{ system: CCCD, value }],
    name: [{ family: 'Lê', given: ['Thị', 'Hoa'] }],
    ...extra,
  });
  const count = async (query: string): Promise<number> => (await fhirFetch(`${base}/Patient?${query}&_summary=count`)).body.total;

  test('If-None-Exist: none → 201, one → 200 with the existing resource, several → 412', async () => {
    const headers = { 'if-none-exist': `identifier=${CCCD}|038190000101` };
    const first = await fhirFetch(`${base}/Patient`, { method: 'POST', body: withCccd('038190000101'), headers });
    expect(first.status).toBe(201);
    const second = await fhirFetch(`${base}/Patient`, { method: 'POST', body: withCccd('038190000101'), headers });
    expect(second.status).toBe(200);
    expect(second.body.id).toBe(first.body.id);
    await fhirFetch(`${base}/Patient`, { method: 'POST', body: withCccd('038190000102') });
    await fhirFetch(`${base}/Patient`, { method: 'POST', body: withCccd('038190000102') });
    const many = await fhirFetch(`${base}/Patient`, { method: 'POST', body: withCccd('038190000102'), headers: { 'if-none-exist': `identifier=${CCCD}|038190000102` } });
    expect(many.status).toBe(412);
  });

  test('ten simultaneous conditional creates with the same condition leave exactly one resource', async () => {
    const value = `0381900${Date.now() % 100000}`.slice(0, 12);
    const attempts = await Promise.all(
      Array.from({ length: 10 }, () =>
        fhirFetch(`${base}/Patient`, { method: 'POST', body: withCccd(value), headers: { 'if-none-exist': `identifier=${CCCD}|${value}` } }),
      ),
    );
    const statuses = attempts.map((a) => a.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 200)).toHaveLength(9);
    expect(new Set(attempts.map((a) => a.body.id)).size).toBe(1);
    expect(await count(`identifier=${CCCD}|${value}`)).toBe(1);
  });

  test('conditional update: none → create, one → update it, several → 412', async () => {
    const url = `${base}/Patient?identifier=${encodeURIComponent(`${CCCD}|038190000201`)}`;
    const created = await fhirFetch(url, { method: 'PUT', body: withCccd('038190000201') });
    expect(created.status).toBe(201);
    const updated = await fhirFetch(url, { method: 'PUT', body: withCccd('038190000201', { active: true }) });
    expect(updated.status).toBe(200);
    expect(updated.body.id).toBe(created.body.id);
    expect(updated.body.meta.versionId).toBe('2');
    await fhirFetch(`${base}/Patient`, { method: 'POST', body: withCccd('038190000201') });
    expect((await fhirFetch(url, { method: 'PUT', body: withCccd('038190000201') })).status).toBe(412);
    expect((await fhirFetch(`${base}/Patient`, { method: 'PUT', body: withCccd('1') })).status).toBe(400);
  });

  test('ten simultaneous conditional updates that create leave exactly one resource', async () => {
    const url = `${base}/Patient?identifier=${encodeURIComponent(`${CCCD}|038190000301`)}`;
    const attempts = await Promise.all(Array.from({ length: 10 }, (_, i) => fhirFetch(url, { method: 'PUT', body: withCccd('038190000301', { birthDate: `2000-01-${String(i + 1).padStart(2, '0')}` }) })));
    expect(attempts.every((a) => a.status === 200 || a.status === 201)).toBe(true);
    expect(attempts.filter((a) => a.status === 201)).toHaveLength(1);
    expect(await count(`identifier=${CCCD}|038190000301`)).toBe(1);
  });

  test('conditional delete: one match is deleted, several → 412, none → success', async () => {
    const one = await fhirFetch(`${base}/Patient`, { method: 'POST', body: withCccd('038190000401') });
    const del = await fhirFetch(`${base}/Patient?identifier=${CCCD}|038190000401`, { method: 'DELETE' });
    expect(del.status).toBe(200);
    expect((await fhirFetch(`${base}/Patient/${one.body.id}`)).status).toBe(410);
    await fhirFetch(`${base}/Patient`, { method: 'POST', body: withCccd('038190000402') });
    await fhirFetch(`${base}/Patient`, { method: 'POST', body: withCccd('038190000402') });
    expect((await fhirFetch(`${base}/Patient?identifier=${CCCD}|038190000402`, { method: 'DELETE' })).status).toBe(412);
    expect(await count(`identifier=${CCCD}|038190000402`)).toBe(2);
    expect((await fhirFetch(`${base}/Patient?identifier=${CCCD}|nobody`, { method: 'DELETE' })).status).toBe(200);
  });

  test('criteria with an unknown parameter are refused rather than matching everything', async () => {
    const res = await fhirFetch(`${base}/Patient`, { method: 'POST', body: withCccd('1'), headers: { 'if-none-exist': 'nonsense=1' } });
    expect(res.status).toBe(400);
  });
});
