import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';
import { launch, registerPublicApp, residentWithAccount, tokenRequest } from './smart-helpers';

/**
 * A resident's app writes directly only the types of its own flows (src/fhir/store/own-types.ts,
 * docs/security.md): home readings, forms, messages, a photo or document, reported allergies and
 * medicines, its own Patient's contact details, and Appointments as the booking rules allow. Every
 * other type of its compartment — claims, insurance, encounters, diagnoses, vaccines, orders,
 * reports — is 403 naming the type, on every write path, though its `patient/*.cruds` scope
 * grants it; reading stays as it was. Real HTTP, a resident's SMART token.
 */
describe("a resident's app writes only the types of its own flows", () => {
  let server: TestServer;
  let clinician: string;
  let resident: string;
  let me: { patientId: string; username: string; password: string };
  const own = () => ({ reference: `Patient/${me.patientId}` });

  const as = (token: string, path: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}) => fhirFetch(`${server.baseUrl}/${path}`, { ...init, token });
  const count = async (query: string): Promise<number> => (await as(clinician, `${query}&_summary=count`)).body.total;
  /** 403, Vietnamese first then English, naming the type and the interaction. */
  const refused = (res: { status: number; body: any }, type: string, verb: 'create' | 'update' | 'delete', inTransaction = false): void => {
    const vi = { create: 'tạo', update: 'sửa', delete: 'xóa' }[verb];
    expect([type, verb, res.status, res.body?.issue?.[0]?.code]).toEqual([type, verb, 403, 'forbidden']);
    // A transaction's refusal names the entry first ("Mục 1 của giao dịch thất bại… / Transaction entry 1 failed…: ").
    const prefix = inTransaction ? '^Mục \\d+ của giao dịch.*: ' : '^';
    expect(res.body.issue[0].diagnostics).toMatch(new RegExp(`${prefix}Ứng dụng của người dân không được ${vi} ${type}: .* / A resident's app does not ${verb} ${type}: `));
  };

  beforeAll(async () => {
    server = await startTestServer();
    clinician = server.token;
    me = await residentWithAccount(server, 'Tôi');
    // A token granted today names only what the server allows (see the last test); this one is a
    // grant made before that, still `patient/*.cruds` and refreshed since (refresh families live
    // 90 days): the server's own check is what stops its writes.
    const app = await registerPublicApp(server);
    const granted = await launch(server, app, me, 'launch/patient offline_access patient/*.cruds');
    await server.db.query(`UPDATE oauth_grant SET scope = 'launch/patient offline_access patient/*.cruds' WHERE patient_id = $1`, [me.patientId]);
    const refreshed = await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: granted.refresh_token, client_id: app });
    expect(refreshed.body.scope).toBe('launch/patient offline_access patient/*.cruds');
    resident = refreshed.body.access_token;
  });

  test('a token granted today names what the app may write: patient/*.cruds asked, its own flows given', async () => {
    const token = await launch(server, await registerPublicApp(server), me, 'launch/patient offline_access patient/*.cruds');
    expect(token.scope.split(' ')).toEqual([
      'launch/patient', 'offline_access', 'patient/*.rs', 'patient/Observation.cud', 'patient/QuestionnaireResponse.cud', 'patient/Communication.cud',
      'patient/DocumentReference.cud', 'patient/Media.cud', 'patient/AllergyIntolerance.cud', 'patient/MedicationStatement.cud', 'patient/Appointment.cud', 'patient/Patient.u',
    ]);
    const refused = await as(token.access_token, 'Condition', { method: 'POST', body: chart().Condition });
    expect([refused.status, refused.body.issue[0].diagnostics]).toEqual([403, 'Bạn không có quyền tạo Condition / Not allowed to create Condition']);
    const reading = await as(token.access_token, 'Observation', { method: 'POST', body: { resourceType: 'Observation', status: 'final', code: { text: 'Huyết áp' }, subject: own(), valueString: '120/80' } });
    expect(reading.status).toBe(201);
  });
  afterAll(() => server.close());

  /** A record of each refused type about the resident, as the station (or an insurer's feed) would hold it. */
  const chart = (): Record<string, Record<string, unknown>> => ({
    Condition: { resourceType: 'Condition', subject: own(), code: { text: 'Tăng huyết áp' } },
    Encounter: { resourceType: 'Encounter', status: 'finished', class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' }, subject: own() },
    Immunization: { resourceType: 'Immunization', status: 'completed', patient: own(), vaccineCode: { text: 'Cúm' }, occurrenceDateTime: '2026-10-01' },
    MedicationRequest: { resourceType: 'MedicationRequest', status: 'active', intent: 'order', subject: own(), medicationCodeableConcept: { text: 'Amlodipin 5 mg' } },
    DiagnosticReport: { resourceType: 'DiagnosticReport', status: 'final', code: { text: 'Xét nghiệm máu' }, subject: own() },
    Coverage: { resourceType: 'Coverage', status: 'active', beneficiary: own(), payor: [{ display: 'BHXH Thanh Hóa' }] },
    ClaimResponse: { resourceType: 'ClaimResponse', status: 'active', type: { text: 'khám bệnh' }, use: 'claim', patient: own(), created: '2026-10-01', insurer: { display: 'BHXH' }, outcome: 'complete' },
    ExplanationOfBenefit: {
      resourceType: 'ExplanationOfBenefit', status: 'active', type: { text: 'khám bệnh' }, use: 'claim', patient: own(), created: '2026-10-01',
      insurer: { display: 'BHXH' }, provider: { display: 'Trạm y tế' }, outcome: 'complete', insurance: [{ focal: true, coverage: { display: 'BHYT' } }],
    },
    CoverageEligibilityResponse: {
      resourceType: 'CoverageEligibilityResponse', status: 'active', purpose: ['validation'], patient: own(), created: '2026-10-01',
      request: { display: 'hỏi thẻ' }, outcome: 'complete', insurer: { display: 'BHXH' },
    },
    ImmunizationEvaluation: {
      resourceType: 'ImmunizationEvaluation', status: 'completed', patient: own(), targetDisease: { text: 'Cúm' },
      immunizationEvent: { display: 'mũi 1' }, doseStatus: { text: 'hợp lệ' },
    },
    MeasureReport: { resourceType: 'MeasureReport', status: 'complete', type: 'individual', measure: 'http://example.vn/Measure/x', subject: own(), period: { start: '2026-01-01', end: '2026-12-31' } },
    Basic: { resourceType: 'Basic', code: { text: 'đăng ký ứng dụng' }, subject: own() },
    Consent: {
      resourceType: 'Consent', status: 'active', patient: own(), category: [{ text: 'chia sẻ' }],
      scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
      policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTIN' }] },
    },
    ServiceRequest: { resourceType: 'ServiceRequest', status: 'active', intent: 'order', code: { text: 'Xét nghiệm đường huyết' }, subject: own() },
    CarePlan: { resourceType: 'CarePlan', status: 'active', intent: 'plan', subject: own() },
  });

  test('the types of its own flows are written: readings, forms, messages, photos, documents, allergies, medicines, its contact details', async () => {
    const allowed = [
      { resourceType: 'Observation', status: 'final', code: { text: 'Cân nặng tại nhà' }, subject: own(), valueQuantity: { value: 52, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' } },
      { resourceType: 'QuestionnaireResponse', status: 'completed', subject: own(), author: own() },
      { resourceType: 'Communication', status: 'completed', subject: own(), sender: own(), payload: [{ contentString: 'Chào bác sĩ' }] },
      { resourceType: 'DocumentReference', status: 'current', subject: own(), content: [{ attachment: { contentType: 'text/plain', data: 'VMOtaSBraMO0bmcgc2Fv' } }] },
      { resourceType: 'Media', status: 'completed', subject: own(), content: { contentType: 'image/png', data: 'iVBORw0KGgo=' } },
      {
        resourceType: 'AllergyIntolerance',
        clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'active' }] },
        verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification', code: 'unconfirmed' }] },
        patient: own(),
        code: { text: 'Tôm' },
      },
      { resourceType: 'MedicationStatement', status: 'active', subject: own(), medicationCodeableConcept: { text: 'Amlodipin 5 mg' } },
    ];
    for (const body of allowed) {
      const created = await as(resident, body.resourceType, { method: 'POST', body });
      expect([body.resourceType, created.status]).toEqual([body.resourceType, 201]);
      const updated = await as(resident, `${body.resourceType}/${created.body.id}`, { method: 'PUT', body: { ...created.body, meta: undefined, language: 'vi' } });
      expect([body.resourceType, updated.status]).toEqual([body.resourceType, 200]);
      expect([body.resourceType, (await as(resident, `${body.resourceType}/${created.body.id}`, { method: 'DELETE' })).status]).toEqual([body.resourceType, 200]);
    }
    const patient = (await as(resident, `Patient/${me.patientId}`)).body;
    expect((await as(resident, `Patient/${me.patientId}`, { method: 'PUT', body: { ...patient, telecom: [{ system: 'phone', value: '0912345678' }] } })).status).toBe(200);
  });

  test('an allergy the resident reports is unconfirmed: confirmed is refused (403) on create, update and patch; one a clinician confirmed keeps it through the app\'s edit', async () => {
    const verification = (code: string) => ({ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification', code }] });
    const active = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'active' }] };
    const allergy = { resourceType: 'AllergyIntolerance', clinicalStatus: active, patient: own(), asserter: own(), code: { text: 'Đậu phộng' } };
    const confirmedByApp = await as(resident, 'AllergyIntolerance', { method: 'POST', body: { ...allergy, verificationStatus: verification('confirmed') } });
    expect([confirmedByApp.status, confirmedByApp.body.issue[0].expression]).toEqual([403, ['AllergyIntolerance.verificationStatus']]);
    expect(confirmedByApp.body.issue[0].diagnostics).toMatch(/chưa xác nhận.*\/ A resident's app records an allergy as unconfirmed/);
    const reported = await as(resident, 'AllergyIntolerance', { method: 'POST', body: allergy });
    expect(reported.status).toBe(201);
    const url = `AllergyIntolerance/${reported.body.id}`;
    expect((await as(resident, url, { method: 'PUT', body: { ...reported.body, verificationStatus: verification('confirmed') } })).status).toBe(403);
    const patch = [{ op: 'add', path: '/verificationStatus', value: verification('confirmed') }];
    expect((await as(resident, url, { method: 'PATCH', body: patch, headers: { 'content-type': 'application/json-patch+json' } })).status).toBe(403);
    expect((await as(clinician, url)).body.verificationStatus).toBeUndefined();
    // The clinician confirms it after examining; the resident then adds a note and keeps the status.
    const confirmed = await as(clinician, url, { method: 'PUT', body: { ...(await as(clinician, url)).body, verificationStatus: verification('confirmed') } });
    expect(confirmed.status).toBe(200);
    const noted = await as(resident, url, { method: 'PUT', body: { ...confirmed.body, meta: undefined, note: [{ text: 'Nổi mẩn sau 10 phút' }] } });
    expect(noted.status).toBe(200);
    expect(noted.body.verificationStatus.coding[0].code).toBe('confirmed');
    // Withdrawing their own report is theirs to do.
    expect((await as(resident, url, { method: 'PUT', body: { ...noted.body, meta: undefined, verificationStatus: verification('refuted') } })).status).toBe(200);
  });

  test('any other type of its compartment: POST, PUT onto a new id, conditional create → 403 naming the type; nothing written; staff write them as before', async () => {
    const before = await Promise.all(Object.keys(chart()).map((type) => count(`${type}?patient=Patient/${me.patientId}`)));
    for (const [type, body] of Object.entries(chart())) {
      refused(await as(resident, type, { method: 'POST', body }), type, 'create');
      refused(await as(resident, `${type}/moi-${type.toLowerCase()}`, { method: 'PUT', body: { ...body, id: `moi-${type.toLowerCase()}` } }), type, 'create');
      refused(await as(resident, type, { method: 'POST', body, headers: { 'if-none-exist': '_id=khong-co' } }), type, 'create');
    }
    // Unchanged (the enrolment recorded a Consent before: the station's).
    expect(await Promise.all(Object.keys(chart()).map((type) => count(`${type}?patient=Patient/${me.patientId}`)))).toEqual(before);
    for (const [type, body] of Object.entries(chart())) expect([type, (await as(clinician, type, { method: 'POST', body })).status]).toEqual([type, 201]);
  });

  test("the station's records of those types: read by the app, but not updated, patched or deleted (403, unchanged)", async () => {
    for (const type of ['Condition', 'Encounter', 'Immunization', 'ClaimResponse', 'Coverage']) {
      const stored = (await as(clinician, type, { method: 'POST', body: chart()[type] })).body;
      expect([type, (await as(resident, `${type}/${stored.id}`)).status]).toEqual([type, 200]);
      refused(await as(resident, `${type}/${stored.id}`, { method: 'PUT', body: { ...stored, meta: undefined, language: 'vi' } }), type, 'update');
      const patch = await as(resident, `${type}/${stored.id}`, { method: 'PATCH', body: [{ op: 'add', path: '/language', value: 'vi' }], headers: { 'content-type': 'application/json-patch+json' } });
      refused(patch, type, 'update');
      refused(await as(resident, `${type}/${stored.id}`, { method: 'DELETE' }), type, 'delete');
      refused(await as(resident, `${type}?_id=${stored.id}`, { method: 'DELETE' }), type, 'delete');
      expect([type, (await as(clinician, `${type}/${stored.id}`)).body.meta.versionId]).toEqual([type, '1']);
    }
  });

  test('its own Patient: updated, never created or deleted', async () => {
    refused(await as(resident, 'Patient', { method: 'POST', body: { resourceType: 'Patient', name: [{ family: 'Mới' }] } }), 'Patient', 'create');
    refused(await as(resident, `Patient/${me.patientId}`, { method: 'DELETE' }), 'Patient', 'delete');
    expect((await as(clinician, `Patient/${me.patientId}`)).status).toBe(200);
  });

  test('a transaction or batch entry of such a type: the whole transaction refused, nothing written; in a batch that entry alone', async () => {
    const reading = { resourceType: 'Observation', status: 'final', code: { text: 'Đường huyết' }, subject: own() };
    const before = await count(`Observation?subject=Patient/${me.patientId}`);
    const entries = (type: string) => [
      { resource: reading, request: { method: 'POST', url: 'Observation' } },
      { resource: chart()[type], request: { method: 'POST', url: type } },
    ];
    for (const type of ['Condition', 'ExplanationOfBenefit', 'MedicationRequest']) {
      refused(await as(resident, '', { method: 'POST', body: { resourceType: 'Bundle', type: 'transaction', entry: entries(type) } }), type, 'create', true);
    }
    const stored = (await as(clinician, 'Condition', { method: 'POST', body: chart().Condition })).body;
    const del = await as(resident, '', { method: 'POST', body: { resourceType: 'Bundle', type: 'transaction', entry: [entries('Condition')[0], { request: { method: 'DELETE', url: `Condition/${stored.id}` } }] } });
    refused(del, 'Condition', 'delete', true);
    expect(await count(`Observation?subject=Patient/${me.patientId}`)).toBe(before);
    expect((await as(clinician, `Condition/${stored.id}`)).status).toBe(200);

    const batch = await as(resident, '', { method: 'POST', body: { resourceType: 'Bundle', type: 'batch', entry: entries('Condition') } });
    expect(batch.status).toBe(200);
    expect(batch.body.entry.map((e: any) => e.response.status.slice(0, 3))).toEqual(['201', '403']);
    expect(await count(`Observation?subject=Patient/${me.patientId}`)).toBe(before + 1);
  });
});
