import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';

// docs/interactions/create.md, update.md, patch.md, delete.md — https://hl7.org/fhir/R4/http.html#ccreate
describe('conditional create, update, patch and delete', () => {
  let server: TestServer;
  let base: string;
  beforeAll(async () => {
    server = await startTestServer();
    base = server.baseUrl;
  });
  afterAll(() => server.close());

  // A record-number system no rule keeps unique: several Patients may share a value here.
  const MRN = 'http://example.org/fhir/sid/medical-record';
  const withMrn = (value: string, extra: object = {}): object => ({
    resourceType: 'Patient',
    identifier: [{ system: MRN, value }],
    name: [{ family: 'Lê', given: ['Thị', 'Hoa'] }],
    ...extra,
  });
  const count = async (query: string): Promise<number> => (await fhirFetch(`${base}/Patient?${query}&_summary=count`)).body.total;

  test('If-None-Exist: none → 201, one → 200 with the existing resource, several → 412', async () => {
    const headers = { 'if-none-exist': `identifier=${MRN}|038190000101` };
    const first = await fhirFetch(`${base}/Patient`, { method: 'POST', body: withMrn('038190000101'), headers });
    expect(first.status).toBe(201);
    const second = await fhirFetch(`${base}/Patient`, { method: 'POST', body: withMrn('038190000101'), headers });
    expect(second.status).toBe(200);
    expect(second.body.id).toBe(first.body.id);
    await fhirFetch(`${base}/Patient`, { method: 'POST', body: withMrn('038190000102') });
    await fhirFetch(`${base}/Patient`, { method: 'POST', body: withMrn('038190000102') });
    const many = await fhirFetch(`${base}/Patient`, { method: 'POST', body: withMrn('038190000102'), headers: { 'if-none-exist': `identifier=${MRN}|038190000102` } });
    expect(many.status).toBe(412);
  });

  test('ten simultaneous conditional creates with the same condition leave exactly one resource', async () => {
    const value = `0381900${Date.now() % 100000}`.slice(0, 12);
    const attempts = await Promise.all(
      Array.from({ length: 10 }, () =>
        fhirFetch(`${base}/Patient`, { method: 'POST', body: withMrn(value), headers: { 'if-none-exist': `identifier=${MRN}|${value}` } }),
      ),
    );
    const statuses = attempts.map((a) => a.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 200)).toHaveLength(9);
    expect(new Set(attempts.map((a) => a.body.id)).size).toBe(1);
    expect(await count(`identifier=${MRN}|${value}`)).toBe(1);
  });

  test('conditional update: none → create, one → update it, several → 412', async () => {
    const url = `${base}/Patient?identifier=${encodeURIComponent(`${MRN}|038190000201`)}`;
    const created = await fhirFetch(url, { method: 'PUT', body: withMrn('038190000201') });
    expect(created.status).toBe(201);
    const updated = await fhirFetch(url, { method: 'PUT', body: withMrn('038190000201', { active: true }) });
    expect(updated.status).toBe(200);
    expect(updated.body.id).toBe(created.body.id);
    expect(updated.body.meta.versionId).toBe('2');
    await fhirFetch(`${base}/Patient`, { method: 'POST', body: withMrn('038190000201') });
    expect((await fhirFetch(url, { method: 'PUT', body: withMrn('038190000201') })).status).toBe(412);
    expect((await fhirFetch(`${base}/Patient`, { method: 'PUT', body: withMrn('1') })).status).toBe(400);
  });

  // R5 http.html#cond-update: "No matches, id provided and already exist: … 409 Conflict". The
  // criteria matched nothing, so the resource holding that id is not the one the client meant.
  test('conditional update with no match and a body id another resource holds is 409; a free id creates', async () => {
    const stamp = Date.now();
    const taken = `taken-${stamp}`;
    expect((await fhirFetch(`${base}/Patient/${taken}`, { method: 'PUT', body: { resourceType: 'Patient', id: taken } })).status).toBe(201);
    const url = (value: string): string => `${base}/Patient?identifier=${encodeURIComponent(`${MRN}|${value}`)}`;
    const refused = await fhirFetch(url(`${stamp}1`), { method: 'PUT', body: withMrn(`${stamp}1`, { id: taken }) });
    expect([refused.status, refused.body.issue[0].code, refused.body.issue[0].diagnostics]).toEqual([409, 'conflict', expect.stringMatching(/ \/ No Patient matches the criteria, and id taken-\d+ belongs to another resource$/)]);
    expect((await fhirFetch(`${base}/Patient/${taken}`)).body.meta.versionId).toBe('1');
    expect(await count(`identifier=${MRN}|${stamp}1`)).toBe(0);
    const free = `free-${stamp}`;
    const created = await fhirFetch(url(`${stamp}2`), { method: 'PUT', body: withMrn(`${stamp}2`, { id: free }) });
    expect([created.status, created.body.id]).toEqual([201, free]);
    // If-Match: * needs a current resource, and no match has none.
    expect((await fhirFetch(url(`${stamp}3`), { method: 'PUT', body: withMrn(`${stamp}3`), headers: { 'if-match': '*' } })).status).toBe(412);
  });

  test('simultaneous conditional updates that match nothing, naming one free id: one creates it, none overwrites', async () => {
    const id = `race-${Date.now()}`;
    // Different criteria: different locks, so nothing but the write's own guard keeps them apart.
    const attempts = await Promise.all(
      Array.from({ length: 8 }, (_, i) => fhirFetch(`${base}/Patient?identifier=${encodeURIComponent(`${MRN}|${id}-${i}`)}`, { method: 'PUT', body: withMrn(`${id}-${i}`, { id }) })),
    );
    expect(attempts.map((a) => a.status).sort()).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
    expect((await fhirFetch(`${base}/Patient/${id}`)).body.meta.versionId).toBe('1');
  });

  test('ten simultaneous conditional updates that create leave exactly one resource', async () => {
    const url = `${base}/Patient?identifier=${encodeURIComponent(`${MRN}|038190000301`)}`;
    const attempts = await Promise.all(Array.from({ length: 10 }, (_, i) => fhirFetch(url, { method: 'PUT', body: withMrn('038190000301', { birthDate: `2000-01-${String(i + 1).padStart(2, '0')}` }) })));
    expect(attempts.every((a) => a.status === 200 || a.status === 201)).toBe(true);
    expect(attempts.filter((a) => a.status === 201)).toHaveLength(1);
    expect(await count(`identifier=${MRN}|038190000301`)).toBe(1);
  });

  test('conditional delete: one match is deleted, several → 412, none → success', async () => {
    const one = await fhirFetch(`${base}/Patient`, { method: 'POST', body: withMrn('038190000401') });
    const del = await fhirFetch(`${base}/Patient?identifier=${MRN}|038190000401`, { method: 'DELETE' });
    expect(del.status).toBe(200);
    expect((await fhirFetch(`${base}/Patient/${one.body.id}`)).status).toBe(410);
    await fhirFetch(`${base}/Patient`, { method: 'POST', body: withMrn('038190000402') });
    await fhirFetch(`${base}/Patient`, { method: 'POST', body: withMrn('038190000402') });
    expect((await fhirFetch(`${base}/Patient?identifier=${MRN}|038190000402`, { method: 'DELETE' })).status).toBe(412);
    expect(await count(`identifier=${MRN}|038190000402`)).toBe(2);
    expect((await fhirFetch(`${base}/Patient?identifier=${MRN}|nobody`, { method: 'DELETE' })).status).toBe(200);
  });

  // As conditional update and patch do, and as a transaction's conditional DELETE entry does.
  test('conditional delete honours If-Match: a stale version is 412 and nothing is deleted', async () => {
    const one = (await fhirFetch(`${base}/Patient`, { method: 'POST', body: withMrn('038190000403') })).body;
    await fhirFetch(`${base}/Patient/${one.id}`, { method: 'PUT', body: { ...one, active: true } });
    const url = `${base}/Patient?identifier=${MRN}|038190000403`;
    const stale = await fhirFetch(url, { method: 'DELETE', headers: { 'if-match': 'W/"1"' } });
    expect([stale.status, stale.body.issue[0].code]).toEqual([412, 'conflict']);
    expect((await fhirFetch(`${base}/Patient/${one.id}`)).status).toBe(200);
    expect((await fhirFetch(url, { method: 'DELETE', headers: { 'if-match': 'W/"2"' } })).status).toBe(200);
    expect((await fhirFetch(`${base}/Patient/${one.id}`)).status).toBe(410);
  });

  test('conditional patch: one match is patched, none → 404, several → 412 and nothing changes', async () => {
    const headers = { 'content-type': 'application/json-patch+json' };
    const one = await fhirFetch(`${base}/Patient`, { method: 'POST', body: withMrn('038190000501') });
    const url = (value: string): string => `${base}/Patient?identifier=${encodeURIComponent(`${MRN}|${value}`)}`;
    const patched = await fhirFetch(url('038190000501'), { method: 'PATCH', headers, body: [{ op: 'add', path: '/gender', value: 'female' }] });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ id: one.body.id, gender: 'female', meta: { versionId: '2' } });
    expect((await fhirFetch(`${base}/Patient/${one.body.id}`)).body.gender).toBe('female');
    // If-Match guards it as it guards a patch by id.
    const stale = await fhirFetch(url('038190000501'), { method: 'PATCH', headers: { ...headers, 'if-match': 'W/"1"' }, body: [{ op: 'add', path: '/active', value: true }] });
    expect(stale.status).toBe(412);

    const none = await fhirFetch(url('nobody'), { method: 'PATCH', headers, body: [{ op: 'add', path: '/active', value: true }] });
    expect(none.status).toBe(404);
    expect(none.body.issue[0].diagnostics).toContain('Không có Patient nào khớp điều kiện');

    const twins = await Promise.all([1, 2].map(async () => (await fhirFetch(`${base}/Patient`, { method: 'POST', body: withMrn('038190000502') })).body.id as string));
    const many = await fhirFetch(url('038190000502'), { method: 'PATCH', headers, body: [{ op: 'add', path: '/active', value: true }] });
    expect(many.status).toBe(412);
    for (const id of twins) expect((await fhirFetch(`${base}/Patient/${id}`)).body).toMatchObject({ meta: { versionId: '1' } });

    const noCriteria = await fhirFetch(`${base}/Patient`, { method: 'PATCH', headers, body: [] });
    expect(noCriteria.status).toBe(400);
  });

  test('criteria with an unknown parameter are refused rather than matching everything', async () => {
    const res = await fhirFetch(`${base}/Patient`, { method: 'POST', body: withMrn('1'), headers: { 'if-none-exist': 'nonsense=1' } });
    expect(res.status).toBe(400);
  });
});
