import { createHash } from 'node:crypto';
import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';
import { AuditQueue } from '../../src/fhir/store/audit-queue';
import { queuedAudit } from '../../src/fhir/store/audit-log';

// Every read, search, create, update, delete and sign-in leaves exactly one AuditEvent, stored as
// FHIR, searchable by auditors (docs/security.md).
describe('audit trail', () => {
  let server: TestServer;
  let base: string;
  let auditor: string;
  let clinicianRef: string;
  beforeAll(async () => {
    server = await startTestServer();
    base = server.baseUrl;
    auditor = await server.staffToken(['auditor']);
    const me = await server.auth.introspect(server.token);
    clinicianRef = me.fhirUser as string;
  });
  afterAll(() => server.close());

  /** AuditEvents recorded since `since` (ISO instant), by the default clinician. */
  const eventsSince = async (since: string): Promise<any[]> => {
    const res = await fhirFetch(`${base}/AuditEvent?date=ge${since}&agent=${clinicianRef}&_count=1000`, { token: auditor });
    expect(res.status).toBe(200);
    return res.body.entry.map((e: any) => e.resource);
  };
  const mark = async (): Promise<string> => {
    await new Promise((r) => setTimeout(r, 5));
    return new Date().toISOString();
  };

  test('create, read, search, update, delete each leave one event naming the resource and patient', async () => {
    let since = await mark();
    const patient = (await fhirFetch(`${base}/Patient`, { method: 'POST', body: { resourceType: 'Patient', name: [{ family: 'Kiểm' }] } })).body;
    let events = await eventsSince(since);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ action: 'C', outcome: '0', subtype: [{ code: 'create' }] });
    expect(events[0].entity.map((e: any) => e.what?.reference)).toEqual([`Patient/${patient.id}/_history/1`]);
    expect(events[0].agent[0]).toMatchObject({ who: { reference: clinicianRef }, requestor: true, network: { address: expect.stringContaining('127.0.0.1') } });
    expect(events[0].agent[0].role).toEqual([{ coding: [{ system: 'http://commune-ehr.example/fhir/CodeSystem/staff-role', code: 'clinician' }] }]);

    since = await mark();
    await fhirFetch(`${base}/Patient/${patient.id}`);
    events = await eventsSince(since);
    expect(events.map((e) => [e.action, e.subtype[0].code])).toEqual([['R', 'read']]);
    // The Patient read is the patient: named once, with the version that was read.
    expect(events[0].entity.map((e: any) => [e.what?.reference, e.role?.code])).toEqual([[`Patient/${patient.id}/_history/1`, '1']]);

    since = await mark();
    await fhirFetch(`${base}/Patient?name=kiem`);
    events = await eventsSince(since);
    expect(events.map((e) => [e.action, e.subtype[0].code])).toEqual([['E', 'search-type']]);
    expect(events[0].entity.filter((e: any) => e.what?.reference?.startsWith(`Patient/${patient.id}`))).toHaveLength(1);
    expect(events[0].entity.some((e: any) => e.query && Buffer.from(e.query, 'base64').toString().includes('name=kiem'))).toBe(true);

    since = await mark();
    await fhirFetch(`${base}/Patient/${patient.id}`, { method: 'PUT', body: { ...patient, active: true } });
    await fhirFetch(`${base}/Patient/${patient.id}`, { method: 'DELETE' });
    events = await eventsSince(since);
    expect(events.map((e) => e.action).sort()).toEqual(['D', 'U']);

    const byPatient = await fhirFetch(`${base}/AuditEvent?patient=Patient/${patient.id}&_count=100`, { token: auditor });
    expect(byPatient.body.entry.length).toBeGreaterThanOrEqual(5);
  });

  test('history records its level (instance, type, system); activation attempts are audited like sign-ins', async () => {
    const patient = (await fhirFetch(`${base}/Patient`, { method: 'POST', body: { resourceType: 'Patient', name: [{ family: 'Lịch Sử' }] } })).body;
    const since = await mark();
    for (const path of [`Patient/${patient.id}/_history`, 'Patient/_history', '_history']) expect((await fhirFetch(`${base}/${path}`)).status).toBe(200);
    // The search's default order is by id (random): compared as a set.
    expect((await eventsSince(since)).map((e) => e.subtype[0]).sort((a: { code: string }, b: { code: string }) => a.code.localeCompare(b.code))).toEqual(
      ['history-instance', 'history-system', 'history-type'].map((code) => ({ system: 'http://hl7.org/fhir/restful-interaction', code })),
    );

    const registrar = await server.staffToken(['registrar']);
    const enrol = await fetch(`${server.origin}/auth/residents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${registrar}` },
      body: JSON.stringify({ patient: `Patient/${patient.id}`, username: 'lich-su' }),
    });
    const { activationCode } = (await enrol.json()) as { activationCode: string };
    const activate = (code: string): Promise<Response> =>
      fetch(`${server.origin}/auth/activate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'lich-su', code, password: 'mat-khau-cua-toi-1' }) });
    const wrong = activationCode === '123456789' ? '987654321' : '123456789';
    expect((await activate(wrong)).status).toBe(400);
    expect((await activate(activationCode)).status).toBe(204);
    const logins = (await fhirFetch(`${base}/AuditEvent?type=http://dicom.nema.org/resources/ontology/DCM|110114&date=ge${since}&_count=100`, { token: auditor })).body.entry.map((e: any) => e.resource);
    const activations = logins.filter((e: any) => e.agent[0].name === 'lich-su').map((e: any) => [e.outcome, e.outcomeDesc]);
    expect(activations).toEqual(expect.arrayContaining([['4', 'activation refused: Activation code is wrong or expired'], ['0', 'activation']]));
    expect(activations).toHaveLength(2);
    // The code itself is never recorded.
    expect(JSON.stringify(logins)).not.toContain(wrong);
  });

  test('an Observation write names its patient; a refused read is recorded as a failure', async () => {
    const patient = (await fhirFetch(`${base}/Patient`, { method: 'POST', body: { resourceType: 'Patient' } })).body;
    const since = await mark();
    await fhirFetch(`${base}/Observation`, { method: 'POST', body: { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: `Patient/${patient.id}` } } });
    await fhirFetch(`${base}/Observation/does-not-exist`);
    const events = await eventsSince(since);
    const create = events.find((e) => e.action === 'C');
    expect(create.entity.find((e: any) => e.role?.code === '1').what.reference).toBe(`Patient/${patient.id}`);
    const failed = events.find((e) => e.outcome === '4');
    expect(failed).toMatchObject({ action: 'R', outcomeDesc: expect.stringContaining('404') });
  });

  test("a POST _search of megabytes is recorded with its query cut to 16 KiB and named by length and SHA-256", async () => {
    const since = await mark();
    // Answered as its first 512 characters (docs/search.md, "Limits"); stored whole, it made a 6.7 MB AuditEvent.
    const body = `name=${'ngu'.repeat(1_000_000)}&_count=5`;
    const res = await fetch(`${base}/Patient/_search`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${server.token}` }, body });
    expect(res.status).toBe(200);
    const [event] = (await eventsSince(since)).filter((e) => e.subtype[0].code === 'search-type');
    const query = event.entity.find((e: any) => e.role?.code === '24');
    expect(body.startsWith(Buffer.from(query.query, 'base64').toString())).toBe(true);
    expect(query.detail).toEqual([
      { type: 'query-bytes', valueString: String(Buffer.byteLength(body)) },
      { type: 'query-sha256', valueString: createHash('sha256').update(body).digest('hex') },
    ]);
    const [stored] = await server.db.query<{ bytes: number }>(`SELECT octet_length(content::text) AS bytes FROM resource WHERE resource_type = 'AuditEvent' AND id = $1`, [event.id]);
    expect(stored.bytes).toBeLessThan(30_000);
  });

  test('a write and its AuditEvent are one statement: a failed transaction leaves neither', async () => {
    const since = await mark();
    const res = await fhirFetch(base, {
      method: 'POST',
      body: {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { resource: { resourceType: 'Patient', name: [{ family: 'Không lưu' }] }, request: { method: 'POST', url: 'Patient' } },
          { resource: { resourceType: 'Patient', gender: 'robot' }, request: { method: 'POST', url: 'Patient' } },
        ],
      },
    });
    expect(res.status).toBe(400);
    const events = await eventsSince(since);
    expect(events.filter((e) => e.outcome === '0')).toHaveLength(0);
    expect(events.filter((e) => e.outcome === '4')).toHaveLength(1);
  });

  test('a transaction leaves one AuditEvent naming every resource it wrote', async () => {
    const since = await mark();
    const res = await fhirFetch(base, {
      method: 'POST',
      body: {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { fullUrl: 'urn:uuid:7a1c9e52-0000-4000-8000-000000000001', resource: { resourceType: 'Patient', name: [{ family: 'Gộp' }] }, request: { method: 'POST', url: 'Patient' } },
          { resource: { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: 'urn:uuid:7a1c9e52-0000-4000-8000-000000000001' } }, request: { method: 'POST', url: 'Observation' } },
        ],
      },
    });
    expect(res.status).toBe(200);
    const events = await eventsSince(since);
    expect(events).toHaveLength(1);
    const refs = events[0].entity.map((e: any) => e.what?.reference);
    for (const entry of res.body.entry) expect(refs).toContain(`${entry.resource.resourceType}/${entry.resource.id}/_history/1`);
  });

  test('reads are recorded in batches off the request path, yet an auditor sees every read made before asking', async () => {
    const patient = (await fhirFetch(`${base}/Patient`, { method: 'POST', body: { resourceType: 'Patient', name: [{ family: 'Đọc' }] } })).body;
    const since = await mark();
    const reads = await Promise.all(Array.from({ length: 20 }, () => fhirFetch(`${base}/Patient/${patient.id}`)));
    expect(reads.every((r) => r.status === 200)).toBe(true);
    const events = (await eventsSince(since)).filter((e) => e.subtype?.[0]?.code === 'read');
    expect(events).toHaveLength(20);
    expect(events.every((e) => e.entity.some((x: any) => x.what?.reference?.startsWith(`Patient/${patient.id}`)))).toBe(true);
    // Stored together: the records share the time of the statement that stored them (meta.lastUpdated).
    const stamps = new Set(events.map((e) => e.meta.lastUpdated));
    expect(stamps.size).toBeLessThan(20);
    // …which is the database's own time of that write, after the reads were made.
    for (const stamp of stamps) expect(Date.parse(stamp as string)).toBeGreaterThanOrEqual(Date.parse(since));
  });

  test("one batch of read records from two stations stores each record, and its index rows, under its own station", async () => {
    const extract = { defs: server.engine.defs, timeZone: server.config.timeZone, baseUrl: server.config.baseUrl };
    const record = (patient: string) => ({ actor: { id: 'batch-station-test', roles: ['clinician'] }, interaction: 'read' as const, outcome: '0' as const, entities: [`Patient/${patient}`], patients: [patient] });
    const failures: Error[] = [];
    const queue = new AuditQueue(server.db, (err) => failures.push(err));
    const [own, other] = [queuedAudit(server.config.stationId, record('own-station'), extract), queuedAudit('other-station', record('other-station'), extract)];
    queue.add(own);
    queue.add(other);
    await queue.flush();
    expect(failures).toEqual([]);
    for (const [written, station] of [[own, server.config.stationId], [other, 'other-station']] as const) {
      const heads = await server.db.query<{ station_id: string }>(`SELECT station_id FROM resource WHERE resource_type = 'AuditEvent' AND id = $1`, [written.id]);
      const history = await server.db.query<{ station_id: string }>(`SELECT station_id FROM resource_history WHERE resource_type = 'AuditEvent' AND id = $1`, [written.id]);
      const references = await server.db.query<{ station_id: string }>(`SELECT DISTINCT station_id FROM idx_reference_list WHERE resource_type = 'AuditEvent' AND resource_id = $1`, [written.id]);
      expect([heads, history, references].map((rows) => rows.map((r) => r.station_id))).toEqual([[station], [station], [station]]);
    }
    // The other station's record is not this station's to read.
    expect((await fhirFetch(`${base}/AuditEvent/${other.id}`, { token: auditor })).status).toBe(404);
  });

  test("a search's AuditEvent is indexed once per distinct value, and still found by each patient", async () => {
    const patients = await Promise.all(
      ['Một', 'Hai', 'Ba'].map(async (given) => (await fhirFetch(`${base}/Patient`, { method: 'POST', body: { resourceType: 'Patient', name: [{ family: 'Trùnglặp', given: [given] }] } })).body),
    );
    const since = await mark();
    expect((await fhirFetch(`${base}/Patient?family=trunglap`)).body.entry).toHaveLength(3);
    const [event] = (await eventsSince(since)).filter((e) => e.subtype?.[0]?.code === 'search-type');
    // Every entity carries the same type and role, and each Patient is named as data and as patient.
    const rows = async (table: string, columns: string): Promise<{ all: number; distinct: number }> => {
      const [r] = await server.db.query<{ all: number; distinct: number }>(
        `SELECT count(*)::int AS all, count(DISTINCT (${columns}))::int AS distinct FROM ${table} WHERE resource_type = 'AuditEvent' AND resource_id = $1`,
        [event.id],
      );
      return r;
    };
    const tokens = await rows('idx_token', `param, coalesce(system, '-'), coalesce(code, '-'), coalesce(text, '-')`);
    const references = await rows('idx_reference', `param, coalesce(target_type, '-'), coalesce(target_id, '-'), coalesce(url, '-')`);
    expect(tokens.all).toBe(tokens.distinct);
    expect(references.all).toBe(references.distinct);
    for (const patient of patients) {
      const found = await fhirFetch(`${base}/AuditEvent?patient=Patient/${patient.id}&entity-role=24&_count=100`, { token: auditor });
      expect(found.body.entry.map((e: any) => e.resource.id)).toContain(event.id);
    }
  });

  test('only auditors and system clients with AuditEvent scope can search the trail', async () => {
    expect((await fhirFetch(`${base}/AuditEvent`)).status).toBe(403);
    expect((await fhirFetch(`${base}/AuditEvent`, { token: await server.systemToken('system/AuditEvent.rs') })).status).toBe(200);
    expect((await fhirFetch(`${base}/AuditEvent`, { token: await server.systemToken('system/*.rs') })).status).toBe(403);
  });
});
