import type { Resource, ValueSet } from '@medplum/fhirtypes';
import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';
import { matchIds, seed } from './helpers';

// R4 search.html#uri: equality, :below (the value is a prefix), :above (a parent path of the value).
const URLS = [
  'http://tramyte.example/fhir/ValueSet/dan-toc',
  'http://tramyte.example/fhir/ValueSet/dan-toc/v2',
  'http://tramyte.example/fhir/ValueSet/dan-toc-cu',
  'http://tramyte.example/fhir',
  'http://tramyte.example/fhir/',
  'http://other.example/fhir/ValueSet/dan-toc',
];

describe('uri search', () => {
  let server: TestServer;
  let stored: ValueSet[];
  beforeAll(async () => {
    server = await startTestServer();
    stored = (await seed(server, URLS.map((url): Resource => ({ resourceType: 'ValueSet', status: 'active', url })))) as ValueSet[];
  });
  afterAll(() => server.close());
  const with_ = (pred: (url: string) => boolean): string[] => stored.filter((v) => pred(v.url!)).map((v) => v.id!).sort();

  test('equality', async () => {
    expect(await matchIds(server, `ValueSet?url=${encodeURIComponent(URLS[0])}`)).toEqual(with_((u) => u === URLS[0]));
  });

  test(':below', async () => {
    const q = 'http://tramyte.example/fhir/ValueSet/dan-toc';
    expect(await matchIds(server, `ValueSet?url:below=${encodeURIComponent(q)}`)).toEqual(with_((u) => u.startsWith(q)));
  });

  test(':above matches the value and its parent paths, written with or without their closing /', async () => {
    const q = 'http://tramyte.example/fhir/ValueSet/dan-toc/v2';
    const expected = with_((u) => u === q || q.startsWith(u.endsWith('/') ? u : `${u}/`));
    expect(expected.length).toBe(4);
    expect(await matchIds(server, `ValueSet?url:above=${encodeURIComponent(q)}`)).toEqual(expected);
  });

  test('_profile is a uri parameter on every type', async () => {
    const [p] = await seed(server, [{ resourceType: 'Patient', meta: { profile: ['http://tramyte.example/StructureDefinition/benh-nhan'] } }]);
    expect(await matchIds(server, `Patient?_profile=${encodeURIComponent('http://tramyte.example/StructureDefinition/benh-nhan')}`)).toEqual([p.id]);
    expect((await fhirFetch(`${server.baseUrl}/Patient?_profile:below=http://tramyte.example`)).status).toBe(200);
  });
});
