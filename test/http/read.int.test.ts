import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';

// docs/interactions/read.md — https://hl7.org/fhir/R4/http.html#read
describe('read', () => {
  let server: TestServer;
  let id: string;
  beforeAll(async () => {
    server = await startTestServer();
    const created = await fhirFetch(`${server.baseUrl}/Patient`, {
      method: 'POST',
      body: { resourceType: 'Patient', name: [{ family: 'Nguyễn', given: ['Thị', 'Thư'] }], gender: 'female' },
    });
    id = created.body.id;
  });
  afterAll(() => server.close());

  test('returns the current version with ETag and Last-Modified', async () => {
    const res = await fhirFetch(`${server.baseUrl}/Patient/${id}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBe('W/"1"');
    expect(res.headers.get('last-modified')).toBe(new Date(res.body.meta.lastUpdated).toUTCString());
    expect(res.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toMatchObject({ resourceType: 'Patient', id, gender: 'female', meta: { versionId: '1' } });
  });

  test('unknown id answers 404 with an OperationOutcome', async () => {
    const res = await fhirFetch(`${server.baseUrl}/Patient/does-not-exist`);
    expect(res.status).toBe(404);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(res.body.issue[0].code).toBe('not-found');
  });

  test('unknown resource type answers 404', async () => {
    const res = await fhirFetch(`${server.baseUrl}/Pateint/${id}`);
    expect(res.status).toBe(404);
    expect(res.body.issue[0].diagnostics).toContain('Pateint');
  });

  test('If-None-Match with the current ETag answers 304', async () => {
    const res = await fhirFetch(`${server.baseUrl}/Patient/${id}`, { headers: { 'if-none-match': 'W/"1"' } });
    expect(res.status).toBe(304);
    const stale = await fhirFetch(`${server.baseUrl}/Patient/${id}`, { headers: { 'if-none-match': 'W/"0"' } });
    expect(stale.status).toBe(200);
    // ETags are opaque: "01" is not the "1" the server gave.
    expect((await fhirFetch(`${server.baseUrl}/Patient/${id}`, { headers: { 'if-none-match': 'W/"01"' } })).status).toBe(200);
    expect((await fhirFetch(`${server.baseUrl}/Patient/${id}`, { headers: { 'if-none-match': 'W/"7", W/"1"' } })).status).toBe(304);
  });

  test('If-Modified-Since answers 304 unless changed after the date', async () => {
    const current = await fhirFetch(`${server.baseUrl}/Patient/${id}`);
    const lastModified = current.headers.get('last-modified')!;
    expect((await fhirFetch(`${server.baseUrl}/Patient/${id}`, { headers: { 'if-modified-since': lastModified } })).status).toBe(304);
    const before = new Date(Date.parse(lastModified) - 60_000).toUTCString();
    expect((await fhirFetch(`${server.baseUrl}/Patient/${id}`, { headers: { 'if-modified-since': before } })).status).toBe(200);
    // The obsolete forms RFC 9110 §5.6.7 still has recipients accept: the same instant.
    const later = new Date(Date.parse(lastModified) + 60_000);
    const [wd, d, mon, y, time] = later.toUTCString().split(/,? /);
    const weekday = { Sun: 'Sunday', Mon: 'Monday', Tue: 'Tuesday', Wed: 'Wednesday', Thu: 'Thursday', Fri: 'Friday', Sat: 'Saturday' }[wd];
    for (const date of [`${weekday}, ${d}-${mon}-${y.slice(2)} ${time} GMT`, `${wd} ${mon} ${d.replace(/^0/, ' ')} ${time} ${y}`]) {
      expect([date, (await fhirFetch(`${server.baseUrl}/Patient/${id}`, { headers: { 'if-modified-since': date } })).status]).toEqual([date, 304]);
    }
  });

  // RFC 9110 §13.1.3: a recipient MUST ignore an If-Modified-Since that is not a valid HTTP-date.
  test('an If-Modified-Since that is no HTTP-date is ignored: 200', async () => {
    for (const date of ['garbage', '2099', '2099-01-01T00:00:00Z', 'Sun, 31 Feb 2099 00:00:00 GMT']) {
      const res = await fhirFetch(`${server.baseUrl}/Patient/${id}`, { headers: { 'if-modified-since': date } });
      expect([date, res.status, res.body.resourceType]).toEqual([date, 200, 'Patient']);
    }
  });

  test('_pretty indents and _format=json is accepted; _format=xml is 406', async () => {
    const pretty = await fetch(`${server.baseUrl}/Patient/${id}?_pretty=true&_format=json`, { headers: { authorization: `Bearer ${server.token}` } });
    expect(await pretty.text()).toContain('\n  "resourceType": "Patient"');
    expect((await fhirFetch(`${server.baseUrl}/Patient/${id}?_format=xml`)).status).toBe(406);
    // _format names a MIME type; its parameters do not change which one, as in an Accept header.
    for (const format of ['application/fhir+json; charset=utf-8', 'application/json;fhirVersion=4.0']) {
      expect([format, (await fhirFetch(`${server.baseUrl}/Patient/${id}?_format=${encodeURIComponent(format)}`)).status]).toEqual([format, 200]);
    }
    expect((await fhirFetch(`${server.baseUrl}/Patient/${id}?_format=${encodeURIComponent('application/fhir+xml; charset=utf-8')}`)).status).toBe(406);
    expect((await fhirFetch(`${server.baseUrl}/Patient/${id}`, { headers: { accept: 'application/fhir+xml' } })).status).toBe(406);
    expect((await fhirFetch(`${server.baseUrl}/Patient/${id}`, { headers: { accept: 'application/fhir+xml, application/fhir+json;q=0.9' } })).status).toBe(200);
  });

  test('vread returns a past version; an unknown version is 404', async () => {
    await fhirFetch(`${server.baseUrl}/Patient/${id}`, {
      method: 'PUT',
      body: { resourceType: 'Patient', id, name: [{ family: 'Nguyễn', given: ['Thị', 'Thư'] }], gender: 'female', active: true },
    });
    const v1 = await fhirFetch(`${server.baseUrl}/Patient/${id}/_history/1`);
    expect(v1.status).toBe(200);
    expect(v1.body.active).toBeUndefined();
    expect(v1.headers.get('etag')).toBe('W/"1"');
    const v2 = await fhirFetch(`${server.baseUrl}/Patient/${id}/_history/2`);
    expect(v2.body.active).toBe(true);
    expect((await fhirFetch(`${server.baseUrl}/Patient/${id}/_history/9`)).status).toBe(404);
    // Version ids are the server's text: `1.0`, `01`, `1e0` are other ids, and one past the stored
    // integer's range names no version — each a 404, never a query that fails (500).
    for (const vid of ['1.0', '01', '1e0', '2147483648', '99999999999999999999']) {
      const res = await fhirFetch(`${server.baseUrl}/Patient/${id}/_history/${vid}`);
      expect([vid, res.status, res.body.issue?.[0].code]).toEqual([vid, 404, 'not-found']);
    }
  });

  test('_elements and _summary shape a read and a vread; the left-out parts are marked SUBSETTED', async () => {
    const subsetted = { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED' };
    const names = await fhirFetch(`${server.baseUrl}/Patient/${id}?_elements=name`);
    expect(names.status).toBe(200);
    expect(Object.keys(names.body).sort()).toEqual(['id', 'meta', 'name', 'resourceType']);
    expect(names.body.meta.tag).toEqual([subsetted]);
    expect(names.headers.get('etag')).toBe(`W/"${names.body.meta.versionId}"`);
    // _summary=true keeps the summary elements (name, gender) and drops the rest.
    const summary = await fhirFetch(`${server.baseUrl}/Patient/${id}/_history/1?_summary=true`);
    expect(summary.body).toMatchObject({ name: [{ family: 'Nguyễn' }], gender: 'female', meta: { versionId: '1' } });
    // Nothing left out: the resource as stored, untagged.
    expect((await fhirFetch(`${server.baseUrl}/Patient/${id}?_summary=false`)).body.meta.tag).toBeUndefined();
    const count = await fhirFetch(`${server.baseUrl}/Patient/${id}?_summary=count`);
    expect(count.status).toBe(400);
    expect(count.body.issue[0].diagnostics).toContain('_summary=count');
  });
});
