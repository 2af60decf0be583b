import type { Observation, Patient } from '@medplum/fhirtypes';
import { rebuildIndex } from '../../src/fhir/index/rebuild';
import { stringRowKeys, stringRowsKeyed } from '../../src/fhir/index/string-keys';
import { StringRowsByKey1767700000000 } from '../../migrations/1767700000000-StringRowsByKey';
import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';
import { explainRolledBack, matchIds, planNodes, seed } from './helpers';

// idx_string has no index on the owner alone: updates, deletes and the re-index reach a resource's
// string rows by the keys its type can have, composites by a partial owner index
// (src/fhir/index/string-keys.ts). A row left behind would keep an old name findable.
describe('string rows replaced by key', () => {
  let server: TestServer;
  const LOINC = 'http://loinc.org';

  const patient = (family: string, given: string, city: string): Patient => ({
    resourceType: 'Patient',
    name: [{ family, given: [given] }],
    address: [{ city, line: [`Thôn ${city}`] }],
  });
  const note = (code: string, value: string): Observation => ({
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: LOINC, code }] },
    valueString: value,
  });

  /** A resource's string rows as `param=value`, sorted. */
  const stringRows = async (type: string, id: string): Promise<string[]> =>
    (await server.db.query<{ param: string; value: string }>(`SELECT param, value FROM idx_string WHERE resource_type = $1 AND resource_id = $2`, [type, id]))
      .map((r) => `${r.param}=${r.value}`)
      .sort();

  const put = async (resource: Patient | Observation): Promise<void> => {
    const res = await fhirFetch(`${server.baseUrl}/${resource.resourceType}/${resource.id}`, { method: 'PUT', body: resource });
    expect(res.status).toBe(200);
  };

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  test('an update leaves exactly the rows a create of the new content writes', async () => {
    const [old, fresh, oldNote, freshNote] = (await seed(server, [
      patient('Đặng', 'Đức', 'Hà Sơn'),
      patient('Lê', 'Thư', 'Hà Tân'),
      note('11111-1', 'ho khan'),
      note('22222-2', 'sốt nhẹ'),
    ])) as [Patient, Patient, Observation, Observation];
    const before = await stringRows('Patient', old.id!);
    expect(before).toEqual(expect.arrayContaining(['family=dang', 'name:sort=dang duc', 'address-city=ha son']));
    expect((await stringRows('Observation', oldNote.id!)).filter((r) => r.includes('$'))).toEqual(
      expect.arrayContaining([`code-value-string$11111-1=ho khan`, `code-value-string$${LOINC}|11111-1=ho khan`]),
    );

    // The old resources take the content of the fresh ones: their rows must become the fresh ones' rows.
    await put({ ...fresh, id: old.id });
    await put({ ...freshNote, id: oldNote.id });
    expect(await stringRows('Patient', old.id!)).toEqual(await stringRows('Patient', fresh.id!));
    expect(await stringRows('Observation', oldNote.id!)).toEqual(await stringRows('Observation', freshNote.id!));
    expect(await stringRows('Patient', old.id!)).not.toEqual(before);

    expect(await matchIds(server, `Patient?name=dang&_id=${old.id},${fresh.id}`)).toEqual([]);
    expect(await matchIds(server, `Patient?address-city=ha son&_id=${old.id},${fresh.id}`)).toEqual([]);
    expect(await matchIds(server, `Patient?name=thu&_id=${old.id},${fresh.id}`)).toEqual([old.id, fresh.id].sort());
    expect(await matchIds(server, `Observation?code-value-string=11111-1$ho&_id=${oldNote.id}`)).toEqual([]);
    expect(await matchIds(server, `Observation?code-value-string=22222-2$sot&_id=${oldNote.id}`)).toEqual([oldNote.id]);
    expect(await matchIds(server, `Patient?_id=${old.id},${fresh.id}&_sort=name&_count=1`)).toHaveLength(1);

    // A delete takes them all, composites included.
    for (const [type, id] of [['Patient', old.id!], ['Observation', oldNote.id!]]) {
      expect((await fhirFetch(`${server.baseUrl}/${type}/${id}`, { method: 'DELETE' })).status).toBeLessThan(300);
      expect(await stringRows(type, id)).toEqual([]);
    }
  });

  // The update's statement is prepared (write.ts names it), so its plan turns generic: both must hold.
  test.each([false, true])('the delete reaches the rows through the two indexes, on a station’s proportions (generic plan: %s)', async (generic) => {
    const station = server.config.stationId;
    const plan = await explainRolledBack(
      server,
      async (tx) => {
        // 20,000 residents' name rows and a few hundred composite rows, as a commune's station holds.
        await tx.query(
          `INSERT INTO idx_string (station_id, resource_type, resource_id, param, value, exact)
           SELECT $1, 'Patient', 'p' || i, p, 'nguyen van ' || i, '' FROM generate_series(1, 20000) i, unnest(ARRAY['name', 'name:sort', 'family', 'given']) p`,
          [station],
        );
        await tx.query(
          `INSERT INTO idx_string (station_id, resource_type, resource_id, param, value, exact)
           SELECT $1, 'Observation', 'o' || i, 'code-value-string$' || (i % 50), 'ghi chu', '' FROM generate_series(1, 500) i`,
          [station],
        );
      },
      `DELETE FROM idx_string WHERE station_id = $1 AND resource_type = $2 AND resource_id = $3 AND ${stringRowsKeyed('$4')}`,
      [station, 'Patient', 'p42', [...stringRowKeys(server.engine.defs, 'Patient')]],
      true,
      generic,
    );
    const nodes = planNodes(plan);
    expect(nodes.filter((n) => n['Node Type'] === 'Seq Scan')).toEqual([]);
    expect(nodes.map((n) => n['Index Name']).filter(Boolean).sort()).toEqual(['idx_string_composite_owner', 'idx_string_walk']);
    expect(nodes.find((n) => n['Node Type'] === 'Bitmap Heap Scan')?.['Actual Rows']).toBe(4);
  });

  test('the re-index removes rows under a key the type no longer has', async () => {
    const [p] = (await seed(server, [patient('Vũ', 'Lan', 'Hà Lĩnh')])) as [Patient];
    const kept = await stringRows('Patient', p.id!);
    await server.db.query(`INSERT INTO idx_string (station_id, resource_type, resource_id, param, value, exact) VALUES ($1, 'Patient', $2, 'retired-param', 'vu', '')`, [
      server.config.stationId,
      p.id,
    ]);
    await rebuildIndex(server.db, { defs: server.engine.defs, timeZone: server.config.timeZone, baseUrl: server.config.baseUrl });
    expect(await stringRows('Patient', p.id!)).toEqual(kept);
  });

  test('the migration puts the owner index back and takes it away again', async () => {
    const indexes = async (): Promise<string[]> =>
      (await server.db.query<{ indexname: string }>(`SELECT indexname FROM pg_indexes WHERE tablename = 'idx_string' ORDER BY indexname`)).map((r) => r.indexname);
    expect(await indexes()).toEqual(['idx_string_composite_owner', 'idx_string_lookup', 'idx_string_walk']);
    const migration = new StringRowsByKey1767700000000();
    const runner = { query: (sql: string) => server.db.query(sql) } as never;
    await migration.down(runner);
    expect(await indexes()).toEqual(['idx_string_lookup', 'idx_string_owner', 'idx_string_walk']);
    await migration.up(runner);
    expect(await indexes()).toEqual(['idx_string_composite_owner', 'idx_string_lookup', 'idx_string_walk']);
  });
});
