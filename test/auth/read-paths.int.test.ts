import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';
import { launch, registerPublicApp, residentWithAccount } from './smart-helpers';

// Every path a caller reads through is held to the rules of a direct read or search
// (docs/security.md; probe findings 1, 4, 6 and 8): includes, chains and _has, history, and the
// types a system-level search covers.
describe('read paths beside search and read', () => {
  let server: TestServer;
  let base: string;
  const tokens: Record<string, string> = {};
  let me: { patientId: string; username: string; password: string };
  let other: { patientId: string; username: string; password: string };
  let org: string;
  let otherCondition: string;
  let myVitals: string;
  let myLab: string;
  let individualReport: string;
  let summaryReport: string;

  const CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
  const VITALS_ONLY = `patient/Observation.rs?category=${CATEGORY}|vital-signs`;
  const obs = (patientId: string, category: string): object => ({
    resourceType: 'Observation',
    status: 'final',
    category: [{ coding: [{ system: CATEGORY, code: category }] }],
    code: { text: category },
    subject: { reference: `Patient/${patientId}` },
  });
  const report = (type: string, subject?: string): object => ({
    resourceType: 'MeasureReport',
    status: 'complete',
    type,
    measure: 'http://commune-ehr.example/fhir/Measure/test',
    period: { start: '2026-01-01', end: '2026-06-30' },
    ...(subject ? { subject: { reference: subject } } : {}),
  });
  const create = async (body: object): Promise<string> => {
    const res = await fhirFetch(`${base}/${(body as { resourceType: string }).resourceType}`, { method: 'POST', body });
    if (res.status !== 201) throw new Error(`create failed ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.id;
  };
  const managed = async (patientId: string): Promise<void> => {
    const patient = (await fhirFetch(`${base}/Patient/${patientId}`)).body;
    await fhirFetch(`${base}/Patient/${patientId}`, { method: 'PUT', body: { ...patient, managingOrganization: { reference: `Organization/${org}` } } });
  };
  const get = (who: string, path: string): Promise<{ status: number; body: any }> => fhirFetch(`${base}/${path}`, { token: tokens[who] });
  const keys = (bundle: any): string[] => (bundle.entry ?? []).map((e: any) => `${e.resource.resourceType}/${e.resource.id}`);

  beforeAll(async () => {
    server = await startTestServer();
    base = server.baseUrl;
    for (const role of ['registrar', 'officer']) tokens[role] = await server.staffToken([role]);
    org = await create({ resourceType: 'Organization', name: 'Trạm y tế xã (thử)' });
    me = await residentWithAccount(server, 'Tôi');
    other = await residentWithAccount(server, 'Tranthibich');
    await managed(me.patientId);
    await managed(other.patientId);
    const encounter = await create({
      resourceType: 'Encounter',
      status: 'finished',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
      subject: { reference: `Patient/${other.patientId}` },
      serviceProvider: { reference: `Organization/${org}` },
    });
    otherCondition = await create({
      resourceType: 'Condition',
      code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10', code: 'B20' }] },
      subject: { reference: `Patient/${other.patientId}` },
      encounter: { reference: `Encounter/${encounter}` },
    });
    myVitals = await create(obs(me.patientId, 'vital-signs'));
    myLab = await create(obs(me.patientId, 'laboratory'));
    individualReport = await create(report('individual', `Patient/${other.patientId}`));
    summaryReport = await create(report('summary'));
    const clientId = await registerPublicApp(server, `launch/patient openid fhirUser offline_access patient/*.cruds patient/Patient.rs patient/AuditEvent.rs ${VITALS_ONLY}`);
    tokens.resident = (await launch(server, clientId, me, 'launch/patient patient/*.cruds')).access_token;
    tokens.residentVitals = (await launch(server, clientId, me, `launch/patient patient/Patient.rs ${VITALS_ONLY}`)).access_token;
    tokens.residentLog = (await launch(server, clientId, me, 'launch/patient patient/Patient.rs patient/AuditEvent.rs')).access_token;
  });
  afterAll(() => server.close());

  test('1: includes stay in the resident’s compartment and within scope constraints, from any root type', async () => {
    const patients = await get('resident', `Organization?_id=${org}&_revinclude=Patient:organization`);
    expect(patients.status).toBe(200);
    expect(keys(patients.body)).toContain(`Patient/${me.patientId}`);
    expect(keys(patients.body)).not.toContain(`Patient/${other.patientId}`);

    const iterated = await get('resident', `Organization?_id=${org}&_revinclude=Encounter:service-provider&_revinclude:iterate=Condition:encounter`);
    expect(iterated.status).toBe(200);
    expect(keys(iterated.body).filter((k) => !k.startsWith('Organization/'))).toEqual([]);

    // The same through a batch's GET entry.
    const batch = await fhirFetch(`${base}`, {
      method: 'POST',
      token: tokens.resident,
      body: { resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'GET', url: `Organization?_id=${org}&_revinclude=Patient:organization` } }] },
    });
    expect(batch.status).toBe(200);
    expect(keys(batch.body.entry[0].resource)).not.toContain(`Patient/${other.patientId}`);

    // A vitals-only token includes vital signs, not the laboratory result it cannot read.
    const vitals = await get('residentVitals', `Patient?_id=${me.patientId}&_revinclude=Observation:subject`);
    expect(vitals.status).toBe(200);
    expect(keys(vitals.body)).toContain(`Observation/${myVitals}`);
    expect(keys(vitals.body)).not.toContain(`Observation/${myLab}`);

    // An app granted the resident's access log includes its own entries (their membership is kept
    // apart from the record's: index/compartment.ts), and no one else's.
    const log = await get('residentLog', `Patient?_id=${me.patientId}&_revinclude=AuditEvent:patient`);
    expect(log.status).toBe(200);
    const events = log.body.entry.filter((e: any) => e.resource.resourceType === 'AuditEvent').map((e: any) => JSON.stringify(e.resource));
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((e: string) => e.includes(me.patientId) && !e.includes(other.patientId))).toBe(true);

    // A clinician still gets everything.
    const clinician = await fhirFetch(`${base}/Organization?_id=${org}&_revinclude=Encounter:service-provider&_revinclude:iterate=Condition:encounter`);
    expect(keys(clinician.body)).toContain(`Condition/${otherCondition}`);
  });

  test('6: chains and _has name types the caller must be allowed to search, within its compartment', async () => {
    const condition = await get('registrar', 'Patient?_has:Condition:subject:code=B20');
    expect(condition.status).toBe(403);
    expect(condition.body.issue[0].diagnostics).toMatch(/Bạn không có quyền tìm kiếm Condition.*Not allowed to search Condition/s);
    expect((await get('registrar', 'Patient?general-practitioner:Practitioner.name=x')).status).toBe(200);
    expect((await get('officer', 'Organization?_has:Patient:organization:identifier=038185067890')).status).toBe(403);
    expect((await get('registrar', `Encounter?subject.name=Tranthibich`)).status).toBe(403);
    expect((await get('registrar', `Coverage?beneficiary:Patient._has:Condition:subject:code=B20`)).status).toBe(403);

    // A resident's inner search sees only its own record: no oracle of who else exists.
    const oracle = await get('resident', `Organization?_id=${org}&_has:Patient:organization:name=Tranthibich`);
    expect(oracle.status).toBe(200);
    expect(oracle.body.entry ?? []).toHaveLength(0);
    const own = await get('resident', `Organization?_id=${org}&_has:Patient:organization:name=Tôi`);
    expect(keys(own.body)).toEqual([`Organization/${org}`]);
    // And a constrained token's inner search meets its constraints.
    const lab = await get('residentVitals', `Patient?_id=${me.patientId}&_has:Observation:subject:category=laboratory`);
    expect(lab.status).toBe(200);
    expect(lab.body.entry ?? []).toHaveLength(0);
    // A clinician's _has is unchanged.
    expect(keys((await fhirFetch(`${base}/Patient?_has:Condition:subject:code=B20`)).body)).toEqual([`Patient/${other.patientId}`]);

    // A chain whose type the client did not name goes only through the types it may search: a
    // Provenance's target may be a resource of any type, most of which this client may not search.
    const narrow = await server.systemToken('system/Provenance.rs system/Patient.rs');
    const untyped = await fhirFetch(`${base}/Provenance?target.name=Tranthibich`, { token: narrow });
    expect(untyped.status).toBe(200);
    const typed = await fhirFetch(`${base}/Provenance?target:Organization.name=x`, { token: narrow });
    expect(typed.status).toBe(403);
    expect(typed.body.issue[0].diagnostics).toMatch(/Not allowed to search Organization/);
  });

  test('4: history keeps to the scope constraints', async () => {
    const typeHistory = await get('residentVitals', 'Observation/_history');
    expect(typeHistory.status).toBe(403);
    expect(typeHistory.body.issue[0].diagnostics).toMatch(/Observation/);
    const system = await get('residentVitals', '_history?_count=1000');
    expect(system.status).toBe(200);
    expect(keys(system.body).filter((k) => k.startsWith('Observation/'))).toEqual([]);
    expect((await get('residentVitals', `Observation/${myLab}/_history`)).status).toBe(404);
    expect((await get('residentVitals', `Observation/${myVitals}/_history`)).status).toBe(200);

    expect((await get('officer', 'MeasureReport/_history')).status).toBe(403);
    const officer = await get('officer', '_history?_count=1000');
    expect(officer.status).toBe(200);
    expect(keys(officer.body)).not.toContain(`MeasureReport/${individualReport}`);
    expect((await get('officer', `MeasureReport/${individualReport}/_history`)).status).toBe(404);
    expect((await get('officer', `MeasureReport/${summaryReport}/_history`)).status).toBe(200);
  });

  test('a scope constraint the server does not apply as a filter grants nothing, to searches as to reads', async () => {
    // A misspelt parameter was dropped from the search (every Observation answered, the laboratory
    // result too) while a read refused; a result parameter such as `_count` constrained neither.
    for (const scope of [`patient/Observation.rs?categroy=${CATEGORY}|vital-signs`, 'patient/Observation.rs?_count=1']) {
      const clientId = await registerPublicApp(server, `launch/patient ${scope}`);
      const token = (await launch(server, clientId, me, `launch/patient ${scope}`)).access_token;
      const search = await fhirFetch(`${base}/Observation`, { token });
      expect(search.status).toBe(200);
      expect(keys(search.body).filter((k) => k.startsWith('Observation/'))).toEqual([]);
      expect((await fhirFetch(`${base}/Observation/${myLab}`, { token })).status).toBe(404);
    }
  });

  test('8: $everything leaves out the types the caller may not search; an explicit _type naming one is refused', async () => {
    const registrar = await get('registrar', `Patient/${other.patientId}/$everything`);
    expect(registrar.status).toBe(200);
    expect(keys(registrar.body)).toContain(`Patient/${other.patientId}`);
    expect(keys(registrar.body).some((k) => k.startsWith('Condition/') || k.startsWith('Encounter/'))).toBe(false);
    expect((await get('registrar', `Patient/${other.patientId}/$everything?_type=Patient,Account`)).status).toBe(403);

    const vitals = await get('residentVitals', `Patient/${me.patientId}/$everything`);
    expect(vitals.status).toBe(200);
    expect(keys(vitals.body)).toContain(`Patient/${me.patientId}`);
    expect(keys(vitals.body)).not.toContain(`Observation/${myLab}`);
  });
});
