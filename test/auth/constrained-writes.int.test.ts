import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';
import { launch, registerPublicApp, residentWithAccount } from './smart-helpers';

// A SMART v2 scope's constraint binds writes as it binds reads (docs/security.md): with
// `patient/Observation.cruds?category=…|vital-signs` an app creates, changes and deletes vital signs
// only — the stored content and the new content must both match, and a stored resource that does
// not is as invisible to the write as to a read.
describe('a constrained grant writes only what it could read', () => {
  const CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
  const VITALS_ONLY = `patient/Observation.cruds?category=${CATEGORY}|vital-signs`;
  /** Reads every Observation, changes vital signs only: the update grant's own constraint decides. */
  const READS_ALL = `patient/Observation.rs patient/Observation.u?category=${CATEGORY}|vital-signs`;
  let server: TestServer;
  let base: string;
  let clinician: string;
  let vitalsOnly: string;
  let readsAll: string;
  let me: { patientId: string; username: string; password: string };
  let lab: string;
  let vital: string;

  const observation = (category: string, id?: string): object => ({
    resourceType: 'Observation',
    ...(id ? { id } : {}),
    status: 'final',
    category: [{ coding: [{ system: CATEGORY, code: category }] }],
    code: { text: category === 'laboratory' ? 'đường huyết' : 'huyết áp' },
    subject: { reference: `Patient/${me.patientId}` },
  });

  const as = (token: string, path: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}) => fhirFetch(`${base}/${path}`, { ...init, token });
  const patch = (path: string, operations: object[], token = vitalsOnly) => as(token, path, { method: 'PATCH', body: operations, headers: { 'content-type': 'application/json-patch+json' } });
  const toLaboratory = [{ op: 'replace', path: '/category/0/coding/0/code', value: 'laboratory' }];
  /** The stored Observation, as the clinician sees it: unchanged by a refused write. */
  const stored = async (id: string) => (await as(clinician, `Observation/${id}`)).body;
  const labCount = async () => (await as(clinician, `Observation?subject=Patient/${me.patientId}&category=laboratory&_summary=count`)).body.total;

  beforeAll(async () => {
    server = await startTestServer();
    base = server.baseUrl;
    clinician = server.token;
    me = await residentWithAccount(server, 'Tôi');
    const clientId = await registerPublicApp(server, `launch/patient openid fhirUser ${VITALS_ONLY} ${READS_ALL}`);
    vitalsOnly = (await launch(server, clientId, me, `launch/patient ${VITALS_ONLY}`)).access_token;
    readsAll = (await launch(server, clientId, me, `launch/patient ${READS_ALL}`)).access_token;
  });
  afterAll(() => server.close());

  beforeEach(async () => {
    lab = (await as(clinician, 'Observation', { method: 'POST', body: observation('laboratory') })).body.id;
    vital = (await as(clinician, 'Observation', { method: 'POST', body: observation('vital-signs') })).body.id;
  });

  test('create: content outside the constraint → 403 (bilingual), nothing written; matching content → 201', async () => {
    const before = await labCount();
    const res = await as(vitalsOnly, 'Observation', { method: 'POST', body: observation('laboratory') });
    expect(res.status).toBe(403);
    expect(res.body.issue[0].diagnostics).toMatch(/Quyền được cấp.*does not cover/s);
    expect(await labCount()).toBe(before);
    expect((await as(vitalsOnly, 'Observation', { method: 'POST', body: observation('vital-signs') })).status).toBe(201);
  });

  test('update: a stored resource outside the constraint is refused as hidden, untouched', async () => {
    expect((await as(vitalsOnly, `Observation/${lab}`, { method: 'PUT', body: observation('vital-signs', lab) })).status).toBe(403);
    const kept = await stored(lab);
    expect([kept.category[0].coding[0].code, kept.meta.versionId]).toEqual(['laboratory', '1']);
  });

  test('update: new content outside the constraint → 403, untouched; within it → 200', async () => {
    expect((await as(vitalsOnly, `Observation/${vital}`, { method: 'PUT', body: observation('laboratory', vital) })).status).toBe(403);
    expect((await stored(vital)).meta.versionId).toBe('1');
    expect((await as(vitalsOnly, `Observation/${vital}`, { method: 'PUT', body: { ...observation('vital-signs', vital), status: 'amended' } })).status).toBe(200);
  });

  test("patch: a stored resource outside the update grant's constraint → 404 as on read, untouched", async () => {
    const amend = [{ op: 'replace', path: '/status', value: 'amended' }];
    expect((await patch(`Observation/${lab}`, amend)).status).toBe(404);
    expect((await patch(`Observation/${lab}`, amend, readsAll)).status).toBe(404);
    expect((await stored(lab)).meta.versionId).toBe('1');
    expect((await patch(`Observation/${vital}`, amend, readsAll)).status).toBe(200);
  });

  test('patch: a result outside the constraint → 403, untouched', async () => {
    expect((await patch(`Observation/${vital}`, toLaboratory)).status).toBe(403);
    expect((await stored(vital)).meta.versionId).toBe('1');
  });

  test('delete: a stored resource outside the constraint is not deleted, and answered as an absent one is', async () => {
    const absent = await as(vitalsOnly, 'Observation/khong-co-that', { method: 'DELETE' });
    const res = await as(vitalsOnly, `Observation/${lab}`, { method: 'DELETE' });
    expect(res.status).toBe(absent.status);
    expect((await as(clinician, `Observation/${lab}`)).status).toBe(200);
    expect((await as(vitalsOnly, `Observation/${vital}`, { method: 'DELETE' })).status).toBe(200);
    expect((await as(clinician, `Observation/${vital}`)).status).toBe(410);
  });

  test('transaction entries: the same checks, and the whole Bundle is refused', async () => {
    const bundle = (entry: object[]) => as(vitalsOnly, '', { method: 'POST', body: { resourceType: 'Bundle', type: 'transaction', entry } });
    const postVital = { resource: observation('vital-signs'), request: { method: 'POST', url: 'Observation' } };
    const before = await labCount();
    expect((await bundle([postVital, { resource: observation('laboratory'), request: { method: 'POST', url: 'Observation' } }])).status).toBe(403);
    expect((await bundle([postVital, { resource: observation('laboratory', vital), request: { method: 'PUT', url: `Observation/${vital}` } }])).status).toBe(403);
    expect((await bundle([postVital, { resource: observation('vital-signs', lab), request: { method: 'PUT', url: `Observation/${lab}` } }])).status).toBe(403);
    expect((await bundle([{ request: { method: 'DELETE', url: `Observation/${lab}` } }])).status).toBe(200);
    expect(await labCount()).toBe(before);
    expect([(await stored(lab)).meta.versionId, (await stored(vital)).meta.versionId]).toEqual(['1', '1']);
  });
});
