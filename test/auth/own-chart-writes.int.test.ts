import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';
import { launch, registerPublicApp, residentWithAccount } from './smart-helpers';

// A resident's app writes its own chart only (docs/security.md): every patient a written resource
// places in the Patient compartment — as sent, and as stored before the write — must be the
// resident. Naming oneself in a secondary field (performer, asserter) beside someone else is not.
describe("a resident's app writes only its own chart", () => {
  let server: TestServer;
  let base: string;
  let clinician: string;
  let resident: string;
  let me: { patientId: string; username: string; password: string };
  let other: { patientId: string };
  /** Another patient's Observation that names the resident as performer: in both compartments. */
  let mixed: string;
  let mine: string;

  const observation = (subject: string, performer?: string): object => ({
    resourceType: 'Observation',
    status: 'final',
    code: { text: 'huyết áp' },
    subject: { reference: `Patient/${subject}` },
    ...(performer ? { performer: [{ reference: `Patient/${performer}` }] } : {}),
  });

  const as = (token: string, path: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}) => fhirFetch(`${base}/${path}`, { ...init, token });
  const patch = (path: string, operations: object[]) => as(resident, path, { method: 'PATCH', body: operations, headers: { 'content-type': 'application/json-patch+json' } });
  /** The stored Observation, as the clinician sees it: unchanged by a refused write. */
  const stored = async (id: string) => (await as(clinician, `Observation/${id}`)).body;

  beforeAll(async () => {
    server = await startTestServer();
    base = server.baseUrl;
    clinician = server.token;
    me = await residentWithAccount(server, 'Tôi');
    other = await residentWithAccount(server, 'Người khác');
    const clientId = await registerPublicApp(server);
    resident = (await launch(server, clientId, me, 'launch/patient patient/*.cruds')).access_token;
  });
  afterAll(() => server.close());

  beforeEach(async () => {
    mixed = (await as(clinician, 'Observation', { method: 'POST', body: observation(other.patientId, me.patientId) })).body.id;
    mine = (await as(clinician, 'Observation', { method: 'POST', body: observation(me.patientId) })).body.id;
  });

  test('create: another patient as subject, oneself as performer or asserter → 403 (bilingual), nothing written', async () => {
    const before = (await as(clinician, `Observation?subject=Patient/${other.patientId}&_summary=count`)).body.total;
    const res = await as(resident, 'Observation', { method: 'POST', body: observation(other.patientId, me.patientId) });
    expect(res.status).toBe(403);
    expect(res.body.issue[0].diagnostics).toMatch(/chính người dùng.*\n?.*Patient\//s);
    expect((await as(resident, 'Observation', { method: 'POST', body: observation(me.patientId, other.patientId) })).status).toBe(403);
    const allergy = {
      resourceType: 'AllergyIntolerance',
      clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'active' }] },
      verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification', code: 'confirmed' }] },
      code: { text: 'Penicillin' },
      patient: { reference: `Patient/${other.patientId}` },
      asserter: { reference: `Patient/${me.patientId}` },
    };
    expect((await as(resident, 'AllergyIntolerance', { method: 'POST', body: allergy })).status).toBe(403);
    expect((await as(clinician, `Observation?subject=Patient/${other.patientId}&_summary=count`)).body.total).toBe(before);
    expect((await as(clinician, `AllergyIntolerance?patient=Patient/${other.patientId}&_summary=count`)).body.total).toBe(0);
  });

  test("update: new content naming another patient → 403; the resident's record is untouched", async () => {
    const res = await as(resident, `Observation/${mine}`, { method: 'PUT', body: { ...observation(me.patientId, other.patientId), id: mine } });
    expect(res.status).toBe(403);
    expect((await stored(mine)).meta.versionId).toBe('1');
  });

  test("update: another patient's stored record, rewritten to name only oneself → 403, untouched", async () => {
    const res = await as(resident, `Observation/${mixed}`, { method: 'PUT', body: { ...observation(me.patientId, me.patientId), id: mixed } });
    expect(res.status).toBe(403);
    const kept = await stored(mixed);
    expect([kept.subject.reference, kept.meta.versionId]).toEqual([`Patient/${other.patientId}`, '1']);
  });

  test('patch: a result naming another patient → 403, untouched', async () => {
    const res = await patch(`Observation/${mine}`, [{ op: 'add', path: '/performer', value: [{ reference: `Patient/${other.patientId}` }] }]);
    expect(res.status).toBe(403);
    expect((await stored(mine)).meta.versionId).toBe('1');
  });

  test("patch: another patient's stored record, patched to name only oneself → 403, untouched", async () => {
    const res = await patch(`Observation/${mixed}`, [{ op: 'replace', path: '/subject', value: { reference: `Patient/${me.patientId}` } }]);
    expect(res.status).toBe(403);
    expect((await stored(mixed)).meta.versionId).toBe('1');
  });

  test("delete: another patient's stored record that names the resident → 403, not deleted", async () => {
    expect((await as(resident, `Observation/${mixed}`, { method: 'DELETE' })).status).toBe(403);
    expect((await as(clinician, `Observation/${mixed}`)).status).toBe(200);
  });

  test('transaction entries: the same rule, and the whole Bundle is refused', async () => {
    const post = (resource: object) => ({ resource, request: { method: 'POST', url: 'Observation' } });
    const bundle = (entry: object[]) => as(resident, '', { method: 'POST', body: { resourceType: 'Bundle', type: 'transaction', entry } });
    const before = (await as(clinician, `Observation?subject=Patient/${me.patientId}&_summary=count`)).body.total;
    expect((await bundle([post(observation(me.patientId)), post(observation(other.patientId, me.patientId))])).status).toBe(403);
    expect((await bundle([post(observation(me.patientId)), { request: { method: 'DELETE', url: `Observation/${mixed}` } }])).status).toBe(403);
    expect((await bundle([{ resource: { ...observation(me.patientId), id: mixed }, request: { method: 'PUT', url: `Observation/${mixed}` } }])).status).toBe(403);
    expect((await as(clinician, `Observation?subject=Patient/${me.patientId}&_summary=count`)).body.total).toBe(before);
    expect((await stored(mixed)).meta.versionId).toBe('1');
  });

  describe('a record the app writes is about the resident, not merely naming them', () => {
    const practitioner = 'Practitioner/bac-si-xa';
    /** 403 naming `path`, Vietnamese first, then English. */
    const notAbout = (res: { status: number; body: any }, path: string): void => {
      expect([res.status, res.body?.issue?.[0]?.code, res.body?.issue?.[0]?.expression]).toEqual([403, 'forbidden', [path]]);
      expect(res.body.issue[0].diagnostics).toMatch(new RegExp(`^Ứng dụng chỉ được ghi hồ sơ về chính người dùng: ${path} .* / A patient-context client writes only records about its own patient: ${path} must be Patient/`));
    };
    const about = (subject: object | undefined) => ({ resourceType: 'Observation', status: 'final', code: { text: 'huyết áp' }, ...(subject ? { subject } : {}), performer: [{ reference: `Patient/${me.patientId}` }] });

    test('create: the resident only as performer or author, the record about a practitioner, a group, a device or nobody → 403, nothing written', async () => {
      const before = (await as(clinician, `Observation?performer=Patient/${me.patientId}&_summary=count`)).body.total;
      notAbout(await as(resident, 'Observation', { method: 'POST', body: about({ reference: practitioner }) }), 'Observation.subject');
      notAbout(await as(resident, 'Observation', { method: 'POST', body: about({ reference: 'Group/ho-gia-dinh' }) }), 'Observation.subject');
      notAbout(await as(resident, 'Observation', { method: 'POST', body: about({ reference: 'Device/may-do' }) }), 'Observation.subject');
      notAbout(await as(resident, 'Observation', { method: 'POST', body: about(undefined) }), 'Observation.subject');
      notAbout(await as(resident, 'Observation', { method: 'POST', body: about({ display: 'Tôi' }) }), 'Observation.subject');
      expect((await as(clinician, `Observation?performer=Patient/${me.patientId}&_summary=count`)).body.total).toBe(before);
      const own = { reference: `Patient/${me.patientId}` };
      const document = { resourceType: 'DocumentReference', status: 'current', subject: { reference: practitioner }, author: [own], content: [{ attachment: { contentType: 'text/plain', data: 'VMOtaSBraMO0bmcgc2Fv' } }] };
      notAbout(await as(resident, 'DocumentReference', { method: 'POST', body: document }), 'DocumentReference.subject');
      notAbout(await as(resident, 'QuestionnaireResponse', { method: 'POST', body: { resourceType: 'QuestionnaireResponse', status: 'completed', author: own } }), 'QuestionnaireResponse.subject');
      const message = { resourceType: 'Communication', status: 'completed', sender: own, recipient: [{ reference: practitioner }], payload: [{ contentString: 'Chào bác sĩ' }] };
      notAbout(await as(resident, 'Communication', { method: 'POST', body: message }), 'Communication.subject');
      // About the resident, the same records are written.
      expect((await as(resident, 'Observation', { method: 'POST', body: about(own) })).status).toBe(201);
      expect((await as(resident, 'Communication', { method: 'POST', body: { ...message, subject: own } })).status).toBe(201);
    });

    test("a stored record about someone else that names the resident as performer: not rewritten, re-aimed at the resident, or deleted", async () => {
      const theirs = (await as(clinician, 'Observation', { method: 'POST', body: about({ reference: practitioner }) })).body;
      expect((await as(resident, `Observation/${theirs.id}`)).status).toBe(200);
      notAbout(await patch(`Observation/${theirs.id}`, [{ op: 'add', path: '/note', value: [{ text: 'Tôi đo' }] }]), 'Observation.subject');
      notAbout(await patch(`Observation/${theirs.id}`, [{ op: 'replace', path: '/subject', value: { reference: `Patient/${me.patientId}` } }]), 'Observation.subject');
      notAbout(await as(resident, `Observation/${theirs.id}`, { method: 'DELETE' }), 'Observation.subject');
      expect((await stored(theirs.id)).meta.versionId).toBe('1');
      // Turning one's own reading into someone else's is refused the same way.
      notAbout(await patch(`Observation/${mine}`, [{ op: 'replace', path: '/subject', value: { reference: practitioner } }, { op: 'add', path: '/performer', value: [{ reference: `Patient/${me.patientId}` }] }]), 'Observation.subject');
      notAbout(await patch(`Observation/${mine}`, [{ op: 'remove', path: '/subject' }, { op: 'add', path: '/performer', value: [{ reference: `Patient/${me.patientId}` }] }]), 'Observation.subject');
      expect((await stored(mine)).meta.versionId).toBe('1');
    });

    test('a transaction with one such entry is refused whole', async () => {
      const before = (await as(clinician, `Observation?subject=Patient/${me.patientId}&_summary=count`)).body.total;
      const post = (resource: object) => ({ resource, request: { method: 'POST', url: 'Observation' } });
      const res = await as(resident, '', { method: 'POST', body: { resourceType: 'Bundle', type: 'transaction', entry: [post(observation(me.patientId)), post(about({ reference: practitioner }))] } });
      expect(res.status).toBe(403);
      expect((await as(clinician, `Observation?subject=Patient/${me.patientId}&_summary=count`)).body.total).toBe(before);
    });
  });

  test("who-fields that name a care team or a carer: a reading taken by the station's team or by a carer, a document a carer wrote → 403", async () => {
    const own = { reference: `Patient/${me.patientId}` };
    const refused = async (type: string, body: object, path: string) => {
      const res = await as(resident, type, { method: 'POST', body });
      expect([res.status, res.body?.issue?.[0]?.expression]).toEqual([403, [path]]);
    };
    const reading = { resourceType: 'Observation', status: 'final', code: { text: 'cân nặng' }, subject: own };
    await refused('Observation', { ...reading, performer: [{ reference: 'CareTeam/nhom-tram' }] }, 'Observation.performer');
    await refused('Observation', { ...reading, performer: [{ reference: 'RelatedPerson/me-cua-toi' }] }, 'Observation.performer');
    const document = { resourceType: 'DocumentReference', status: 'current', subject: own, content: [{ attachment: { contentType: 'text/plain', data: 'VMOtaSBraMO0bmcgc2Fv' } }] };
    await refused('DocumentReference', { ...document, author: [{ reference: 'RelatedPerson/me-cua-toi' }] }, 'DocumentReference.author');
    expect((await as(resident, 'Observation', { method: 'POST', body: reading })).status).toBe(201);
  });

  test("the resident's own flows still write: home readings, a message to a practitioner, a questionnaire", async () => {
    expect((await as(resident, 'Observation', { method: 'POST', body: observation(me.patientId, me.patientId) })).status).toBe(201);
    expect((await patch(`Observation/${mine}`, [{ op: 'add', path: '/performer', value: [{ reference: `Patient/${me.patientId}` }] }])).status).toBe(200);
    // A message to the station's practitioner (bookings go through Appointment/$book: test/telemedicine/direct-writes.int.test.ts).
    const message = {
      resourceType: 'Communication',
      status: 'completed',
      subject: { reference: `Patient/${me.patientId}` },
      sender: { reference: `Patient/${me.patientId}` },
      recipient: [{ reference: 'Practitioner/bac-si-xa' }],
      payload: [{ contentString: 'Bác sĩ cho em hỏi về liều thuốc' }],
    };
    expect((await as(resident, 'Communication', { method: 'POST', body: message })).status).toBe(201);
    const answers = { resourceType: 'QuestionnaireResponse', status: 'completed', subject: { reference: `Patient/${me.patientId}` }, author: { reference: `Patient/${me.patientId}` } };
    expect((await as(resident, 'QuestionnaireResponse', { method: 'POST', body: answers })).status).toBe(201);
    expect((await as(resident, `Observation/${mine}`, { method: 'DELETE' })).status).toBe(200);
  });
});
