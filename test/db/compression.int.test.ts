import type { Bundle, Patient } from '@medplum/fhirtypes';
import { Lz4Content1767500000000 } from '../../migrations/1767500000000-Lz4Content';
import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';

// Resources' JSON is compressed with LZ4 where PostgreSQL has it (migrations/1767500000000-Lz4Content.ts),
// the access records of searches included; the embedded PGlite has only pglz and keeps it.
describe('the JSON of resources, compressed', () => {
  let server: TestServer;
  let lz4: boolean;

  beforeAll(async () => {
    server = await startTestServer();
    const [row] = await server.db.query<{ lz4: boolean }>(`SELECT 'lz4' = ANY (enumvals) AS lz4 FROM pg_settings WHERE name = 'default_toast_compression'`);
    lz4 = row.lz4;
  });
  afterAll(() => server.close());

  /**
   * How PostgreSQL stored a resource's content: the head's, then each history row's by version
   * (null: too small to compress, or no content — a current version's is in the head alone).
   */
  const methods = async (type: string, id: string): Promise<(string | null)[]> => {
    const rows = await server.db.query<{ method: string | null }>(
      `SELECT * FROM (SELECT pg_column_compression(content) AS method FROM resource WHERE resource_type = $1 AND id = $2) head
       UNION ALL SELECT * FROM (SELECT pg_column_compression(content) FROM resource_history WHERE resource_type = $1 AND id = $2 ORDER BY version_id) versions`,
      [type, id],
    );
    return rows.map((r) => r.method);
  };

  // A resident with a long note: its JSON (~12 kB) is past the 2 kB at which PostgreSQL compresses.
  const note = Array.from({ length: 300 }, (_, i) => `Lần khám ${i}: huyết áp ổn định, tái khám sau một tháng.`).join(' ');
  const resident: Patient = {
    resourceType: 'Patient',
    name: [{ family: 'Trịnh', given: ['Thị Nén'] }],
    extension: [{ url: 'http://commune-ehr.example/fhir/StructureDefinition/test-note', valueString: note }],
  };

  test('a large resource is stored with the server’s fastest method and read back whole', async () => {
    const created = await fhirFetch(`${server.baseUrl}/Patient`, { method: 'POST', body: resident });
    expect(created.status).toBe(201);
    const id = (created.body as Patient).id!;
    const method = lz4 ? 'lz4' : 'pglz';
    // Stored once: the current version's content is in the head alone (store/version-content.ts).
    expect(await methods('Patient', id)).toEqual([method, null]);
    const read = await fhirFetch(`${server.baseUrl}/Patient/${id}`);
    expect(read.status).toBe(200);
    expect((read.body as Patient).extension?.[0].valueString).toBe(note);
    // Superseded, version 1 takes its content into its history row, compressed the same way.
    const updated = await fhirFetch(`${server.baseUrl}/Patient/${id}`, { method: 'PUT', body: { ...resident, id, gender: 'female' } });
    expect(updated.status).toBe(200);
    expect(await methods('Patient', id)).toEqual([method, method, null]);
    expect(((await fhirFetch(`${server.baseUrl}/Patient/${id}/_history/1`)).body as Patient).extension?.[0].valueString).toBe(note);
  });

  test('the access record of a search naming many resources is compressed the same way', async () => {
    const names = Array.from({ length: 25 }, (_, i) => ({ resourceType: 'Patient', name: [{ family: 'Nén', given: [`Số ${i}`] }] }));
    const bundle: Bundle = { resourceType: 'Bundle', type: 'transaction', entry: names.map((resource) => ({ resource: resource as Patient, request: { method: 'POST', url: 'Patient' } })) };
    expect((await fhirFetch(server.baseUrl, { method: 'POST', body: bundle })).status).toBe(200);
    const found = await fhirFetch(`${server.baseUrl}/Patient?family=nen&_count=25`);
    expect((found.body as Bundle).entry).toHaveLength(25);
    await server.engine.repo.flushAudit();
    // The newest search event is this one (the query is kept in the event, base64).
    const [event] = await server.db.query<{ id: string }>(
      `SELECT id FROM resource WHERE resource_type = 'AuditEvent' AND content::text LIKE $1 ORDER BY seq DESC LIMIT 1`,
      [`%${Buffer.from('family=nen&_count=25').toString('base64')}%`],
    );
    expect(await methods('AuditEvent', event.id)).toEqual([lz4 ? 'lz4' : 'pglz', null]);
  });

  test('the migration’s down goes back to the default and its up again to LZ4', async () => {
    const runner = { query: (sql: string) => server.db.query(sql) } as unknown as Parameters<Lz4Content1767500000000['up']>[0];
    const columnMethods = async (): Promise<string[]> =>
      (
        await server.db.query<{ m: string }>(
          `SELECT attcompression::text AS m FROM pg_attribute WHERE attname = 'content' AND attrelid IN ('resource'::regclass, 'resource_history'::regclass) ORDER BY attrelid`,
        )
      ).map((r) => r.m);
    // pg_attribute.attcompression: 'l' LZ4, '' the server's default (pglz here).
    expect(await columnMethods()).toEqual(lz4 ? ['l', 'l'] : ['', '']);
    await new Lz4Content1767500000000().down(runner);
    expect(await columnMethods()).toEqual(['', '']);
    await new Lz4Content1767500000000().up(runner);
    expect(await columnMethods()).toEqual(lz4 ? ['l', 'l'] : ['', '']);
  });
});
