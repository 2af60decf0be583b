import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';
import { operation, residents, setUpClinic, stationDate, vietnamese, type Clinic, type Resident } from './helpers';

/**
 * What a resident's app may write directly, beside the booking operations (docs/telemedicine.md,
 * docs/security.md): requests only in the resident's own name, and of an Appointment only a
 * cancellation (which frees the slot as $cancel does) or a comment. Everything else about a booking
 * goes through $book, $reschedule, $cancel and $join, which keep one appointment per slot and the
 * slot's status in step. Real server, residents' SMART tokens, the station's write checks on.
 */
describe("a resident's app acts in its own name and books only through the operations", () => {
  let server: TestServer;
  let clinic: Clinic;
  let me: Resident;
  let other: Resident;

  const as = (token: string | undefined, path: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}) => fhirFetch(`${server.baseUrl}/${path}`, { ...init, token });
  const post = (token: string | undefined, resource: Record<string, unknown>) => as(token, String(resource.resourceType), { method: 'POST', body: resource });
  const put = (token: string | undefined, resource: Record<string, any>) => as(token, `${resource.resourceType}/${resource.id}`, { method: 'PUT', body: resource });
  const patch = (token: string | undefined, path: string, operations: object[]) => as(token, path, { method: 'PATCH', body: operations, headers: { 'content-type': 'application/json-patch+json' } });
  const transaction = (token: string | undefined, entry: object[]) => as(token, '', { method: 'POST', body: { resourceType: 'Bundle', type: 'transaction', entry } });
  /** As the clinician sees it (the default token): unchanged by a refused write. */
  const stored = async (path: string): Promise<any> => (await as(undefined, path)).body;
  const count = async (query: string): Promise<number> => (await as(undefined, `${query}&_summary=count`)).body.total;
  const diagnostics = (res: { body: any }): string => String(res.body?.issue?.[0]?.diagnostics ?? '');

  beforeAll(async () => {
    server = await startTestServer({}, { stationRules: true });
    clinic = await setUpClinic(server);
    [me, other] = await residents(server, 2);
    const generated = await operation(server, `Schedule/${clinic.scheduleId}/$generate-slots`, { start: stationDate(0), end: stationDate(1), 'slot-minutes': 15 }, clinic.registrarToken);
    expect(generated.status).toBe(200);
  }, 120_000);
  afterAll(() => server?.close());

  describe('requests in someone else’s name', () => {
    const mine = (): string => `Patient/${me.patientId}`;
    const practitioner = (): string => `Practitioner/${clinic.practitionerId}`;
    const serviceRequest = (requester: string, id?: string): Record<string, unknown> => ({
      resourceType: 'ServiceRequest',
      ...(id ? { id } : {}),
      status: 'active',
      intent: 'order',
      code: { text: 'Xét nghiệm đường huyết' },
      subject: { reference: mine() },
      requester: { reference: requester },
    });

    test('create: a ServiceRequest asked by a practitioner or by another resident → 403 (Vietnamese, then English), nothing written', async () => {
      const before = await count(`ServiceRequest?subject=${mine()}`);
      const asDoctor = await post(me.token, serviceRequest(practitioner()));
      expect(asDoctor.status).toBe(403);
      expect(diagnostics(asDoctor)).toMatch(/^Ứng dụng chỉ .*nhân danh chính người dùng.* \/ A patient-context client .*ServiceRequest\.requester/s);
      expect(asDoctor.body.issue[0].expression).toEqual(['ServiceRequest.requester']);
      // requester is not a compartment field: the own-chart rule alone let this through.
      expect((await post(me.token, serviceRequest(`Patient/${other.patientId}`))).status).toBe(403);
      // A name without a reference is someone else's name too.
      expect((await post(me.token, { ...serviceRequest(mine()), requester: { display: 'BS. Lê Văn Minh' } })).status).toBe(403);
      expect(await count(`ServiceRequest?subject=${mine()}`)).toBe(before);
      expect((await post(me.token, serviceRequest(mine()))).status).toBe(201);
      expect((await post(me.token, { ...serviceRequest(mine()), requester: { reference: `${server.baseUrl}/${mine()}` } })).status).toBe(201);
      // Staff write requests in their own name as before.
      expect((await post(undefined, serviceRequest(practitioner()))).status).toBe(201);
    });

    test('create: the sender or requester of a CommunicationRequest, the sender of a message, the requester or owner of a Task → 403', async () => {
      const communicationRequest = (fields: Record<string, unknown>) => ({ resourceType: 'CommunicationRequest', status: 'active', subject: { reference: mine() }, payload: [{ contentString: 'Gọi lại cho tôi' }], ...fields });
      expect((await post(me.token, communicationRequest({ requester: { reference: practitioner() } }))).status).toBe(403);
      expect((await post(me.token, communicationRequest({ sender: { reference: practitioner() }, recipient: [{ reference: mine() }] }))).status).toBe(403);
      expect((await post(me.token, communicationRequest({ requester: { reference: mine() }, recipient: [{ reference: practitioner() }] }))).status).toBe(201);
      const message = (sender: string) => ({ resourceType: 'Communication', status: 'completed', subject: { reference: mine() }, sender: { reference: sender }, recipient: [{ reference: mine() }], payload: [{ contentString: 'Chị uống thuốc đều nhé' }] });
      expect((await post(me.token, message(practitioner()))).status).toBe(403);
      expect((await post(me.token, { ...message(mine()), recipient: [{ reference: practitioner() }] })).status).toBe(201);
      const task = (fields: Record<string, unknown>) => ({ resourceType: 'Task', status: 'requested', intent: 'order', for: { reference: mine() }, description: 'Cấp lại đơn thuốc', ...fields });
      expect((await post(me.token, task({ requester: { reference: practitioner() } }))).status).toBe(403);
      expect((await post(me.token, task({ requester: { reference: mine() }, owner: { reference: practitioner() } }))).status).toBe(403);
      expect((await post(me.token, task({ requester: { reference: mine() } }))).status).toBe(201);
      expect(await count(`CommunicationRequest?requester=${practitioner()}`)).toBe(0);
      expect(await count(`Task?requester=${practitioner()}`)).toBe(0);
    });

    test("update and patch: one's own request rewritten in a practitioner's name → 403, untouched", async () => {
      const id = (await post(me.token, serviceRequest(mine()))).body.id;
      expect((await put(me.token, serviceRequest(practitioner(), id))).status).toBe(403);
      const res = await patch(me.token, `ServiceRequest/${id}`, [{ op: 'replace', path: '/requester', value: { reference: practitioner() } }]);
      expect(res.status).toBe(403);
      expect(vietnamese(res.body)).toContain('nhân danh chính người dùng');
      const kept = await stored(`ServiceRequest/${id}`);
      expect([kept.requester.reference, kept.meta.versionId]).toEqual([mine(), '1']);
      expect((await patch(me.token, `ServiceRequest/${id}`, [{ op: 'add', path: '/note', value: [{ text: 'Buổi sáng' }] }])).status).toBe(200);
    });

    test("a practitioner's request in the resident's record cannot be rewritten by the app under the practitioner's name", async () => {
      const id = (await post(undefined, serviceRequest(practitioner()))).body.id;
      expect((await as(me.token, `ServiceRequest/${id}`)).status).toBe(200);
      const res = await patch(me.token, `ServiceRequest/${id}`, [{ op: 'replace', path: '/code/text', value: 'Chụp X-quang phổi' }]);
      expect(res.status).toBe(403);
      expect((await stored(`ServiceRequest/${id}`)).meta.versionId).toBe('1');
    });

    test('transaction entries: the same rule, and the whole Bundle is refused', async () => {
      const before = await count(`ServiceRequest?subject=${mine()}`);
      const entry = (resource: object) => ({ resource, request: { method: 'POST', url: 'ServiceRequest' } });
      const res = await transaction(me.token, [entry(serviceRequest(mine())), entry(serviceRequest(practitioner()))]);
      expect(res.status).toBe(403);
      expect(await count(`ServiceRequest?subject=${mine()}`)).toBe(before);
    });
  });
});
