import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';

// docs/interactions/capabilities.md and validate.md
describe('metadata and $validate', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  test('the CapabilityStatement says what the server implements', async () => {
    const res = await fhirFetch(`${server.baseUrl}/metadata`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ resourceType: 'CapabilityStatement', fhirVersion: '4.0.1', kind: 'instance' });
    const rest = res.body.rest[0];
    expect(rest.interaction.map((i: any) => i.code)).toEqual(expect.arrayContaining(['transaction', 'batch', 'history-system']));
    const patient = rest.resource.find((r: any) => r.type === 'Patient');
    expect(patient.interaction.map((i: any) => i.code)).toEqual(
      expect.arrayContaining(['read', 'vread', 'update', 'patch', 'delete', 'history-instance', 'history-type', 'create', 'search-type']),
    );
    expect(patient.searchParam.map((p: any) => p.name)).toEqual(expect.arrayContaining(['name', 'identifier', 'birthdate', '_id', 'gender']));
    expect(patient.conditionalCreate).toBe(true);
    expect(patient.operation.map((o: any) => o.name)).toEqual(expect.arrayContaining(['validate', 'everything']));
    expect(patient.searchRevInclude).toContain('Observation:subject');
    expect(patient.searchInclude).toContain('Patient:general-practitioner');
    const observation = rest.resource.find((r: any) => r.type === 'Observation');
    expect(observation.operation.map((o: any) => o.name)).not.toContain('everything');
    expect(rest.resource.length).toBeGreaterThan(140);
    const audit = rest.resource.find((r: any) => r.type === 'AuditEvent');
    expect(audit.interaction.map((i: any) => i.code).sort()).toEqual(['history-instance', 'history-type', 'read', 'search-type', 'vread']);
  });

  // R4 search.html#all: `_list` has no SearchParameter in R4's definitions, and the system-level
  // parameters belong in rest.searchParam; both are served, so both are listed — and each listed
  // system-level parameter is one a system search applies (not reported as ignored).
  test('the CapabilityStatement lists the engine\'s own parameters and the system-level ones', async () => {
    const rest = (await fhirFetch(`${server.baseUrl}/metadata`)).body.rest[0];
    const names = (params: { name: string }[]): string[] => params.map((p) => p.name);
    expect(names(rest.resource.find((r: any) => r.type === 'Patient').searchParam)).toContain('_list');
    const system = names(rest.searchParam);
    expect(system).toEqual(expect.arrayContaining(['_id', '_lastUpdated', '_tag', '_profile', '_security', '_source', '_list']));
    expect(system).not.toContain('name');
    for (const name of system) {
      const bundle = (await fhirFetch(`${server.baseUrl}?${name}=${name === '_lastUpdated' ? 'gt2020-01-01' : 'x'}`)).body;
      expect([name, bundle.entry?.filter((e: any) => e.search?.mode === 'outcome') ?? []]).toEqual([name, []]);
    }
  });

  // RFC 9110 §9.3.2: HEAD answers as GET, without the body — so it is as public as GET.
  test('HEAD of the CapabilityStatement and of SMART discovery needs no token, as GET', async () => {
    for (const url of [`${server.baseUrl}/metadata`, `${server.baseUrl}/.well-known/smart-configuration`]) {
      const get = await fetch(url);
      const head = await fetch(url, { method: 'HEAD' });
      expect([url, head.status, head.headers.get('content-type'), await head.text()]).toEqual([url, 200, get.headers.get('content-type'), '']);
      expect(head.headers.get('content-length')).toBe(get.headers.get('content-length') ?? String(Buffer.byteLength(await get.text())));
    }
  });

  test('the CapabilityStatement is built once: the same statement, dated when it was built', async () => {
    const first = await fhirFetch(`${server.baseUrl}/metadata`);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = await fhirFetch(`${server.baseUrl}/metadata`);
    expect(second.body.date).toBe(first.body.date);
    expect(second.body).toEqual(first.body);
  });

  test('$validate reports issues without storing anything', async () => {
    const bad = await fhirFetch(`${server.baseUrl}/Patient/$validate`, { method: 'POST', body: { resourceType: 'Patient', gender: 'x' } });
    expect(bad.status).toBe(200);
    expect(bad.body.issue.some((i: any) => i.severity === 'error' && i.expression?.includes('Patient.gender'))).toBe(true);
    const good = await fhirFetch(`${server.baseUrl}/Patient/$validate`, {
      method: 'POST',
      body: { resourceType: 'Parameters', parameter: [{ name: 'resource', resource: { resourceType: 'Patient', gender: 'female' } }] },
    });
    expect(good.body.issue[0].severity).toBe('information');
    expect((await fhirFetch(`${server.baseUrl}/Patient?_summary=count`)).body.total).toBe(0);
  });

  test('$validate with Parameters whose parameter is not a list of parts is 400, not 500', async () => {
    for (const parameter of ['x', [null], [5, { name: 'resource' }]]) {
      const res = await fhirFetch(`${server.baseUrl}/Patient/$validate`, { method: 'POST', body: { resourceType: 'Parameters', parameter } });
      expect([parameter, res.status, res.body.issue[0].diagnostics]).toEqual([parameter, 400, expect.stringContaining('$validate needs a resource')]);
    }
  });

  test('$validate calls element names that are Object.prototype members unknown, without failing', async () => {
    for (const [json, expression] of [
      ['{"resourceType":"Patient","constructor":1}', 'Patient.constructor'],
      ['{"resourceType":"Patient","__proto__":{"x":1}}', 'Patient.__proto__'],
    ]) {
      const res = await fhirFetch(`${server.baseUrl}/Patient/$validate`, { method: 'POST', body: json });
      expect(res.status).toBe(200);
      expect(res.body.issue).toContainEqual(expect.objectContaining({ severity: 'error', expression: [expression] }));
    }
  });

  test('$validate on an instance checks the stored version', async () => {
    const p = await fhirFetch(`${server.baseUrl}/Patient`, { method: 'POST', body: { resourceType: 'Patient', active: true } });
    const res = await fhirFetch(`${server.baseUrl}/Patient/${p.body.id}/$validate`);
    expect(res.status).toBe(200);
    expect(res.body.issue[0].severity).toBe('information');
  });
});
