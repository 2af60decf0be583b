import type { Patient, Resource } from '@medplum/fhirtypes';
import { extractIndexRows } from '../../src/fhir/index/extract';
import { rebuildIndex } from '../../src/fhir/index/rebuild';
import { INDEX_TABLE_NAMES } from '../../src/fhir/index/tables';
import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';
import { matchIds, seed } from './helpers';

// npm run reindex: rebuilds every resource's index rows, in batches, while writes may go on.
describe('rebuilding the search index', () => {
  let server: TestServer;
  let stored: Resource[];
  const ctx = (): Parameters<typeof rebuildIndex>[1] => ({ defs: server.engine.defs, timeZone: server.config.timeZone, baseUrl: server.config.baseUrl });

  beforeAll(async () => {
    server = await startTestServer();
    stored = await seed(
      server,
      Array.from({ length: 60 }, (_, i): Patient => ({ resourceType: 'Patient', name: [{ family: i % 3 ? 'Nguyễn' : 'Đặng', given: [`An ${i}`] }], birthDate: `1980-01-${String(1 + (i % 28)).padStart(2, '0')}` })),
    );
    const [gone] = await seed(server, [{ resourceType: 'Patient', name: [{ family: 'Xóa' }] }]);
    await fhirFetch(`${server.baseUrl}/Patient/${gone.id}`, { method: 'DELETE' });
  }, 120_000);
  afterAll(() => server.close());

  const rowCount = async (): Promise<number> => {
    let n = 0;
    for (const table of INDEX_TABLE_NAMES) {
      const [{ c }] = await server.db.query<{ c: number }>(`SELECT count(*)::int AS c FROM ${table} WHERE resource_type = 'Patient'`);
      n += c;
    }
    return n;
  };

  test('after the index is wiped, a rebuild restores exactly the rows the write path makes', async () => {
    const before = await rowCount();
    const expectedRows = stored.reduce((sum, r) => sum + Object.values(extractIndexRows(r, ctx())).reduce((s, rows) => s + rows.length, 0), 0);
    expect(before).toBe(expectedRows);
    for (const table of INDEX_TABLE_NAMES) await server.db.query(`DELETE FROM ${table} WHERE resource_type = 'Patient'`);
    expect(await matchIds(server, 'Patient?family=dang')).toEqual([]);

    const progress: number[] = [];
    const result = await rebuildIndex(server.db, ctx(), { batchSize: 7, onProgress: (done) => progress.push(done) });
    expect(await rowCount()).toBe(expectedRows);
    expect(progress.length).toBeGreaterThan(5);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(result.resources).toBeGreaterThanOrEqual(stored.length + 1);
    const dang = stored.filter((r) => (r as Patient).name![0].family === 'Đặng').map((r) => r.id!).sort();
    expect(await matchIds(server, 'Patient?family=dang')).toEqual(dang);
    expect(await matchIds(server, 'Patient?family=xoa')).toEqual([]);
  });

  test('writes during a rebuild keep their own, current index rows', async () => {
    const target = stored[5] as Patient;
    const rebuilding = rebuildIndex(server.db, ctx(), { batchSize: 3 });
    const writes = (async () => {
      for (let i = 0; i < 5; i++) {
        const current = (await fhirFetch(`${server.baseUrl}/Patient/${target.id}`)).body as Patient;
        await fhirFetch(`${server.baseUrl}/Patient/${target.id}`, { method: 'PUT', body: { ...current, name: [{ family: `Lần${i}` }] } });
      }
    })();
    await Promise.all([rebuilding, writes]);
    expect(await matchIds(server, 'Patient?family=lan4')).toEqual([target.id]);
    expect(await matchIds(server, 'Patient?family=lan3')).toEqual([]);
    expect(await matchIds(server, `Patient?family=nguyen&_id=${target.id}`)).toEqual([]);
    const [{ c }] = await server.db.query<{ c: number }>(`SELECT count(*)::int AS c FROM idx_string WHERE resource_id = $1 AND param = 'family'`, [target.id]);
    expect(c).toBe(1);
  });
});
