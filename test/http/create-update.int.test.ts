import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';

// docs/interactions/create.md, update.md, patch.md, delete.md — https://hl7.org/fhir/R4/http.html
describe('create, update, patch, delete', () => {
  let server: TestServer;
  let base: string;
  beforeAll(async () => {
    server = await startTestServer();
    base = server.baseUrl;
  });
  afterAll(() => server.close());

  const patient = (extra: object = {}): object => ({ resourceType: 'Patient', name: [{ family: 'Trần', given: ['Văn', 'Bình'] }], gender: 'male', ...extra });

  test('create assigns a UUID, version 1, Location with _history, ETag', async () => {
    const res = await fhirFetch(`${base}/Patient`, { method: 'POST', body: patient({ id: 'client-id-ignored' }) });
    expect(res.status).toBe(201);
    expect(res.body.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(res.body.meta.versionId).toBe('1');
    expect(Date.parse(res.body.meta.lastUpdated)).toBeGreaterThan(Date.now() - 60_000);
    expect(res.headers.get('location')).toBe(`${base}/Patient/${res.body.id}/_history/1`);
    expect(res.headers.get('etag')).toBe('W/"1"');
    const read = await fhirFetch(`${base}/Patient/${res.body.id}`);
    expect(read.body).toEqual(res.body);
  });

  test('accepts application/json, rejects other media types with 415', async () => {
    const json = await fhirFetch(`${base}/Patient`, { method: 'POST', body: patient(), headers: { 'content-type': 'application/json' } });
    expect(json.status).toBe(201);
    const xml = await fhirFetch(`${base}/Patient`, { method: 'POST', body: '<Patient/>', headers: { 'content-type': 'application/fhir+xml' } });
    expect(xml.status).toBe(415);
    expect(xml.body.resourceType).toBe('OperationOutcome');
  });

  // R4 http.html#mime-type: bodies are UTF-8. One declared in another charset would be read as
  // UTF-8 all the same, its Vietnamese letters stored garbled: 415, as the sign-in routes answer.
  test('a body declared in a charset other than UTF-8 is 415; utf-8 in any spelling is read', async () => {
    const body = JSON.stringify(patient());
    for (const charset of ['windows-1258', 'ISO-8859-1', '"koi8-r"']) {
      const res = await fhirFetch(`${base}/Patient`, { method: 'POST', body, headers: { 'content-type': `application/fhir+json; charset=${charset}` } });
      expect([charset, res.status, res.body.issue?.[0].code, res.body.issue?.[0].diagnostics]).toEqual([charset, 415, 'not-supported', expect.stringContaining('use UTF-8')]);
    }
    for (const type of ['application/fhir+json; charset=UTF-8', 'application/fhir+json;charset="utf-8"', 'application/fhir+json; fhirVersion=4.0; charset=utf-8', 'application/json; charset=utf8']) {
      expect([type, (await fhirFetch(`${base}/Patient`, { method: 'POST', body, headers: { 'content-type': type } })).status]).toEqual([type, 201]);
    }
  });

  test('malformed JSON is 400', async () => {
    const res = await fhirFetch(`${base}/Patient`, { method: 'POST', body: '{"resourceType": "Patient",' });
    expect(res.status).toBe(400);
    expect(res.body.issue[0].diagnostics).toMatch(/JSON/);
  });

  test('body type different from the URL is 400', async () => {
    const res = await fhirFetch(`${base}/Patient`, { method: 'POST', body: { resourceType: 'Observation', status: 'final', code: { text: 'x' } } });
    expect(res.status).toBe(400);
    expect(res.body.issue[0].expression).toEqual(['resourceType']);
  });

  test('invalid resource is 400 with every issue and its expression, and nothing is stored', async () => {
    const before = await fhirFetch(`${base}/Patient?_summary=count`);
    const res = await fhirFetch(`${base}/Patient`, { method: 'POST', body: patient({ birthDate: '2020-13-45', foo: 1, gender: 'unknown-gender' }) });
    expect(res.status).toBe(400);
    const expressions = res.body.issue.flatMap((i: any) => i.expression ?? []);
    expect(expressions).toEqual(expect.arrayContaining(['Patient.birthDate', 'Patient.foo', 'Patient.gender']));
    const after = await fhirFetch(`${base}/Patient?_summary=count`);
    expect(after.body.total).toBe(before.body.total);
  });

  test('element names that are Object.prototype members are unknown elements (400, not 500), and nothing is stored', async () => {
    const before = await fhirFetch(`${base}/Patient?_summary=count`);
    const created = (await fhirFetch(`${base}/Patient`, { method: 'POST', body: patient() })).body;
    const url = `${base}/Patient/${created.id}`;
    // Raw JSON: JSON.stringify of an object literal would not carry an own `__proto__`.
    const body = (json: string): string => JSON.stringify(patient()).replace(/}$/, `,${json}}`);
    const answers = [
      [await fhirFetch(`${base}/Patient`, { method: 'POST', body: body('"constructor":{"prototype":{"x":1}}') }), 'Patient.constructor'],
      [await fhirFetch(`${base}/Patient`, { method: 'POST', body: body('"__proto__":{"x":1}') }), 'Patient.__proto__'],
      [await fhirFetch(`${base}/Patient`, { method: 'POST', body: body('"telecom":[{"__proto__":{"value":"x"}}]') }), 'Patient.telecom[0].__proto__'],
      [await fhirFetch(url, { method: 'PUT', body: JSON.stringify({ ...created, toString: 1 }) }), 'Patient.toString'],
      [
        await fhirFetch(url, { method: 'PATCH', headers: { 'content-type': 'application/json-patch+json' }, body: [{ op: 'add', path: '/hasOwnProperty', value: 'yes' }] }),
        'Patient.hasOwnProperty',
      ],
    ] as const;
    for (const [res, expression] of answers) {
      expect([res.status, res.body.resourceType]).toEqual([400, 'OperationOutcome']);
      expect(res.body.issue).toContainEqual(expect.objectContaining({ severity: 'error', expression: [expression], diagnostics: expect.stringContaining('Unknown element') }));
    }
    expect((await fhirFetch(url)).body.meta.versionId).toBe('1');
    expect((await fhirFetch(`${base}/Patient?_summary=count`)).body.total).toBe(before.body.total + 1);
  });

  test('a narrative breaking txt-1 (a script, an event attribute) is 400 at the div, on create and update', async () => {
    const div = (inner: string): object => ({ text: { status: 'generated', div: `<div xmlns="http://www.w3.org/1999/xhtml">${inner}</div>` } });
    const created = await fhirFetch(`${base}/Patient`, { method: 'POST', body: patient(div('<p>Trần Văn Bình</p>')) });
    expect(created.status).toBe(201);
    const url = `${base}/Patient/${created.body.id}`;
    const script = await fhirFetch(`${base}/Patient`, { method: 'POST', body: patient(div('<script>alert(1)</script>')) });
    const onerror = await fhirFetch(url, { method: 'PUT', body: { ...created.body, ...div('<img src="x" onerror="alert(1)"/>') } });
    const contained = await fhirFetch(url, {
      method: 'PUT',
      body: { ...created.body, contained: [{ resourceType: 'Organization', id: 'o', name: 'x', ...div('<iframe src="http://evil.example"></iframe>') }], managingOrganization: { reference: '#o' } },
    });
    for (const [res, expression] of [[script, 'Patient.text.div'], [onerror, 'Patient.text.div'], [contained, 'Patient.contained[0].text.div']] as const) {
      expect(res.status).toBe(400);
      expect(res.body.issue).toContainEqual(expect.objectContaining({ severity: 'error', code: 'invariant', expression: [expression], diagnostics: expect.stringMatching(/^Phần tường thuật vi phạm txt-1: .+ \/ The narrative breaks txt-1: /) }));
    }
    expect((await fhirFetch(url)).body.meta.versionId).toBe('1');
  });

  test('structural issues are worded Vietnamese first, then English, in diagnostics and details.text', async () => {
    const res = await fhirFetch(`${base}/Patient`, { method: 'POST', body: patient({ foo: 1, birthDate: '2020-13-01', contact: [{ gender: 'male' }] }) });
    expect(res.status).toBe(400);
    expect(res.body.issue).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ expression: ['Patient.birthDate'], diagnostics: 'Giá trị không đúng định dạng date / Invalid date format' }),
        expect.objectContaining({ expression: ['Patient.foo'], diagnostics: 'Phần tử không có trong định nghĩa: "foo" / Unknown element "foo"' }),
        expect.objectContaining({ expression: ['Patient.contact[0]'], diagnostics: expect.stringMatching(/^Không thỏa ràng buộc pat-1 \/ Constraint pat-1 not met: SHALL at least contain/) }),
      ]),
    );
    for (const issue of res.body.issue) expect(issue.details.text).toBe(issue.diagnostics);
  });

  test('missing required element and FHIRPath invariant are reported', async () => {
    const obs = await fhirFetch(`${base}/Observation`, { method: 'POST', body: { resourceType: 'Observation', status: 'final' } });
    expect(obs.status).toBe(400);
    expect(obs.body.issue.some((i: any) => i.expression?.includes('Observation.code'))).toBe(true);
    const contact = await fhirFetch(`${base}/Patient`, { method: 'POST', body: patient({ contact: [{ gender: 'male' }] }) });
    expect(contact.status).toBe(400);
    expect(JSON.stringify(contact.body)).toContain('pat-1');
  });

  test('unknown profile in meta.profile is a warning, not a failure', async () => {
    const res = await fhirFetch(`${base}/Patient`, {
      method: 'POST',
      body: patient({ meta: { profile: ['http://example.org/StructureDefinition/unknown'] } }),
      headers: { prefer: 'return=OperationOutcome' },
    });
    expect(res.status).toBe(201);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(res.body.issue[0]).toMatchObject({ severity: 'warning', code: 'not-supported' });
  });

  test('update makes a new version; identical content makes none', async () => {
    const created = (await fhirFetch(`${base}/Patient`, { method: 'POST', body: patient() })).body;
    const res = await fhirFetch(`${base}/Patient/${created.id}`, { method: 'PUT', body: { ...created, active: true } });
    expect(res.status).toBe(200);
    expect(res.body.meta.versionId).toBe('2');
    expect(res.headers.get('location')).toBe(`${base}/Patient/${created.id}/_history/2`);
    const same = await fhirFetch(`${base}/Patient/${created.id}`, { method: 'PUT', body: { ...created, active: true } });
    expect(same.status).toBe(200);
    expect(same.body.meta.versionId).toBe('2');
  });

  test('update-as-create with a client id answers 201', async () => {
    const id = `app-${Date.now()}`;
    const res = await fhirFetch(`${base}/Patient/${id}`, { method: 'PUT', body: patient({ id }) });
    expect(res.status).toBe(201);
    expect(res.body.meta.versionId).toBe('1');
    expect((await fhirFetch(`${base}/Patient/${id}`)).status).toBe(200);
  });

  test('update: id in the body different from the URL, or missing, is 400', async () => {
    expect((await fhirFetch(`${base}/Patient/abc`, { method: 'PUT', body: patient({ id: 'xyz' }) })).status).toBe(400);
    expect((await fhirFetch(`${base}/Patient/abc`, { method: 'PUT', body: patient() })).status).toBe(400);
    expect((await fhirFetch(`${base}/Patient/abc`, { method: 'PUT', body: { resourceType: 'Observation', id: 'abc' } })).status).toBe(400);
  });

  test('If-Match: current version succeeds, stale answers 412 and changes nothing', async () => {
    const created = (await fhirFetch(`${base}/Patient`, { method: 'POST', body: patient() })).body;
    const ok = await fhirFetch(`${base}/Patient/${created.id}`, { method: 'PUT', body: { ...created, active: true }, headers: { 'if-match': 'W/"1"' } });
    expect(ok.status).toBe(200);
    const stale = await fhirFetch(`${base}/Patient/${created.id}`, { method: 'PUT', body: { ...created, active: false }, headers: { 'if-match': 'W/"1"' } });
    expect(stale.status).toBe(412);
    expect(stale.body.resourceType).toBe('OperationOutcome');
    expect((await fhirFetch(`${base}/Patient/${created.id}`)).body.active).toBe(true);
    const staleDelete = await fhirFetch(`${base}/Patient/${created.id}`, { method: 'DELETE', headers: { 'if-match': 'W/"1"' } });
    expect(staleDelete.status).toBe(412);
  });

  // RFC 9110 §13.1.1: `*` holds when a current representation exists; a list when any member is the
  // current ETag (two headers are one list). Tags are opaque: "03" is not "3".
  test('If-Match: * and lists of ETags, on update, patch and delete', async () => {
    const headers = (ifMatch: string | string[]): Headers => {
      const h = new Headers({ 'content-type': 'application/fhir+json', accept: 'application/fhir+json', authorization: `Bearer ${server.token}` });
      for (const value of [ifMatch].flat()) h.append('if-match', value);
      return h;
    };
    const send = async (url: string, method: string, ifMatch: string | string[], body: unknown, type = 'application/fhir+json'): Promise<{ status: number; body: any }> => {
      const h = headers(ifMatch);
      h.set('content-type', type);
      const res = await fetch(url, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
      return { status: res.status, body: await res.json() };
    };
    const created = (await fhirFetch(`${base}/Patient`, { method: 'POST', body: patient() })).body;
    const url = `${base}/Patient/${created.id}`;
    const put = (ifMatch: string | string[], active: boolean): Promise<{ status: number; body: any }> => send(url, 'PUT', ifMatch, { ...created, active });
    expect((await put('*', true)).status).toBe(200); // version 2
    expect((await put('W/"9", W/"2"', false)).status).toBe(200); // version 3
    expect((await put(['W/"3"', 'W/"9"'], true)).status).toBe(200); // version 4
    const stale = await put('W/"1", W/"2"', false);
    expect([stale.status, stale.body.issue[0].diagnostics]).toEqual([412, expect.stringContaining('Version 1, 2 of Patient/')]);
    expect((await put('W/"04"', false)).status).toBe(412);
    const patch = (ifMatch: string): Promise<{ status: number }> => send(url, 'PATCH', ifMatch, [{ op: 'add', path: '/gender', value: 'other' }], 'application/json-patch+json');
    expect((await patch('W/"1", W/"4"')).status).toBe(200); // version 5
    expect((await patch('*')).status).toBe(200); // same content: no new version
    expect((await send(url, 'DELETE', 'W/"2", W/"5"', undefined)).status).toBe(200);
    // Deleted: nothing current for `*` to match, for a PUT (no update-as-create) or a DELETE.
    const gone = await put('*', true);
    expect([gone.status, gone.body.issue[0].diagnostics]).toEqual([412, expect.stringContaining('If-Match: * does not hold')]);
    expect((await send(url, 'DELETE', '*', undefined)).status).toBe(412);
    const never = `never-${Date.now()}`;
    expect((await send(`${base}/Patient/${never}`, 'PUT', '*', { resourceType: 'Patient', id: never })).status).toBe(412);
    expect((await fhirFetch(url)).status).toBe(410);
  });

  // Embedded PGlite is one session: a transaction held open there would block the request.
  const onPostgres = process.env.DATABASE_URL ? test : test.skip;
  onPostgres('If-Match that held when read but not when written (another write won in between) is 412 too; without it, 409', async () => {
    const headers = { 'content-type': 'application/json-patch+json' };
    const writes: [string, (id: string, created: any) => { method: string; body?: unknown; headers?: Record<string, string> }][] = [
      ['PUT', (_id, created) => ({ method: 'PUT', body: { ...created, active: true } })],
      ['PATCH', () => ({ method: 'PATCH', headers, body: [{ op: 'add', path: '/active', value: true }] })],
      ['DELETE', () => ({ method: 'DELETE' })],
    ];
    for (const [name, request] of writes) {
      for (const ifMatch of [true, false]) {
        const created = (await fhirFetch(`${base}/Patient`, { method: 'POST', body: patient() })).body;
        // Another writer takes version 2 and holds the row: the request reads version 1, passes its
        // If-Match check, then waits on the row and finds version 2 when it gets it.
        let commit!: () => void;
        const held = new Promise<void>((resolve) => (commit = resolve));
        let bumped!: () => void;
        const bump = new Promise<void>((resolve) => (bumped = resolve));
        const other = server.db.transaction(async (tx) => {
          await tx.query(`UPDATE resource SET version_id = 2 WHERE resource_type = 'Patient' AND id = $1`, [created.id]);
          bumped();
          await held;
        });
        await bump;
        const r = request(created.id, created);
        const answer = fhirFetch(`${base}/Patient/${created.id}`, { ...r, headers: { ...r.headers, ...(ifMatch ? { 'if-match': 'W/"1"' } : {}) } } as Parameters<typeof fhirFetch>[1]);
        for (let waited = 0; waited < 100; waited++) {
          const [row] = await server.db.query<{ n: string }>(`SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
          if (Number(row.n) > 0) break;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        commit();
        await other;
        const res = await answer;
        // Without If-Match a plain update reads again and retries; a patch or a delete cannot know
        // what the client meant and answers 409.
        const expected = ifMatch ? 412 : name === 'PUT' ? 200 : 409;
        expect([name, ifMatch, res.status]).toEqual([name, ifMatch, expected]);
        if (ifMatch) expect(res.body.issue[0].diagnostics).toContain('was replaced concurrently');
      }
    }
  });

  test('patch applies a JSON Patch; a failed test op is 422; If-Match stale is 412', async () => {
    const created = (await fhirFetch(`${base}/Patient`, { method: 'POST', body: patient() })).body;
    const url = `${base}/Patient/${created.id}`;
    const headers = { 'content-type': 'application/json-patch+json' };
    const res = await fhirFetch(url, { method: 'PATCH', headers, body: [{ op: 'replace', path: '/gender', value: 'female' }, { op: 'add', path: '/active', value: true }] });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ gender: 'female', active: true, meta: { versionId: '2' } });
    const failed = await fhirFetch(url, { method: 'PATCH', headers, body: [{ op: 'test', path: '/gender', value: 'male' }] });
    expect(failed.status).toBe(422);
    const stale = await fhirFetch(url, { method: 'PATCH', headers: { ...headers, 'if-match': 'W/"1"' }, body: [{ op: 'remove', path: '/active' }] });
    expect(stale.status).toBe(412);
    const invalid = await fhirFetch(url, { method: 'PATCH', headers, body: [{ op: 'replace', path: '/gender', value: 'robot' }] });
    expect(invalid.status).toBe(400);
    const changesId = await fhirFetch(url, { method: 'PATCH', headers, body: [{ op: 'replace', path: '/id', value: 'other' }] });
    expect(changesId.status).toBe(400);
    // A FHIRPath Patch (Parameters) is named as what is not served, not as a malformed JSON Patch.
    const fhirPath = await fhirFetch(url, { method: 'PATCH', body: { resourceType: 'Parameters', parameter: [] } });
    expect([fhirPath.status, fhirPath.body.issue[0].code, fhirPath.body.issue[0].diagnostics]).toEqual([400, 'not-supported', expect.stringContaining('FHIRPath Patch is not supported')]);
    expect((await fhirFetch(url)).body.meta.versionId).toBe('2');
  });

  test('a patch that replaces the whole resource with null or a non-object is 400, not 500', async () => {
    const created = (await fhirFetch(`${base}/Patient`, { method: 'POST', body: patient() })).body;
    const url = `${base}/Patient/${created.id}`;
    for (const value of [null, 5, 'x', []]) {
      const res = await fhirFetch(url, { method: 'PATCH', headers: { 'content-type': 'application/json-patch+json' }, body: [{ op: 'replace', path: '', value }] });
      expect([value, res.status, res.body.resourceType]).toEqual([value, 400, 'OperationOutcome']);
    }
    expect((await fhirFetch(url)).body.meta.versionId).toBe('1');
  });

  test('delete is soft: read answers 410, history keeps the versions, delete again succeeds', async () => {
    const created = (await fhirFetch(`${base}/Patient`, { method: 'POST', body: patient() })).body;
    const url = `${base}/Patient/${created.id}`;
    const del = await fhirFetch(url, { method: 'DELETE' });
    expect(del.status).toBe(200);
    const read = await fhirFetch(url);
    expect(read.status).toBe(410);
    expect(read.body.issue[0].code).toBe('deleted');
    const history = await fhirFetch(`${url}/_history`);
    expect(history.body.entry.map((e: any) => e.request.method)).toEqual(['DELETE', 'POST']);
    expect((await fhirFetch(`${url}/_history/1`)).status).toBe(200);
    expect((await fhirFetch(`${url}/_history/2`)).status).toBe(410);
    expect((await fhirFetch(url, { method: 'DELETE' })).status).toBe(200);
    const search = await fhirFetch(`${base}/Patient?_id=${created.id}`);
    expect(search.body.entry).toBeUndefined(); // no match: no entry element at all, not an empty array
    const recreated = await fhirFetch(url, { method: 'PUT', body: { ...created } });
    expect(recreated.status).toBe(201);
    expect(recreated.body.meta.versionId).toBe('3');
  });

  test('Prefer: return=minimal has no body, OperationOutcome returns an outcome', async () => {
    const minimal = await fetch(`${base}/Patient`, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json', prefer: 'return=minimal', authorization: `Bearer ${server.token}` },
      body: JSON.stringify(patient()),
    });
    expect(minimal.status).toBe(201);
    expect(await minimal.text()).toBe('');
    expect(minimal.headers.get('location')).toMatch(/\/_history\/1$/);
    const oo = await fhirFetch(`${base}/Patient`, { method: 'POST', body: patient(), headers: { prefer: 'return=OperationOutcome' } });
    expect(oo.status).toBe(201);
    expect(oo.body.resourceType).toBe('OperationOutcome');
  });

  test('wrong method is 405, unknown path 404, unknown type on create 404', async () => {
    expect((await fhirFetch(`${base}/Patient/abc/_history/1`, { method: 'DELETE' })).status).toBe(405);
    expect((await fhirFetch(`${base}/Patient/1/2/3/4/5`)).status).toBe(404);
    const unknown = await fhirFetch(`${base}/Unicorn`, { method: 'POST', body: { resourceType: 'Unicorn' } });
    expect(unknown.status).toBe(404);
  });

  test('a path with malformed percent-encoding is 400, not 500, over REST and in a batch entry', async () => {
    for (const path of ['Patient/%ZZ', 'Patient/%E0%A4%A', 'Patient/abc/_history/%']) {
      const res = await fhirFetch(`${base}/${path}`);
      expect([path, res.status, res.body.issue[0].code, res.body.issue[0].diagnostics]).toEqual([path, 400, 'invalid', expect.stringContaining('percent-encoding')]);
    }
    const batch = await fhirFetch(base, { method: 'POST', body: { resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'GET', url: 'Patient/%ZZ' } }] } });
    expect(batch.body.entry[0].response.status).toBe('400');
  });

  // RFC 9110 §15.5.6: a 405 MUST carry Allow, the methods the path does serve (the router's table).
  test('a 405 names the methods the path serves in Allow', async () => {
    for (const [method, path, allow] of [
      ['DELETE', 'Patient/abc/_history/1', 'GET, HEAD'],
      ['POST', 'Patient/abc', 'GET, HEAD, PUT, PATCH, DELETE'],
      ['PUT', 'Patient/_history', 'GET, HEAD'],
      ['DELETE', '_search', 'POST'],
    ]) {
      const res = await fhirFetch(`${base}/${path}`, { method, ...(method === 'POST' || method === 'PUT' ? { body: { resourceType: 'Patient' } } : {}) });
      expect([method, path, res.status, res.headers.get('allow'), res.body.issue[0].diagnostics]).toEqual([method, path, 405, allow, expect.stringContaining(`(only ${allow})`)]);
    }
  });

  test('an operation not served at that level is 400 not-supported, never a missing resource', async () => {
    for (const [method, path] of [['GET', 'Patient/$everything'], ['POST', 'Observation/abc/$everything'], ['GET', '$export'], ['POST', 'Patient/$foo']]) {
      const res = await fhirFetch(`${base}/${path}`, { method, ...(method === 'POST' ? { body: { resourceType: 'Parameters' } } : {}) });
      const operation = path.slice(path.indexOf('$'));
      expect([path, res.status, res.body.issue[0].code, res.body.issue[0].diagnostics]).toEqual([path, 400, 'not-supported', expect.stringContaining(`Operation ${operation} is not supported`)]);
    }
  });

  test('a body that cannot be decoded is 400, an unsupported Content-Encoding 415 — never 500', async () => {
    const body = JSON.stringify(patient());
    const notGzip = await fhirFetch(`${base}/Patient`, { method: 'POST', body, headers: { 'content-encoding': 'gzip' } });
    expect([notGzip.status, notGzip.body.resourceType, notGzip.body.issue[0].diagnostics]).toEqual([400, 'OperationOutcome', expect.stringMatching(/^Không giải mã được .* \/ The request body does not decode as its Content-Encoding says$/)]);
    for (const coding of ['compress', 'foo']) {
      const res = await fhirFetch(`${base}/Patient`, { method: 'POST', body, headers: { 'content-encoding': coding } });
      expect([coding, res.status, res.body.issue[0].code, res.body.issue[0].diagnostics]).toEqual([coding, 415, 'not-supported', expect.stringContaining(`Unsupported Content-Encoding ${coding}`)]);
    }
    // A charset the JSON parser of the sign-in routes cannot decode is the client's fault too.
    const charset = await fetch(`${server.origin}/oauth2/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded; charset=koi8-r' }, body: 'grant_type=x' });
    expect(charset.status).toBe(415);
  });

  test('a body over the limit is 413', async () => {
    const small = await startTestServer({ MAX_BODY_SIZE: '2kb' });
    try {
      const big = patient({ text: { status: 'generated', div: `<div xmlns="http://www.w3.org/1999/xhtml">${'x'.repeat(4096)}</div>` } });
      const res = await fhirFetch(`${small.baseUrl}/Patient`, { method: 'POST', body: big });
      expect(res.status).toBe(413);
      expect(res.body.resourceType).toBe('OperationOutcome');
    } finally {
      await small.close();
    }
  });

  test('errors carry no stack trace', async () => {
    const res = await fhirFetch(`${base}/Patient`, { method: 'POST', body: '{' });
    expect(JSON.stringify(res.body)).not.toMatch(/at .*\.(ts|js):\d+/);
  });
});
