import type { Database } from '../../src/db/database';
import { loadR4Definitions } from '../../src/fhir/definitions';
import { parseSearch } from '../../src/fhir/search/parse';
import { buildSearchPlan } from '../../src/fhir/search/plan';
import { createTestDatabase } from '../helpers/database';

// The planner's estimate of a search on a frequent value (docs/search.md §8). Type, parameter and
// value of an index row are far from independent ('female' is only ever a Patient's gender); the
// product of their selectivities estimated `Patient?gender=female` at 13 of 50,000 matches, and
// the page became a nested loop over all of them. Extended statistics (migration 1766000000000)
// keep the combinations.
describe('planner estimates on the index tables', () => {
  let db: Database;
  const PATIENTS = 2000;
  const ctx = { stationId: 'default', timeZone: 'Asia/Ho_Chi_Minh', baseUrl: 'http://localhost/fhir' };
  const defs = loadR4Definitions();

  beforeAll(async () => {
    db = await createTestDatabase();
    // Rows written by SQL, shaped like a station's: per resident a Patient (gender, two
    // identifiers) and five Observations (code, status, category), so a Patient's gender is a
    // small share of idx_token.
    await db.query(
      `INSERT INTO resource (station_id, resource_type, id, version_id, seq, last_updated, deleted, content)
       SELECT 'default', 'Patient', 'p' || i, 1, nextval('resource_seq'), now(), false, '{}' FROM generate_series(1, $1::int) i`,
      [PATIENTS],
    );
    await db.query(
      `INSERT INTO idx_token (station_id, resource_type, resource_id, param, system, code)
       SELECT 'default', 'Patient', 'p' || i, 'gender', 'http://hl7.org/fhir/administrative-gender', CASE WHEN i % 2 = 0 THEN 'female' ELSE 'male' END
         FROM generate_series(1, $1::int) i
       UNION ALL
       SELECT 'default', 'Patient', 'p' || i, 'identifier', 'urn:cccd:' || k, 'id-' || k || '-' || i FROM generate_series(1, $1::int) i, generate_series(1, 2) k
       UNION ALL
       SELECT 'default', 'Observation', 'o' || i || '-' || k, t.param, t.system, CASE WHEN t.param = 'code' THEN (8000 + k)::text ELSE t.code END
         FROM generate_series(1, $1::int) i, generate_series(1, 5) k,
              (VALUES ('code', 'http://loinc.org', NULL), ('status', NULL, 'final'), ('category', 'http://terminology.hl7.org/CodeSystem/observation-category', 'vital-signs')) t(param, system, code)`,
      [PATIENTS],
    );
    await db.query('ANALYZE');
  });
  afterAll(() => db.close());

  /** The planner's row estimate for the scan of `table` in the search's count (one filter, read on its index alone). */
  async function estimate(query: string, table: string): Promise<number> {
    const [type, qs] = query.split('?');
    const plan = buildSearchPlan(parseSearch(type, [...new URLSearchParams(qs)], defs), ctx);
    const rows = await db.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) ${plan.countSql}`, plan.countParams);
    const raw = rows[0]['QUERY PLAN'];
    type Node = { 'Relation Name'?: string; 'Plan Rows': number; Plans?: Node[] };
    const scans = (n: Node): Node[] => [...(n['Relation Name'] === table ? [n] : []), ...(n.Plans ?? []).flatMap(scans)];
    const [scan] = scans(((typeof raw === 'string' ? JSON.parse(raw) : raw) as { Plan: Node }[])[0].Plan);
    return scan['Plan Rows'];
  }

  test('a frequent token value is estimated near its count, not as the product of its columns', async () => {
    const truth = PATIENTS / 2;
    const estimated = await estimate('Patient?gender=female', 'idx_token');
    expect(estimated).toBeGreaterThan(truth / 2);
    expect(estimated).toBeLessThan(truth * 2);
  });
});
