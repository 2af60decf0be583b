import type { CodeableConcept, Observation, ObservationComponent, Quantity } from '@medplum/fhirtypes';
import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';
import { idsOf, matchIds, search, seed } from './helpers';

// Observation's `combo-*` parameters are unions of two others (`combo-code` = `code` |
// `component-code`, …) and keep no rows of their own: they are read as the rows of the parameters
// they unite (src/fhir/index/stored-params.ts). Every way of searching them must answer as if
// their rows were there. Expected answers are worked out here from the Observations' JSON.
describe('parameters that are unions of others', () => {
  let server: TestServer;
  let observations: Observation[];

  const LOINC = 'http://loinc.org';
  const UCUM = 'http://unitsofmeasure.org';
  const SNOMED = 'http://snomed.info/sct';
  const ABSENT = 'http://terminology.hl7.org/CodeSystem/data-absent-reason';
  const loinc = (code: string, text?: string): CodeableConcept => ({ coding: [{ system: LOINC, code }], text });
  const ucum = (value: number, code: string): Quantity => ({ value, system: UCUM, code, unit: code });
  const absent = (code: string): CodeableConcept => ({ coding: [{ system: ABSENT, code }] });
  const snomed = (code: string): CodeableConcept => ({ coding: [{ system: SNOMED, code }] });
  const obs = (o: Partial<Observation>): Observation => ({ resourceType: 'Observation', status: 'final', code: loinc('x'), ...o }) as Observation;

  beforeAll(async () => {
    server = await startTestServer();
    observations = (await seed(server, [
      // 0: a blood pressure: the values are the components'
      obs({ code: loinc('85354-9', 'Huyết áp'), component: [{ code: loinc('8480-6'), valueQuantity: ucum(142, 'mm[Hg]') }, { code: loinc('8462-4'), valueQuantity: ucum(91, 'mm[Hg]') }] }),
      // 1: a height, on the Observation itself
      obs({ code: loinc('8302-2', 'Chiều cao'), valueQuantity: ucum(178, 'cm') }),
      // 2: a height not taken, and a component whose value is absent too
      obs({ code: loinc('8302-2'), dataAbsentReason: absent('asked-unknown'), component: [{ code: loinc('8480-6'), dataAbsentReason: absent('not-performed') }] }),
      // 3: smoking status, a coded value
      obs({ code: loinc('72166-2', 'Hút thuốc'), valueCodeableConcept: snomed('449868002') }),
      // 4: a panel whose component carries the coded value
      obs({ code: loinc('90000-0'), component: [{ code: loinc('72166-2'), valueCodeableConcept: snomed('8517006') }] }),
      // 5: a weight in grams (its canonical unit)
      obs({ code: loinc('29463-7'), valueQuantity: ucum(3200, 'g') }),
    ])) as Observation[];
  });
  afterAll(() => server.close());

  // What each Observation holds: on itself and in its components.
  const elements = (o: Observation): (Observation | ObservationComponent)[] => [o, ...(o.component ?? [])];
  const hasCode = (cc: CodeableConcept | undefined, system: string | undefined, code: string): boolean =>
    !!cc?.coding?.some((c) => c.code === code && (system === undefined || c.system === system));
  const where = (test: (o: Observation) => boolean): string[] => observations.filter(test).map((o) => o.id!).sort();
  const mine = (query: string): Promise<string[]> => matchIds(server, `Observation?${query}&_id=${observations.map((o) => o.id).join(',')}&_count=100`);

  test('no rows are stored under a union; its parts hold them', async () => {
    const ids = observations.map((o) => o.id!);
    for (const table of ['idx_token', 'idx_quantity']) {
      const rows = await server.db.query<{ param: string }>(`SELECT DISTINCT param FROM ${table} WHERE resource_type = 'Observation' AND resource_id = ANY($1::text[])`, [ids]);
      const params = rows.map((r) => r.param);
      expect(params.filter((p) => p.startsWith('combo-'))).toEqual([]);
      expect(params.length).toBeGreaterThan(0);
    }
    const [{ n }] = await server.db.query<{ n: string }>(`SELECT count(*) AS n FROM idx_quantity WHERE resource_id = $1 AND param LIKE 'component-code-value-quantity$%'`, [observations[0].id]);
    expect(Number(n)).toBeGreaterThan(0);
  });

  test('combo-code: a code on the Observation or on a component, with every token modifier', async () => {
    const anywhere = (system: string | undefined, code: string) => (o: Observation) => elements(o).some((e) => hasCode(e.code, system, code));
    expect(await mine('combo-code=8480-6')).toEqual(where(anywhere(undefined, '8480-6')));
    expect(await mine('combo-code=8480-6')).toHaveLength(2);
    expect(await mine(`combo-code=${LOINC}|8302-2`)).toEqual(where(anywhere(LOINC, '8302-2')));
    expect(await mine(`combo-code=${SNOMED}|8302-2`)).toEqual([]);
    expect(await mine('combo-code=72166-2,8462-4')).toEqual(where((o) => anywhere(undefined, '72166-2')(o) || anywhere(undefined, '8462-4')(o)));
    expect(await mine('combo-code:not=8480-6')).toEqual(where((o) => !anywhere(undefined, '8480-6')(o)));
    expect(await mine('combo-code:text=huyet')).toEqual(where((o) => elements(o).some((e) => e.code?.text?.startsWith('Huyết') ?? false)));
    expect(await mine('combo-code:missing=false')).toEqual(where(() => true));
    expect(await mine('combo-code:missing=true')).toEqual([]);
    // The union and its parts agree.
    expect(await mine('combo-code=72166-2')).toEqual([...new Set([...(await mine('code=72166-2')), ...(await mine('component-code=72166-2'))])].sort());
  });

  test('combo-value-quantity: prefixes, units and canonical units over both places', async () => {
    const values = (o: Observation): Quantity[] => elements(o).flatMap((e) => (e.valueQuantity ? [e.valueQuantity] : []));
    expect(await mine('combo-value-quantity=gt140')).toEqual(where((o) => values(o).some((q) => q.value! > 140)));
    expect(await mine('combo-value-quantity=lt100')).toEqual(where((o) => values(o).some((q) => q.value! < 100)));
    expect(await mine('combo-value-quantity=lt100')).toEqual([observations[0].id].sort());
    expect(await mine(`combo-value-quantity=gt100|${UCUM}|mm[Hg]`)).toEqual([observations[0].id]);
    // 178 cm is 1,780 mm, found through the canonical rows; 3,200 g is 3.2 kg.
    expect(await mine(`combo-value-quantity=ge1000|${UCUM}|mm`)).toEqual([observations[1].id]);
    expect(await mine(`combo-value-quantity=3.2|${UCUM}|kg`)).toEqual([observations[5].id]);
    expect(await mine('combo-value-quantity:missing=true')).toEqual(where((o) => values(o).length === 0));
  });

  test('combo-value-concept and combo-data-absent-reason', async () => {
    expect(await mine(`combo-value-concept=${SNOMED}|449868002`)).toEqual(where((o) => elements(o).some((e) => hasCode(e.valueCodeableConcept, SNOMED, '449868002'))));
    expect(await mine('combo-value-concept=8517006')).toEqual([observations[4].id]);
    expect(await mine('combo-data-absent-reason=asked-unknown,not-performed')).toEqual([observations[2].id]);
    expect(await mine('combo-data-absent-reason=not-performed')).toEqual([observations[2].id]);
  });

  test('the composites: a code with its own value, on the Observation or on one component', async () => {
    const pair = (code: string, test: (q: number) => boolean) => (o: Observation) => elements(o).some((e) => hasCode(e.code, undefined, code) && e.valueQuantity && test(e.valueQuantity.value!));
    expect(await mine(`combo-code-value-quantity=${LOINC}|8480-6$gt140`)).toEqual(where(pair('8480-6', (v) => v > 140)));
    expect(await mine(`combo-code-value-quantity=${LOINC}|8480-6$gt140`)).toEqual([observations[0].id]);
    // The pair comes from one element: the systolic code with the diastolic value does not match.
    expect(await mine('combo-code-value-quantity=8480-6$lt100')).toEqual([]);
    expect(await mine('combo-code-value-quantity=8302-2$gt170,8462-4$lt95')).toEqual(where((o) => pair('8302-2', (v) => v > 170)(o) || pair('8462-4', (v) => v < 95)(o)));
    expect(await mine(`combo-code-value-quantity=8302-2$ge1000|${UCUM}|mm`)).toEqual([observations[1].id]);
    expect(await mine(`combo-code-value-concept=72166-2$${SNOMED}|449868002`)).toEqual([observations[3].id]);
    expect(await mine('combo-code-value-concept=72166-2$8517006')).toEqual([observations[4].id]);
    expect(await mine('combo-code-value-concept=90000-0$8517006')).toEqual([]);
  });

  test('sorting by a union takes the least (or greatest) value of both places', async () => {
    const least = (o: Observation): number => Math.min(...elements(o).flatMap((e) => (e.valueQuantity ? [e.valueQuantity.value!] : [])));
    const quantities = observations.filter((o) => Number.isFinite(least(o)));
    const ids = quantities.map((o) => o.id).join(',');
    const ascending = idsOf(await search(server, `Observation?_id=${ids}&_sort=combo-value-quantity`));
    expect(ascending).toEqual([...quantities].sort((a, b) => least(a) - least(b)).map((o) => o.id));
    const greatest = (o: Observation): number => Math.max(...elements(o).flatMap((e) => (e.valueQuantity ? [e.valueQuantity.value!] : [])));
    const descending = idsOf(await search(server, `Observation?_id=${ids}&_sort=-combo-value-quantity`));
    expect(descending).toEqual([...quantities].sort((a, b) => greatest(b) - greatest(a)).map((o) => o.id));
  });

  test('chains and _has reach a union through the reference', async () => {
    const [patient] = await seed(server, [{ resourceType: 'Patient', name: [{ family: 'Hợp', given: ['Nhất'] }] }]);
    const bp = { ...observations[0], subject: { reference: `Patient/${patient.id}` } };
    expect((await fhirFetch(`${server.baseUrl}/Observation/${bp.id}`, { method: 'PUT', body: bp })).status).toBe(200);
    expect(await matchIds(server, `Patient?_has:Observation:subject:combo-code=8462-4&_id=${patient.id}`)).toEqual([patient.id]);
    expect(await matchIds(server, `Patient?_has:Observation:subject:combo-code-value-quantity=8462-4$gt95&_id=${patient.id}`)).toEqual([]);
    expect(await matchIds(server, `Observation?subject.name=hop&combo-value-quantity=lt100`)).toEqual([bp.id]);
  });
});
