import fs from 'node:fs';
import path from 'node:path';
import type { Bundle, CodeableConcept, Condition, Encounter, Immunization, Observation, Patient, Resource } from '@medplum/fhirtypes';
import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';
import { matchIds, pageAll, search, sharedDir } from './helpers';
import { datePrefixMatches, fold, range } from './oracle';

// The search matrix again, on real-looking data: Synthea patients loaded through transaction
// Bundles, each expected answer computed here in plain JavaScript over the stored resources.
const shared = sharedDir();
const BUNDLES = shared ? path.join(shared, 'fhir-data/synthea-r4-smart/bundles') : undefined;
const describeIfData = BUNDLES && fs.existsSync(BUNDLES) ? describe : describe.skip;
if (!BUNDLES || !fs.existsSync(BUNDLES)) {
  console.warn('Skipping Synthea search tests: ../shared/fhir-data/synthea-r4-smart/bundles is absent');
}

const LOINC = 'http://loinc.org';
const codes = (cc: CodeableConcept | CodeableConcept[] | undefined): { system?: string; code?: string }[] =>
  (Array.isArray(cc) ? cc : cc ? [cc] : []).flatMap((c) => c.coding ?? []);
const refId = (ref: string | undefined): string | undefined => ref?.split('/')[1];

describeIfData('search on Synthea data', () => {
  let server: TestServer;
  let stored: Resource[];
  const of = <T extends Resource>(type: T['resourceType']): T[] => stored.filter((r) => r.resourceType === type) as T[];
  const ids = (rs: Resource[]): string[] => rs.map((r) => r.id!).sort();

  beforeAll(async () => {
    server = await startTestServer();
    // The four smallest bundles keep the file quick on the embedded database.
    const files = fs
      .readdirSync(BUNDLES!)
      .map((f) => path.join(BUNDLES!, f))
      .sort((a, b) => fs.statSync(a).size - fs.statSync(b).size)
      .slice(0, 4);
    stored = [];
    for (const file of files) {
      const res = await fhirFetch(server.baseUrl, { method: 'POST', body: fs.readFileSync(file, 'utf8'), headers: { prefer: 'return=representation' } });
      if (res.status !== 200) throw new Error(`loading ${file}: ${res.status} ${JSON.stringify(res.body).slice(0, 500)}`);
      stored.push(...(res.body as Bundle).entry!.map((e) => e.resource as Resource));
    }
  }, 300_000);
  afterAll(() => server.close());

  test('every stored resource of a type is found, across pages', async () => {
    const all = await pageAll(server, 'Observation?_count=50');
    expect(all.length).toBe(new Set(all).size);
    expect(all.sort()).toEqual(ids(of('Observation')));
  });

  test('Patient by gender, family prefix, given name and birthdate', async () => {
    const patients = of<Patient>('Patient');
    expect(await matchIds(server, 'Patient?gender=female')).toEqual(ids(patients.filter((p) => p.gender === 'female')));
    const family = patients[0].name![0].family!;
    const prefix = family.slice(0, 3).toLowerCase();
    expect(await matchIds(server, `Patient?family=${encodeURIComponent(prefix)}`)).toEqual(ids(patients.filter((p) => fold(p.name![0].family!).startsWith(fold(prefix)))));
    const given = patients[1].name![0].given![0];
    expect(await matchIds(server, `Patient?name=${encodeURIComponent(given.toUpperCase())}`)).toContain(patients[1].id);
    for (const q of ['lt1960', 'ge2000', 'eq1972', 'ge1972-03-30']) {
      const [prefix, value] = [q.slice(0, 2), q.slice(2)];
      expect(await matchIds(server, `Patient?birthdate=${q}`)).toEqual(ids(patients.filter((p) => datePrefixMatches(prefix, range(p.birthDate!), range(value)))));
    }
  });

  test('Patient by identifier (system|value)', async () => {
    const p = of<Patient>('Patient')[2];
    const ident = p.identifier![1];
    expect(await matchIds(server, `Patient?identifier=${encodeURIComponent(`${ident.system}|${ident.value}`)}`)).toEqual([p.id]);
  });

  test('Observation by LOINC code, with an accurate total', async () => {
    const expected = of<Observation>('Observation').filter((o) => codes(o.code).some((c) => c.system === LOINC && c.code === '8302-2'));
    const bundle = await search(server, `Observation?code=${LOINC}|8302-2&_total=accurate&_count=1000`);
    expect(bundle.total).toBe(expected.length);
    expect((bundle.entry ?? []).map((e) => e.resource!.id).sort()).toEqual(ids(expected));
    expect(expected.length).toBeGreaterThan(3);
  });

  test('Observation?subject=…&code=…&_sort=-date gives the patient’s values newest first', async () => {
    const patient = of<Patient>('Patient')[0];
    const expected = of<Observation>('Observation')
      .filter((o) => refId(o.subject?.reference) === patient.id && codes(o.code).some((c) => c.code === '29463-7'))
      .sort((a, b) => range(b.effectiveDateTime!)[1] - range(a.effectiveDateTime!)[1] || (a.id! < b.id! ? -1 : 1));
    const bundle = await search(server, `Observation?subject=Patient/${patient.id}&code=${LOINC}|29463-7&_sort=-date`);
    expect((bundle.entry ?? []).map((e) => e.resource!.id)).toEqual(expected.map((o) => o.id).slice(0, 20));
  });

  test('Observation by value and by composite code-value-quantity', async () => {
    const weights = of<Observation>('Observation').filter((o) => codes(o.code).some((c) => c.code === '29463-7'));
    const heavy = weights.filter((o) => o.valueQuantity!.value! > 70);
    expect(heavy.length).toBeGreaterThan(0);
    expect(heavy.length).toBeLessThan(weights.length);
    expect(await pageAll(server, `Observation?code-value-quantity=${encodeURIComponent(`${LOINC}|29463-7$gt70`)}`).then((r) => r.sort())).toEqual(ids(heavy));
    const any = of<Observation>('Observation').filter((o) => o.valueQuantity?.unit === 'kg' && o.valueQuantity.value! > 70);
    expect(await pageAll(server, 'Observation?value-quantity=gt70||kg').then((r) => r.sort())).toEqual(ids(any));
  });

  test('blood pressure components: component-code-value-quantity pairs code and value from one component', async () => {
    const bp = of<Observation>('Observation').filter((o) => (o.component ?? []).some((c) => codes(c.code).some((x) => x.code === '8480-6') && c.valueQuantity!.value! >= 120));
    expect(bp.length).toBeGreaterThan(0);
    expect(await pageAll(server, `Observation?component-code-value-quantity=${encodeURIComponent(`${LOINC}|8480-6$ge120`)}`).then((r) => r.sort())).toEqual(ids(bp));
  });

  test('Encounter by date range and subject; Condition and Immunization by code', async () => {
    const patient = of<Patient>('Patient')[1];
    const encounters = of<Encounter>('Encounter').filter(
      (e) => refId(e.subject?.reference) === patient.id && datePrefixMatches('ge', [range(e.period!.start!)[0], range(e.period!.end!)[1]], range('2015')),
    );
    expect(await pageAll(server, `Encounter?subject=${patient.id}&date=ge2015`).then((r) => r.sort())).toEqual(ids(encounters));
    const condition = of<Condition>('Condition')[0];
    const cc = codes(condition.code)[0];
    expect(await pageAll(server, `Condition?code=${encodeURIComponent(`${cc.system}|${cc.code}`)}`).then((r) => r.sort())).toEqual(
      ids(of<Condition>('Condition').filter((c) => codes(c.code).some((x) => x.system === cc.system && x.code === cc.code))),
    );
    const vaccine = codes(of<Immunization>('Immunization')[0].vaccineCode)[0].code!;
    expect(await pageAll(server, `Immunization?vaccine-code=${vaccine}`).then((r) => r.sort())).toEqual(
      ids(of<Immunization>('Immunization').filter((i) => codes(i.vaccineCode).some((x) => x.code === vaccine))),
    );
  });

  test('compartment search and $everything agree with the references', async () => {
    const patient = of<Patient>('Patient')[0];
    const inCompartment = stored.filter((r) => r.resourceType === 'Encounter' && refId((r as Encounter).subject?.reference) === patient.id);
    expect(await pageAll(server, `Patient/${patient.id}/Encounter`).then((r) => r.sort())).toEqual(ids(inCompartment));
    const mentions = (r: Resource): boolean => JSON.stringify(r).includes(`"Patient/${patient.id}"`);
    // _type keeps out the AuditEvents our own reads leave in the compartment while the tests run.
    const types = ['Patient', 'Encounter', 'Observation', 'Condition', 'Immunization', 'Procedure', 'MedicationRequest', 'DiagnosticReport', 'CarePlan', 'Claim', 'ExplanationOfBenefit'];
    const everything = await pageAll(server, `Patient/${patient.id}/$everything?_count=100&_type=${types.join(',')}`);
    expect(new Set(everything).size).toBe(everything.length);
    const expected = stored.filter((r) => types.includes(r.resourceType) && (r.id === patient.id || mentions(r)));
    expect(everything.sort()).toEqual(ids(expected));
  });
});
