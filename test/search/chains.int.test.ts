import type { Bundle, Resource } from '@medplum/fhirtypes';
import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';
import { idsOf, matchIds, search, seed } from './helpers';

// Chained parameters, _has, system-level and compartment search, and the common parameters
// _tag, _profile, _security (R4 search.html#chaining, #has, #all, compartments).
describe('chains, _has, system and compartment search, common parameters', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
    const resources: Resource[] = [
      { resourceType: 'Organization', id: 'tyt-a', name: 'Trạm y tế xã An Bình' },
      { resourceType: 'Organization', id: 'tyt-b', name: 'Trạm y tế xã Bình Minh' },
      {
        resourceType: 'Patient',
        id: 'p1',
        name: [{ family: 'Nguyễn', given: ['Thị', 'Thư'] }],
        identifier: [{ system: 'http://cccd.gov.vn', value: '001' }],
        managingOrganization: { reference: 'Organization/tyt-a' },
        meta: { tag: [{ system: 'http://tramyte.example/tag', code: 'thon-1' }], security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'R' }] },
      },
      {
        resourceType: 'Patient',
        id: 'p2',
        name: [{ family: 'Đặng', given: ['Đức'] }],
        identifier: [{ system: 'http://cccd.gov.vn', value: '002' }],
        managingOrganization: { reference: 'Organization/tyt-b' },
        meta: { tag: [{ system: 'http://tramyte.example/tag', code: 'thon-2' }] },
      },
      { resourceType: 'Encounter', id: 'e1', status: 'finished', class: { code: 'AMB' }, subject: { reference: 'Patient/p1' }, period: { start: '2024-03-05T08:00:00', end: '2024-03-05T09:00:00' } },
      { resourceType: 'Encounter', id: 'e2', status: 'finished', class: { code: 'AMB' }, subject: { reference: 'Patient/p2' }, period: { start: '2024-04-10T08:00:00', end: '2024-04-10T08:30:00' } },
      ...[
        ['o1', 'p1', 'e1', '8480-6', 150],
        ['o2', 'p1', 'e1', '8462-4', 95],
        ['o3', 'p2', 'e2', '8480-6', 120],
      ].map(
        ([id, patient, encounter, code, value]): Resource => ({
          resourceType: 'Observation',
          id: id as string,
          status: 'final',
          code: { coding: [{ system: 'http://loinc.org', code: code as string }] },
          subject: { reference: `Patient/${patient}` },
          encounter: { reference: `Encounter/${encounter}` },
          valueQuantity: { value: value as number, system: 'http://unitsofmeasure.org', code: 'mm[Hg]' },
          meta: { tag: [{ system: 'http://tramyte.example/tag', code: patient === 'p1' ? 'thon-1' : 'thon-2' }] },
        }),
      ),
    ];
    await seed(server, resources);
  });
  afterAll(() => server.close());

  test('chained parameters follow references, typed or not', async () => {
    expect(await matchIds(server, 'Observation?subject:Patient.identifier=http://cccd.gov.vn|001')).toEqual(['o1', 'o2']);
    expect(await matchIds(server, 'Observation?subject.name=dang')).toEqual(['o3']);
    expect(await matchIds(server, 'Observation?patient.name=nguyen%20thi')).toEqual(['o1', 'o2']);
    expect(await matchIds(server, 'Observation?encounter.date=2024-04-10')).toEqual(['o3']);
    expect(await matchIds(server, 'Observation?subject:Patient.organization.name=binh%20minh')).toEqual(['o3']);
    expect(await matchIds(server, 'Observation?subject:Patient.organization=Organization/tyt-a&code=8480-6')).toEqual(['o1']);
  });

  // An untyped link is read on each of its target types, and a type whose next link is not a
  // reference is simply not a way the chain goes: Provenance.target may be any type, and
  // BodyStructure's `location` is a token, which made `target.location.name` a 400 for everyone.
  test('an untyped chain goes on through the target types where the next link is a reference', async () => {
    await seed(server, [
      { resourceType: 'Location', id: 'thon-1', name: 'Thôn Một' },
      { resourceType: 'Encounter', id: 'e3', status: 'finished', class: { code: 'AMB' }, location: [{ location: { reference: 'Location/thon-1' } }] },
      { resourceType: 'Provenance', id: 'prov-e3', target: [{ reference: 'Encounter/e3' }], recorded: '2024-03-05T10:00:00+07:00', agent: [{ who: { reference: 'Organization/tyt-a' } }] } as Resource,
    ]);
    expect(await matchIds(server, 'Provenance?target.location.name=thon%20mot')).toEqual(['prov-e3']);
    expect(await matchIds(server, 'Provenance?target:Encounter.location.name=thon%20mot')).toEqual(['prov-e3']);
    // Where no target type goes on, the chain is still refused, saying why.
    expect((await fhirFetch(`${server.baseUrl}/Observation?subject.gender.name=x`)).status).toBe(400);
  });

  test('chains deeper than the limit are a 400; an unknown chained parameter is ignored and reported', async () => {
    const deep = await fhirFetch(`${server.baseUrl}/Observation?subject:Patient.organization.partof.partof.name=x`);
    expect(deep.status).toBe(400);
    expect(deep.body.resourceType).toBe('OperationOutcome');
    const unknown = await search(server, 'Observation?subject:Patient.nonsense=x');
    expect(unknown.entry!.some((e) => e.search?.mode === 'outcome')).toBe(true);
  });

  test('_has finds resources referred to by matching ones, nested', async () => {
    expect(await matchIds(server, 'Patient?_has:Observation:subject:code=8462-4')).toEqual(['p1']);
    expect(await matchIds(server, 'Patient?_has:Observation:patient:code-value-quantity=8480-6$lt130')).toEqual(['p2']);
    expect(await matchIds(server, 'Patient?_has:Observation:patient:value-quantity=lt130')).toEqual(['p1', 'p2']);
    expect(await matchIds(server, 'Organization?_has:Patient:organization:_has:Observation:subject:code=8462-4')).toEqual(['tyt-a']);
    expect(await matchIds(server, 'Encounter?_has:Observation:encounter:code=8480-6&_has:Observation:encounter:code=8462-4')).toEqual(['e1']);
  });

  // R4 search.html#list: `_list=42` — the resources List/42 names (here a village's follow-up list),
  // not those it marks deleted.
  test('_list finds what a List names, not what it marks deleted; functional lists are reported, a modifier is a 400', async () => {
    await seed(server, [
      {
        resourceType: 'List',
        id: 'theo-doi',
        status: 'current',
        mode: 'changes',
        title: 'Theo dõi huyết áp',
        entry: [
          { item: { reference: 'Patient/p2' } },
          { item: { reference: 'Observation/o1' }, deleted: false },
          { item: { reference: 'Patient/nobody' } },
          { item: { reference: 'Patient/p1' }, deleted: true },
        ],
      },
      { resourceType: 'List', id: 'rong', status: 'current', mode: 'working' },
    ]);
    expect(await matchIds(server, 'Patient?_list=theo-doi')).toEqual(['p2']);
    expect(await matchIds(server, 'Observation?_list=theo-doi')).toEqual(['o1']);
    expect(await matchIds(server, 'Observation?_list=theo-doi&code=8462-4')).toEqual([]);
    expect(await matchIds(server, 'Patient?_list=rong,theo-doi')).toEqual(['p2']);
    expect(await matchIds(server, 'Patient?_list=rong')).toEqual([]);
    expect(await matchIds(server, 'Encounter?_list=theo-doi')).toEqual([]);
    expect(idsOf(await search(server, '?_list=theo-doi&_type=Patient,Observation'), 'match').sort()).toEqual(['o1', 'p2']);
    // Functional lists are their own searches (functional-lists.int.test.ts): not one of Patients.
    expect((await fhirFetch(`${server.baseUrl}/Patient?_list=$current-allergies`)).status).toBe(400);
    expect((await fhirFetch(`${server.baseUrl}/Patient?_list:exact=theo-doi`)).status).toBe(400);
  });

  test('composite code-value-quantity', async () => {
    expect(await matchIds(server, 'Observation?code-value-quantity=http://loinc.org|8480-6$gt140')).toEqual(['o1']);
    expect(await matchIds(server, 'Observation?code-value-quantity=8480-6$gt100,8462-4$gt100')).toEqual(['o1', 'o3']);
    expect(await matchIds(server, 'Observation?code-value-quantity=http://other|8480-6$gt100')).toEqual([]);
    expect((await fhirFetch(`${server.baseUrl}/Observation?code-value-quantity=8480-6`)).status).toBe(400);
  });

  test('_tag, _security, _profile', async () => {
    expect(await matchIds(server, 'Patient?_tag=http://tramyte.example/tag|thon-1')).toEqual(['p1']);
    expect(await matchIds(server, 'Observation?_tag=thon-2')).toEqual(['o3']);
    expect(await matchIds(server, 'Patient?_security=R')).toEqual(['p1']);
    expect(await matchIds(server, 'Patient?_security:not=R')).toEqual(['p2']);
  });

  test('system-level search across types, with _type, GET and POST', async () => {
    const all = await search(server, '?_tag=thon-1&_count=50');
    expect(idsOf(all).sort()).toEqual(['o1', 'o2', 'p1']);
    const typed = await search(server, '?_tag=thon-1&_type=Patient');
    expect(idsOf(typed)).toEqual(['p1']);
    const byId = await search(server, '?_id=p2,e2,tyt-b');
    expect(idsOf(byId).sort()).toEqual(['e2', 'p2', 'tyt-b']);
    const post = await fhirFetch(`${server.baseUrl}/_search`, { method: 'POST', body: '_tag=thon-2', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(post.status).toBe(200);
    expect(idsOf(post.body).sort()).toEqual(['o3', 'p2']);
    const nameless = await search(server, '?name=nguyen');
    expect(nameless.entry!.some((e) => e.search?.mode === 'outcome')).toBe(true);
  });

  test('system-level search pages across types without repeats', async () => {
    const seen: string[] = [];
    let url: string | undefined = `${server.baseUrl}?_count=2`;
    while (url) {
      const page = (await fhirFetch(url)).body as Bundle;
      seen.push(...(page.entry ?? []).filter((e) => e.search?.mode === 'match').map((e) => `${e.resource!.resourceType}/${e.resource!.id}`));
      url = page.link!.find((l) => l.relation === 'next')?.url;
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(expect.arrayContaining(['Organization/tyt-a', 'Patient/p2', 'Encounter/e1', 'Observation/o3']));
  });

  test('compartment search: Patient/p1/Observation with filters, Patient/p1/*', async () => {
    expect(idsOf(await search(server, 'Patient/p1/Observation')).sort()).toEqual(['o1', 'o2']);
    expect(idsOf(await search(server, 'Patient/p1/Observation?code=8462-4'))).toEqual(['o2']);
    expect(idsOf(await search(server, 'Patient/p2/Encounter'))).toEqual(['e2']);
    const star = await search(server, 'Patient/p1/*?_type=Observation,Encounter,Patient');
    expect(idsOf(star).sort()).toEqual(['e1', 'o1', 'o2', 'p1']);
    expect((await fhirFetch(`${server.baseUrl}/Patient/p1/Organization`)).status).toBe(400);
    expect((await fhirFetch(`${server.baseUrl}/Encounter/e1/Observation`)).status).toBe(400);
  });

  // R4 http.html#search: POST [base]/[Compartment]/[id]/[type]/_search and …/[id]/_search, the
  // parameters form-encoded, answer as their GET forms.
  test('compartment search by POST: Patient/p1/Observation/_search, Patient/p1/_search', async () => {
    const post = async (path: string, body: string) =>
      fhirFetch(`${server.baseUrl}/${path}`, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    const typed = await post('Patient/p1/Observation/_search', 'code=8462-4');
    expect([typed.status, idsOf(typed.body)]).toEqual([200, ['o2']]);
    const all = await post('Patient/p1/_search', '_type=Observation,Encounter,Patient');
    expect([all.status, idsOf(all.body).sort()]).toEqual([200, ['e1', 'o1', 'o2', 'p1']]);
  });
});
