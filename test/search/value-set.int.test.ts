import type { Condition, Immunization, Patient, Resource, ValueSet } from '@medplum/fhirtypes';
import { launch, registerPublicApp, residentWithAccount } from '../auth/smart-helpers';
import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';
import { idsOf, matchIds, seed } from './helpers';

// Token :in / :not-in (R4 search.html#modifiers) over ValueSets the server holds: its own
// definitions and ValueSets stored by the station (docs/search.md §4, "Value sets"). Expected
// answers are computed here from the code lists written out below, not by the server's expansion.
const ICD10 = 'http://hl7.org/fhir/sid/icd-10';
const OTHER = 'http://example.org/other-codes';
const BASE = 'http://tram.example/fhir/ValueSet';
const EPI = 'http://commune-ehr.example/fhir/CodeSystem/epi-vaccine';

type Coded = [system: string | undefined, code: string];
/** Each condition's codings (none: no code at all). */
const CONDITIONS: Record<string, Coded[]> = {
  'tang-huyet-ap': [[ICD10, 'I10']],
  'dai-thuong': [[ICD10, 'E11']],
  'copd-hai-ma': [[OTHER, 'x1'], [ICD10, 'J44']],
  'cam-cum': [[ICD10, 'J11']],
  'i10-he-khac': [[OTHER, 'I10']], // the right code in another system
  'i10-khong-he': [[undefined, 'I10']], // and in none
  'vien-phoi': [[ICD10, 'J18']],
  'nhom-ho-hap': [[ICD10, 'J']], // coded with a grouping entry of the expansion below
  'khong-ma': [],
};
const CHRONIC = new Set(['I10', 'E11', 'J44']);
/** The gender of each condition's patient; some have none. */
const genderOf = (id: string): Patient['gender'] => (id.length % 3 === 0 ? undefined : id.length % 2 ? 'female' : 'male');

const inSet = (codings: Coded[], system: string, codes: (code: string) => boolean): boolean => codings.some(([s, c]) => s === system && codes(c));
const conditionsWhere = (test: (codings: Coded[], id: string) => boolean): string[] =>
  Object.keys(CONDITIONS)
    .filter((id) => test(CONDITIONS[id], id))
    .sort();

const valueSets: ValueSet[] = [
  { resourceType: 'ValueSet', id: 'man-tinh', url: `${BASE}/chronic`, version: '2', status: 'active', compose: { include: [{ system: ICD10, concept: [...CHRONIC].map((code) => ({ code })) }] } },
  // An older version of the same list, without diabetes.
  { resourceType: 'ValueSet', id: 'man-tinh-v1', url: `${BASE}/chronic`, version: '1', status: 'retired', compose: { include: [{ system: ICD10, concept: [{ code: 'I10' }, { code: 'J44' }] }] } },
  // All of ICD-10 but influenza (J11) and pneumonia (J18).
  {
    resourceType: 'ValueSet',
    id: 'tru-ho-hap',
    url: `${BASE}/not-respiratory`,
    status: 'active',
    compose: { include: [{ system: ICD10 }], exclude: [{ system: ICD10, concept: [{ code: 'J11' }, { code: 'J18' }] }] },
  },
  // An expansion, nested, with an abstract grouping entry that codes nothing.
  {
    resourceType: 'ValueSet',
    id: 'ho-hap',
    url: `${BASE}/respiratory`,
    status: 'active',
    expansion: {
      timestamp: '2026-11-30T00:00:00Z',
      contains: [{ system: ICD10, code: 'J', abstract: true, contains: [{ system: ICD10, code: 'J11' }, { system: ICD10, code: 'J18', contains: [{ system: OTHER, code: 'x1' }] }] }],
    },
  },
  { resourceType: 'ValueSet', id: 'can-loc', url: `${BASE}/filtered`, status: 'active', compose: { include: [{ system: ICD10, filter: [{ property: 'concept', op: 'is-a', value: 'I' }] }] } },
  { resourceType: 'ValueSet', id: 'da-xoa', url: `${BASE}/deleted`, status: 'active', compose: { include: [{ system: ICD10, concept: [{ code: 'I10' }] }] } },
];

describe('token :in and :not-in (value sets)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
    const patients: Patient[] = Object.keys(CONDITIONS).map((id) => ({ resourceType: 'Patient', id: `bn-${id}`, ...(genderOf(id) && { gender: genderOf(id) }) }));
    const conditions: Condition[] = Object.entries(CONDITIONS).map(([id, codings]) => ({
      resourceType: 'Condition',
      id,
      subject: { reference: `Patient/bn-${id}` },
      ...(codings.length && { code: { coding: codings.map(([system, code]) => ({ ...(system && { system }), code })) } }),
    }));
    const vaccines: Immunization[] = [
      ['bcg', EPI, 'BCG'],
      ['soi', EPI, 'MR'],
      ['khac', 'http://hl7.org/fhir/sid/cvx', '08'],
    ].map(([id, system, code]) => ({
      resourceType: 'Immunization',
      id: `tiem-${id}`,
      status: 'completed',
      patient: { reference: 'Patient/bn-cam-cum' },
      occurrenceDateTime: '2026-11-01',
      vaccineCode: { coding: [{ system, code }] },
    }));
    await seed(server, [...patients, ...conditions, ...vaccines, ...(valueSets as Resource[])]);
    const del = await fhirFetch(`${server.baseUrl}/ValueSet/da-xoa`, { method: 'DELETE' });
    expect(del.status).toBe(200);
  });
  afterAll(() => server.close());

  const resident = () => residentWithAccount(server, 'Trần');
  const chronic = (codings: Coded[]): boolean => inSet(codings, ICD10, (c) => CHRONIC.has(c));

  test(':in gives the resources coded with a code of a stored value set, in its system only', async () => {
    const expected = conditionsWhere(chronic);
    expect(expected).toEqual(['copd-hai-ma', 'dai-thuong', 'tang-huyet-ap']);
    expect(await matchIds(server, `Condition?code:in=${BASE}/chronic`)).toEqual(expected);
    expect(await matchIds(server, 'Condition?code:in=ValueSet/man-tinh')).toEqual(expected);
    expect(await matchIds(server, `Condition?code:in=${encodeURIComponent(`${server.baseUrl}/ValueSet/man-tinh`)}`)).toEqual(expected);
  });

  test(':not-in gives the others, those with no code included', async () => {
    expect(await matchIds(server, `Condition?code:not-in=${BASE}/chronic`)).toEqual(conditionsWhere((c) => !chronic(c)));
    expect(await matchIds(server, `Condition?code:not-in=${BASE}/chronic`)).toContain('khong-ma');
  });

  test('the newest version unless one is named', async () => {
    const v1 = new Set(['I10', 'J44']);
    expect(await matchIds(server, `Condition?code:in=${encodeURIComponent(`${BASE}/chronic|1`)}`)).toEqual(conditionsWhere((c) => inSet(c, ICD10, (code) => v1.has(code))));
    expect(await matchIds(server, `Condition?code:in=${encodeURIComponent(`${BASE}/chronic|2`)}`)).toEqual(conditionsWhere(chronic));
  });

  test('a whole system less its excluded codes; an expansion, nested, without its abstract entries', async () => {
    const respiratory = new Set(['J11', 'J18']);
    expect(await matchIds(server, `Condition?code:in=${BASE}/not-respiratory`)).toEqual(conditionsWhere((c) => inSet(c, ICD10, (code) => !respiratory.has(code))));
    const expansion = (c: Coded[]): boolean => inSet(c, ICD10, (code) => respiratory.has(code)) || inSet(c, OTHER, (code) => code === 'x1');
    expect(await matchIds(server, `Condition?code:in=${BASE}/respiratory`)).toEqual(conditionsWhere(expansion));
    expect(conditionsWhere(expansion)).toEqual(['cam-cum', 'copd-hai-ma', 'vien-phoi']);
  });

  test('several value sets are ORed', async () => {
    const either = (c: Coded[]): boolean => chronic(c) || inSet(c, ICD10, (code) => code === 'J11' || code === 'J18');
    expect(await matchIds(server, `Condition?code:in=${BASE}/chronic,${BASE}/respiratory`)).toEqual(conditionsWhere((c) => either(c) || inSet(c, OTHER, (code) => code === 'x1')));
  });

  test('value sets the server ships: the station\'s vaccines, R4\'s genders (codes stored with their system)', async () => {
    expect(await matchIds(server, 'Immunization?vaccine-code:in=http://commune-ehr.example/fhir/ValueSet/epi-vaccine')).toEqual(['tiem-bcg', 'tiem-soi']);
    expect(await matchIds(server, 'Immunization?vaccine-code:not-in=http://commune-ehr.example/fhir/ValueSet/epi-vaccine')).toEqual(['tiem-khac']);
    const withGender = Object.keys(CONDITIONS).filter((id) => genderOf(id)).map((id) => `bn-${id}`).sort();
    expect(withGender.length).toBeGreaterThan(0);
    expect(withGender.length).toBeLessThan(Object.keys(CONDITIONS).length);
    expect(await matchIds(server, 'Patient?gender:in=http://hl7.org/fhir/ValueSet/administrative-gender')).toEqual(withGender);
  });

  test('through _has and chains: residents with a chronic condition', async () => {
    const expected = conditionsWhere(chronic).map((id) => `bn-${id}`);
    expect(await matchIds(server, `Patient?_has:Condition:subject:code:in=${BASE}/chronic`)).toEqual(expected);
    const gender = 'http://hl7.org/fhir/ValueSet/administrative-gender';
    expect(await matchIds(server, `Condition?subject:Patient.gender:in=${gender}`)).toEqual(conditionsWhere((_, id) => !!genderOf(id)));
    expect(await matchIds(server, `Condition?subject:Patient.gender:not-in=${gender}`)).toEqual(conditionsWhere((_, id) => !genderOf(id)));
  });

  test('a value set that cannot be expanded here, or is unknown or deleted, is a 400 that names it', async () => {
    const cases: [string, RegExp][] = [
      [`Condition?code:in=${BASE}/filtered`, /filter/],
      [`Condition?code:in=${BASE}/nowhere`, /Unknown ValueSet/],
      [`Condition?code:in=${BASE}/deleted`, /Unknown ValueSet/],
      ['Condition?code:in=ValueSet/khong-co', /Unknown ValueSet/],
      [`Condition?code:not-in=${BASE}/chronic|9`, /Unknown ValueSet/],
      [`Condition?code:in=${Array.from({ length: 21 }, (_, k) => `${BASE}/vs${k}`).join(',')}`, /Too many values/],
      [`Condition?onset-date:in=${BASE}/chronic`, /not supported/],
    ];
    for (const [query, message] of cases) {
      const res = await fhirFetch(`${server.baseUrl}/${query}`);
      expect([query, res.status]).toEqual([query, 400]);
      expect(res.body.resourceType).toBe('OperationOutcome');
      expect(res.body.issue[0].diagnostics).toMatch(message);
    }
    // The server keeps answering.
    expect(await matchIds(server, `Condition?code:in=${BASE}/chronic`)).toHaveLength(3);
  });

  test('a resident\'s app that may read only its own conditions gets its own, through a ValueSet it may not read', async () => {
    const me = await resident();
    await seed(server, [{ resourceType: 'Condition', id: 'cua-toi', subject: { reference: `Patient/${me.patientId}` }, code: { coding: [{ system: ICD10, code: 'I10' }] } } as Condition]);
    const clientId = await registerPublicApp(server, 'launch/patient openid patient/Condition.rs');
    const token = (await launch(server, clientId, me, 'launch/patient patient/Condition.rs')).access_token as string;
    const res = await fhirFetch(`${server.baseUrl}/Condition?code:in=${BASE}/chronic`, { token });
    expect(res.status).toBe(200);
    expect(idsOf(res.body)).toEqual(['cua-toi']);
    expect((await fhirFetch(`${server.baseUrl}/ValueSet/man-tinh`, { token })).status).toBe(403);
  });
});
