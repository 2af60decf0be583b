import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';
import { launch, registerPublicApp, residentWithAccount } from './smart-helpers';

// Who may do what (docs/security.md): roles for staff, scopes for apps and systems, and the patient
// compartment for residents — enforced in the repository for every path.
describe('access by role and scope', () => {
  let server: TestServer;
  let base: string;
  const tokens: Record<string, string> = {};
  let me: { patientId: string; username: string; password: string };
  let other: { patientId: string };
  let myObservation: string;
  let myLab: string;
  let otherObservation: string;
  let clientId: string;

  const obs = (patientId: string, category: string, text: string): object => ({
    resourceType: 'Observation',
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: category }] }],
    code: { text },
    subject: { reference: `Patient/${patientId}` },
  });

  beforeAll(async () => {
    server = await startTestServer();
    base = server.baseUrl;
    for (const role of ['admin', 'registrar', 'officer', 'auditor']) tokens[role] = await server.staffToken([role]);
    tokens.clinician = server.token;
    tokens.system = await server.systemToken();
    tokens.systemPatientsOnly = await server.systemToken('system/Patient.rs');
    me = await residentWithAccount(server, 'Tôi');
    other = await residentWithAccount(server, 'Người khác');
    myObservation = (await fhirFetch(`${base}/Observation`, { method: 'POST', body: obs(me.patientId, 'vital-signs', 'mạch') })).body.id;
    myLab = (await fhirFetch(`${base}/Observation`, { method: 'POST', body: obs(me.patientId, 'laboratory', 'xét nghiệm') })).body.id;
    otherObservation = (await fhirFetch(`${base}/Observation`, { method: 'POST', body: obs(other.patientId, 'vital-signs', 'mạch') })).body.id;
    clientId = await registerPublicApp(server, 'launch/patient openid fhirUser offline_access patient/*.cruds patient/*.rs patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|vital-signs patient/Patient.r');
    tokens.resident = (await launch(server, clientId, me, 'launch/patient patient/*.cruds')).access_token;
    tokens.residentVitals = (await launch(server, clientId, me, 'launch/patient patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|vital-signs')).access_token;
    tokens.residentReadOnly = (await launch(server, clientId, me, 'launch/patient patient/Patient.r')).access_token;
  });
  afterAll(() => server.close());

  const status = async (who: string, path: string, init: { method?: string; body?: unknown } = {}): Promise<number> =>
    (await fhirFetch(`${base}/${path}`, { ...init, token: tokens[who] })).status;

  test.each([
    // who, request, expected status
    ['clinician', 'Patient', 200],
    ['clinician', 'Observation', 200],
    ['clinician', 'AuditEvent', 403],
    ['admin', 'Observation', 200],
    ['registrar', 'Patient', 200],
    ['registrar', 'Observation', 403],
    ['registrar', 'Condition', 403],
    ['officer', 'Patient', 403],
    ['officer', 'Observation', 403],
    ['officer', 'Measure', 200],
    ['auditor', 'AuditEvent', 200],
    ['auditor', 'Patient', 403],
    ['system', 'Patient', 200],
    ['system', 'AuditEvent', 200],
    ['systemPatientsOnly', 'Patient', 200],
    ['systemPatientsOnly', 'Observation', 403],
    ['systemPatientsOnly', 'AuditEvent', 403],
  ])('%s searching %s → %i', async (who, type, expected) => {
    expect(await status(who, type)).toBe(expected);
  });

  test('reads follow the same rules; an officer cannot open a resident', async () => {
    expect(await status('officer', `Patient/${me.patientId}`)).toBe(403);
    expect(await status('registrar', `Patient/${me.patientId}`)).toBe(200);
    expect(await status('registrar', `Observation/${myObservation}`)).toBe(403);
    expect(await status('registrar', `Observation/${myObservation}/_history`)).toBe(403);
  });

  test('included resources a role may not read are left out', async () => {
    const res = await fhirFetch(`${base}/Patient?_id=${me.patientId}&_revinclude=Observation:subject`, { token: tokens.registrar });
    expect(res.status).toBe(200);
    expect(res.body.entry.map((e: any) => e.resource.resourceType)).toEqual(['Patient']);
    const clinician = await fhirFetch(`${base}/Patient?_id=${me.patientId}&_revinclude=Observation:subject`);
    expect(clinician.body.entry.filter((e: any) => e.resource.resourceType === 'Observation')).toHaveLength(2);
  });

  test('system history lists only the types the reader may see', async () => {
    const res = await fhirFetch(`${base}/_history?_count=1000`, { token: tokens.registrar });
    expect(res.status).toBe(200);
    expect(res.body.entry.some((e: any) => e.fullUrl.includes('/Observation/'))).toBe(false);
    expect(res.body.entry.some((e: any) => e.fullUrl.includes('/Patient/'))).toBe(true);
  });

  // The criteria of a conditional write are a search: answered by how many they match (none,
  // one, several) before the write was refused, they would tell an officer, who may not search
  // residents, whether one with a given identifier lives here.
  test('a conditional write the caller may not do is 403 whatever its criteria match', async () => {
    const patch = { method: 'PATCH', headers: { 'content-type': 'application/json-patch+json' }, body: [{ op: 'add', path: '/active', value: true }] };
    for (const criteria of [`_id=${me.patientId}`, '_id=nobody-here', `_id=${me.patientId},${other.patientId}`]) {
      for (const init of [{ method: 'DELETE' }, patch, { method: 'PUT', body: { resourceType: 'Patient' } }]) {
        const res = await fhirFetch(`${base}/Patient?${criteria}`, { ...init, token: tokens.officer });
        expect([criteria, init.method, res.status]).toEqual([criteria, init.method, 403]);
      }
    }
    // In a transaction too, where conditions are searched before any entry runs.
    const several = `_id=${me.patientId},${other.patientId}`;
    for (const request of [{ method: 'DELETE', url: `Patient?${several}` }, { method: 'PUT', url: `Patient?${several}` }, { method: 'POST', url: 'Patient', ifNoneExist: several }]) {
      const entry = { request, ...(request.method === 'DELETE' ? {} : { resource: { resourceType: 'Patient' } }) };
      const res = await fhirFetch(base, { method: 'POST', body: { resourceType: 'Bundle', type: 'transaction', entry: [entry] }, token: tokens.officer });
      expect([request.method, res.status]).toEqual([request.method, 403]);
    }
    expect((await fhirFetch(`${base}/Patient/${me.patientId}`)).status).toBe(200);
  });

  test('a conditional reference is a search of its type: refused to a caller who may not search it', async () => {
    const token = await server.systemToken('system/Observation.crus');
    for (const criteria of [`_id=${me.patientId}`, '_id=nobody-here']) {
      const observation = { ...(obs(me.patientId, 'vital-signs', 'mạch') as object), subject: { reference: `Patient?${criteria}` } };
      const res = await fhirFetch(base, { method: 'POST', token, body: { resourceType: 'Bundle', type: 'transaction', entry: [{ resource: observation, request: { method: 'POST', url: 'Observation' } }] } });
      expect([criteria, res.status]).toEqual([criteria, 403]);
    }
  });

  // A conditional write is a search too: a client that may create Observations but not search
  // them learnt from If-None-Exist whether any record matched criteria of its choosing (201 none,
  // 403 one, 412 several).
  test('a conditional write by a caller that may not search the type is 403 whatever its criteria match', async () => {
    const createOnly = await server.systemToken('system/Observation.c');
    // Of a resident of its own, so the other tests' counts of Observations stay as they are.
    const subject = (await fhirFetch(`${base}/Patient`, { method: 'POST', body: { resourceType: 'Patient', name: [{ family: 'Riêng' }] } })).body.id;
    const body = obs(subject, 'vital-signs', 'mạch');
    for (const criteria of [`_id=${myObservation}`, '_id=nobody-here', `_id=${myObservation},${otherObservation}`]) {
      const res = await fhirFetch(`${base}/Observation`, { method: 'POST', headers: { 'if-none-exist': criteria }, body, token: createOnly });
      expect([criteria, res.status]).toEqual([criteria, 403]);
      expect(res.body.issue[0].diagnostics).toContain('conditional write searches Observation');
      const entry = { request: { method: 'POST', url: 'Observation', ifNoneExist: criteria }, resource: body };
      const tx = await fhirFetch(base, { method: 'POST', body: { resourceType: 'Bundle', type: 'transaction', entry: [entry] }, token: createOnly });
      expect([criteria, tx.status]).toEqual([criteria, 403]);
    }
    // Without criteria the same client creates as before; the refused ones wrote nothing.
    expect((await fhirFetch(`${base}/Observation`, { method: 'POST', body, token: createOnly })).status).toBe(201);
    expect((await fhirFetch(`${base}/Observation?subject=Patient/${subject}&_summary=count`)).body.total).toBe(1);
  });

  test('nobody changes or deletes an AuditEvent through the API', async () => {
    const any = (await fhirFetch(`${base}/AuditEvent?_count=1`, { token: tokens.auditor })).body.entry[0].resource;
    for (const who of ['auditor', 'system', 'admin', 'clinician']) {
      expect(await status(who, `AuditEvent/${any.id}`, { method: 'PUT', body: { ...any, outcome: '0' } })).toBe(403);
      expect(await status(who, `AuditEvent/${any.id}`, { method: 'DELETE' })).toBe(403);
    }
    expect(await status('admin', 'AuditEvent', { method: 'POST', body: { ...any, id: undefined } })).toBe(403);
  });

  describe('a resident app (patient scopes)', () => {
    test('reads its own record; another patient answers 404, not 403', async () => {
      expect(await status('resident', `Patient/${me.patientId}`)).toBe(200);
      expect(await status('resident', `Patient/${other.patientId}`)).toBe(404);
      expect(await status('resident', `Observation/${otherObservation}`)).toBe(404);
      expect(await status('resident', `Observation/${otherObservation}/_history/1`)).toBe(404);
      expect(await status('resident', `Observation/${otherObservation}/_history`)).toBe(404);
    });

    test('searches, includes, history and $everything stay inside its compartment', async () => {
      const search = await fhirFetch(`${base}/Observation?_count=100`, { token: tokens.resident });
      expect(search.body.entry.map((e: any) => e.resource.id).sort()).toEqual([myObservation, myLab].sort());
      const aimed = await fhirFetch(`${base}/Observation?subject=Patient/${other.patientId}`, { token: tokens.resident });
      expect(aimed.body.entry).toBeUndefined();
      const include = await fhirFetch(`${base}/Observation?_include=Observation:subject&_count=100`, { token: tokens.resident });
      const patients = include.body.entry.filter((e: any) => e.resource.resourceType === 'Patient').map((e: any) => e.resource.id);
      expect(patients).toEqual([me.patientId]);
      const revinclude = await fhirFetch(`${base}/Patient?_revinclude=Observation:subject&_count=100`, { token: tokens.resident });
      expect(revinclude.body.entry.every((e: any) => e.resource.id === me.patientId || e.resource.subject?.reference === `Patient/${me.patientId}`)).toBe(true);
      const history = await fhirFetch(`${base}/Observation/_history?_count=100`, { token: tokens.resident });
      expect(history.body.entry.map((e: any) => e.resource.id)).not.toContain(otherObservation);
      const system = await fhirFetch(`${base}/_history?_count=1000`, { token: tokens.resident });
      expect(system.body.entry.some((e: any) => JSON.stringify(e.resource ?? {}).includes(other.patientId))).toBe(false);
      const everything = await fhirFetch(`${base}/Patient/${me.patientId}/$everything`, { token: tokens.resident });
      expect(everything.status).toBe(200);
      expect(JSON.stringify(everything.body)).not.toContain(other.patientId);
      const theirs = await fhirFetch(`${base}/Patient/${other.patientId}/$everything`, { token: tokens.resident });
      expect([200, 404]).toContain(theirs.status);
      expect(JSON.stringify(theirs.body)).not.toContain(otherObservation);
      const compartment = await fhirFetch(`${base}/Patient/${other.patientId}/Observation`, { token: tokens.resident });
      expect(JSON.stringify(compartment.body)).not.toContain(otherObservation);
    });

    test('paging links keep the restriction', async () => {
      const first = await fhirFetch(`${base}/Observation?_count=1`, { token: tokens.resident });
      const next = first.body.link.find((l: any) => l.relation === 'next').url;
      const second = await fhirFetch(next, { token: tokens.resident });
      expect([first.body.entry[0].resource.id, second.body.entry[0].resource.id].sort()).toEqual([myObservation, myLab].sort());
      expect(second.body.link.find((l: any) => l.relation === 'next')).toBeUndefined();
    });

    test('writes only inside its own compartment', async () => {
      expect(await status('resident', 'Observation', { method: 'POST', body: obs(me.patientId, 'vital-signs', 'huyết áp tại nhà') })).toBe(201);
      expect(await status('resident', 'Observation', { method: 'POST', body: obs(other.patientId, 'vital-signs', 'giả mạo') })).toBe(403);
      expect(await status('resident', `Observation/${otherObservation}`, { method: 'DELETE' })).toBe(200);
      expect(await status('clinician', `Observation/${otherObservation}`)).toBe(200); // the delete touched nothing
      // Overwriting another patient's record by its id, with content that points at oneself: refused, untouched.
      const hijack = { ...obs(me.patientId, 'vital-signs', 'ghi đè'), id: otherObservation };
      expect(await status('resident', `Observation/${otherObservation}`, { method: 'PUT', body: hijack })).toBe(403);
      const kept = await fhirFetch(`${base}/Observation/${otherObservation}`, { token: tokens.clinician });
      expect([kept.body.subject.reference, kept.body.meta.versionId]).toEqual([`Patient/${other.patientId}`, '1']);
    });

    test('transaction entries are checked one by one, all or nothing', async () => {
      const res = await fhirFetch(base, {
        method: 'POST',
        token: tokens.resident,
        body: {
          resourceType: 'Bundle',
          type: 'transaction',
          entry: [
            { resource: obs(me.patientId, 'vital-signs', 'một'), request: { method: 'POST', url: 'Observation' } },
            { request: { method: 'GET', url: `Patient/${other.patientId}` } },
          ],
        },
      });
      expect(res.status).toBe(404);
      const batch = await fhirFetch(base, { method: 'POST', token: tokens.resident, body: { resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'GET', url: `Observation/${otherObservation}` } }, { request: { method: 'GET', url: `Observation/${myObservation}` } }] } });
      expect(batch.body.entry.map((e: any) => e.response.status)).toEqual(['404', '200 OK']);
    });

    test('a v2 scope with ?category limits reads and searches', async () => {
      const search = await fhirFetch(`${base}/Observation`, { token: tokens.residentVitals });
      expect(search.body.entry.every((e: any) => e.resource.category[0].coding[0].code === 'vital-signs')).toBe(true);
      expect(search.body.entry.map((e: any) => e.resource.id)).not.toContain(myLab);
      expect(await status('residentVitals', `Observation/${myLab}`)).toBe(404);
      expect(await status('residentVitals', `Observation/${myObservation}`)).toBe(200);
      const everything = await fhirFetch(`${base}/Patient/${me.patientId}/$everything`, { token: tokens.residentVitals });
      expect(JSON.stringify(everything.body)).not.toContain(myLab);
    });

    test('the scheduling directory is readable (to book), not writable', async () => {
      expect(await status('resident', 'Slot?status=free')).toBe(200);
      expect(await status('resident', 'Practitioner')).toBe(200);
      expect(await status('resident', 'Schedule', { method: 'POST', body: { resourceType: 'Schedule', actor: [{ reference: 'Practitioner/x' }] } })).toBe(403);
      // Not even a Schedule of the resident's own: every resident reads the directory.
      expect(await status('resident', 'Schedule', { method: 'POST', body: { resourceType: 'Schedule', actor: [{ reference: `Patient/${me.patientId}` }] } })).toBe(403);
      expect(await status('resident', 'Condition')).toBe(200);
      expect(await status('resident', 'AuditEvent')).toBe(403);
    });

    test('v2 `r` without `s` reads but cannot search', async () => {
      expect(await status('residentReadOnly', `Patient/${me.patientId}`)).toBe(200);
      expect(await status('residentReadOnly', 'Patient')).toBe(403);
      expect(await status('residentReadOnly', `Observation/${myObservation}`)).toBe(403);
    });
  });
});
