import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';

// docs/interactions/transaction.md — https://hl7.org/fhir/R4/http.html#transaction
describe('batch and transaction', () => {
  let server: TestServer;
  let base: string;
  beforeAll(async () => {
    server = await startTestServer();
    base = server.baseUrl;
  });
  afterAll(() => server.close());

  const total = async (type: string, query = ''): Promise<number> => (await fhirFetch(`${base}/${type}?${query}&_summary=count`)).body.total;
  const post = (bundle: object, headers: Record<string, string> = {}) => fhirFetch(base, { method: 'POST', body: bundle, headers });

  test('a transaction resolves urn:uuid fullUrls in every reference of every entry', async () => {
    const res = await post({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          fullUrl: 'urn:uuid:0f0e3a4c-1111-4a5b-8c9d-000000000001',
          resource: { resourceType: 'Patient', name: [{ family: 'Phạm', given: ['Minh'] }] },
          request: { method: 'POST', url: 'Patient' },
        },
        {
          fullUrl: 'urn:uuid:0f0e3a4c-1111-4a5b-8c9d-000000000002',
          resource: {
            resourceType: 'Encounter',
            status: 'finished',
            class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
            subject: { reference: 'urn:uuid:0f0e3a4c-1111-4a5b-8c9d-000000000001' },
          },
          request: { method: 'POST', url: 'Encounter' },
        },
        {
          resource: {
            resourceType: 'Observation',
            status: 'final',
            code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
            subject: { reference: 'urn:uuid:0f0e3a4c-1111-4a5b-8c9d-000000000001' },
            encounter: { reference: 'urn:uuid:0f0e3a4c-1111-4a5b-8c9d-000000000002' },
            valueQuantity: { value: 72, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
          },
          request: { method: 'POST', url: 'Observation' },
        },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body.type).toBe('transaction-response');
    expect(res.body.entry.map((e: any) => e.response.status)).toEqual(['201 Created', '201 Created', '201 Created']);
    const [patient, encounter, observation] = res.body.entry.map((e: any) => e.resource);
    expect(encounter.subject.reference).toBe(`Patient/${patient.id}`);
    expect(observation.subject.reference).toBe(`Patient/${patient.id}`);
    expect(observation.encounter.reference).toBe(`Encounter/${encounter.id}`);
    expect(res.body.entry[0].response.location).toBe(`${base}/Patient/${patient.id}/_history/1`);
    const stored = await fhirFetch(`${base}/Observation/${observation.id}`);
    expect(stored.body.subject.reference).toBe(`Patient/${patient.id}`);
  });

  test('a transaction whose last entry is invalid leaves nothing behind', async () => {
    const before = { patients: await total('Patient'), observations: await total('Observation') };
    const res = await post({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: { resourceType: 'Patient', name: [{ family: 'Võ' }] }, request: { method: 'POST', url: 'Patient' } },
        { resource: { resourceType: 'Patient', name: [{ family: 'Đỗ' }] }, request: { method: 'POST', url: 'Patient' } },
        { resource: { resourceType: 'Observation', status: 'not-a-status' }, request: { method: 'POST', url: 'Observation' } },
      ],
    });
    expect(res.status).toBe(400);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(JSON.stringify(res.body)).toContain('Bundle.entry[2]');
    expect(await total('Patient')).toBe(before.patients);
    expect(await total('Observation')).toBe(before.observations);
    const history = await fhirFetch(`${base}/_history?_count=1000`);
    expect(history.body.entry.some((e: any) => e.resource?.name?.[0]?.family === 'Võ')).toBe(false);
  });

  test('a transaction that fails on a stale If-Match or an update of a missing version rolls back its deletes too', async () => {
    const victim = (await fhirFetch(`${base}/Patient`, { method: 'POST', body: { resourceType: 'Patient', name: [{ family: 'Giữ' }] } })).body;
    const other = (await fhirFetch(`${base}/Patient`, { method: 'POST', body: { resourceType: 'Patient', name: [{ family: 'Khác' }] } })).body;
    const res = await post({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { request: { method: 'DELETE', url: `Patient/${victim.id}` } },
        { resource: { ...other, active: true }, request: { method: 'PUT', url: `Patient/${other.id}`, ifMatch: 'W/"7"' } },
      ],
    });
    expect(res.status).toBe(412);
    expect((await fhirFetch(`${base}/Patient/${victim.id}`)).status).toBe(200);
  });

  test('entries run in the order DELETE, POST, PUT/PATCH, GET and answer in the request order', async () => {
    const existing = (await fhirFetch(`${base}/Patient`, { method: 'POST', body: { resourceType: 'Patient', name: [{ family: 'Cũ' }] } })).body;
    const res = await post({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { request: { method: 'GET', url: `Patient/${existing.id}` } },
        { resource: { ...existing, active: false }, request: { method: 'PUT', url: `Patient/${existing.id}` } },
        { resource: { resourceType: 'Patient', name: [{ family: 'Mới' }] }, request: { method: 'POST', url: 'Patient' } },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body.entry[0].resource.active).toBe(false); // the GET ran after the PUT
    expect(res.body.entry[1].response.status).toBe('200 OK');
    expect(res.body.entry[2].response.status).toBe('201 Created');
  });

  test('new resources are written together, yet every later entry of the transaction sees them', async () => {
    const family = `Gop${Date.now()}`;
    const res = await post({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { request: { method: 'GET', url: `Patient?family=${family}` } },
        { fullUrl: 'urn:uuid:6f0d6d1c-0000-4000-8000-000000000001', resource: { resourceType: 'Patient', name: [{ family }] }, request: { method: 'POST', url: 'Patient' } },
        { resource: { resourceType: 'Observation', status: 'final', code: { text: 'mạch' }, subject: { reference: 'urn:uuid:6f0d6d1c-0000-4000-8000-000000000001' } }, request: { method: 'POST', url: 'Observation' } },
        { request: { method: 'GET', url: `Observation?subject.family=${family}` } },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body.entry.map((e: { response: { status: string } }) => e.response.status)).toEqual(['200 OK', '201 Created', '201 Created', '200 OK']);
    // The GETs run after the POSTs (spec order) and find what they created, chained search included.
    expect(res.body.entry[0].resource.entry).toHaveLength(1);
    expect(res.body.entry[3].resource.entry).toHaveLength(1);
    const created = res.body.entry[1].resource;
    // Stamped with the transaction's time, as stored.
    const stored = (await fhirFetch(`${base}/Patient/${created.id}`)).body;
    expect(stored.meta.lastUpdated).toBe(created.meta.lastUpdated);
    expect(res.body.entry[2].resource.meta.lastUpdated).toBe(created.meta.lastUpdated);
  });

  test('conditional references and conditional creates inside a transaction', async () => {
    const system = 'http://fhir.ehealth.gov.vn/core/sid/national_id';
    await fhirFetch(`${base}/Patient`, { method: 'POST', body: { resourceType: 'Patient', identifier: [{ system, value: '038095000777' }] } });
    const res = await post({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          resource: { resourceType: 'Observation', status: 'final', code: { text: 'cân nặng' }, subject: { reference: `Patient?identifier=${system}|038095000777` } },
          request: { method: 'POST', url: 'Observation' },
        },
        {
          fullUrl: 'urn:uuid:0f0e3a4c-2222-4a5b-8c9d-000000000001',
          resource: { resourceType: 'Patient', identifier: [{ system, value: '038095000777' }] },
          request: { method: 'POST', url: 'Patient', ifNoneExist: `identifier=${system}|038095000777` },
        },
      ],
    });
    expect(res.status).toBe(200);
    const patients = await fhirFetch(`${base}/Patient?identifier=${system}|038095000777`);
    expect(patients.body.entry).toHaveLength(1);
    const id = patients.body.entry[0].resource.id;
    expect(res.body.entry[0].resource.subject.reference).toBe(`Patient/${id}`);
    expect(res.body.entry[1].response.status).toBe('200 OK');
    const missing = await post({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [{ resource: { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: 'Patient?identifier=nobody' } }, request: { method: 'POST', url: 'Observation' } }],
    });
    expect(missing.status).toBe(412);
  });

  // R4 puts an entry's JSON Patch in a Binary (a Bundle holds resources only).
  const jsonPatch = (operations: object[]): object => ({
    resourceType: 'Binary',
    contentType: 'application/json-patch+json',
    data: Buffer.from(JSON.stringify(operations)).toString('base64'),
  });

  test('PATCH entries: a JSON Patch in a Binary, by id or by criteria, its references resolved', async () => {
    const cccd = `0381${Date.now() % 100000000}`.padEnd(12, '0');
    const byId = (await fhirFetch(`${base}/Patient`, { method: 'POST', body: { resourceType: 'Patient', name: [{ family: 'Vá' }] } })).body;
    const byCriteria = (await fhirFetch(`${base}/Patient`, { method: 'POST', body: { resourceType: 'Patient', identifier: [{ system: 'urn:test:cccd', value: cccd }] } })).body;
    const practitioner = 'urn:uuid:0f0e3a4c-2222-4a5b-8c9d-000000000001';
    const res = await post({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: jsonPatch([{ op: 'add', path: '/gender', value: 'female' }]), request: { method: 'PATCH', url: `Patient/${byId.id}` } },
        {
          resource: jsonPatch([{ op: 'add', path: '/generalPractitioner', value: [{ reference: practitioner }] }]),
          request: { method: 'PATCH', url: `Patient?identifier=urn:test:cccd|${cccd}` },
        },
        { fullUrl: practitioner, resource: { resourceType: 'Practitioner', name: [{ family: 'Bác sĩ' }] }, request: { method: 'POST', url: 'Practitioner' } },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body.entry.map((e: any) => e.response.status)).toEqual(['200 OK', '200 OK', '201 Created']);
    expect((await fhirFetch(`${base}/Patient/${byId.id}`)).body).toMatchObject({ gender: 'female', meta: { versionId: '2' } });
    const practitionerId = res.body.entry[2].resource.id;
    expect((await fhirFetch(`${base}/Patient/${byCriteria.id}`)).body.generalPractitioner).toEqual([{ reference: `Practitioner/${practitionerId}` }]);
  });

  test('a transaction with a PATCH that cannot apply leaves nothing behind; a batch fails that entry alone', async () => {
    const family = `VaHong${Date.now()}`;
    const target = (await fhirFetch(`${base}/Patient`, { method: 'POST', body: { resourceType: 'Patient', name: [{ family }] } })).body;
    const entries = (patch: object): object[] => [
      { resource: { resourceType: 'Patient', name: [{ family }] }, request: { method: 'POST', url: 'Patient' } },
      { resource: patch, request: { method: 'PATCH', url: `Patient/${target.id}` } },
    ];
    const failedTest = jsonPatch([{ op: 'test', path: '/gender', value: 'male' }]);
    const notBase64 = { resourceType: 'Binary', contentType: 'application/json-patch+json', data: '%%%' };
    const fhirPathPatch = { resourceType: 'Parameters', parameter: [{ name: 'operation' }] };
    for (const [patch, status] of [[failedTest, 422], [notBase64, 400], [fhirPathPatch, 400]] as const) {
      const res = await post({ resourceType: 'Bundle', type: 'transaction', entry: entries(patch) });
      expect([res.status, res.body.resourceType]).toEqual([status, 'OperationOutcome']);
    }
    expect(await total('Patient', `family=${family}`)).toBe(1);

    const batch = await post({ resourceType: 'Bundle', type: 'batch', entry: [...entries(notBase64), ...entries(jsonPatch([{ op: 'add', path: '/active', value: true }])).slice(1)] });
    expect(batch.body.entry.map((e: any) => e.response.status)).toEqual(['201 Created', '400', '200 OK']);
    expect(batch.body.entry[1].response.outcome.issue[0].diagnostics).toContain('base64');
    expect((await fhirFetch(`${base}/Patient/${target.id}`)).body.active).toBe(true);
  });

  test('a transaction that writes one resource twice fails, conditional URLs counted by what they match', async () => {
    const family = `Hai lan ${Date.now()}`;
    const p = (await fhirFetch(`${base}/Patient`, { method: 'POST', body: { resourceType: 'Patient', name: [{ family }], identifier: [{ system: 'urn:test:twice', value: family }] } })).body;
    const put = (active: boolean): object => ({ resource: { ...p, active }, request: { method: 'PUT', url: `Patient/${p.id}` } });
    const newcomer = { resource: { resourceType: 'Patient', name: [{ family }] }, request: { method: 'POST', url: 'Patient' } };
    const cases = [
      [newcomer, put(true), put(false)],
      [{ request: { method: 'DELETE', url: `Patient/${p.id}` } }, put(true)],
      [put(true), { resource: jsonPatch([{ op: 'add', path: '/gender', value: 'male' }]), request: { method: 'PATCH', url: `Patient?identifier=urn:test:twice|${encodeURIComponent(family)}` } }],
    ];
    for (const entry of cases) {
      const res = await post({ resourceType: 'Bundle', type: 'transaction', entry });
      expect([res.status, res.body.issue[0].diagnostics]).toEqual([400, expect.stringContaining(`both write Patient/${p.id}`)]);
    }
    // Nothing of any of them was written.
    expect(await total('Patient', `family=${encodeURIComponent(family)}`)).toBe(1);
    expect((await fhirFetch(`${base}/Patient/${p.id}`)).body.meta.versionId).toBe('1');
  });

  test('an instance URL with a query is the write of that instance, as over REST, not an unknown type', async () => {
    const family = `Co query ${Date.now()}`;
    const [a, b] = await Promise.all([1, 2].map(async () => (await fhirFetch(`${base}/Patient`, { method: 'POST', body: { resourceType: 'Patient', name: [{ family }] } })).body));
    const res = await post({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: { ...a, active: true }, request: { method: 'PUT', url: `Patient/${a.id}?_pretty=true` } },
        { request: { method: 'DELETE', url: `Patient/${b.id}?_pretty=true` } },
      ],
    });
    expect([res.status, res.body.entry?.map((e: { response: { status: string } }) => e.response.status)]).toEqual([200, ['200 OK', '200 OK']]);
    expect((await fhirFetch(`${base}/Patient/${a.id}`)).body).toMatchObject({ active: true, meta: { versionId: '2' } });
    expect((await fhirFetch(`${base}/Patient/${b.id}`)).status).toBe(410);
  });

  test('a conditional PUT that creates is the resource its fullUrl names in the other entries', async () => {
    const value = `${Date.now()}`;
    const fullUrl = 'urn:uuid:0f0e3a4c-3333-4a5b-8c9d-000000000001';
    const res = await post({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          fullUrl,
          resource: { resourceType: 'Patient', identifier: [{ system: 'urn:test:cput', value }] },
          request: { method: 'PUT', url: `Patient?identifier=urn:test:cput|${value}` },
        },
        { resource: { resourceType: 'Observation', status: 'final', code: { text: 'cân nặng' }, subject: { reference: fullUrl } }, request: { method: 'POST', url: 'Observation' } },
      ],
    });
    expect(res.status).toBe(200);
    const patientId = res.body.entry[0].resource.id;
    expect(res.body.entry[1].resource.subject.reference).toBe(`Patient/${patientId}`);
    expect((await fhirFetch(`${base}/Patient/${patientId}`)).status).toBe(200);
  });

  test('a conditional PUT that matches nothing and names an id another resource holds fails the transaction (409)', async () => {
    const value = `${Date.now()}`;
    const taken = `tx-taken-${value}`;
    expect((await fhirFetch(`${base}/Patient/${taken}`, { method: 'PUT', body: { resourceType: 'Patient', id: taken } })).status).toBe(201);
    const res = await post({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: { resourceType: 'Patient', id: taken, identifier: [{ system: 'urn:test:cput', value }] }, request: { method: 'PUT', url: `Patient?identifier=urn:test:cput|${value}` } },
        { resource: { resourceType: 'Patient', identifier: [{ system: 'urn:test:cput-other', value }] }, request: { method: 'POST', url: 'Patient' } },
      ],
    });
    expect([res.status, res.body.issue?.[0].expression]).toEqual([409, ['Bundle.entry[0]']]);
    expect((await fhirFetch(`${base}/Patient/${taken}`)).body.meta.versionId).toBe('1');
    expect(await total('Patient', `identifier=urn:test:cput-other|${value}`)).toBe(0);
  });

  test('conditions name other entries by fullUrl, as references do, in any order', async () => {
    const system = 'urn:test:cond-ref';
    const weight = { coding: [{ system: 'http://loinc.org', code: '29463-7' }] };
    const known = `${Date.now()}`;
    const patient = (await fhirFetch(`${base}/Patient`, { method: 'POST', body: { resourceType: 'Patient', identifier: [{ system, value: known }] } })).body;
    const before = (await fhirFetch(`${base}/Observation`, { method: 'POST', body: { resourceType: 'Observation', status: 'final', code: weight, subject: { reference: `Patient/${patient.id}` }, valueQuantity: { value: 50 } } })).body;
    const visit = (value: string, kg: number): object[] => [
      // The update's condition names the patient entry that follows it.
      {
        resource: { resourceType: 'Observation', status: 'final', code: weight, subject: { reference: 'urn:uuid:6a1f0000-0000-4000-8000-000000000001' }, valueQuantity: { value: kg } },
        request: { method: 'PUT', url: 'Observation?subject=urn:uuid:6a1f0000-0000-4000-8000-000000000001&code=http://loinc.org|29463-7' },
      },
      {
        fullUrl: 'urn:uuid:6a1f0000-0000-4000-8000-000000000001',
        resource: { resourceType: 'Patient', identifier: [{ system, value }] },
        request: { method: 'POST', url: 'Patient', ifNoneExist: `identifier=${system}|${value}` },
      },
      { request: { method: 'GET', url: 'Observation?subject=urn:uuid:6a1f0000-0000-4000-8000-000000000001' } },
    ];

    // A resident the station knows: the weight taken at home replaces the one on record.
    const again = await post({ resourceType: 'Bundle', type: 'transaction', entry: visit(known, 52) });
    expect(again.status).toBe(200);
    expect(again.body.entry.map((e: { response: { status: string } }) => e.response.status)).toEqual(['200 OK', '200 OK', '200 OK']);
    expect(again.body.entry[0].resource.id).toBe(before.id);
    expect(again.body.entry[1].resource.id).toBe(patient.id);
    expect(again.body.entry[2].resource.entry.map((e: { resource: { valueQuantity: { value: number } } }) => e.resource.valueQuantity.value)).toEqual([52]);

    // A newcomer: both are created, the observation pointing at the new patient.
    const fresh = await post({ resourceType: 'Bundle', type: 'transaction', entry: visit(`${known}-moi`, 9) });
    expect(fresh.status).toBe(200);
    expect(fresh.body.entry[0].response.status).toBe('201 Created');
    expect(fresh.body.entry[0].resource.subject.reference).toBe(`Patient/${fresh.body.entry[1].resource.id}`);
    expect(fresh.body.entry[2].resource.entry).toHaveLength(1);

    // A urn that is no entry's fullUrl is a value like any other: an identifier system by OID.
    const oid = { resourceType: 'Patient', identifier: [{ system: 'urn:oid:2.16.840.1.113883.4.1', value: known }] };
    const byOid = () => post({ resourceType: 'Bundle', type: 'transaction', entry: [{ resource: oid, request: { method: 'POST', url: 'Patient', ifNoneExist: `identifier=urn:oid:2.16.840.1.113883.4.1|${known}` } }] });
    expect((await byOid()).body.entry[0].response.status).toBe('201 Created');
    expect((await byOid()).body.entry[0].response.status).toBe('200 OK');
    // Conditions naming each other are 400, and nothing is written.
    const circle = await post({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: ['a', 'b'].map((name, i) => ({
        fullUrl: `urn:uuid:6a1f0000-0000-4000-8000-00000000000${name}`,
        resource: { resourceType: 'Patient', name: [{ family: `Vong ${known}` }] },
        request: { method: 'POST', url: 'Patient', ifNoneExist: `link=urn:uuid:6a1f0000-0000-4000-8000-00000000000${i ? 'a' : 'b'}` },
      })),
    });
    expect([circle.status, circle.body.issue[0].diagnostics]).toEqual([400, expect.stringContaining('name each other in a circle')]);
    expect(await total('Patient', `family=${encodeURIComponent(`Vong ${known}`)}`)).toBe(0);
  });

  // R4 runs a transaction's POSTs before its PUTs and PATCHes, each step in the Bundle's order; the
  // conditions are decided before anything runs (so references can name their results), then
  // searched again after the writes (src/fhir/bundle/recheck.ts).
  test('a condition that an entry processed before it would have met fails the transaction (412): no twin residents', async () => {
    const value = `${Date.now()}`;
    const identifier = [{ system: 'urn:test:decided', value }];
    const patientEntry = (family: string, request: object, fullUrl?: string) => ({ fullUrl, resource: { resourceType: 'Patient', identifier, name: [{ family }] }, request });
    const observationOf = (fullUrl: string) => ({ resource: { resourceType: 'Observation', status: 'final', code: { text: 'cân nặng' }, subject: { reference: fullUrl } }, request: { method: 'POST', url: 'Observation' } });

    // A POST of the resident, then a conditional update by the same identifier: run in order, the
    // PUT would update the POSTed resident — one resource written twice, which R4 refuses.
    const putAfterPost = await post({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        patientEntry('A', { method: 'POST', url: 'Patient' }),
        patientEntry('B', { method: 'PUT', url: `Patient?identifier=urn:test:decided|${value}` }, 'urn:uuid:6a1f0000-0000-4000-8000-0000000000b2'),
        observationOf('urn:uuid:6a1f0000-0000-4000-8000-0000000000b2'),
      ],
    });
    expect([putAfterPost.status, putAfterPost.body.issue[0].code]).toEqual([412, 'conflict']);
    expect(putAfterPost.body.issue[0].diagnostics).toContain('Transaction entry 1 failed, nothing was stored');
    expect(putAfterPost.body.issue[0].diagnostics).toContain('written by entry 0 of the transaction');
    expect(putAfterPost.body.issue[0].expression).toContain('Bundle.entry[1]');
    // The conditional create after a plain POST of the same resident would have matched it.
    const createAfterPost = await post({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [patientEntry('A', { method: 'POST', url: 'Patient' }), patientEntry('B', { method: 'POST', url: 'Patient', ifNoneExist: `identifier=urn:test:decided|${value}` })],
    });
    expect([createAfterPost.status, createAfterPost.body.issue[0].expression]).toEqual([412, expect.arrayContaining(['Bundle.entry[1]'])]);
    // Any condition, not only identifiers: a conditional update by name after a POST of that name.
    const byName = await post({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [patientEntry(`Zyx${value}`, { method: 'POST', url: 'Patient' }), patientEntry(`Zyx${value}`, { method: 'PUT', url: `Patient?family=Zyx${value}` })],
    });
    expect([byName.status, byName.body.issue[0].expression]).toEqual([412, expect.arrayContaining(['Bundle.entry[1]'])]);
    expect(await total('Patient', `identifier=urn:test:decided|${value}`)).toBe(0);
    expect(await total('Observation', `code:text=${encodeURIComponent('cân nặng')}&subject:Patient.identifier=urn:test:decided|${value}`)).toBe(0);

    // The other way round the spec's order is kept, not refused: the conditional create runs first,
    // finds nothing and creates; the plain POST after it creates another.
    const createThenPost = await post({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [patientEntry('B', { method: 'POST', url: 'Patient', ifNoneExist: `identifier=urn:test:decided|${value}` }), patientEntry('A', { method: 'POST', url: 'Patient' })],
    });
    expect(createThenPost.body.entry?.map((e: { response: { status: string } }) => e.response.status)).toEqual(['201 Created', '201 Created']);
    expect(await total('Patient', `identifier=urn:test:decided|${value}`)).toBe(2);
  });

  test('DELETE entries run first: no condition or conditional reference of the transaction finds what they delete', async () => {
    const value = `${Date.now()}`;
    const condition = `identifier=urn:test:deleted|${value}`;
    const resident = async (id: string) =>
      fhirFetch(`${base}/Patient/${id}`, { method: 'PUT', body: { resourceType: 'Patient', id, identifier: [{ system: 'urn:test:deleted', value }] } });
    const remove = (id: string) => ({ request: { method: 'DELETE', url: `Patient/${id}` } });
    const newcomer = { resourceType: 'Patient', identifier: [{ system: 'urn:test:deleted', value }], gender: 'female' };

    // Conditional create: run after the DELETE it matches nothing, so it creates.
    await resident(`dc1-${value}`);
    const create = await post({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [{ resource: newcomer, request: { method: 'POST', url: 'Patient', ifNoneExist: condition } }, remove(`dc1-${value}`)],
    });
    expect([create.status, create.body.entry?.map((e: any) => e.response.status)]).toEqual([200, ['201 Created', '200 OK']]);
    expect(create.body.entry[0].resource.id).not.toBe(`dc1-${value}`);
    expect((await fhirFetch(`${base}/Patient/dc1-${value}`)).status).toBe(410);

    // Conditional update: creates too, while the conditional create's resident is deleted.
    const update = await post({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [{ resource: newcomer, request: { method: 'PUT', url: `Patient?${condition}` } }, remove(create.body.entry[0].resource.id)],
    });
    expect([update.status, update.body.entry?.map((e: any) => e.response.status)]).toEqual([200, ['201 Created', '200 OK']]);
    expect(await total('Patient', condition)).toBe(1);

    // Conditional patch: nothing left to patch (404); a conditional reference: nothing to name (412).
    const survivor = update.body.entry[0].resource.id;
    const patch = await post({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [{ resource: jsonPatch([{ op: 'add', path: '/active', value: true }]), request: { method: 'PATCH', url: `Patient?${condition}` } }, remove(survivor)],
    });
    expect([patch.status, patch.body.issue[0].expression]).toEqual([404, expect.arrayContaining(['Bundle.entry[0]'])]);
    const reference = await post({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: `Patient?${condition}` } }, request: { method: 'POST', url: 'Observation' } },
        remove(survivor),
      ],
    });
    expect([reference.status, reference.body.issue[0].expression]).toEqual([412, expect.arrayContaining(['Bundle.entry[0]'])]);
    // Both failed whole: the resident is still there.
    expect((await fhirFetch(`${base}/Patient/${survivor}`)).status).toBe(200);
  });

  test('two conditional creates with one condition make one resource; the second answers with the first', async () => {
    const value = `${Date.now()}`;
    const resident = (fullUrl: string, ifNoneExist: string) => ({
      fullUrl,
      resource: { resourceType: 'Patient', identifier: [{ system: 'urn:test:twice', value }], gender: 'female' },
      request: { method: 'POST', url: 'Patient', ifNoneExist },
    });
    const res = await post({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        resident('urn:uuid:6a1f0000-0000-4000-8000-0000000000c1', `identifier=urn:test:twice|${value}&gender=female`),
        // The same condition with its parameters the other way round.
        resident('urn:uuid:6a1f0000-0000-4000-8000-0000000000c2', `gender=female&identifier=urn:test:twice|${value}`),
        { resource: { resourceType: 'Observation', status: 'final', code: { text: 'chiều cao' }, subject: { reference: 'urn:uuid:6a1f0000-0000-4000-8000-0000000000c2' } }, request: { method: 'POST', url: 'Observation' } },
      ],
    });
    expect(res.status).toBe(200);
    const [first, second, observation] = res.body.entry;
    expect([first.response.status, second.response.status]).toEqual(['201 Created', '200 OK']);
    expect(second.resource.id).toBe(first.resource.id);
    expect(observation.resource.subject.reference).toBe(`Patient/${first.resource.id}`);
    expect(await total('Patient', `identifier=urn:test:twice|${value}`)).toBe(1);
  });

  test('a batch answers each entry on its own', async () => {
    const res = await post({
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        { resource: { resourceType: 'Patient', name: [{ family: 'Batch' }] }, request: { method: 'POST', url: 'Patient' } },
        { resource: { resourceType: 'Patient', gender: 'robot' }, request: { method: 'POST', url: 'Patient' } },
        { request: { method: 'GET', url: 'Patient/does-not-exist' } },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body.type).toBe('batch-response');
    expect(res.body.entry.map((e: any) => e.response.status)).toEqual(['201 Created', '400', '404']);
    expect(res.body.entry[1].response.outcome.resourceType).toBe('OperationOutcome');
    expect(await total('Patient', 'name=Batch')).toBe(1);
  });

  test('a batch fails an entry whose reference only a transaction could resolve: another entry\'s urn:uuid, a conditional reference', async () => {
    const value = `${Date.now()}`;
    await fhirFetch(`${base}/Patient`, { method: 'POST', body: { resourceType: 'Patient', identifier: [{ system: 'urn:test:batch', value }] } });
    const patientUrl = 'urn:uuid:0f0e3a4c-5555-4a5b-8c9d-000000000001';
    const observation = (subject: string) => ({
      resource: { resourceType: 'Observation', status: 'final', code: { text: `batch ${value}` }, subject: { reference: subject } },
      request: { method: 'POST', url: 'Observation' },
    });
    const res = await post({
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        { fullUrl: patientUrl, resource: { resourceType: 'Patient' }, request: { method: 'POST', url: 'Patient' } },
        observation(patientUrl),
        observation(`Patient?identifier=urn:test:batch|${value}`),
        observation('urn:uuid:0f0e3a4c-5555-4a5b-8c9d-0000000000ff'),
        { resource: { resourceType: 'Observation', status: 'final', code: { text: `batch ${value}` } }, request: { method: 'POST', url: 'Observation' } },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body.entry.map((e: any) => e.response.status)).toEqual(['201 Created', '400', '400', '400', '201 Created']);
    const [dependent, conditional, unknown] = res.body.entry.slice(1, 4).map((e: any) => e.response.outcome.issue[0]);
    expect(dependent.diagnostics).toContain('names another entry of the batch');
    expect(conditional.diagnostics).toContain('allowed in a transaction only');
    expect(unknown.diagnostics).toContain('names no resource');
    expect(dependent.expression).toEqual(['Bundle.entry[1].resource']);
    // Nothing dangling was stored; the other entries were.
    expect(await total('Observation', `code:text=${encodeURIComponent(`batch ${value}`)}`)).toBe(1);
  });

  test('Prefer: return=minimal leaves resources out of the response entries', async () => {
    const res = await post(
      { resourceType: 'Bundle', type: 'transaction', entry: [{ resource: { resourceType: 'Patient' }, request: { method: 'POST', url: 'Patient' } }] },
      { prefer: 'return=minimal' },
    );
    expect(res.body.entry[0].resource).toBeUndefined();
    expect(res.body.entry[0].response.location).toMatch(/Patient\/.+\/_history\/1$/);
  });

  test('a transaction replaces links to entries in elements of type uri, url, oid, uuid and in narrative links, not canonical ones', async () => {
    const patientUrl = 'urn:uuid:0f0e3a4c-8888-4a5b-8c9d-000000000001';
    const other = 'urn:uuid:0f0e3a4c-8888-4a5b-8c9d-0000000000ff';
    const existing = (await fhirFetch(`${base}/Patient`, { method: 'POST', body: { resourceType: 'Patient' } })).body;
    const div = `<div xmlns="http://www.w3.org/1999/xhtml"><a href="${patientUrl}">bệnh nhân</a> <img src="${patientUrl}" alt="ảnh"/> <a href="${other}">khác</a></div>`;
    const res = await post({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { fullUrl: patientUrl, resource: { resourceType: 'Patient', name: [{ family: 'Liên kết' }] }, request: { method: 'POST', url: 'Patient' } },
        {
          resource: {
            resourceType: 'DocumentReference',
            status: 'current',
            text: { status: 'generated', div },
            extension: [
              { url: 'http://example.org/uri', valueUri: patientUrl },
              { url: 'http://example.org/url', valueUrl: patientUrl },
              { url: 'http://example.org/canonical', valueCanonical: patientUrl },
              { url: 'http://example.org/other', valueUri: other },
            ],
            // A uuid in a primitive's extension.
            _status: { extension: [{ url: 'http://example.org/uuid', valueUuid: patientUrl }] },
            subject: { reference: patientUrl },
            content: [{ attachment: { url: patientUrl, contentType: 'text/plain' } }],
            // An identifier's value is a string, no link, though it reads like one.
            identifier: [{ system: 'urn:ietf:rfc:3986', value: patientUrl }],
          },
          request: { method: 'POST', url: 'DocumentReference' },
        },
        {
          resource: jsonPatch([{ op: 'add', path: '/extension', value: [{ url: 'http://example.org/uri', valueUri: patientUrl }] }]),
          request: { method: 'PATCH', url: `Patient/${existing.id}` },
        },
      ],
    });
    expect([res.status, res.body.issue]).toEqual([200, undefined]);
    const patient = `Patient/${res.body.entry[0].resource.id}`;
    const doc = (await fhirFetch(`${base}/DocumentReference/${res.body.entry[1].resource.id}`)).body;
    expect(doc.subject.reference).toBe(patient);
    expect(doc.extension.map((e: any) => e.valueUri ?? e.valueUrl ?? e.valueCanonical)).toEqual([patient, patient, patientUrl, other]);
    // A uuid keeps its type: the new resource's id, as urn:uuid.
    expect(doc._status.extension[0].valueUuid).toBe(`urn:uuid:${res.body.entry[0].resource.id}`);
    expect(doc.content[0].attachment.url).toBe(patient);
    expect(doc.identifier[0].value).toBe(patientUrl);
    expect(doc.text.div).toContain(`<a href="${patient}">`);
    expect(doc.text.div).toContain(`<img src="${patient}"`);
    expect(doc.text.div).toContain(`<a href="${other}">`);
    expect((await fhirFetch(`${base}/Patient/${existing.id}`)).body.extension[0].valueUri).toBe(patient);
  });

  test('every failure an entry causes names Bundle.entry[i], whichever step finds it', async () => {
    const value = `${Date.now()}`;
    for (const family of ['A', 'B']) {
      await fhirFetch(`${base}/Patient`, { method: 'POST', body: { resourceType: 'Patient', identifier: [{ system: 'urn:test:named', value }], name: [{ family }] } });
    }
    const observation = (subject: string) => ({ resource: { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: subject } }, request: { method: 'POST', url: 'Observation' } });
    const patient = { resource: { resourceType: 'Patient' }, request: { method: 'POST', url: 'Patient' } };
    const cases: [object[], number][] = [
      // A conditional reference with two matches.
      [[patient, observation(`Patient?identifier=urn:test:named|${value}`)], 412],
      // A urn:uuid that is no entry's fullUrl.
      [[patient, observation('urn:uuid:0f0e3a4c-9999-4a5b-8c9d-000000000002')], 400],
      // A conditional update whose condition matches two residents.
      [[patient, { resource: { resourceType: 'Patient' }, request: { method: 'PUT', url: `Patient?identifier=urn:test:named|${value}` } }], 412],
      // A method HTTP has but a Bundle entry may not use.
      [[patient, { request: { method: 'FOO', url: 'Patient' } }], 400],
    ];
    for (const [entry, status] of cases) {
      const res = await post({ resourceType: 'Bundle', type: 'transaction', entry });
      expect([res.status, res.body.resourceType]).toEqual([status, 'OperationOutcome']);
      expect(res.body.issue[0].expression).toEqual(expect.arrayContaining([expect.stringMatching(/^Bundle\.entry\[1\]/)]));
      expect(res.body.issue[0].diagnostics).toMatch(/ \/ /); // Vietnamese / English
    }
  });

  test('a fullUrl two entries share is refused (bdl-7), naming both; a batch allows it with different meta.versionId', async () => {
    const fullUrl = 'urn:uuid:0f0e3a4c-7777-4a5b-8c9d-000000000001';
    const patient = (family: string, versionId?: string) => ({
      fullUrl,
      resource: { resourceType: 'Patient', name: [{ family }], ...(versionId ? { meta: { versionId } } : {}) },
      request: { method: 'POST', url: 'Patient' },
    });
    const before = await total('Patient', 'family=Dup7');
    for (const type of ['transaction', 'batch']) {
      const res = await post({
        resourceType: 'Bundle',
        type,
        entry: [
          patient('Dup7'),
          patient('Dup7'),
          { resource: { resourceType: 'Observation', status: 'final', code: { text: 'x' } }, request: { method: 'POST', url: 'Observation' } },
        ],
      });
      expect([res.status, res.body.issue[0].code]).toEqual([400, 'invalid']);
      expect(res.body.issue[0].expression).toEqual(['Bundle.entry[0].fullUrl', 'Bundle.entry[1].fullUrl']);
      expect(res.body.issue[0].diagnostics).toContain('bdl-7');
    }
    expect(await total('Patient', 'family=Dup7')).toBe(before);
    // bdl-7 lets entries share a fullUrl with different versions; a transaction's references could not tell them apart.
    const versions = [patient('Dup7', '1'), patient('Dup7', '2')];
    expect((await post({ resourceType: 'Bundle', type: 'transaction', entry: versions })).status).toBe(400);
    const batch = await post({ resourceType: 'Bundle', type: 'batch', entry: versions });
    expect(batch.body.entry.map((e: any) => e.response.status)).toEqual(['201 Created', '201 Created']);
  });

  test('bad bundles are 400: wrong type, missing request, unresolvable urn:uuid', async () => {
    expect((await post({ resourceType: 'Bundle', type: 'collection', entry: [] })).status).toBe(400);
    expect((await post({ resourceType: 'Patient' })).status).toBe(400);
    expect((await post({ resourceType: 'Bundle', type: 'transaction', entry: [{ resource: { resourceType: 'Patient' } }] })).status).toBe(400);
    const dangling = await post({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [{ resource: { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: 'urn:uuid:0f0e3a4c-9999-4a5b-8c9d-000000000001' } }, request: { method: 'POST', url: 'Observation' } }],
    });
    expect(dangling.status).toBe(400);
  });

  test('a Bundle whose entries are not shaped as R4 says is 400 naming the element, never 500', async () => {
    const get = { method: 'GET', url: 'Patient' };
    const cases: [unknown, string][] = [
      ['x', 'Bundle.entry'],
      [[null], 'Bundle.entry[0]'],
      [[{ request: get }, 5], 'Bundle.entry[1]'],
      [[{ request: { method: 'GET', url: 5 } }], 'Bundle.entry[0].request'],
      [[{ request: { method: ['GET'], url: 'Patient' } }], 'Bundle.entry[0].request'],
      [[{ request: { method: 'constructor', url: 'Patient' } }], 'Bundle.entry[0].request.method'],
      [[{ fullUrl: 5, request: get }], 'Bundle.entry[0].fullUrl'],
      [[{ request: { ...get, ifNoneMatch: 5 } }], 'Bundle.entry[0].request.ifNoneMatch'],
      [[{ resource: { resourceType: 'Patient', id: 'a' }, request: { method: 'PUT', url: 'Patient/a', ifMatch: 5 } }], 'Bundle.entry[0].request.ifMatch'],
      [[{ resource: { resourceType: 'Patient' }, request: { method: 'POST', url: 'Patient', ifNoneExist: 5 } }], 'Bundle.entry[0].request.ifNoneExist'],
    ];
    for (const type of ['batch', 'transaction']) {
      for (const [entry, at] of cases) {
        const res = await post({ resourceType: 'Bundle', type, entry });
        expect([type, at, res.status, res.body.issue?.[0].expression]).toEqual([type, at, 400, [at]]);
      }
    }
  });
});
