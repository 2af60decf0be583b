import type { Bundle, Observation, OperationOutcome, Patient, Resource } from '@medplum/fhirtypes';
import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';
import { idsOf, search, seed } from './helpers';

// R4 search.html#include, #sort, #total, #summary, #elements, and POST [type]/_search.
describe('search results: includes, sort, totals, summary, elements, POST', () => {
  let server: TestServer;
  let org: Resource;
  let practitioner: Resource;
  let patients: Patient[];
  let observations: Observation[];
  let provenance: Resource;

  beforeAll(async () => {
    server = await startTestServer();
    [org] = await seed(server, [{ resourceType: 'Organization', id: 'tyt-xa', name: 'Trạm y tế xã' }]);
    [practitioner] = await seed(server, [{ resourceType: 'Practitioner', id: 'bs-lan', name: [{ family: 'Lê', given: ['Lan'] }] }]);
    patients = (await seed(server, [
      { resourceType: 'Patient', id: 'p1', name: [{ family: 'Nguyễn', given: ['An'] }], birthDate: '1990-01-01', gender: 'male', managingOrganization: { reference: 'Organization/tyt-xa' }, generalPractitioner: [{ reference: 'Practitioner/bs-lan' }] },
      { resourceType: 'Patient', id: 'p2', name: [{ family: 'Nguyễn', given: ['Bình'] }], birthDate: '1985-06-01', gender: 'female', managingOrganization: { reference: 'Organization/tyt-xa' } },
      { resourceType: 'Patient', id: 'p3', name: [{ family: 'Trần', given: ['Cúc'] }], birthDate: '1990-01-01', gender: 'female' },
    ])) as Patient[];
    const obs = (id: string, patient: string, value: number, date: string): Observation => ({
      resourceType: 'Observation',
      id,
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '29463-7' }], text: 'Cân nặng' },
      subject: { reference: `Patient/${patient}` },
      performer: [{ reference: 'Practitioner/bs-lan' }],
      effectiveDateTime: date,
      valueQuantity: { value, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' },
    });
    observations = (await seed(server, [
      obs('o1', 'p1', 60, '2024-01-05'),
      obs('o2', 'p1', 62, '2024-02-05'),
      obs('o3', 'p2', 50, '2024-01-20'),
      obs('o4', 'p3', 55, '2023-12-01'),
    ])) as Observation[];
    [provenance] = await seed(server, [
      { resourceType: 'Provenance', id: 'prov1', target: [{ reference: 'Observation/o1' }], recorded: '2024-01-05T10:00:00+07:00', agent: [{ who: { reference: 'Practitioner/bs-lan' } }] } as Resource,
    ]);
  });
  afterAll(() => server.close());

  const modes = (bundle: Bundle): Record<string, string> =>
    Object.fromEntries((bundle.entry ?? []).filter((e) => e.resource?.resourceType !== 'OperationOutcome').map((e) => [`${e.resource!.resourceType}/${e.resource!.id}`, e.search!.mode!]));

  test('_include adds the targets, marked include, once each', async () => {
    const bundle = await search(server, 'Observation?code=29463-7&_include=Observation:subject');
    expect(modes(bundle)).toEqual({
      'Observation/o1': 'match',
      'Observation/o2': 'match',
      'Observation/o3': 'match',
      'Observation/o4': 'match',
      'Patient/p1': 'include',
      'Patient/p2': 'include',
      'Patient/p3': 'include',
    });
  });

  test('_include with a target type, and several _include', async () => {
    const typed = await search(server, 'Observation?_id=o1&_include=Observation:subject:Practitioner');
    expect(idsOf(typed, 'include')).toEqual([]);
    const both = await search(server, 'Observation?_id=o1&_include=Observation:subject&_include=Observation:performer');
    expect(idsOf(both, 'include').sort()).toEqual(['bs-lan', 'p1']);
  });

  test('_revinclude adds resources pointing at the matches', async () => {
    const bundle = await search(server, 'Observation?_id=o1,o2&_revinclude=Provenance:target');
    expect(modes(bundle)).toEqual({ 'Observation/o1': 'match', 'Observation/o2': 'match', 'Provenance/prov1': 'include' });
  });

  test(':iterate follows includes of included resources', async () => {
    const once = await search(server, 'Observation?_id=o3&_include=Observation:subject&_include=Patient:organization');
    expect(idsOf(once, 'include')).toEqual(['p2']);
    const iterated = await search(server, 'Observation?_id=o3&_include=Observation:subject&_include:iterate=Patient:organization');
    expect(idsOf(iterated, 'include').sort()).toEqual(['p2', 'tyt-xa']);
    const rev = await search(server, 'Organization?_id=tyt-xa&_revinclude=Patient:organization&_revinclude:iterate=Observation:subject');
    expect(idsOf(rev, 'include').sort()).toEqual(['o1', 'o2', 'o3', 'p1', 'p2']);
  });

  // Without :iterate an include starts from the matches: one that cannot meet them is reported
  // (search.mode outcome, or a 400 under handling=strict), not dropped in silence.
  test('an include that can never meet the matches is reported as ignored', async () => {
    for (const query of ['Observation?_id=o3&_include=Patient:organization', 'Observation?_id=o3&_revinclude=Encounter:service-provider']) {
      const bundle = await search(server, query);
      const outcome = bundle.entry!.find((e) => e.search?.mode === 'outcome')?.resource as OperationOutcome | undefined;
      expect([query, outcome?.issue?.[0]?.diagnostics]).toEqual([query, expect.stringMatching(/_(rev)?include=/)]);
      expect(bundle.link!.find((l) => l.relation === 'self')!.url).not.toContain('include');
      expect((await fhirFetch(`${server.baseUrl}/${query}`, { headers: { prefer: 'handling=strict' } })).status).toBe(400);
    }
  });

  test('_sort on several keys, with - for descending', async () => {
    const byBirthThenName = await search(server, 'Patient?_sort=-birthdate,family,given');
    expect(idsOf(byBirthThenName)).toEqual(['p1', 'p3', 'p2']);
    const byGenderThenBirth = await search(server, 'Patient?_sort=gender,-birthdate');
    expect(idsOf(byGenderThenBirth)).toEqual(['p3', 'p2', 'p1']);
    const byDate = await search(server, 'Observation?_sort=-date');
    expect(idsOf(byDate)).toEqual(['o2', 'o3', 'o1', 'o4']);
    const byValue = await search(server, 'Observation?_sort=value-quantity');
    expect(idsOf(byValue)).toEqual(['o3', 'o4', 'o1', 'o2']);
    const byLastUpdated = await search(server, 'Observation?_sort=-_lastUpdated');
    const times = (byLastUpdated.entry ?? []).map((e) => e.resource!.meta!.lastUpdated!);
    expect(times).toEqual([...times].sort().reverse());
  });

  test('_sort paged keeps the order across pages', async () => {
    const first = await search(server, 'Observation?_sort=-date&_count=3');
    expect(idsOf(first)).toEqual(['o2', 'o3', 'o1']);
    const next = first.link!.find((l) => l.relation === 'next')!.url;
    const second = (await fhirFetch(next)).body as Bundle;
    expect(idsOf(second)).toEqual(['o4']);
    const previous = second.link!.find((l) => l.relation === 'previous')!.url;
    expect(idsOf((await fhirFetch(previous)).body as Bundle)).toEqual(['o2', 'o3', 'o1']);
  });

  test('_total: accurate counts, none omits, estimate gives a number, default only when free', async () => {
    expect((await search(server, 'Observation?_count=1&_total=accurate')).total).toBe(4);
    expect((await search(server, 'Observation?_count=1&_total=none')).total).toBeUndefined();
    expect((await search(server, 'Observation?_count=1&_total=estimate')).total).toBe(4);
    expect((await search(server, 'Observation?_count=1')).total).toBeUndefined();
    expect((await search(server, 'Observation?_count=10')).total).toBe(4);
  });

  test('matches and includes spliced in as stored are the resources a read returns; subsetted ones are rewritten', async () => {
    const res = await fetch(`${server.baseUrl}/Observation?subject=Patient/p1&_include=Observation:performer`, {
      headers: { accept: 'application/fhir+json', authorization: `Bearer ${server.token}` },
    });
    const bundle = JSON.parse(await res.text()) as Bundle;
    expect(bundle.entry!.map((e) => e.search!.mode)).toEqual(['match', 'match', 'include']);
    for (const e of bundle.entry!) {
      const read = (await fhirFetch(`${server.baseUrl}/${e.resource!.resourceType}/${e.resource!.id}`)).body;
      expect(e.resource).toEqual(read);
    }
    // A subsetted entry is a new object: stringified, with its SUBSETTED tag.
    const subsetted = await (await fetch(`${server.baseUrl}/Patient?_id=p1&_elements=name`, { headers: { authorization: `Bearer ${server.token}` } })).text();
    expect(subsetted).toContain('"code":"SUBSETTED"');
    expect(subsetted).not.toContain('"birthDate"');
  });

  test('_summary=count and _count=0 give only the total; true/text/data shape entries and tag SUBSETTED', async () => {
    const count = await search(server, 'Patient?_summary=count');
    expect(count.total).toBe(3);
    expect(count.entry ?? []).toEqual([]);
    // _count=0 asks the same (R5 says so outright): the total, no entries — unless _total says otherwise.
    const none = await search(server, 'Patient?_count=0');
    expect([none.total, none.entry ?? []]).toEqual([3, []]);
    expect((await search(server, 'Patient?_count=0&_total=none')).total).toBeUndefined();
    const summary = (await search(server, 'Patient?_id=p1&_summary=true')).entry![0].resource as Patient;
    expect(summary.name).toBeDefined();
    expect(summary.managingOrganization).toBeDefined();
    expect(summary.generalPractitioner).toBeUndefined(); // not a summary element in R4
    expect(summary.meta!.tag).toContainEqual(expect.objectContaining({ code: 'SUBSETTED' }));
    const obs = (await search(server, 'Observation?_id=o1&_summary=data')).entry![0].resource as Observation;
    expect(obs.valueQuantity).toBeDefined();
    const text = (await search(server, 'Observation?_id=o1&_summary=text')).entry![0].resource as Observation;
    expect(text.valueQuantity).toBeUndefined();
    expect(text.status).toBe('final'); // mandatory elements stay
  });

  test('_elements keeps the named elements, the mandatory ones, and choice types by their base name', async () => {
    const obs = (await search(server, 'Observation?_id=o1&_elements=value,subject')).entry![0].resource as Observation;
    expect(Object.keys(obs).sort()).toEqual(['code', 'id', 'meta', 'resourceType', 'status', 'subject', 'valueQuantity']);
    expect(obs.meta!.tag).toContainEqual(expect.objectContaining({ code: 'SUBSETTED' }));
  });

  // Encounter.statusHistory is an element of its own, not a choice of `status` (which is
  // mandatory, so kept whatever is asked): only `value[x]`-style elements have typed names.
  test('_elements and _summary=true do not keep an element whose name merely starts with a kept one', async () => {
    await seed(server, [
      {
        resourceType: 'Encounter',
        id: 'e-history',
        status: 'finished',
        statusHistory: [{ status: 'in-progress', period: { start: '2024-01-05T08:00:00+07:00' } }],
        class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
        classHistory: [{ class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'EMER' }, period: { start: '2024-01-05T08:00:00+07:00' } }],
        subject: { reference: 'Patient/p1' },
        period: { start: '2024-01-05T08:00:00+07:00', end: '2024-01-05T09:00:00+07:00' },
      } as Resource,
    ]);
    const elements = (await search(server, 'Encounter?_id=e-history&_elements=subject')).entry![0].resource!;
    expect(Object.keys(elements).sort()).toEqual(['class', 'id', 'meta', 'resourceType', 'status', 'subject']);
    const summary = (await search(server, 'Encounter?_id=e-history&_summary=true')).entry![0].resource!;
    expect(Object.keys(summary).sort()).toEqual(['class', 'id', 'meta', 'resourceType', 'status', 'subject']);
  });

  // R4 search.html#self: the self link is the query as processed, so a client can tell what was
  // applied — not a _count above the cap, nor a sort key reported as ignored.
  test('the self link carries _count as capped and _sort without the keys it ignored', async () => {
    const capped = await search(server, 'Observation?_count=5000');
    expect(capped.link!.find((l) => l.relation === 'self')!.url).toBe(`${server.baseUrl}/Observation?_count=1000`);
    const sorted = await search(server, 'Patient?_sort=foo,-birthdate');
    expect(sorted.link!.find((l) => l.relation === 'self')!.url).toBe(`${server.baseUrl}/Patient?_sort=-birthdate`);
    expect(JSON.stringify(sorted.entry!.at(-1)!.resource)).toContain('_sort=foo');
  });

  // `_revinclude=Provenance:*` was taken (and repeated in the links) but never served: no
  // Provenance came, and nothing said why. It is reported as `_revinclude=*` is.
  test('_revinclude=Type:* is reported as not served, not answered with nothing', async () => {
    const bundle = await search(server, 'Observation?_id=o1&_revinclude=Provenance:*');
    expect(bundle.link!.find((l) => l.relation === 'self')!.url).toBe(`${server.baseUrl}/Observation?_id=o1`);
    expect(JSON.stringify(bundle.entry!.at(-1)!.resource)).toContain('_revinclude=Provenance:*');
    const strict = await fhirFetch(`${server.baseUrl}/Observation?_id=o1&_revinclude=Provenance:*`, { headers: { prefer: 'handling=strict' } });
    expect(strict.status).toBe(400);
  });

  test('POST [type]/_search with a form body answers like GET, and its self link is a GET URL', async () => {
    const res = await fhirFetch(`${server.baseUrl}/Patient/_search`, {
      method: 'POST',
      body: 'family=nguyen&_sort=given',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(200);
    expect(idsOf(res.body)).toEqual(['p1', 'p2']);
    const self = (res.body as Bundle).link!.find((l) => l.relation === 'self')!.url;
    expect(self).toBe(`${server.baseUrl}/Patient?family=nguyen&_sort=given`);
    expect(idsOf((await fhirFetch(self)).body)).toEqual(['p1', 'p2']);
  });

  // A body read any other way than form-encoded would drop its parameters: a search for
  // everything, wider than the one asked for.
  test('POST [type]/_search with a body that is not form-encoded is a 415, not a search for everything', async () => {
    for (const type of ['application/json', 'application/fhir+json', 'text/plain']) {
      const res = await fhirFetch(`${server.baseUrl}/Patient/_search`, { method: 'POST', body: JSON.stringify({ family: 'nguyen' }), headers: { 'content-type': type } });
      expect([type, res.status, res.body.resourceType]).toEqual([type, 415, 'OperationOutcome']);
    }
  });

  test('the seed wrote what the tests rely on', () => {
    expect(patients).toHaveLength(3);
    expect(observations).toHaveLength(4);
    expect(practitioner.id).toBe('bs-lan');
    expect(org.id).toBe('tyt-xa');
    expect(provenance.id).toBe('prov1');
  });
});
