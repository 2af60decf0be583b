import type { AllergyIntolerance, AuditEvent, Bundle, Observation, Resource } from '@medplum/fhirtypes';
import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';
import { idsOf, matchIds, search, seed } from './helpers';

// A parameter whose rows another holds keeps none of its own (src/fhir/index/stored-params.ts):
// a reference narrowed to one target type (Observation `patient` = `subject.where(resolve() is
// Patient)`) is searched as the wide parameter's rows of that type, `phonetic` as `name`. Every way
// of searching them must answer as if their rows were there.
describe('parameters stored under another', () => {
  let server: TestServer;
  let observations: Observation[];
  let allergy: AllergyIntolerance;

  beforeAll(async () => {
    server = await startTestServer();
    await seed(server, [
      { resourceType: 'Patient', id: 'n-thu', name: [{ family: 'Nguyễn', given: ['Thị', 'Thư'] }] },
      { resourceType: 'Patient', id: 'n-duc', name: [{ family: 'Đặng', given: ['Đức'] }] },
      { resourceType: 'Group', id: 'n-thu', type: 'person', actual: true } as Resource,
    ]);
    const obs = (subject: Observation['subject'], code = 'x'): Observation => ({ resourceType: 'Observation', status: 'final', code: { coding: [{ system: 'http://loinc.org', code }] }, subject });
    observations = (await seed(server, [
      obs({ reference: 'Patient/n-thu' }, '8867-4'),
      obs({ reference: 'Group/n-thu' }, '8867-4'),
      obs({ reference: 'http://other.example/fhir/Patient/n-thu' }),
      obs({ reference: 'Patient/n-duc' }),
      obs({ identifier: { system: 'http://cccd.gov.vn', value: '079190001234' }, type: 'Patient' }),
    ])) as Observation[];
    [allergy] = (await seed(server, [{ resourceType: 'AllergyIntolerance', clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'active' }] }, patient: { reference: 'Patient/n-thu' } } as AllergyIntolerance])) as AllergyIntolerance[];
  });
  afterAll(() => server.close());

  const ids = (...indexes: number[]): string[] => indexes.map((i) => observations[i].id!).sort();

  test('an Observation stores its patient once, under subject, and is still in the Patient compartment', async () => {
    const rows = await server.db.query<{ param: string }>(
      `SELECT param FROM idx_reference WHERE resource_type = 'Observation' AND resource_id = $1 ORDER BY param`,
      [observations[0].id],
    );
    expect(rows.map((r) => r.param)).toEqual(['subject']);
    expect(await matchIds(server, 'Patient/n-thu/Observation')).toEqual(ids(0));
  });

  test('patient= matches only subjects that are Patients', async () => {
    expect(await matchIds(server, 'Observation?patient=n-thu')).toEqual(ids(0));
    expect(await matchIds(server, 'Observation?patient=Patient/n-thu')).toEqual(ids(0));
    expect(await matchIds(server, 'Observation?patient=Group/n-thu')).toEqual([]);
    expect(await matchIds(server, `Observation?patient=${encodeURIComponent('http://other.example/fhir/Patient/n-thu')}`)).toEqual([]);
    expect(await matchIds(server, 'Observation?subject=Group/n-thu')).toEqual(ids(1));
  });

  test(':missing counts only Patient subjects; :identifier keeps its own rows', async () => {
    expect(await matchIds(server, 'Observation?patient:missing=true&_id=' + observations.map((o) => o.id).join(','))).toEqual(ids(1, 2, 4));
    expect(await matchIds(server, 'Observation?patient:missing=false&_id=' + observations.map((o) => o.id).join(','))).toEqual(ids(0, 3));
    expect(await matchIds(server, 'Observation?patient:identifier=http://cccd.gov.vn|079190001234')).toEqual(ids(4));
  });

  // `Observation.subject.where(resolve() is Patient)`: a literal reference names its type as surely
  // as `type` does, so its identifier is the patient's (the row was written only with `type`).
  test(':identifier of a narrowed reference: a literal reference to a Patient makes it the patient\'s identifier', async () => {
    const obs = (subject: Observation['subject']): Observation => ({ resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject });
    const [patient, group] = await seed(server, [
      obs({ reference: 'Patient/n-duc', identifier: { system: 'http://cccd.gov.vn', value: '079190005678' } }),
      obs({ reference: 'Group/n-thu', identifier: { system: 'http://cccd.gov.vn', value: '079190009999' } }),
    ]);
    expect(await matchIds(server, 'Observation?patient:identifier=http://cccd.gov.vn|079190005678')).toEqual([patient.id]);
    expect(await matchIds(server, 'Observation?patient:identifier=http://cccd.gov.vn|079190009999')).toEqual([]);
    expect(await matchIds(server, 'Observation?subject:identifier=http://cccd.gov.vn|079190009999')).toEqual([group.id]);
  });

  test('chains, _has, _include and _revinclude through the narrowed parameter', async () => {
    expect(await matchIds(server, 'Observation?patient.name=nguyen')).toEqual(ids(0));
    expect(await matchIds(server, 'Patient?_has:Observation:patient:code=8867-4&_id=n-thu,n-duc')).toEqual(['n-thu']);
    const included = await search(server, `Observation?_id=${observations[0].id},${observations[1].id}&_include=Observation:patient`);
    expect(idsOf(included, 'include')).toEqual(['n-thu']);
    expect(included.entry!.filter((e) => e.search?.mode === 'include').map((e) => e.resource!.resourceType)).toEqual(['Patient']);
    const reverse = await search(server, 'Patient?_id=n-thu&_revinclude=Observation:patient');
    expect(idsOf(reverse, 'include')).toEqual(ids(0));
  });

  test('_sort by a narrowed parameter orders by the Patient it refers to', async () => {
    const [thu, duc] = [observations[0].id!, observations[3].id!];
    expect(idsOf(await search(server, `Observation?_id=${thu},${duc}&_sort=patient`))).toEqual([duc, thu]); // n-duc < n-thu
    expect(idsOf(await search(server, `Observation?_id=${thu},${duc}&_sort=-patient`))).toEqual([thu, duc]);
  });

  test('a search over types that store the parameter differently answers for each', async () => {
    const bundle = await search(server, '?_type=Observation,AllergyIntolerance&patient=Patient/n-thu');
    expect(idsOf(bundle).sort()).toEqual([...ids(0), allergy.id!].sort());
    expect(bundle.entry!.some((e) => e.search?.mode === 'outcome')).toBe(false);
  });

  test('AuditEvent?patient= finds records naming the Patient as agent or entity', async () => {
    const event = (agent: string, entity: string): AuditEvent =>
      ({
        resourceType: 'AuditEvent',
        type: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest' },
        recorded: '2026-11-29T10:00:00Z',
        agent: [{ who: { reference: agent }, requestor: true }],
        source: { observer: { display: 'test' } },
        entity: [{ what: { reference: entity } }],
      }) as AuditEvent;
    // Only the server writes AuditEvents (staff may not): stored through the engine, read over HTTP by an auditor.
    const [asAgent, asEntity, neither] = await Promise.all(
      [event('Patient/n-duc', 'Observation/x'), event('Practitioner/p1', 'Patient/n-duc'), event('Practitioner/p1', 'Group/n-duc')].map(async (e) => (await server.engine.repo.create(e)).resource),
    );
    const auditor = await server.staffToken(['auditor']);
    const res = await fhirFetch(`${server.baseUrl}/AuditEvent?patient=n-duc&_id=${asAgent.id},${asEntity.id},${neither.id}`, { token: auditor });
    expect(res.status).toBe(200);
    expect(idsOf(res.body as Bundle).sort()).toEqual([asAgent.id, asEntity.id].sort());
  });

  test('phonetic, identical to name, is stored once under name and searched, sorted and :missing through it', async () => {
    const rows = await server.db.query<{ param: string }>(`SELECT DISTINCT param FROM idx_string WHERE resource_type = 'Patient' AND resource_id = 'n-thu' ORDER BY param`);
    expect(rows.map((r) => r.param)).toContain('name');
    expect(rows.map((r) => r.param).filter((p) => p.startsWith('phonetic'))).toEqual([]);
    expect(await matchIds(server, 'Patient?phonetic=thu&_id=n-thu,n-duc')).toEqual(['n-thu']);
    expect(await matchIds(server, 'Patient?phonetic:exact=Đặng&_id=n-thu,n-duc')).toEqual(['n-duc']);
    expect(await matchIds(server, 'Patient?phonetic:missing=false&_id=n-thu,n-duc')).toEqual(['n-duc', 'n-thu']);
    const sorted = await search(server, 'Patient?_id=n-thu,n-duc&_sort=-phonetic');
    expect(idsOf(sorted)).toEqual(['n-thu', 'n-duc']); // "nguyen thi thu" after "dang duc"
    const byName = await search(server, 'Patient?_id=n-thu,n-duc&_sort=phonetic');
    expect(idsOf(byName)).toEqual(['n-duc', 'n-thu']);
  });
});
