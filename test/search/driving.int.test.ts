import type { Bundle } from '@medplum/fhirtypes';
import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';
import { buildSearchPlan } from '../../src/fhir/search/plan';
import { parseSearch } from '../../src/fhir/search/parse';
import { explainRolledBack, insertResidentObservations, planNodes, RESIDENT_WEIGHTS, search, seed } from './helpers';

// A prepared search turns generic after five runs (search/prepared.ts) and then sees every
// equality as about one row: at 2,000 residents `Observation?subject&code&_sort=-date` started
// from the weight code, 6,036 observations, for a resident's 39 (157 requests/s against ~500).
// The engine starts it from the resident (search/driving.ts; docs/search.md §4).
describe('a search starts from its narrowest kind of filter', () => {
  let server: TestServer;
  beforeAll(async () => (server = await startTestServer()), 60_000);
  afterAll(() => server.close());

  test('the generic plan of a resident’s weights reads the resident’s observations, never every weight (EXPLAIN ANALYZE)', async () => {
    const req = parseSearch('Observation', [['subject', 'Patient/p-1'], ['code', 'http://loinc.org|29463-7'], ['_sort', '-date']], server.engine.defs);
    const plan = buildSearchPlan(req, { stationId: server.config.stationId, timeZone: server.config.timeZone, baseUrl: server.baseUrl });
    expect(plan.valueDependent).toBe(false); // so it is prepared, and its plan turns generic
    const root = await explainRolledBack(server, (tx) => insertResidentObservations(tx, server.config.stationId), plan.pageSql, plan.params, true, true);
    const nodes = planNodes(root);
    // The resident's 150 observations at most, per node and loop (5,373 weights in all).
    expect(Math.max(...nodes.map((n) => n['Actual Rows'] ?? 0))).toBeLessThanOrEqual(150);
    expect(nodes.map((n) => n['Index Name'])).toContain('idx_reference_lookup');
    expect(root['Actual Rows']).toBe(Math.min(RESIDENT_WEIGHTS, req.count + 1)); // a page (and one more) of the weights
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
