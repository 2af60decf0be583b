import type { Bundle } from '@medplum/fhirtypes';
import type { Transaction } from '../../src/db/database';
import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';
import { buildSearchPlan } from '../../src/fhir/search/plan';
import { parseSearch } from '../../src/fhir/search/parse';
import { localDay } from '../../src/fhir/search/dates';
import { explainRolledBack, insertResidentObservations, mostRows, planContextOf, planNodes, RESIDENT_WEIGHTS, search, seed } from './helpers';

// A prepared search turns generic after five runs (search/prepared.ts) and then sees every
// equality as about one row: at 2,000 residents `Observation?subject&code&_sort=-date` started
// from the weight code, 6,036 observations, for a resident's 39 (157 requests/s against ~500).
// The engine starts it from the resident (search/driving.ts; docs/search.md §4).
describe('a search starts from its narrowest kind of filter', () => {
  let server: TestServer;
  beforeAll(async () => (server = await startTestServer()));
  afterAll(() => server.close());

  test('the generic plan of a resident’s weights reads the resident’s observations, never every weight (EXPLAIN ANALYZE)', async () => {
    const req = parseSearch('Observation', [['subject', 'Patient/p-1'], ['code', 'http://loinc.org|29463-7'], ['_sort', '-date']], server.engine.defs);
    const plan = buildSearchPlan(req, planContextOf(server));
    expect(plan.valueDependent).toBe(false); // so it is prepared, and its plan turns generic
    const root = await explainRolledBack(server, (tx) => insertResidentObservations(tx, server.config.stationId), plan.pageSql, plan.params, true, true);
    const nodes = planNodes(root);
    // The resident's 150 observations at most, per node and loop (5,373 weights in all).
    expect(mostRows(nodes)).toBeLessThanOrEqual(150);
    expect(nodes.map((n) => n['Index Name'])).toContain('idx_reference_lookup');
    expect(root['Actual Rows']).toBe(Math.min(RESIDENT_WEIGHTS, req.count + 1)); // a page (and one more) of the weights
    // The code is checked on the resident's index rows, before any Observation is read: the
    // resource table is looked up for the weights only (for all 150 of the resident's before).
    const lookups = nodes.filter((n) => n['Index Name'] === 'resource_pkey').map((n) => n['Actual Loops'] ?? 0);
    expect(lookups.length).toBeGreaterThan(0);
    expect(Math.max(...lookups)).toBeLessThanOrEqual(RESIDENT_WEIGHTS);
  });

  test('in the resident’s compartment, a code is checked on the compartment rows: the resource table is read for the matches only (EXPLAIN ANALYZE)', async () => {
    const setup = async (tx: Transaction) => {
      await insertResidentObservations(tx, server.config.stationId);
      await tx.query(
        `INSERT INTO idx_compartment (station_id, resource_type, resource_id, compartment_type, compartment_id)
         SELECT station_id, resource_type, resource_id, 'Patient', target_id FROM idx_reference WHERE station_id = $1 AND resource_type = 'Observation' AND param = 'subject'`,
        [server.config.stationId],
      );
      await tx.query('ANALYZE idx_compartment');
    };
    const req = parseSearch('Observation', [['code', 'http://loinc.org|29463-7']], server.engine.defs, { compartment: { type: 'Patient', id: 'p-1' } });
    const plan = buildSearchPlan(req, planContextOf(server));
    for (const generic of [false, true]) {
      const root = await explainRolledBack(server, setup, plan.pageSql, plan.params, true, generic);
      expect(root['Actual Rows']).toBe(req.count + 1); // a page (and one more) of the 40 weights
      // Checked on the resource, the resident's other observations were fetched to be thrown away.
      const lookups = planNodes(root).filter((n) => n['Index Name'] === 'resource_pkey').map((n) => n['Actual Loops'] ?? 0);
      expect(lookups.length).toBeGreaterThan(0);
      expect(Math.max(...lookups)).toBeLessThanOrEqual(RESIDENT_WEIGHTS);
    }
  });

  test('a page of one code reads a page of its index rows, rare code or common, generic plan or not (EXPLAIN ANALYZE)', async () => {
    const setup = (tx: Transaction) => insertResidentObservations(tx, server.config.stationId);
    for (const code of ['29463-7', 'lab-obs-7']) {
      const param = code.startsWith('lab') ? 'identifier' : 'code';
      const req = parseSearch('Observation', [[param, code]], server.engine.defs);
      const plan = buildSearchPlan(req, planContextOf(server));
      for (const generic of [false, true]) {
        const root = await explainRolledBack(server, setup, plan.pageSql, plan.params, true, generic);
        // 5,373 weights, one identifier: at most a page and one more of either, however planned.
        expect(mostRows(planNodes(root))).toBeLessThanOrEqual(req.count + 1);
        expect(root['Actual Rows']).toBe(code.startsWith('lab') ? 1 : req.count + 1);
      }
    }
  });

  test('a page of one resident’s observations reads a page of their index rows, generic plan or not (EXPLAIN ANALYZE)', async () => {
    const setup = (tx: Transaction) => insertResidentObservations(tx, server.config.stationId);
    const req = parseSearch('Observation', [['subject', 'Patient/p-1']], server.engine.defs);
    const plan = buildSearchPlan(req, planContextOf(server));
    for (const generic of [false, true]) {
      const root = await explainRolledBack(server, setup, plan.pageSql, plan.params, true, generic);
      const nodes = planNodes(root);
      // The resident's 150 observations: a page and one more of their reference rows (150 before
      // idx_reference_lookup kept a target's rows in resource id order).
      expect(mostRows(nodes)).toBeLessThanOrEqual(req.count + 1);
      expect(nodes.map((n) => n['Index Name'])).toContain('idx_reference_lookup');
      expect(root['Actual Rows']).toBe(req.count + 1);
    }
  });

  test('a date search reads the date rows of its range, not every later or earlier one (EXPLAIN ANALYZE)', async () => {
    // One observation an hour over 20,150 hours (about 840 days), the newest now.
    const dayBack = (days: number) => localDay(server.config.timeZone, Date.now() - days * 86_400_000);
    // The day 300 days back holds 24 (7,200 are later); from two days back, at most 72 are as late
    // or later; 838 days back, at most 72 are as early or earlier.
    for (const value of [dayBack(300), `ge${dayBack(2)}`, `le${dayBack(838)}`]) {
      const req = parseSearch('Observation', [['date', value]], server.engine.defs);
      const plan = buildSearchPlan(req, planContextOf(server));
      const root = await explainRolledBack(server, (tx) => insertResidentObservations(tx, server.config.stationId), plan.pageSql, plan.params, true);
      expect(root['Actual Rows']).toBe(req.count + 1);
      // Before, eq read 17,059 rows (the index of starts from that morning on) and ge 12,041 (its
      // OR gave no bound to read from); le was read from its bound either way.
      // (A bitmap index scan counts the entries of the setups rolled back before this one too: the
      // heap scan above it tells what was read.)
      const read = planNodes(root).filter((n) => n['Node Type'] !== 'Bitmap Index Scan');
      expect(mostRows(read)).toBeLessThanOrEqual(value.startsWith('2') ? 25 : 73);
    }
  });

  test('what changed since a sync, oldest first, reads the changes only (EXPLAIN ANALYZE)', async () => {
    // 20,000 observations written a second apart over the last 5.6 hours; 50 of them in the last 50 seconds.
    const setup = async (tx: Transaction) => {
      await tx.query(
        `INSERT INTO resource (station_id, resource_type, id, version_id, seq, last_updated, deleted, content)
         SELECT $1, 'Observation', 'sync-' || n, 1, nextval('resource_seq'), now() - n * interval '1 second', false, '{}'
           FROM generate_series(1, 20000) n`,
        [server.config.stationId],
      );
      await tx.query('ANALYZE resource');
    };
    const since = new Date(Date.now() - 50_500).toISOString();
    for (const prefix of ['gt', 'ge']) {
      const req = parseSearch('Observation', [['_lastUpdated', `${prefix}${since}`], ['_sort', '_lastUpdated']], server.engine.defs);
      const plan = buildSearchPlan(req, planContextOf(server));
      const root = await explainRolledBack(server, setup, plan.pageSql, plan.params, true);
      expect(root['Actual Rows']).toBe(req.count + 1);
      // The index of live resources by time, read from the bound: before, `last_updated + 1 ms > …`
      // was a filter on every row of the type (19,972 of the 20,000 removed here).
      const read = planNodes(root).map((n) => (n['Actual Rows'] ?? 0) + (n['Rows Removed by Filter'] ?? 0));
      expect(Math.max(...read)).toBeLessThanOrEqual(100);
    }
  });

  // Pages walked from one filter's index rows (plan.ts idWalk), forwards and back past a deletion.
  // Each case's resources carry a value of this test's own, so what should match is known from the
  // seeded data alone; a third of them do not match.
  test.each([
    {
      name: 'a code (_tag)',
      table: 'idx_token',
      query: 'Patient?_tag=urn:test:walk|walk',
      resource: (i: number) => ({ resourceType: 'Patient' as const, meta: i % 3 ? { tag: [{ system: 'urn:test:walk', code: 'walk' }] } : undefined }),
    },
    {
      name: 'a reference (subject)',
      table: 'idx_reference',
      query: 'Observation?subject=Patient/walk-a',
      resource: (i: number) => ({
        resourceType: 'Observation' as const,
        status: 'final' as const,
        code: { text: 'walk' },
        subject: { reference: i % 3 ? 'Patient/walk-a' : 'Patient/walk-b' },
      }),
    },
  ])('pages of $name, forwards and back, give every match once in id order; deleted ones are gone', async ({ table, query, resource }) => {
    const stored = await seed(server, Array.from({ length: 23 }, (_, i) => resource(i)));
    const [type, params] = query.split('?');
    const [param, value] = params.split('=');
    expect(buildSearchPlan(parseSearch(type, [[param, value]], server.engine.defs), planContextOf(server)).pageSql).toMatch(
      new RegExp(`FROM \\(SELECT DISTINCT i\\.resource_id FROM ${table} i `),
    );
    const matching = stored.filter((_, i) => i % 3);
    const gone = matching[0];
    expect((await fhirFetch(`${server.baseUrl}/${type}/${gone.id}`, { method: 'DELETE' })).status).toBe(200);
    const expected = matching.filter((r) => r.id !== gone.id).map((r) => r.id!).sort(byCodePoint);
    const idsOfPage = (page: Bundle): string[] => (page.entry ?? []).map((e) => e.resource!.id!);
    const forwards: string[] = [];
    const pages: Bundle[] = [];
    for (let url: string | undefined = `${server.baseUrl}/${query}&_count=4`; url; ) {
      const page = (await fhirFetch(url)).body as Bundle;
      pages.push(page);
      forwards.push(...idsOfPage(page));
      url = page.link?.find((l) => l.relation === 'next')?.url;
    }
    expect(forwards).toEqual(expected);
    const last = pages[pages.length - 1];
    const backwards = idsOfPage(last);
    for (let url: string | undefined = last.link?.find((l) => l.relation === 'previous')?.url; url; ) {
      const page = (await fhirFetch(url)).body as Bundle;
      backwards.unshift(...idsOfPage(page));
      url = page.link?.find((l) => l.relation === 'previous')?.url;
    }
    expect(backwards).toEqual(expected);
  });

  test('checked filters still decide the matches, the access log’s through its row sets', async () => {
    const [thu, lan] = await seed(server, [
      { resourceType: 'Patient', id: 'drive-thu', name: [{ family: 'Nguyễn', given: ['Thư'] }] },
      { resourceType: 'Patient', id: 'drive-lan', name: [{ family: 'Trần', given: ['Lan'] }] },
    ]);
    const weight = (patient: string, kg: number) => ({
      resourceType: 'Observation' as const,
      status: 'final' as const,
      code: { coding: [{ system: 'http://loinc.org', code: '29463-7' }] },
      subject: { reference: `Patient/${patient}` },
      effectiveDateTime: `2026-0${kg % 9 + 1}-01`,
      valueQuantity: { value: kg, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' },
    });
    const height = { ...weight(thu.id!, 150), code: { coding: [{ system: 'http://loinc.org', code: '8302-2' }] } };
    const stored = await seed(server, [weight(thu.id!, 50), weight(thu.id!, 52), weight(lan.id!, 60), height]);
    const ids = (bundle: Bundle) => (bundle.entry ?? []).filter((e) => e.search?.mode === 'match').map((e) => e.resource!.id).sort();
    expect(ids(await search(server, `Observation?subject=Patient/${thu.id}&code=http://loinc.org|29463-7`))).toEqual([stored[0].id, stored[1].id].sort());
    expect(ids(await search(server, `Patient/${thu.id}/Observation?code=http://loinc.org|8302-2`))).toEqual([stored[3].id]);
    expect(ids(await search(server, `Observation?_id=${stored[2].id}&subject=Patient/${thu.id}`))).toEqual([]);
    // The searches above are in the access log; `entity` (a resident) leads, `subtype` is checked
    // through each event's row set: thu's two searches that found something, and the two
    // transactions that wrote thu's records.
    await server.engine.repo.flushAudit();
    const auditor = await server.staffToken(['auditor']);
    const count = async (subtype: string) => {
      const res = await fhirFetch(`${server.baseUrl}/AuditEvent?entity=Patient/${thu.id}&subtype=http://hl7.org/fhir/restful-interaction|${subtype}`, { token: auditor });
      expect(res.status).toBe(200);
      return ((res.body as Bundle).entry ?? []).length;
    };
    expect(await count('search-type')).toBe(2);
    expect(await count('operation')).toBe(2);
    expect(await count('vread')).toBe(0);
  });
});

/** Ids in the order of `COLLATE "C"` (code points), the order of a page. */
const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
