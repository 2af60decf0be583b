import type { Condition } from '@medplum/fhirtypes';
import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';
import { matchIds, seed } from './helpers';

// Token :below / :above on ICD-10 (docs/search.md §4, "Code hierarchies"): a category holds the
// codes that extend it. Expected answers compare the codes with their dots taken out, here.
const ICD10 = 'http://hl7.org/fhir/sid/icd-10';
const CODED: Record<string, [string, string]> = {
  'e11': [ICD10, 'E11'],
  'e11-9': [ICD10, 'E11.9'],
  'e119-khong-cham': [ICD10, 'E119'], // an export's spelling without the dot
  'e10': [ICD10, 'E10'],
  'e14-0': [ICD10, 'E14.0'],
  'i10': [ICD10, 'I10'],
  's72': [ICD10, 'S72'],
  's72-0': [ICD10, 'S72.0'],
  's72-00': [ICD10, 'S72.00'],
  's72-1': [ICD10, 'S72.1'],
  'e11-9-he-khac': ['http://example.org/local', 'E11.9'],
  'e1-1x': [ICD10, 'E1.1'], // not an ICD-10 code; a prefix must not reach it from "E1"
};
/** The code without the dot that follows its three-character category (`E11.9` → `E119`). */
const plain = (code: string): string => code.slice(0, 3) + code.slice(3).replace(/^\./, '');

const below = (value: string): string[] =>
  Object.keys(CODED)
    .filter((id) => CODED[id][0] === ICD10 && plain(CODED[id][1]).startsWith(plain(value)))
    .sort();
const above = (value: string): string[] =>
  Object.keys(CODED)
    .filter((id) => CODED[id][0] === ICD10 && plain(CODED[id][1]).length >= 3 && plain(value).startsWith(plain(CODED[id][1])))
    .sort();

describe('token :below and :above (ICD-10)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
    await seed(
      server,
      Object.entries(CODED).map(([id, [system, code]]): Condition => ({ resourceType: 'Condition', id, subject: { reference: 'Patient/p' }, code: { coding: [{ system, code }] } })),
    );
  });
  afterAll(() => server.close());

  test(':below gives a category and every code under it, in either spelling, in ICD-10 only', async () => {
    expect(below('E11')).toEqual(['e11', 'e11-9', 'e119-khong-cham']);
    for (const value of ['E11', 'E11.9', 'S72', 'S72.0', 'S72.00', 'I10', 'E12']) {
      expect([value, await matchIds(server, `Condition?code:below=${ICD10}|${value}`)]).toEqual([value, below(value)]);
    }
    expect(await matchIds(server, `Condition?code:below=${ICD10}|S720`)).toEqual(below('S72.0'));
    expect(await matchIds(server, `Condition?code:below=${ICD10}|e11`)).toEqual(below('E11'));
  });

  test(':above gives a code and the categories that hold it', async () => {
    expect(above('S72.00')).toEqual(['s72', 's72-0', 's72-00']);
    for (const value of ['S72.00', 'E11.9', 'E119', 'E11', 'I10.9']) {
      expect([value, await matchIds(server, `Condition?code:above=${ICD10}|${value}`)]).toEqual([value, above(value)]);
    }
  });

  test('several values are ORed: the diabetes categories E10-E14', async () => {
    const values = ['E10', 'E11', 'E12', 'E13', 'E14'];
    const expected = [...new Set(values.flatMap(below))].sort();
    expect(await matchIds(server, `Condition?code:below=${values.map((v) => `${ICD10}|${v}`).join(',')}`)).toEqual(expected);
  });

  test('another code system, no system, or not an ICD-10 code is a 400 that says why', async () => {
    const cases: [string, RegExp][] = [
      ['Condition?code:below=http://snomed.info/sct|73211009', /ICD-10 codes only/],
      ['Condition?code:below=E11', /ICD-10 codes only/],
      [`Condition?code:above=${ICD10}|E1`, /Not an ICD-10 code/],
      [`Condition?code:below=${ICD10}|E11%25`, /Not an ICD-10 code/],
    ];
    for (const [query, message] of cases) {
      const res = await fhirFetch(`${server.baseUrl}/${query}`);
      expect([query, res.status]).toEqual([query, 400]);
      expect(res.body.issue[0].diagnostics).toMatch(message);
    }
  });
});
