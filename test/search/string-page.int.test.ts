import type { Patient } from '@medplum/fhirtypes';
import type { Transaction } from '../../src/db/database';
import { executeSearch } from '../../src/fhir/search/execute';
import { foldUnicode } from '../../src/fhir/search/normalize';
import { parseSearch } from '../../src/fhir/search/parse';
import { buildSearchPlan, pagedPrefix } from '../../src/fhir/search/plan';
import { PrefixCommonness, stringPrefixFilter } from '../../src/fhir/search/string-page';
import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';
import { explainRolledBack, mostRows, planContextOf, planNodes, seed } from './helpers';

// A search by one string prefix is paged by a prepared statement written for how common the
// prefix is (src/fhir/search/string-page.ts; docs/search.md §4): a common one walks the rows in
// id order, a rare one reads its rows by value. Both must give every match, page by page, and
// each must keep its way under a generic plan, which sees no value.
describe('a search by one string prefix', () => {
  let server: TestServer;
  beforeAll(async () => (server = await startTestServer()));
  afterAll(() => server.close());

  /** A station by SQL: 6,000 residents, 2,400 named Nguyễn …, 3 Quách …, the rest each a name of its own. */
  const station = async (tx: Transaction): Promise<void> => {
    const ids = Array.from({ length: 6_000 }, (_, i) => `pt-${String(i).padStart(5, '0')}`);
    const names = ids.map((_, i) => (i % 5 < 2 ? `nguyen van ${i % 97}` : i % 2000 === 3 ? `quach thi ${i}` : `ten${i} rieng`));
    await tx.query(
      `INSERT INTO resource (station_id, resource_type, id, version_id, seq, last_updated, deleted, content)
       SELECT $1, 'Patient', id, 1, nextval('resource_seq'), now(), false, '{}' FROM unnest($2::text[]) id`,
      [server.config.stationId, ids],
    );
    await tx.query(
      `INSERT INTO idx_string (station_id, resource_type, resource_id, param, value, exact)
       SELECT $1, 'Patient', id, 'name', n, n FROM unnest($2::text[], $3::text[]) t(id, n)
       UNION ALL SELECT $1, 'Patient', id, 'name', split_part(n, ' ', 2) || ' ' || split_part(n, ' ', 3), '' FROM unnest($2::text[], $3::text[]) t(id, n)`,
      [server.config.stationId, ids, names],
    );
  };

  test('the common statement walks a page of rows, the rare one reads the value’s rows, generic plan or not (EXPLAIN ANALYZE)', async () => {
    for (const [value, common, matches] of [
      ['ngu', true, 2_400],
      ['quach', false, 3],
    ] as const) {
      const req = parseSearch('Patient', [['name', value]], server.engine.defs);
      const plan = buildSearchPlan(req, planContextOf(server), undefined, { filter: pagedPrefix(req, planContextOf(server))!, common });
      expect(plan.pageValueDependent).toBe(false); // prepared: its plan turns generic after five runs
      for (const generic of [false, true]) {
        const root = await explainRolledBack(server, station, plan.pageSql, plan.params, true, generic);
        const nodes = planNodes(root);
        expect(root['Actual Rows']).toBe(Math.min(matches, req.count + 1));
        expect(nodes.map((n) => n['Index Name'])).toContain(common ? 'idx_string_walk' : 'idx_string_lookup');
        // A page of the 2,400 (two rows each at most), or the 3 rare ones' rows: never the 12,000.
        expect(mostRows(nodes)).toBeLessThanOrEqual(common ? 2 * (req.count + 1) : 6);
      }
    }
  });

  test('pages hold every match once, either statement, either direction, as the planner’s statement does', async () => {
    const names = ['Nguyễn Thị Thư', 'Nguyễn Văn An', 'Trần Thị Nguyệt', 'Quách Ngọc Ngà', 'Đặng Đức', 'Ngô Bảo Châu', 'Lê Nguyên', 'Phạm Thu'];
    const patients: Patient[] = Array.from({ length: 40 }, (_, i) => {
      const [family, ...given] = names[i % names.length].split(' ');
      return { resourceType: 'Patient', name: [{ family, given: [...given, `N${i}`] }] };
    });
    const written = await seed(server, patients);
    // A resident deleted since: never in a page.
    const gone = written[0].id!;
    expect((await fhirFetch(`${server.baseUrl}/Patient/${gone}`, { method: 'DELETE' })).status).toBe(200);
    const live = written.filter((p) => p.id !== gone) as Patient[];
    // Expected independently: a word of a name part, or of family-then-given / given-then-family, starts with the folded value.
    const words = (p: Patient): string[] => {
      const n = p.name![0];
      const texts = [n.family!, ...n.given!, `${n.family} ${n.given!.join(' ')}`, `${n.given!.join(' ')} ${n.family}`];
      return texts.flatMap((t) => foldUnicode(t).split(' '));
    };
    const expected = (value: string): string[] =>
      live
        .filter((p) => words(p).some((w) => w.startsWith(foldUnicode(value))))
        .map((p) => p.id!)
        .sort();

    for (const value of ['ngu', 'NGUYỄN', 'quach', 'đặng', 'thu', 'zz']) {
      const want = expected(value);
      for (const threshold of [1, 1_000_000]) {
        // Threshold 1: every prefix with a row is common (the walk); a million: every one rare.
        const ctx = { ...planContextOf(server), prefixes: new PrefixCommonness(threshold) };
        for (const sort of [[], [['_sort', '-_id']]] as [string, string][][]) {
          const seen: string[] = [];
          let cursor: string | undefined;
          let previous: string | undefined;
          do {
            const req = parseSearch('Patient', [['name', value], ['_count', '4'], ...sort, ...(cursor ? [['_cursor', cursor] as [string, string]] : [])], server.engine.defs);
            expect(stringPrefixFilter(req)).toBeDefined();
            const page = await executeSearch(server.db, req, ctx);
            seen.push(...page.resources.map((r) => r.id!));
            previous = page.previous;
            cursor = page.next;
          } while (cursor);
          expect(seen).toEqual(sort.length ? [...want].reverse() : want);
          // And back from the last page to the first.
          const back: string[] = [];
          let pages = 0;
          while (previous) {
            const req = parseSearch('Patient', [['name', value], ['_count', '4'], ...sort, ['_cursor', previous]], server.engine.defs);
            const page = await executeSearch(server.db, req, ctx);
            back.unshift(...page.resources.map((r) => r.id!));
            previous = page.previous;
            pages++;
          }
          expect(back).toEqual(seen.slice(0, pages * 4));
        }
        // The planner's own statement (no kept answers) gives the same first page.
        const first = async (prefixes?: PrefixCommonness) =>
          (await executeSearch(server.db, parseSearch('Patient', [['name', value], ['_count', '4']], server.engine.defs), { ...planContextOf(server), prefixes })).resources.map((r) => r.id);
        expect(await first(ctx.prefixes)).toEqual(await first());
      }
    }
  });

  test('the answer is asked once and kept a while', async () => {
    let now = 0;
    const prefixes = new PrefixCommonness(2, () => now);
    const ctx = { ...planContextOf(server), prefixes };
    const req = () => parseSearch('Patient', [['name', 'zzq']], server.engine.defs);
    const f = stringPrefixFilter(req())!;
    expect(await prefixes.isCommon(server.db, f, ctx)).toBe(false);
    await seed(server, [0, 1, 2].map((i): Patient => ({ resourceType: 'Patient', name: [{ family: 'Zzq', given: [`Kept${i}`] }] })));
    expect(await prefixes.isCommon(server.db, f, ctx)).toBe(false); // kept
    now += 10 * 60_000 + 1;
    expect(await prefixes.isCommon(server.db, f, ctx)).toBe(true); // asked again
    // Either way the search finds them.
    expect((await executeSearch(server.db, req(), ctx)).resources).toHaveLength(3);
  });

  test('only one prefix of one string parameter, on a type keeping its own string rows, in id order, is paged this way', () => {
    const of = (type: string, query: [string, string][]) => pagedPrefix(parseSearch(type, query, server.engine.defs), planContextOf(server));
    expect(of('Patient', [['name', 'ngu']])?.folded).toBe('ngu');
    expect(of('Patient', [['name', 'Đức'], ['_sort', '-_id']])?.folded).toBe('duc');
    for (const query of [
      [['name:exact', 'Nguyễn']],
      [['name:contains', 'gu']],
      [['name', 'ngu,tran']],
      [['name', 'ngu'], ['gender', 'female']],
      [['name', 'ngu'], ['_sort', 'birthdate']],
      [['gender', 'female']],
    ] as [string, string][][]) {
      expect(of('Patient', query)).toBeUndefined();
    }
    // The access log keeps its string rows in shared row sets (index/row-sets.ts): planned as before.
    expect(of('AuditEvent', [['address', '127']])).toBeUndefined();
  });
});
