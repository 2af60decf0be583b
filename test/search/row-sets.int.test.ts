import type { AuditEvent, Bundle, Coding, Patient, Resource } from '@medplum/fhirtypes';
import type { QueryRunner } from 'typeorm';
import { AccessLogRowSets1767200000000 } from '../../migrations/1767200000000-AccessLogRowSets';
import { rebuildIndex } from '../../src/fhir/index/rebuild';
import { rowSetOf } from '../../src/fhir/index/row-sets';
import { parseSearch } from '../../src/fhir/search/parse';
import { buildSearchPlan } from '../../src/fhir/search/plan';
import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';
import { seed } from './helpers';

// AuditEvents keep their token and string rows in shared sets (src/fhir/index/row-sets.ts). Every
// search, negation, sort and count on them must answer as if each event had its own rows: the
// expectations here are computed from the events' content in plain JavaScript.

const TAG = 'http://commune-ehr.example/test/tag';
const SUBTYPE = 'http://hl7.org/fhir/restful-interaction';
const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const OUTCOMES = ['0', '4', '8'] as const;
const OUTCOME_SYSTEM = 'http://hl7.org/fhir/audit-event-outcome';
const NAMES = ['Nguyễn Thị Thư', 'Đặng Đức', 'Trần Văn An'];

/** A varied event of our own, tagged `batch` (AuditEvents are written by the server, here by its engine). */
function event(i: number, batch: string, patient?: string): AuditEvent {
  const login = i % 6 === 4;
  return {
    resourceType: 'AuditEvent',
    meta: { tag: [{ system: TAG, code: batch }] },
    type: login ? { system: DCM, code: '110114', display: 'User Authentication' } : { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest' },
    subtype: [login ? { system: DCM, code: '110122' } : { system: SUBTYPE, code: i % 2 ? 'read' : 'search-type' }],
    action: login ? 'E' : i % 2 ? 'R' : 'E',
    recorded: new Date(Date.UTC(2026, 10, 1, 8, i)).toISOString(),
    outcome: OUTCOMES[i % 3],
    agent: [{ requestor: true, altId: `user-${i % 4}`, name: i % 4 === 3 ? undefined : NAMES[i % 4], network: i % 2 ? { address: `10.0.0.${i % 3}`, type: '2' } : undefined, role: i % 3 === 2 ? undefined : [{ coding: [{ system: 'http://commune-ehr.example/fhir/CodeSystem/staff-role', code: i % 3 ? 'registrar' : 'clinician' }] }] }],
    source: { observer: { display: 'test' }, site: i % 6 === 5 ? undefined : 'commune-ehr' },
    entity: patient && i % 2 ? [{ what: { reference: `Patient/${patient}` }, role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '1' } }] : undefined,
  };
}

const codings = (e: AuditEvent, param: string): Coding[] => {
  switch (param) {
    // A bound `code` has its binding's system (docs/search.md, token).
    case 'action':
      return e.action ? [{ system: 'http://hl7.org/fhir/audit-event-action', code: e.action }] : [];
    case 'outcome':
      return e.outcome ? [{ system: OUTCOME_SYSTEM, code: e.outcome }] : [];
    case 'subtype':
      return e.subtype ?? [];
    case 'type':
      return e.type ? [e.type] : [];
    case 'agent-role':
      return (e.agent ?? []).flatMap((a) => (a.role ?? []).flatMap((r) => r.coding ?? []));
    case 'altid':
      return (e.agent ?? []).filter((a) => a.altId).map((a) => ({ code: a.altId }));
    case 'site':
      return e.source?.site ? [{ code: e.source.site }] : [];
    case '_tag':
      return e.meta?.tag ?? [];
  }
  throw new Error(param);
};

/** Does the event match `param=value` (code, system|code, |code, system|), from the spec's table? */
function matches(e: AuditEvent, param: string, value: string): boolean {
  return value.split(',').some((v) => {
    const bar = v.indexOf('|');
    return codings(e, param).some((c) => {
      if (bar < 0) return c.code === v;
      const [system, code] = [v.slice(0, bar), v.slice(bar + 1)];
      if (system === '') return !c.system && c.code === code;
      if (code === '') return c.system === system;
      return c.system === system && c.code === code;
    });
  });
}

describe('search on the access log (row sets)', () => {
  let server: TestServer;
  let auditor: string;
  let system: string;
  let patient: Patient;
  let events: AuditEvent[];

  const ids = (bundle: Bundle): string[] => (bundle.entry ?? []).filter((e) => e.search?.mode === 'match').map((e) => `${e.resource!.resourceType}/${e.resource!.id}`);
  const get = async (query: string, token = auditor): Promise<Bundle> => {
    const res = await fhirFetch(`${server.baseUrl}/${query}`, { token });
    if (res.status !== 200) throw new Error(`${query} → ${res.status} ${JSON.stringify(res.body).slice(0, 800)}`);
    return res.body as Bundle;
  };
  const refs = (rs: Resource[]): string[] => rs.map((r) => `${r.resourceType}/${r.id}`).sort();

  beforeAll(async () => {
    server = await startTestServer();
    auditor = await server.staffToken(['auditor']);
    system = await server.systemToken();
    [patient] = (await seed(server, [{ resourceType: 'Patient', name: [{ family: 'Nguyễn', given: ['Sổ'] }], meta: { tag: [{ system: TAG, code: 'a' }] } }])) as Patient[];
    events = [];
    for (let i = 0; i < 24; i++) events.push((await server.engine.repo.create(event(i, 'a', patient.id))).resource as AuditEvent);
  }, 60_000);
  afterAll(() => server.close());

  test('events with the same rows share one set; each event is a member of one set and keeps no token or string row', async () => {
    const members = await server.db.query<{ resource_id: string }>(
      `SELECT resource_id FROM idx_row_set WHERE resource_type = 'AuditEvent' AND resource_id = ANY($1::text[])`,
      [events.map((e) => e.id)],
    );
    expect(members).toHaveLength(events.length);
    expect(
      await server.db.query(`SELECT 1 FROM idx_token WHERE resource_id = ANY($1::text[]) UNION ALL SELECT 1 FROM idx_string WHERE resource_id = ANY($1::text[])`, [events.map((e) => e.id)]),
    ).toEqual([]);
    const [{ sets }] = await server.db.query<{ sets: number }>(`SELECT count(DISTINCT set_id)::int AS sets FROM idx_row_set WHERE resource_id = ANY($1::text[])`, [
      events.map((e) => e.id),
    ]);
    // i and i + 12 carry the same tokens and strings (every one of event()'s repeats with period 12 or less).
    expect(sets).toBe(12);
    // Each set is registered once and its rows stored once, though two events named it.
    const setIds = (await server.db.query<{ set_id: string }>(`SELECT DISTINCT set_id FROM idx_row_set WHERE resource_id = ANY($1::text[])`, [events.map((e) => e.id)])).map((r) => r.set_id);
    const [{ registered }] = await server.db.query<{ registered: number }>(`SELECT count(*)::int AS registered FROM row_set WHERE id = ANY($1::text[])`, [setIds]);
    expect(registered).toBe(12);
    const repeated = await server.db.query(
      `SELECT resource_id, param, system, code, text FROM idx_token WHERE resource_id = ANY($1::text[]) GROUP BY 1, 2, 3, 4, 5 HAVING count(*) > 1`,
      [setIds],
    );
    expect(repeated).toEqual([]);
  });

  test('searches of other types never read row sets; those that may meet the access log do', () => {
    const sql = (type: string, query: string): string => {
      const req = parseSearch(type, [...new URLSearchParams(query)] as [string, string][], server.engine.defs);
      const plan = buildSearchPlan(req, { stationId: server.config.stationId, timeZone: server.config.timeZone, baseUrl: server.baseUrl });
      return `${plan.pageSql}\n${plan.countSql}`;
    };
    for (const [type, query] of [
      ['Patient', 'name=ngu&gender:not=male&identifier:missing=false&_sort=name,-gender&_total=accurate'],
      ['Observation', 'code=http://loinc.org|29463-7&_has:Encounter:subject:status=finished&_sort=-date'],
    ]) {
      expect(sql(type, query)).not.toContain('idx_row_set');
    }
    expect(sql('AuditEvent', 'outcome=4&_sort=agent-name')).toContain('idx_row_set');
    expect(sql('Patient', '_has:AuditEvent:entity:action=R')).toContain('idx_row_set');
  });

  test('the planner takes a set for about 1 % of the events, whatever the sample (migration)', async () => {
    const [{ options }] = await server.db.query<{ options: string[] | null }>(
      `SELECT attoptions AS options FROM pg_attribute WHERE attrelid = 'idx_row_set'::regclass AND attname = 'set_id'`,
    );
    expect(options).toContain('n_distinct=100');
  });

  test('ten writers of the same new set at once store it once', async () => {
    const written = await Promise.all(Array.from({ length: 10 }, () => server.engine.repo.create(event(0, 'race'))));
    const named = await server.db.query<{ set_id: string }>(`SELECT DISTINCT set_id FROM idx_row_set WHERE resource_id = ANY($1::text[])`, [written.map((w) => w.resource.id)]);
    expect(named).toHaveLength(1);
    const code = named[0].set_id;
    const rows = await server.db.query<{ n: number; distinct: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT (param, system, code, text))::int AS distinct FROM idx_token WHERE resource_id = $1`,
      [code],
    );
    expect(rows[0].n).toBe(rows[0].distinct);
    expect(rows[0].n).toBeGreaterThan(5);
    expect(ids(await get(`AuditEvent?_tag=${TAG}|race&_count=100`)).sort()).toEqual(refs(written.map((w) => w.resource)));
  });

  test.each([
    'action=E',
    'action=R',
    'action=R,E',
    'outcome=4',
    `outcome=${OUTCOME_SYSTEM}|8`,
    `outcome=${OUTCOME_SYSTEM}|`,
    `subtype=${SUBTYPE}|read`,
    `subtype=${SUBTYPE}|`,
    `type=${DCM}|110114`,
    'agent-role=registrar',
    'altid=user-1',
    'altid=|user-2',
    'site=commune-ehr',
  ])('AuditEvent?%s finds the events that carry it', async (query) => {
    const [param, value] = query.split('=');
    const expected = refs(events.filter((e) => matches(e, param, value)));
    expect(expected.length).toBeGreaterThan(0);
    expect(ids(await get(`AuditEvent?_tag=${TAG}|a&${query}&_count=100`)).sort()).toEqual(expected);
  });

  test("a bound code has its binding's system: `|8` (no system) finds none of the events with outcome 8", async () => {
    expect(events.some((e) => e.outcome === '8')).toBe(true);
    expect(ids(await get(`AuditEvent?_tag=${TAG}|a&outcome=|8&_count=100`))).toEqual([]);
  });

  test.each([
    ['outcome:not=0', (e: AuditEvent) => !matches(e, 'outcome', '0')],
    ['agent-role:missing=true', (e: AuditEvent) => codings(e, 'agent-role').length === 0],
    ['agent-role:missing=false', (e: AuditEvent) => codings(e, 'agent-role').length > 0],
    ['site:missing=true', (e: AuditEvent) => !e.source?.site],
    ['type:text=user authentication', (e: AuditEvent) => e.type?.display === 'User Authentication'],
    ['agent-name=thu', (e: AuditEvent) => e.agent![0].name === 'Nguyễn Thị Thư'],
    ['agent-name=DANG DUC', (e: AuditEvent) => e.agent![0].name === 'Đặng Đức'],
    ['agent-name:exact=Trần Văn An', (e: AuditEvent) => e.agent![0].name === 'Trần Văn An'],
    ['agent-name:missing=true', (e: AuditEvent) => !e.agent![0].name],
    ['address=10.0.0.1', (e: AuditEvent) => e.agent![0].network?.address === '10.0.0.1'],
    ['address:missing=true', (e: AuditEvent) => !e.agent![0].network],
  ])('AuditEvent?%s', async (query, keep) => {
    const expected = refs(events.filter(keep));
    expect(expected.length).toBeGreaterThan(0);
    expect(ids(await get(`AuditEvent?_tag=${TAG}|a&${query}&_count=100`)).sort()).toEqual(expected);
  });

  test('sorting by tokens and strings follows each event\'s values', async () => {
    const byKey = (key: (e: AuditEvent) => string, descending: boolean) => (a: AuditEvent, b: AuditEvent): number => {
      const [x, y] = [key(a), key(b)];
      if (x !== y) return (x < y ? -1 : 1) * (descending ? -1 : 1);
      return a.id! < b.id! ? -1 : 1;
    };
    const action = (e: AuditEvent): string => e.action!;
    expect(ids(await get(`AuditEvent?_tag=${TAG}|a&_sort=action,_id&_count=100`))).toEqual([...events].sort(byKey(action, false)).map((e) => `AuditEvent/${e.id}`));
    const outcome = (e: AuditEvent): string => e.outcome!;
    expect(ids(await get(`AuditEvent?_tag=${TAG}|a&_sort=-outcome,_id&_count=100`))).toEqual([...events].sort(byKey(outcome, true)).map((e) => `AuditEvent/${e.id}`));
    // A missing name sorts first ascending; names by their folded text (family name first).
    const name = (e: AuditEvent): string => ({ 'Nguyễn Thị Thư': 'nguyen thi thu', 'Đặng Đức': 'dang duc', 'Trần Văn An': 'tran van an' })[e.agent![0].name ?? ''] ?? '';
    expect(ids(await get(`AuditEvent?_tag=${TAG}|a&_sort=agent-name,_id&_count=100`))).toEqual([...events].sort(byKey(name, false)).map((e) => `AuditEvent/${e.id}`));
  });

  test('a count on one token filter counts events, not sets', async () => {
    const bundle = await get(`AuditEvent?_tag=${TAG}|a&_total=accurate&_count=1`);
    expect(bundle.total).toBe(events.length);
    expect((await get(`AuditEvent?action=R&_total=accurate&_count=1`)).total).toBeGreaterThanOrEqual(events.filter((e) => e.action === 'R').length);
  });

  test('a search over several types reads each type\'s rows where they are', async () => {
    const both = await get(`?_type=AuditEvent,Patient&_tag=${TAG}|a&_count=100`, system);
    expect(ids(both).sort()).toEqual(refs([...events, patient]));
    const untagged = await get(`?_type=AuditEvent,Patient&_tag:missing=true&_count=1000`, system);
    expect(ids(untagged).filter((r) => events.some((e) => `AuditEvent/${e.id}` === r) || r === `Patient/${patient.id}`)).toEqual([]);
    const sorted = await get(`?_type=AuditEvent,Patient&_tag=${TAG}|a&_sort=_tag,_id&_count=100`, system);
    expect(ids(sorted)).toHaveLength(events.length + 1);
  });

  test('_has reaches the events through their sets', async () => {
    const found = await get(`Patient?_has:AuditEvent:entity:action=R&_id=${patient.id}`, system);
    expect(ids(found)).toEqual([`Patient/${patient.id}`]);
    const none = await get(`Patient?_has:AuditEvent:entity:action=C&_id=${patient.id}`, system);
    expect(ids(none)).toEqual([]);
  });

  test('the server\'s own access records are found by their tokens', async () => {
    const since = new Date().toISOString();
    expect((await fhirFetch(`${server.baseUrl}/Patient/${patient.id}`)).status).toBe(200);
    expect((await fhirFetch(`${server.baseUrl}/Patient/${patient.id}`, { token: auditor })).status).toBe(403);
    const read = await get(`AuditEvent?date=ge${since}&entity=Patient/${patient.id}&subtype=${SUBTYPE}|read&outcome=0&agent-role=clinician`);
    expect(ids(read)).toHaveLength(1);
    const refused = await get(`AuditEvent?date=ge${since}&outcome:not=0&agent-role=auditor`);
    expect(ids(refused).length).toBeGreaterThanOrEqual(1);
  });

  test('the migration turns events with rows of their own into the same sets', async () => {
    const strings = [
      { param: 'agent-name', value: 'dang duc', exact: 'Đặng Đức' },
      { param: 'agent-name', value: 'duc', exact: '' },
      { param: 'agent-name:sort', value: 'dang duc', exact: '' },
    ];
    const rows = [
      { param: 'action', system: 'http://hl7.org/fhir/audit-event-action', code: 'R', text: null },
      { param: 'outcome', system: 'http://hl7.org/fhir/audit-event-outcome', code: '0', text: null },
      { param: 'type', system: DCM, code: '110114', text: 'user authentication' },
      { param: 'site', system: null, code: 'trạm y tế', text: null },
    ];
    for (const id of ['old-1', 'old-2']) {
      for (const r of [...rows, rows[0]]) {
        await server.db.query(`INSERT INTO idx_token (station_id, resource_type, resource_id, param, system, code, text) VALUES ($1, 'AuditEvent', $2, $3, $4, $5, $6)`, [
          server.config.stationId, id, r.param, r.system, r.code, r.text,
        ]);
      }
      for (const r of strings) {
        await server.db.query(`INSERT INTO idx_string (station_id, resource_type, resource_id, param, value, exact) VALUES ($1, 'AuditEvent', $2, $3, $4, $5)`, [
          server.config.stationId, id, r.param, r.value, r.exact,
        ]);
      }
    }
    const eventRows = (): Promise<unknown[]> =>
      server.db.query(`SELECT resource_id, set_id FROM idx_row_set WHERE resource_id = ANY($1::text[]) ORDER BY resource_id`, [events.map((e) => e.id)]);
    const before = await eventRows();
    await server.db.transaction((tx) => new AccessLogRowSets1767200000000().up({ query: (sql: string) => tx.query(sql) } as unknown as QueryRunner));
    const named = await server.db.query(`SELECT resource_id, set_id FROM idx_row_set WHERE resource_id IN ('old-1', 'old-2') ORDER BY resource_id`);
    const set = rowSetOf({ token: rows, string: strings });
    expect(named).toEqual([
      { resource_id: 'old-1', set_id: set.id },
      { resource_id: 'old-2', set_id: set.id },
    ]);
    expect(await server.db.query(`SELECT 1 FROM idx_token WHERE resource_id IN ('old-1', 'old-2')`)).toEqual([]);
    const stored = await server.db.query(`SELECT param, system, code, text FROM idx_token WHERE resource_type = 'AuditEvent' AND resource_id = $1 ORDER BY param`, [set.id]);
    expect(stored).toEqual([...rows].sort((a, b) => (a.param < b.param ? -1 : 1)));
    const storedStrings = await server.db.query(`SELECT param, value, exact FROM idx_string WHERE resource_type = 'AuditEvent' AND resource_id = $1`, [set.id]);
    expect(storedStrings.map((r) => JSON.stringify(r)).sort()).toEqual(strings.map((r) => JSON.stringify(r)).sort());
    expect(await server.db.query(`SELECT 1 FROM idx_string WHERE resource_id IN ('old-1', 'old-2')`)).toEqual([]);
    // The events written by the engine were in sets already: the migration left them alone.
    expect(await eventRows()).toEqual(before);
  });

  test('re-indexing keeps every answer and drops the sets no event names', async () => {
    const queries = ['action=R', 'outcome:not=0', 'agent-role:missing=true', `type=${DCM}|110114`, 'agent-name=dang', 'address:missing=true'];
    const answers = await Promise.all(queries.map(async (q) => ids(await get(`AuditEvent?_tag=${TAG}|a&${q}&_count=100`)).sort()));
    await server.db.query(`INSERT INTO idx_token (station_id, resource_type, resource_id, param, system, code, text) VALUES ($1, 'AuditEvent', 's:orphan', 'action', NULL, 'D', NULL)`, [server.config.stationId]);
    await server.db.query(`INSERT INTO idx_string (station_id, resource_type, resource_id, param, value, exact) VALUES ($1, 'AuditEvent', 's:orphan', 'address', 'x', 'x')`, [server.config.stationId]);
    await server.db.query(`INSERT INTO row_set (station_id, resource_type, id) VALUES ($1, 'AuditEvent', 's:orphan')`, [server.config.stationId]);
    await rebuildIndex(server.db, { defs: server.engine.defs, timeZone: server.config.timeZone, baseUrl: server.config.baseUrl });
    const again = await Promise.all(queries.map(async (q) => ids(await get(`AuditEvent?_tag=${TAG}|a&${q}&_count=100`)).sort()));
    expect(again).toEqual(answers);
    expect(await server.db.query(`SELECT 1 FROM idx_token WHERE resource_id = 's:orphan' UNION ALL SELECT 1 FROM idx_string WHERE resource_id = 's:orphan' UNION ALL SELECT 1 FROM row_set WHERE id = 's:orphan'`)).toEqual([]);
    // Every set an event names is registered, with its rows.
    const unregistered = await server.db.query(
      `SELECT m.set_id FROM idx_row_set m
        WHERE NOT EXISTS (SELECT 1 FROM row_set s WHERE s.station_id = m.station_id AND s.resource_type = m.resource_type AND s.id = m.set_id)`,
    );
    expect(unregistered).toEqual([]);
  });
});
