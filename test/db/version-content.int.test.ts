import type { Bundle, Patient } from '@medplum/fhirtypes';
import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';

// A version's content is stored once (src/fhir/store/version-content.ts, docs/storage.md "Tables"):
// the current version's in the head row alone, each superseded version's in its history row,
// moved there by the write that supersedes it.
describe('each version’s content, stored once', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  /** Which history rows of a resource hold content, by version. */
  const historyHolds = async (id: string): Promise<Record<number, boolean>> => {
    const rows = await server.db.query<{ version_id: number; held: boolean }>(
      `SELECT version_id, content IS NOT NULL AS held FROM resource_history WHERE resource_type = 'Patient' AND id = $1 ORDER BY version_id`,
      [id],
    );
    return Object.fromEntries(rows.map((r) => [r.version_id, r.held]));
  };
  const versions = async (id: string): Promise<(string | undefined)[]> => {
    const history = (await fhirFetch(`${server.baseUrl}/Patient/${id}/_history`)).body as Bundle<Patient>;
    return history.entry!.map((e) => e.resource?.name?.[0].family);
  };

  test('through create, update, patch, delete and re-creation, every version reads back as written', async () => {
    const created = (await fhirFetch(`${server.baseUrl}/Patient`, { method: 'POST', body: { resourceType: 'Patient', name: [{ family: 'Một' }] } })).body as Patient;
    const id = created.id!;
    expect(await historyHolds(id)).toEqual({ 1: false });
    await fhirFetch(`${server.baseUrl}/Patient/${id}`, { method: 'PUT', body: { resourceType: 'Patient', id, name: [{ family: 'Hai' }] } });
    await fhirFetch(`${server.baseUrl}/Patient/${id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json-patch+json' },
      body: [{ op: 'replace', path: '/name/0/family', value: 'Ba' }],
    });
    expect(await historyHolds(id)).toEqual({ 1: true, 2: true, 3: false });
    expect((await fhirFetch(`${server.baseUrl}/Patient/${id}`, { method: 'DELETE' })).status).toBe(200);
    // The deletion has no content; the version it ended took its own.
    expect(await historyHolds(id)).toEqual({ 1: true, 2: true, 3: true, 4: false });
    expect((await fhirFetch(`${server.baseUrl}/Patient/${id}`, { method: 'PUT', body: { resourceType: 'Patient', id, name: [{ family: 'Năm' }] } })).status).toBe(201);
    // A deletion's row stays empty when the resource comes back.
    expect(await historyHolds(id)).toEqual({ 1: true, 2: true, 3: true, 4: false, 5: false });

    expect(await versions(id)).toEqual(['Năm', undefined, 'Ba', 'Hai', 'Một']);
    for (const [version, family] of [[1, 'Một'], [2, 'Hai'], [3, 'Ba'], [5, 'Năm']] as const) {
      const vread = await fhirFetch(`${server.baseUrl}/Patient/${id}/_history/${version}`);
      expect([vread.status, vread.body.name[0].family, vread.body.meta.versionId]).toEqual([200, family, String(version)]);
    }
    expect((await fhirFetch(`${server.baseUrl}/Patient/${id}/_history/4`)).status).toBe(410);
  });

  test('of two updates from the same version, the one that lost leaves no content anywhere', async () => {
    const id = ((await fhirFetch(`${server.baseUrl}/Patient`, { method: 'POST', body: { resourceType: 'Patient', name: [{ family: 'Gốc' }] } })).body as Patient).id!;
    const attempts = await Promise.all(
      ['Trái', 'Phải'].map((family) =>
        fhirFetch(`${server.baseUrl}/Patient/${id}`, { method: 'PUT', headers: { 'if-match': 'W/"1"' }, body: { resourceType: 'Patient', id, name: [{ family }] } }),
      ),
    );
    expect(attempts.map((a) => a.status).sort()).toEqual([200, 412]);
    const winner = attempts.find((a) => a.status === 200)!.body.name[0].family;
    expect(await historyHolds(id)).toEqual({ 1: true, 2: false });
    expect(await versions(id)).toEqual([winner, 'Gốc']);
  });

  test('a history row written with its content (before this layout) is read and kept as it is', async () => {
    const id = ((await fhirFetch(`${server.baseUrl}/Patient`, { method: 'POST', body: { resourceType: 'Patient', name: [{ family: 'Cũ' }] } })).body as Patient).id!;
    // As an older server wrote it: the current version's content in both rows.
    await server.db.query(
      `UPDATE resource_history h SET content = r.content FROM resource r
        WHERE h.station_id = r.station_id AND h.resource_type = r.resource_type AND h.id = r.id AND h.version_id = r.version_id AND h.id = $1`,
      [id],
    );
    expect(await versions(id)).toEqual(['Cũ']);
    await fhirFetch(`${server.baseUrl}/Patient/${id}`, { method: 'PUT', body: { resourceType: 'Patient', id, name: [{ family: 'Mới' }] } });
    expect(await historyHolds(id)).toEqual({ 1: true, 2: false });
    expect(await versions(id)).toEqual(['Mới', 'Cũ']);
  });
});
