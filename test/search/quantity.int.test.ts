import type { Observation, Resource, RiskAssessment } from '@medplum/fhirtypes';
import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';
import { matchIds, seed } from './helpers';

// R4 search.html#number and #quantity: prefixes; eq within the precision of the query;
// quantity with system|code (or ||code matching code or unit), UCUM units compared canonically.
const UCUM = 'http://unitsofmeasure.org';
const PROBABILITIES = [0.1, 0.25, 0.3, 0.5, 0.75, 1];
const WEIGHTS: [number, string, string][] = [
  [55, 'kg', 'kg'],
  [60.5, 'kg', 'kg'],
  [72000, 'g', 'g'],
  [3.2, 'kg', 'kg'],
  [140, 'mm[Hg]', 'mmHg'],
  [5000, 'mg', 'mg'],
  [5, 'g', 'g'],
  [90, 'mg/dL', 'mg/dL'],
];

/** The spec's comparison for a number query with its implicit precision. */
function numberMatches(prefix: string, query: string, value: number): boolean {
  const n = Number(query);
  const decimals = query.split('.')[1]?.length ?? 0;
  const half = 0.5 / 10 ** decimals;
  switch (prefix) {
    case 'eq':
      return value >= n - half && value < n + half;
    case 'ne':
      return !(value >= n - half && value < n + half);
    case 'gt':
      return value > n;
    case 'lt':
      return value < n;
    case 'ge':
      return value >= n;
    case 'le':
      return value <= n;
    default:
      throw new Error(prefix);
  }
}

describe('number and quantity search', () => {
  let server: TestServer;
  let risks: RiskAssessment[];
  let weights: Observation[];

  beforeAll(async () => {
    server = await startTestServer();
    const resources: Resource[] = [
      ...PROBABILITIES.map(
        (probabilityDecimal): RiskAssessment => ({ resourceType: 'RiskAssessment', status: 'final', subject: { reference: 'Patient/x' }, prediction: [{ probabilityDecimal }] }),
      ),
      ...WEIGHTS.map(
        ([value, code, unit]): Observation => ({ resourceType: 'Observation', status: 'final', code: { text: 'w' }, valueQuantity: { value, system: UCUM, code, unit } }),
      ),
    ];
    const stored = await seed(server, resources);
    risks = stored.filter((r): r is RiskAssessment => r.resourceType === 'RiskAssessment');
    weights = stored.filter((r): r is Observation => r.resourceType === 'Observation');
  });
  afterAll(() => server.close());

  const numberCases = ['eq', 'ne', 'gt', 'lt', 'ge', 'le'].flatMap((prefix) => ['0.3', '0.30', '0.5', '1', '0.2', '0.25'].map((q) => [prefix, q] as const));
  test.each(numberCases)('RiskAssessment?probability=%s%s', async (prefix, query) => {
    const expected = risks.filter((r) => numberMatches(prefix, query, r.prediction![0].probabilityDecimal!)).map((r) => r.id!).sort();
    expect(await matchIds(server, `RiskAssessment?probability=${prefix}${query}`)).toEqual(expected);
  });

  test('a number without prefix is eq at the query precision: 0.3 covers [0.25, 0.35)', async () => {
    expect(await matchIds(server, 'RiskAssessment?probability=0.3')).toEqual([risks[1].id, risks[2].id].sort());
    expect(await matchIds(server, 'RiskAssessment?probability=0.30')).toEqual([risks[2].id]);
  });

  test('ap is within 10%', async () => {
    expect(await matchIds(server, 'RiskAssessment?probability=ap0.26')).toEqual([risks[1].id]);
  });

  test('quantity with system|code and prefixes compares masses in any prefixed gram unit', async () => {
    const GRAMS: Record<string, number> = { kg: 1000, g: 1, mg: 0.001 };
    const mass = (pred: (grams: number) => boolean): string[] =>
      weights.filter((o) => GRAMS[o.valueQuantity!.code!] !== undefined && pred(o.valueQuantity!.value! * GRAMS[o.valueQuantity!.code!])).map((o) => o.id!).sort();
    expect(await matchIds(server, `Observation?value-quantity=gt50|${UCUM}|kg`)).toEqual(mass((g) => g > 50_000));
    expect(await matchIds(server, `Observation?value-quantity=le60.5|${UCUM}|kg`)).toEqual(mass((g) => g <= 60_500));
    expect(await matchIds(server, `Observation?value-quantity=60.5|${UCUM}|kg`)).toEqual([weights[1].id]);
    expect(mass((g) => g > 50_000)).toContain(weights[2].id); // 72000 g is 72 kg
  });

  test('||code matches the code or the unit, without a system', async () => {
    expect(await matchIds(server, 'Observation?value-quantity=140||mmHg')).toEqual([weights[4].id]);
    expect(await matchIds(server, 'Observation?value-quantity=140||mm[Hg]')).toEqual([weights[4].id]);
  });

  test('UCUM prefixes are compared canonically: 5 g = 5000 mg, 0.9 g/L = 90 mg/dL', async () => {
    expect(await matchIds(server, `Observation?value-quantity=5|${UCUM}|g`)).toEqual([weights[5].id, weights[6].id].sort());
    expect(await matchIds(server, `Observation?value-quantity=5000|${UCUM}|mg`)).toEqual([weights[5].id, weights[6].id].sort());
    expect(await matchIds(server, `Observation?value-quantity=0.9|${UCUM}|g/L`)).toEqual([weights[7].id]);
    expect(await matchIds(server, `Observation?value-quantity=72|${UCUM}|kg`)).toEqual([weights[2].id]);
  });

  test('a bare number matches any unit', async () => {
    expect(await matchIds(server, 'Observation?value-quantity=gt1000')).toEqual(
      weights.filter((o) => o.valueQuantity!.value! > 1000).map((o) => o.id!).sort(),
    );
  });

  test('malformed or absurd numbers are a 400', async () => {
    for (const bad of ['abc', '1e999999', '12..5', `gt5|${UCUM}|kg|x`, '1'.repeat(200)]) {
      expect((await fhirFetch(`${server.baseUrl}/Observation?value-quantity=${encodeURIComponent(bad)}`)).status).toBe(400);
    }
  });
});
