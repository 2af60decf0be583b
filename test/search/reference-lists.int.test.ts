import type { AuditEvent, Bundle, Resource } from '@medplum/fhirtypes';
import { packReferenceList, referenceKey } from '../../src/fhir/index/reference-lists';
import { emptyRows } from '../../src/fhir/index/tables';
import { AccessLogReferenceLists1767400000000 } from '../../migrations/1767400000000-AccessLogReferenceLists';
import { ReferenceListPendingList1767600000000 } from '../../migrations/1767600000000-ReferenceListPendingList';
import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';

// The access log keeps its references as one list per event (src/fhir/index/reference-lists.ts).
// Every way of asking an AuditEvent's references — by target (a GIN probe of the keys) or from the
// event (the list read as rows) — must give what the events say. The expected answers are worked
// out here from the events' own JSON, not by the server's SQL.
describe('the access log’s references, kept as lists', () => {
  let server: TestServer;
  let base: string;
  let reader: string;
  /** The events this file's accesses left, as the reader reads them. */
  let events: AuditEvent[];

  const P = ['rl-p1', 'rl-p2', 'rl-p3'];
  const resources: Resource[] = [
    { resourceType: 'Patient', id: P[0], name: [{ family: 'Lưu', given: ['Thị Hà'] }] },
    { resourceType: 'Patient', id: P[1], name: [{ family: 'Đỗ', given: ['Văn Hải'] }] },
    { resourceType: 'Patient', id: P[2], name: [{ family: 'Lưu', given: ['Văn Tú'] }] },
    { resourceType: 'Observation', id: 'rl-o1', status: 'final', code: { text: 'huyết áp' }, subject: { reference: `Patient/${P[0]}` } },
    { resourceType: 'Encounter', id: 'rl-e2', status: 'finished', class: { code: 'AMB' }, subject: { reference: `Patient/${P[1]}` } },
  ];

  /** The (param, reference) pairs an event's `agent`, `entity` and `patient` parameters hold. */
  const referencesOf = (e: AuditEvent): [string, string][] => {
    const pairs: [string, string][] = [];
    const local = (reference: string): string => reference.replace(/\/_history\/.*$/, '');
    for (const a of e.agent ?? []) if (a.who?.reference) pairs.push(['agent', local(a.who.reference)]);
    for (const x of e.entity ?? []) if (x.what?.reference) pairs.push(['entity', local(x.what.reference)]);
    for (const [, reference] of [...pairs]) if (reference.startsWith('Patient/')) pairs.push(['patient', reference]);
    return pairs;
  };
  const naming = (param: string, ...references: string[]): string[] =>
    events.filter((e) => referencesOf(e).some(([p, r]) => p === param && references.includes(r))).map((e) => e.id!).sort();
  const idsOf = (bundle: Bundle, mode = 'match'): string[] =>
    (bundle.entry ?? []).filter((e) => e.search?.mode === mode).map((e) => `${e.resource!.resourceType}/${e.resource!.id}`).sort();
  /** Every match of a search over this file's events (all pages), as ids. */
  const search = async (query: string, path = 'AuditEvent'): Promise<string[]> => {
    const found: string[] = [];
    let url: string | undefined = `${base}/${path}?${query}&_count=100`;
    while (url) {
      const res = await fhirFetch(url, { token: reader });
      expect(res.status).toBe(200);
      found.push(...idsOf(res.body as Bundle).map((id) => id.split('/')[1]));
      url = (res.body as Bundle).link?.find((l) => l.relation === 'next')?.url;
    }
    return found.filter((id) => events.some((e) => e.id === id)).sort();
  };

  beforeAll(async () => {
    server = await startTestServer();
    base = server.baseUrl;
    // A system client that may read the log and the record (an auditor reads the log alone).
    reader = await server.systemToken('system/*.rs system/AuditEvent.rs');
    for (const r of resources) expect((await fhirFetch(`${base}/${r.resourceType}/${r.id}`, { method: 'PUT', body: r })).status).toBe(201);
    const since = new Date().toISOString();
    // A clinician's accesses: a search naming two residents, reads of a visit and a reading.
    expect((await fhirFetch(`${base}/Patient?_id=${P[0]},${P[1]}`)).status).toBe(200);
    expect((await fhirFetch(`${base}/Observation/rl-o1`)).status).toBe(200);
    expect((await fhirFetch(`${base}/Encounter/rl-e2`)).status).toBe(200);
    expect((await fhirFetch(`${base}/Patient/${P[2]}`)).status).toBe(200);
    const res = await fhirFetch(`${base}/AuditEvent?date=ge${since}&_count=100`, { token: reader });
    events = ((res.body as Bundle).entry ?? []).map((e) => e.resource as AuditEvent);
    expect(events.length).toBeGreaterThanOrEqual(4);
  }, 120_000);

  afterAll(async () => {
    await server?.close();
  });

  test('each event keeps one list of its references, and no reference rows', async () => {
    const ids = events.map((e) => e.id!);
    const rows = await server.db.query<{ n: string }>(`SELECT count(*) AS n FROM idx_reference WHERE resource_type = 'AuditEvent' AND resource_id = ANY($1::text[])`, [ids]);
    expect(Number(rows[0].n)).toBe(0);
    const lists = await server.db.query<{ resource_id: string; keys: string[] }>(`SELECT resource_id, keys FROM idx_reference_list WHERE resource_type = 'AuditEvent' AND resource_id = ANY($1::text[])`, [ids]);
    for (const e of events) {
      const expected = [...new Set(referencesOf(e).filter(([p]) => p !== 'patient').map(([p, r]) => `${p}|${r}`))].sort();
      expect(lists.find((l) => l.resource_id === e.id)?.keys ?? []).toEqual(expected);
    }
  });

  test('by target: Type/id, a bare id, :Type, an absolute URL, several values, patient', async () => {
    const cases: [string, string[]][] = [
      [`entity=Patient/${P[0]}`, naming('entity', `Patient/${P[0]}`)],
      [`entity=${P[1]}`, naming('entity', `Patient/${P[1]}`)],
      [`entity:Observation=rl-o1`, naming('entity', 'Observation/rl-o1')],
      [`entity:Encounter=rl-o1`, []],
      [`entity=${base}/Encounter/rl-e2`, naming('entity', 'Encounter/rl-e2')],
      [`entity=Observation/rl-o1,Patient/${P[2]}`, naming('entity', 'Observation/rl-o1', `Patient/${P[2]}`)],
      [`patient=${P[0]}`, naming('patient', `Patient/${P[0]}`)],
      [`patient=Patient/${P[1]}&entity=Patient/${P[0]}`, naming('patient', `Patient/${P[1]}`).filter((id) => naming('entity', `Patient/${P[0]}`).includes(id))],
    ];
    const agent = referencesOf(events[0]).find(([p]) => p === 'agent')![1];
    cases.push([`agent=${agent}`, naming('agent', agent)]);
    for (const [query, expected] of cases) {
      expect([query, expected.length > 0 || query.includes(':Encounter')]).toEqual([query, true]);
      expect([query, await search(query)]).toEqual([query, expected]);
    }
  });

  test('chained, reverse-chained, :missing, sorted, and over several types', async () => {
    const lưu = [`Patient/${P[0]}`, `Patient/${P[2]}`];
    expect(await search('entity:Patient.name=luu')).toEqual(naming('entity', ...lưu));
    expect(await search('patient.name=luu')).toEqual(naming('patient', ...lưu));
    const agent = referencesOf(events[0]).find(([p]) => p === 'agent')![1];
    const res = await fhirFetch(`${base}/Patient?_has:AuditEvent:entity:agent=${agent}&_id=${P.join(',')}`, { token: reader });
    const named = P.filter((p) => events.some((e) => referencesOf(e).some(([x, r]) => x === 'entity' && r === `Patient/${p}`)));
    expect(idsOf(res.body as Bundle)).toEqual(named.map((p) => `Patient/${p}`).sort());
    expect(await search('entity:missing=false')).toEqual(events.filter((e) => referencesOf(e).some(([p]) => p === 'entity')).map((e) => e.id!).sort());
    expect(await search('entity:missing=true')).toEqual(events.filter((e) => !referencesOf(e).some(([p]) => p === 'entity')).map((e) => e.id!).sort());
    // Sorted by the lowest (highest, descending) id an event names as entity, then by its own id.
    const sorted = async (query: string): Promise<string[]> => {
      const res = await fhirFetch(`${base}/AuditEvent?${query}&_count=100`, { token: reader });
      expect(res.status).toBe(200);
      return ((res.body as Bundle).entry ?? []).map((e) => e.resource!.id!).filter((id) => events.some((e) => e.id === id));
    };
    const sortable = naming('entity', `Patient/${P[0]}`, 'Encounter/rl-e2');
    const entityIds = (id: string): string[] => referencesOf(events.find((e) => e.id === id)!).filter(([p]) => p === 'entity').map(([, r]) => r.split('/')[1]).sort();
    const byKey = (key: (id: string) => string, sign: number) => (a: string, b: string): number => (key(a) < key(b) ? -sign : key(a) > key(b) ? sign : a < b ? -1 : 1);
    expect(sortable.length).toBeGreaterThan(1);
    expect(await sorted(`entity=Patient/${P[0]},Encounter/rl-e2&_sort=entity`)).toEqual([...sortable].sort(byKey((id) => entityIds(id)[0], 1)));
    expect(await sorted(`entity=Patient/${P[0]},Encounter/rl-e2&_sort=-entity`)).toEqual([...sortable].sort(byKey((id) => entityIds(id).at(-1)!, -1)));
    const system = await fhirFetch(`${base}?_type=AuditEvent,Observation&patient=${P[0]}&_count=100`, { token: reader });
    expect(idsOf(system.body as Bundle).filter((id) => id.startsWith('Observation/') || events.some((e) => `AuditEvent/${e.id}` === id))).toEqual(
      [...naming('patient', `Patient/${P[0]}`).map((id) => `AuditEvent/${id}`), 'Observation/rl-o1'].sort(),
    );
  });

  test('_include from events and _revinclude of events', async () => {
    const reading = naming('entity', 'Observation/rl-o1');
    const inc = await fhirFetch(`${base}/AuditEvent?entity=Observation/rl-o1&_include=AuditEvent:entity:Observation`, { token: reader });
    expect(idsOf(inc.body as Bundle, 'include')).toEqual(['Observation/rl-o1']);
    const rev = await fhirFetch(`${base}/Observation?_id=rl-o1&_revinclude=AuditEvent:entity`, { token: reader });
    expect(idsOf(rev.body as Bundle, 'include').filter((id) => reading.includes(id.split('/')[1]))).toEqual(reading.map((id) => `AuditEvent/${id}`));
    const byPatient = await fhirFetch(`${base}/Patient?_id=${P[1]}&_revinclude=AuditEvent:patient`, { token: reader });
    const about = naming('patient', `Patient/${P[1]}`);
    expect(idsOf(byPatient.body as Bundle, 'include').filter((id) => about.includes(id.split('/')[1]))).toEqual(about.map((id) => `AuditEvent/${id}`).sort());
  });

  test('a list is the keys of its rows, each once and sorted; a url keeps no type', () => {
    const rows = emptyRows();
    rows.reference.push(
      { param: 'entity', targetType: 'Patient', targetId: 'b', url: null },
      { param: 'entity', targetType: 'Patient', targetId: 'b', url: null },
      { param: 'agent', targetType: 'Practitioner', targetId: 'a', url: null },
      { param: 'entity', targetType: null, targetId: null, url: 'https://other.example/fhir/Patient/x' },
      { param: 'entity', targetType: null, targetId: null, url: null },
    );
    const observation = { ...rows, reference: [...rows.reference], referenceList: [] };
    packReferenceList('AuditEvent', rows);
    expect(rows.reference).toEqual([]);
    expect(rows.referenceList).toEqual([{ keys: ['agent|Practitioner/a', 'entity|Patient/b', 'entity||https://other.example/fhir/Patient/x'] }]);
    packReferenceList('Observation', observation);
    expect(observation.reference).toHaveLength(5);
    expect(observation.referenceList).toEqual([]);
    expect(referenceKey('entity', { targetType: null, targetId: null, url: null })).toBeUndefined();
  });

  test('new keys wait in a short pending list, and a search by key finds them there', async () => {
    const options = async (): Promise<string[]> =>
      (await server.db.query<{ reloptions: string[] | null }>(`SELECT reloptions FROM pg_class WHERE relname = 'idx_reference_list_keys'`))[0].reloptions ?? [];
    expect((await options()).sort()).toEqual(['fastupdate=on', 'gin_pending_list_limit=64']);
    // Emptied first, so what the list holds next is this read's record alone.
    await server.engine.repo.flushAudit();
    await server.db.query(`SELECT gin_clean_pending_list('idx_reference_list_keys')`);
    expect((await fhirFetch(`${base}/Patient/${P[1]}`)).status).toBe(200);
    await server.engine.repo.flushAudit();
    const newestNaming = async (): Promise<AuditEvent> => {
      const res = await fhirFetch(`${base}/AuditEvent?entity=Patient/${P[1]}&_sort=-date&_count=1`, { token: reader });
      return ((res.body as Bundle).entry ?? []).map((e) => e.resource as AuditEvent)[0];
    };
    const newest = await newestNaming();
    expect(newest.entity?.some((x) => x.what?.reference?.startsWith(`Patient/${P[1]}`))).toBe(true);
    expect(Date.now() - Date.parse(newest.recorded)).toBeLessThan(60_000);
    // It was found in the pending list: merging the list now moves at least one page.
    const [{ pages }] = await server.db.query<{ pages: number }>(`SELECT gin_clean_pending_list('idx_reference_list_keys') AS pages`);
    expect(Number(pages)).toBeGreaterThan(0);
    expect((await newestNaming()).id).toBe(newest.id);

    const migration = new ReferenceListPendingList1767600000000();
    const runner = { query: (sql: string) => server.db.query(sql) } as never;
    await migration.down(runner);
    expect(await options()).toEqual(['fastupdate=off']);
    await migration.up(runner);
    expect((await options()).sort()).toEqual(['fastupdate=on', 'gin_pending_list_limit=64']);
  });

  test('the migration moves lists to rows and back, key for key', async () => {
    const migration = new AccessLogReferenceLists1767400000000();
    const runner = { query: (sql: string) => server.db.query(sql) } as never;
    // The earlier tests' own accesses are still queued: stored first, so none lands mid-migration.
    await server.engine.repo.flushAudit();
    const before = await server.db.query<{ resource_id: string; keys: string[] }>(`SELECT resource_id, keys FROM idx_reference_list ORDER BY resource_id`);
    expect(before.length).toBeGreaterThan(0);
    await migration.down(runner);
    const rows = await server.db.query<{ resource_id: string; param: string; target_type: string | null; target_id: string | null; url: string | null }>(
      `SELECT resource_id, param, target_type, target_id, url FROM idx_reference WHERE resource_type = 'AuditEvent'`,
    );
    const keysOf = (id: string): string[] => rows.filter((r) => r.resource_id === id).map((r) => referenceKey(r.param, { targetType: r.target_type, targetId: r.target_id, url: r.url })!).sort();
    for (const list of before) expect(keysOf(list.resource_id)).toEqual([...list.keys].sort());
    await migration.up(runner);
    const after = await server.db.query<{ resource_id: string; keys: string[] }>(`SELECT resource_id, keys FROM idx_reference_list ORDER BY resource_id`);
    expect(after.map((l) => [l.resource_id, [...l.keys].sort()])).toEqual(before.map((l) => [l.resource_id, [...l.keys].sort()]));
    expect(await search(`entity=Patient/${P[0]}`)).toEqual(naming('entity', `Patient/${P[0]}`));
  });
});
