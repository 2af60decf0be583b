import type { Coding, Observation, Patient, Resource } from '@medplum/fhirtypes';
import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';
import { matchIds, seed } from './helpers';
import { fold } from './oracle';

// R4 search.html#token: code, system|code, |code, system|; :not, :text, :of-type, :missing.
const LOINC = 'http://loinc.org';
const LOCAL = 'http://tramyte.example/codes';
const V2 = 'http://terminology.hl7.org/CodeSystem/v2-0203';
const CCCD = 'http://cccd.gov.vn';
const BHYT = 'http://bhyt.gov.vn';

const observation = (coding: Coding[], text?: string): Observation => ({ resourceType: 'Observation', status: 'final', code: { coding, text } });

const RESOURCES: Resource[] = [
  observation([{ system: LOINC, code: '8480-6', display: 'Systolic blood pressure' }], 'Huyết áp tâm thu'),
  observation([{ system: LOINC, code: '8462-4', display: 'Diastolic blood pressure' }], 'Huyết áp tâm trương'),
  observation([{ system: LOCAL, code: '8480-6' }]),
  observation([{ code: '8480-6' }]),
  observation([{ system: LOINC, code: '29463-7', display: 'Body weight' }, { system: LOCAL, code: 'CAN-NANG', display: 'Cân nặng' }]),
  { resourceType: 'Observation', status: 'final', code: { text: 'Đường huyết' } } as Observation,
  {
    resourceType: 'Patient',
    active: true,
    identifier: [
      { system: CCCD, value: '079190001234', type: { coding: [{ system: V2, code: 'NI' }], text: 'Căn cước công dân' } },
      { system: BHYT, value: 'DN4797912345678', type: { coding: [{ system: V2, code: 'SB' }] } },
    ],
    telecom: [{ system: 'phone', value: '0903123456' }],
    gender: 'female',
  } as Patient,
  { resourceType: 'Patient', active: false, identifier: [{ system: CCCD, value: '001085009999', type: { coding: [{ system: V2, code: 'NI' }] } }], gender: 'male' } as Patient,
  { resourceType: 'Patient', identifier: [{ value: '079190001234' }], gender: 'other' } as Patient,
];

/** Does any coding of the resource's code match the token query (written from the spec's table)? */
function codingMatches(codings: { system?: string; code?: string }[], query: string): boolean {
  const bar = query.indexOf('|');
  return codings.some((c) => {
    if (bar < 0) return c.code === query;
    const system = query.slice(0, bar);
    const code = query.slice(bar + 1);
    if (system === '') return c.system === undefined && c.code === code;
    if (code === '') return c.system === system;
    return c.system === system && c.code === code;
  });
}

describe('token search', () => {
  let server: TestServer;
  let stored: Resource[];
  const of = <T extends Resource>(type: string): T[] => stored.filter((r) => r.resourceType === type) as T[];
  const ids = (rs: Resource[]): string[] => rs.map((r) => r.id!).sort();

  beforeAll(async () => {
    server = await startTestServer();
    stored = await seed(server, RESOURCES);
  });
  afterAll(() => server.close());

  test.each(['8480-6', `${LOINC}|8480-6`, '|8480-6', `${LOCAL}|`, `${LOINC}|`, `${LOINC}|29463-7`, 'CAN-NANG', 'nope', `${LOINC}|8480-6,${LOCAL}|8480-6`])(
    'Observation?code=%s',
    async (query) => {
      const expected = ids(of<Observation>('Observation').filter((o) => query.split(',').some((q) => codingMatches(o.code.coding ?? [], q))));
      expect(await matchIds(server, `Observation?code=${encodeURIComponent(query)}`)).toEqual(expected);
    },
  );

  test(':not excludes matches and keeps resources without the element', async () => {
    const expected = ids(of<Observation>('Observation').filter((o) => !codingMatches(o.code.coding ?? [], `${LOINC}|8480-6`)));
    expect(await matchIds(server, `Observation?code:not=${encodeURIComponent(`${LOINC}|8480-6`)}`)).toEqual(expected);
    expect(expected).toContain(stored[5].id); // no coding at all
  });

  test.each(['huyet ap', 'tâm', 'CAN NANG', 'blood', 'duong'])(':text=%s matches a word of the text or display, folded', async (query) => {
    const texts = (o: Observation): string[] => [o.code.text, ...(o.code.coding ?? []).map((c) => c.display)].filter((t): t is string => !!t);
    const q = fold(query);
    const expected = ids(of<Observation>('Observation').filter((o) => texts(o).some((t) => fold(t).startsWith(q) || fold(t).includes(' ' + q))));
    expect(await matchIds(server, `Observation?code:text=${encodeURIComponent(query)}`)).toEqual(expected);
    expect(expected.length).toBeGreaterThan(0);
  });

  test('a concept whose text repeats a display keeps one text row, and :text still finds both words', async () => {
    const [same, other] = (await seed(server, [
      observation([{ system: LOINC, code: '8302-2', display: 'Chiều cao' }], 'CHIỀU  cao'),
      observation([{ system: LOINC, code: '8302-2', display: 'Chiều cao' }], 'Chiều cao nằm'),
    ])) as Observation[];
    const textRows = async (id: string): Promise<(string | null)[]> =>
      (await server.db.query<{ text: string | null }>(`SELECT text FROM idx_token WHERE resource_type = 'Observation' AND resource_id = $1 AND param = 'code' ORDER BY code NULLS LAST`, [id])).map((r) => r.text);
    expect(await textRows(same.id!)).toEqual(['chieu cao']);
    expect(await textRows(other.id!)).toEqual(['chieu cao', 'chieu cao nam']);
    const found = await matchIds(server, 'Observation?code:text=chieu');
    expect(found).toEqual(expect.arrayContaining([same.id, other.id]));
    expect(await matchIds(server, 'Observation?code:text=nam')).toEqual([other.id]);
  });

  test('identifier by system|value, by value, and by |value', async () => {
    const patients = of<Patient>('Patient');
    expect(await matchIds(server, `Patient?identifier=${CCCD}|079190001234`)).toEqual([patients[0].id]);
    expect(await matchIds(server, 'Patient?identifier=079190001234')).toEqual(ids([patients[0], patients[2]]));
    expect(await matchIds(server, 'Patient?identifier=|079190001234')).toEqual([patients[2].id]);
    expect(await matchIds(server, `Patient?identifier=${BHYT}|DN4797912345678`)).toEqual([patients[0].id]);
  });

  test(':of-type takes system|type-code|value', async () => {
    const patients = of<Patient>('Patient');
    expect(await matchIds(server, `Patient?identifier:of-type=${V2}|NI|079190001234`)).toEqual([patients[0].id]);
    expect(await matchIds(server, `Patient?identifier:of-type=${V2}|SB|079190001234`)).toEqual([]);
    expect(await matchIds(server, `Patient?identifier:of-type=${V2}|NI|001085009999`)).toEqual([patients[1].id]);
    expect((await fhirFetch(`${server.baseUrl}/Patient?identifier:of-type=NI`)).status).toBe(400);
  });

  test('booleans, codes and contact points', async () => {
    const patients = of<Patient>('Patient');
    expect(await matchIds(server, 'Patient?active=true')).toEqual([patients[0].id]);
    expect(await matchIds(server, 'Patient?active=false')).toEqual([patients[1].id]);
    expect(await matchIds(server, 'Patient?active:missing=true')).toEqual([patients[2].id]);
    expect(await matchIds(server, 'Patient?gender=female,other')).toEqual(ids([patients[0], patients[2]]));
    expect(await matchIds(server, 'Patient?gender:not=female')).toEqual(ids([patients[1], patients[2]]));
    expect(await matchIds(server, 'Patient?phone=0903123456')).toEqual([patients[0].id]);
    expect(await matchIds(server, 'Patient?telecom=phone|0903123456')).toEqual([patients[0].id]);
  });

  test('a code takes the system of the value set it is bound to (R4: `system|code` on a `code` element)', async () => {
    const patients = of<Patient>('Patient');
    const GENDER = 'http://hl7.org/fhir/administrative-gender';
    expect(await matchIds(server, `Patient?gender=${GENDER}|male`)).toEqual([patients[1].id]);
    expect(await matchIds(server, `Patient?gender=${GENDER}|`)).toEqual(ids(patients));
    expect(await matchIds(server, `Patient?gender:not=${GENDER}|female`)).toEqual(ids([patients[1], patients[2]]));
    // The code is never stored without it, nor under another system.
    expect(await matchIds(server, 'Patient?gender=|male')).toEqual([]);
    expect(await matchIds(server, 'Patient?gender=http://example.org/gender|male')).toEqual([]);
    // An element without a required binding (a boolean) keeps no system.
    expect(await matchIds(server, 'Patient?active=|true')).toEqual([patients[0].id]);
  });

  test('_id with a list, :not and :missing', async () => {
    const [a, b] = of<Patient>('Patient');
    expect(await matchIds(server, `Patient?_id=${a.id},${b.id},unknown`)).toEqual(ids([a, b]));
    expect(await matchIds(server, `Patient?_id:not=${a.id}`)).toEqual(ids(of('Patient').filter((p) => p.id !== a.id)));
  });

  test('_total=accurate counts matches (counted on the index alone) and not deleted resources', async () => {
    const count = async (q: string): Promise<number> => (await fhirFetch(`${server.baseUrl}/${q}&_total=accurate&_count=1`)).body.total;
    const coded = of<Observation>('Observation').filter((o) => codingMatches(o.code.coding ?? [], '8480-6'));
    expect(await count('Observation?code=8480-6')).toBe(coded.length);
    expect(await count('Observation?code=8480-6&status=final')).toBe(coded.length);
    expect((await fhirFetch(`${server.baseUrl}/Observation/${coded[0].id}`, { method: 'DELETE' })).status).toBeLessThan(300);
    expect(await count('Observation?code=8480-6')).toBe(coded.length - 1);
    expect(await count('Observation?code=8480-6&status=final')).toBe(coded.length - 1);
    expect(await count('Observation?code-value-quantity=8480-6$gt0')).toBe(0);
  });

  test('an unknown modifier is a 400, not a silently wider answer', async () => {
    const res = await fhirFetch(`${server.baseUrl}/Observation?code:below=8480`);
    expect(res.status).toBe(400);
    expect(res.body.resourceType).toBe('OperationOutcome');
  });

  test('a code with an extension of its own (indexed by the FHIRPath engine, not the walk) takes the same system', async () => {
    const GENDER = 'http://hl7.org/fhir/administrative-gender';
    const [patient] = (await seed(server, [
      { resourceType: 'Patient', gender: 'unknown', _gender: { extension: [{ url: 'http://example.org/fhir/StructureDefinition/gender-source', valueString: 'khai báo' }] } } as Patient,
    ])) as Patient[];
    expect(await matchIds(server, `Patient?_id=${patient.id}&gender=${GENDER}|unknown`)).toEqual([patient.id]);
    expect(await matchIds(server, `Patient?_id=${patient.id}&gender=|unknown`)).toEqual([]);
  });

  test('a composite whose first part is a bound code (DocumentReference relationship) takes its system there too', async () => {
    const RELATION = 'http://hl7.org/fhir/document-relationship-type';
    const document = (relatesTo?: object[]): Resource => ({ resourceType: 'DocumentReference', status: 'current', content: [{ attachment: { contentType: 'text/plain', data: 'eA==' } }], relatesTo } as Resource);
    const [old] = await seed(server, [document()]);
    const [replacing] = await seed(server, [document([{ code: 'replaces', target: { reference: `DocumentReference/${old.id}` } }])]);
    const pair = (code: string): string => `DocumentReference?relationship=${encodeURIComponent(`${code}$DocumentReference/${old.id}`)}`;
    expect(await matchIds(server, pair('replaces'))).toEqual([replacing.id]);
    expect(await matchIds(server, pair(`${RELATION}|replaces`))).toEqual([replacing.id]);
    expect(await matchIds(server, pair('|replaces'))).toEqual([]);
    expect(await matchIds(server, pair(`${RELATION}|transforms`))).toEqual([]);
    expect(await matchIds(server, `DocumentReference?relation=${RELATION}|replaces`)).toEqual([replacing.id]);
  });
});
