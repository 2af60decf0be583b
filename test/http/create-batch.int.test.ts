import type { Patient, Resource } from '@medplum/fhirtypes';
import { emptyRows } from '../../src/fhir/index/extract';
import { auditWrite } from '../../src/fhir/store/audit-log';
import { CreateBatcher } from '../../src/fhir/store/create-batch';
import { writeVersion, type VersionWrite } from '../../src/fhir/store/write';
import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';

// Creates arriving together share one statement (src/fhir/store/create-batch.ts). Each must still
// be what a create on its own would be: its version, its history row, its index rows, its audit
// record, its own answer — and a create that cannot be written must fail alone.
describe('creates written together', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  /** AuditEvents recording a create of `reference` (reads leave theirs too). */
  const auditsOf = async (reference: string): Promise<number> => {
    const rows = await server.db.query<{ n: string }>(
      `SELECT count(*) AS n FROM resource WHERE resource_type = 'AuditEvent' AND content->>'action' = 'C' AND content::text LIKE $1`,
      [`%"${reference}"%`],
    );
    return Number(rows[0].n);
  };

  test('thirty simultaneous POSTs: each stored whole, with its history, index rows and AuditEvent', async () => {
    const names = Array.from({ length: 30 }, (_, i) => `Lô${i}`);
    const answers = await Promise.all(
      names.map((family) => fhirFetch(`${server.baseUrl}/Patient`, { method: 'POST', body: { resourceType: 'Patient', name: [{ family, given: ['Đức'] }] } })),
    );
    expect(answers.map((a) => a.status)).toEqual(names.map(() => 201));
    const created = answers.map((a) => a.body as Patient);
    expect(new Set(created.map((p) => p.id)).size).toBe(30);
    for (const [i, patient] of created.entries()) {
      expect(answers[i].headers.get('location')).toBe(`${server.baseUrl}/Patient/${patient.id}/_history/1`);
      const read = await fhirFetch(`${server.baseUrl}/Patient/${patient.id}`);
      expect(read.body).toEqual(patient);
      expect(read.body.meta.lastUpdated).toBe(patient.meta!.lastUpdated);
      const history = await fhirFetch(`${server.baseUrl}/Patient/${patient.id}/_history`);
      expect(history.body.entry.map((e: { resource: Resource }) => e.resource.meta?.versionId)).toEqual(['1']);
      const found = await fhirFetch(`${server.baseUrl}/Patient?family:exact=${encodeURIComponent(patient.name![0].family!)}&given=duc`);
      expect(found.body.entry.map((e: { resource: Resource }) => e.resource.id)).toEqual([patient.id]);
      expect(await auditsOf(`Patient/${patient.id}/_history/1`)).toBe(1);
    }
    // They did share statements: rows written by one transaction carry its id (xmin).
    const transactions = await server.db.query<{ n: string }>(
      `SELECT count(DISTINCT xmin::text) AS n FROM resource WHERE resource_type = 'Patient' AND id = ANY($1::text[])`,
      [created.map((p) => p.id)],
    );
    expect(Number(transactions[0].n)).toBeLessThan(30);
  });

  test('a create whose id is taken fails alone; the others of its batch are written, its audit record is not', async () => {
    const stationId = server.config.stationId;
    const extract = { defs: server.engine.defs, timeZone: server.config.timeZone, baseUrl: server.config.baseUrl };
    const actor = { id: 'batch-test', roles: ['clinician'], display: 'batch test' };
    const newBasic = (id: string): { write: VersionWrite; audit: VersionWrite } => ({
      write: { stationId, resourceType: 'Basic', id, versionId: 1, previousVersion: 0, method: 'POST', content: { resourceType: 'Basic', id, meta: { versionId: '1' }, code: { text: id } } as Resource, rows: emptyRows(), stringKeys: [] },
      audit: auditWrite(stationId, { actor, interaction: 'create', outcome: '0', entities: [`Basic/${id}/_history/1`], patients: [] }, extract),
    });
    const taken = newBasic('batch-taken');
    expect(await writeVersion(server.db, taken.write)).toBeDefined();

    const batcher = new CreateBatcher(server.db);
    // The first goes at once, alone; the rest wait for it and go as one batch, the taken id among them.
    const ids = ['batch-a', 'batch-b', 'batch-taken', 'batch-c', 'batch-d'];
    const writes = ids.map(newBasic);
    const results = await Promise.all(writes.map(({ write, audit }) => batcher.write(write, [audit])));

    expect(results.map((r) => r !== undefined)).toEqual([true, true, false, true, true]);
    for (const id of ['batch-a', 'batch-b', 'batch-c', 'batch-d']) {
      const read = await fhirFetch(`${server.baseUrl}/Basic/${id}`);
      expect(read.status).toBe(200);
      expect(read.body.meta.lastUpdated).toBe(results[ids.indexOf(id)]!.lastUpdated);
      expect(await auditsOf(`Basic/${id}/_history/1`)).toBe(1);
    }
    // The taken resource is as it was, and no record claims a second create of it.
    const stored = await fhirFetch(`${server.baseUrl}/Basic/batch-taken/_history`);
    expect(stored.body.entry).toHaveLength(1);
    expect(await auditsOf('Basic/batch-taken/_history/1')).toBe(0);
  });
});
