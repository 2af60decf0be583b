import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';
import { freeSlots, issueCode, operation, residents, setUpClinic, stationDate, vietnamese, type Clinic, type Resident } from './helpers';

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

  describe('requests and messages in someone else’s name', () => {
    const mine = (): string => `Patient/${me.patientId}`;
    const practitioner = (): string => `Practitioner/${clinic.practitionerId}`;
    const message = (sender: string, id?: string): Record<string, unknown> => ({
      resourceType: 'Communication',
      ...(id ? { id } : {}),
      status: 'completed',
      subject: { reference: mine() },
      sender: { reference: sender },
      recipient: [{ reference: sender === mine() ? practitioner() : mine() }],
      payload: [{ contentString: 'Chị uống thuốc đều nhé' }],
    });

    // Orders, reminders and tasks are the station's: the app writes none of them (src/fhir/store/own-types.ts),
    // and its token is not granted them (src/auth/oauth-model.ts RESIDENT_SCOPE_CEILING), which refuses first.
    test('a ServiceRequest, CommunicationRequest or Task, even in its own name → 403 naming the type; staff write them as before', async () => {
      const serviceRequest = { resourceType: 'ServiceRequest', status: 'active', intent: 'order', code: { text: 'Xét nghiệm đường huyết' }, subject: { reference: mine() }, requester: { reference: mine() } };
      const communicationRequest = { resourceType: 'CommunicationRequest', status: 'active', subject: { reference: mine() }, requester: { reference: mine() }, payload: [{ contentString: 'Gọi lại cho tôi' }] };
      const task = { resourceType: 'Task', status: 'requested', intent: 'order', for: { reference: mine() }, requester: { reference: mine() }, description: 'Cấp lại đơn thuốc' };
      for (const resource of [serviceRequest, communicationRequest, task]) {
        const res = await post(me.token, resource);
        expect([resource.resourceType, res.status]).toEqual([resource.resourceType, 403]);
        expect(diagnostics(res)).toBe(`Bạn không có quyền tạo ${resource.resourceType} / Not allowed to create ${resource.resourceType}`);
      }
      expect(await count(`ServiceRequest?subject=${mine()}`)).toBe(0);
      expect((await post(undefined, { ...serviceRequest, requester: { reference: practitioner() } })).status).toBe(201);
    });

    test('create: a message sent in a practitioner’s or another resident’s name → 403 (Vietnamese, then English), nothing written', async () => {
      const before = await count(`Communication?subject=${mine()}`);
      const asDoctor = await post(me.token, message(practitioner()));
      expect(asDoctor.status).toBe(403);
      expect(diagnostics(asDoctor)).toMatch(/^Ứng dụng chỉ .*nhân danh chính người dùng.* \/ A patient-context client .*Communication\.sender/s);
      expect(asDoctor.body.issue[0].expression).toEqual(['Communication.sender']);
      expect((await post(me.token, message(`Patient/${other.patientId}`))).status).toBe(403);
      // A name without a reference is someone else's name too.
      expect((await post(me.token, { ...message(mine()), sender: { display: 'BS. Lê Văn Minh' } })).status).toBe(403);
      expect(await count(`Communication?subject=${mine()}`)).toBe(before);
      expect((await post(me.token, message(mine()))).status).toBe(201);
      expect((await post(me.token, { ...message(mine()), sender: { reference: `${server.baseUrl}/${mine()}` } })).status).toBe(201);
      // Staff write messages in their own name as before.
      expect((await post(undefined, message(practitioner()))).status).toBe(201);
    });

    test("update and patch: one's own message rewritten in a practitioner's name → 403, untouched", async () => {
      const id = (await post(me.token, message(mine()))).body.id;
      expect((await put(me.token, message(practitioner(), id))).status).toBe(403);
      const res = await patch(me.token, `Communication/${id}`, [{ op: 'replace', path: '/sender', value: { reference: practitioner() } }]);
      expect(res.status).toBe(403);
      expect(vietnamese(res.body)).toContain('nhân danh chính người dùng');
      const kept = await stored(`Communication/${id}`);
      expect([kept.sender.reference, kept.meta.versionId]).toEqual([mine(), '1']);
      expect((await patch(me.token, `Communication/${id}`, [{ op: 'add', path: '/note', value: [{ text: 'Buổi sáng' }] }])).status).toBe(200);
    });

    test("a practitioner's message in the resident's record cannot be rewritten by the app under the practitioner's name", async () => {
      const id = (await post(undefined, message(practitioner()))).body.id;
      expect((await as(me.token, `Communication/${id}`)).status).toBe(200);
      const res = await patch(me.token, `Communication/${id}`, [{ op: 'replace', path: '/payload/0/contentString', value: 'Không cần uống thuốc nữa' }]);
      expect(res.status).toBe(403);
      expect((await stored(`Communication/${id}`)).meta.versionId).toBe('1');
    });

    test('transaction entries: the same rule, and the whole Bundle is refused', async () => {
      const before = await count(`Communication?subject=${mine()}`);
      const entry = (resource: object) => ({ resource, request: { method: 'POST', url: 'Communication' } });
      const res = await transaction(me.token, [entry(message(mine())), entry(message(practitioner()))]);
      expect(res.status).toBe(403);
      expect(await count(`Communication?subject=${mine()}`)).toBe(before);
    });
  });

  describe('records in someone else’s name (who took, wrote, recorded or did it)', () => {
    const mine = (): string => `Patient/${me.patientId}`;
    const practitioner = (): string => `Practitioner/${clinic.practitionerId}`;
    const homeReading = (fields: Record<string, unknown> = {}): Record<string, unknown> => ({
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '85354-9', display: 'Blood pressure panel' }], text: 'Huyết áp đo tại nhà' },
      subject: { reference: mine() },
      effectiveDateTime: new Date(Date.now() - 3_600_000).toISOString(),
      component: [
        { code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] }, valueQuantity: { value: 150, unit: 'mmHg', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' } },
        { code: { coding: [{ system: 'http://loinc.org', code: '8462-4' }] }, valueQuantity: { value: 95, unit: 'mmHg', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' } },
      ],
      ...fields,
    });
    const refused = (res: { status: number; body: any }, path: string): void => {
      expect([res.status, res.body?.issue?.[0]?.expression]).toEqual([403, [path]]);
      expect(diagnostics(res)).toMatch(/^Ứng dụng chỉ .*nhân danh chính người dùng.* \/ A patient-context client acts only in its own name/s);
    };

    test('a home reading that claims a practitioner, the station, a carer or another resident took it → 403, nothing written; in its own name or with no performer → 201', async () => {
      const before = await count(`Observation?subject=${mine()}`);
      refused(await post(me.token, homeReading({ performer: [{ reference: practitioner() }] })), 'Observation.performer');
      refused(await post(me.token, homeReading({ performer: [{ reference: `PractitionerRole/${clinic.practitionerId}` }] })), 'Observation.performer');
      refused(await post(me.token, homeReading({ performer: [{ reference: 'Organization/tram-y-te-xa' }] })), 'Observation.performer');
      // Beside the resident's own name, or as a bare name, it is still someone else's.
      refused(await post(me.token, homeReading({ performer: [{ reference: mine() }, { reference: practitioner() }] })), 'Observation.performer');
      refused(await post(me.token, homeReading({ performer: [{ display: 'Y sĩ Nguyễn Thị Hoa' }] })), 'Observation.performer');
      // Residents' tokens are never a carer's: a RelatedPerson, even the resident's own, is refused too.
      refused(await post(me.token, homeReading({ performer: [{ reference: 'RelatedPerson/con-gai' }] })), 'Observation.performer');
      expect((await post(me.token, homeReading({ performer: [{ reference: `Patient/${other.patientId}` }] }))).status).toBe(403);
      // A note "by" the doctor is the doctor's word.
      refused(await post(me.token, homeReading({ note: [{ authorReference: { reference: practitioner() }, text: 'Bình thường' }] })), 'Observation.note.authorReference');
      refused(await post(me.token, homeReading({ note: [{ authorString: 'BS. Lê Văn Minh', text: 'Bình thường' }] })), 'Observation.note.authorString');
      expect(await count(`Observation?subject=${mine()}`)).toBe(before);
      expect((await post(me.token, homeReading({ performer: [{ reference: mine() }], note: [{ authorReference: { reference: mine() }, text: 'Sau khi ăn' }] }))).status).toBe(201);
      expect((await post(me.token, homeReading())).status).toBe(201);
      // The station records readings in its staff's name as before.
      expect((await post(undefined, homeReading({ performer: [{ reference: practitioner() }] }))).status).toBe(201);
    });

    test('author of a document or questionnaire answers, its source, the operator of a photo → 403', async () => {
      const document = { resourceType: 'DocumentReference', status: 'current', subject: { reference: mine() }, content: [{ attachment: { contentType: 'text/plain', data: 'VMOtaSBraMO0bmcgc2Fv' } }] };
      refused(await post(me.token, { ...document, author: [{ reference: practitioner() }] }), 'DocumentReference.author');
      refused(await post(me.token, { ...document, authenticator: { reference: practitioner() } }), 'DocumentReference.authenticator');
      expect((await post(me.token, { ...document, author: [{ reference: mine() }] })).status).toBe(201);
      const answers = { resourceType: 'QuestionnaireResponse', status: 'completed', subject: { reference: mine() } };
      refused(await post(me.token, { ...answers, author: { reference: practitioner() } }), 'QuestionnaireResponse.author');
      refused(await post(me.token, { ...answers, author: { reference: mine() }, source: { reference: practitioner() } }), 'QuestionnaireResponse.source');
      expect((await post(me.token, { ...answers, author: { reference: mine() }, source: { reference: mine() } })).status).toBe(201);
      const photo = { resourceType: 'Media', status: 'completed', subject: { reference: mine() }, content: { contentType: 'image/png', data: 'iVBORw0KGgo=' } };
      refused(await post(me.token, { ...photo, operator: { reference: practitioner() } }), 'Media.operator');
      expect((await post(me.token, { ...photo, operator: { reference: mine() } })).status).toBe(201);
    });

    test('recorder or asserter of an allergy, where a medicine was heard of → 403 (conditions, vaccines, procedures and encounters are not the app’s to write at all: test/auth/resident-write-types.int.test.ts)', async () => {
      const code = (text: string) => ({ text });
      const allergy = {
        resourceType: 'AllergyIntolerance',
        clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'active' }] },
        verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification', code: 'unconfirmed' }] },
        patient: { reference: mine() },
        code: code('Tôm'),
      };
      refused(await post(me.token, { ...allergy, recorder: { reference: practitioner() } }), 'AllergyIntolerance.recorder');
      refused(await post(me.token, { ...allergy, asserter: { reference: practitioner() } }), 'AllergyIntolerance.asserter');
      expect((await post(me.token, { ...allergy, recorder: { reference: mine() }, asserter: { reference: mine() } })).status).toBe(201);
      const statement = { resourceType: 'MedicationStatement', status: 'active', subject: { reference: mine() }, medicationCodeableConcept: code('Amlodipin 5 mg') };
      refused(await post(me.token, { ...statement, informationSource: { reference: practitioner() } }), 'MedicationStatement.informationSource');
      expect((await post(me.token, { ...statement, informationSource: { reference: mine() } })).status).toBe(201);
    });

    test("a staff-written reading syncs to the app, but the app cannot rewrite it under the staff member's name; a transaction is refused whole", async () => {
      const staffReading = (await post(undefined, homeReading({ performer: [{ reference: practitioner() }] }))).body;
      expect((await as(me.token, `Observation/${staffReading.id}`)).status).toBe(200);
      const synced = await as(me.token, `Observation?_id=${staffReading.id}`);
      expect(synced.body.entry?.map((e: any) => e.resource.id)).toEqual([staffReading.id]);
      refused(await patch(me.token, `Observation/${staffReading.id}`, [{ op: 'add', path: '/note', value: [{ text: 'Tôi quên uống thuốc' }] }]), 'Observation.performer');
      refused(await put(me.token, { ...staffReading, status: 'amended' }), 'Observation.performer');
      // Nor delete it: that would erase the clinician's reading from the record as surely.
      const deleted = await as(me.token, `Observation/${staffReading.id}`, { method: 'DELETE' });
      expect([deleted.status, deleted.body?.issue?.[0]?.expression]).toEqual([403, ['Observation.performer']]);
      expect(diagnostics(deleted)).toContain('chỉ được xóa hồ sơ do chính người dùng ghi');
      expect((await stored(`Observation/${staffReading.id}`)).meta.versionId).toBe('1');
      // One's own reading cannot be turned into the doctor's.
      const own = (await post(me.token, homeReading())).body;
      refused(await patch(me.token, `Observation/${own.id}`, [{ op: 'add', path: '/performer', value: [{ reference: practitioner() }] }]), 'Observation.performer');
      const before = await count(`Observation?subject=${mine()}`);
      const entry = (resource: object) => ({ resource, request: { method: 'POST', url: 'Observation' } });
      expect((await transaction(me.token, [entry(homeReading()), entry(homeReading({ performer: [{ reference: practitioner() }] }))])).status).toBe(403);
      expect(await count(`Observation?subject=${mine()}`)).toBe(before);
    });

    test("the resident's own Patient: the doctor and station the registrar set may stay; the app may not name new ones", async () => {
      const patient = await stored(`Patient/${me.patientId}`);
      const assigned = { ...patient, generalPractitioner: [{ reference: practitioner() }] };
      expect((await put(undefined, assigned)).status).toBe(200);
      const current = await stored(`Patient/${me.patientId}`);
      const res = await put(me.token, { ...current, telecom: [...(current.telecom ?? []), { system: 'email', value: 'toi@example.vn' }] });
      expect(res.status).toBe(200);
      refused(await put(me.token, { ...res.body, generalPractitioner: [{ reference: 'Practitioner/bac-si-khac' }] }), 'Patient.generalPractitioner');
    });
  });

  describe('Appointments written directly', () => {
    let slots: any[];
    beforeEach(async () => {
      // Free and held by no appointment (a test run without the rule leaves appointments on slots still marked free).
      const held = async (slot: any): Promise<boolean> => (await count(`Appointment?slot=Slot/${slot.id}&status:not=cancelled,entered-in-error`)) > 0;
      slots = [];
      for (const slot of await freeSlots(server, clinic, 40)) if (slots.length < 4 && !(await held(slot))) slots.push(slot);
    });

    const booked = async (resident: Resident, slot: any): Promise<any> => {
      const res = await operation(server, 'Appointment/$book', { slot: `Slot/${slot.id}`, consent: true }, resident.token);
      expect(res.status).toBe(201);
      return res.body;
    };
    const slotStatus = async (slot: any): Promise<string> => (await stored(`Slot/${slot.id}`)).status;
    const onSlot = (slot: any, status = 'proposed'): Record<string, unknown> => ({
      resourceType: 'Appointment',
      status,
      start: slot.start,
      end: slot.end,
      slot: [{ reference: `Slot/${slot.id}` }],
      participant: [
        { actor: { reference: `Patient/${me.patientId}` }, status: 'accepted' },
        { actor: { reference: `Practitioner/${clinic.practitionerId}` }, status: 'needs-action' },
      ],
    });

    test('a POST (or transaction entry) onto a slot → 403 naming $book; the slot stays free and holds nothing', async () => {
      const [free, blocked] = slots;
      const res = await post(me.token, onSlot(free));
      expect(res.status).toBe(403);
      expect(diagnostics(res)).toContain('Appointment/$book');
      expect(issueCode(res.body)).toBe('operation-required');
      // A slot the station blocked (busy, no appointment on it) is no way round either.
      const slot = await stored(`Slot/${blocked.id}`);
      expect((await put(undefined, { ...slot, status: 'busy' })).status).toBe(200);
      expect((await post(me.token, onSlot(blocked, 'booked'))).status).toBe(403);
      expect((await transaction(me.token, [{ resource: onSlot(free), request: { method: 'POST', url: 'Appointment' } }])).status).toBe(403);
      expect(await count(`Appointment?slot=Slot/${free.id},Slot/${blocked.id}`)).toBe(0);
      expect(await slotStatus(free)).toBe('free');
    });

    test('moving a booked appointment to another slot → 403 naming $reschedule; both slots as they were', async () => {
      const [first, second] = slots;
      const appointment = await booked(me, first);
      const moved = { ...appointment, start: second.start, end: second.end, slot: [{ reference: `Slot/${second.id}` }] };
      const res = await put(me.token, moved);
      expect(res.status).toBe(403);
      expect(diagnostics(res)).toContain('$reschedule');
      expect((await patch(me.token, `Appointment/${appointment.id}`, [{ op: 'replace', path: '/slot/0/reference', value: `Slot/${second.id}` }])).status).toBe(403);
      expect((await transaction(me.token, [{ resource: moved, request: { method: 'PUT', url: `Appointment/${appointment.id}` } }])).status).toBe(403);
      expect((await stored(`Appointment/${appointment.id}`)).meta.versionId).toBe('1');
      expect([await slotStatus(first), await slotStatus(second)]).toEqual(['busy-tentative', 'free']);
      // The operation moves it, as before.
      expect((await operation(server, `Appointment/${appointment.id}/$reschedule`, { slot: `Slot/${second.id}` }, me.token)).status).toBe(200);
      expect([await slotStatus(first), await slotStatus(second)]).toEqual(['free', 'busy-tentative']);
    });

    test("marking it booked, arrived or fulfilled, or accepting for the practitioner → 403; the station's own write still works", async () => {
      const appointment = await booked(me, slots[0]);
      const path = `Appointment/${appointment.id}`;
      expect((await patch(me.token, path, [{ op: 'replace', path: '/status', value: 'booked' }])).status).toBe(403);
      expect((await put(me.token, { ...appointment, status: 'fulfilled' })).status).toBe(403);
      const arrived = await put(me.token, { ...appointment, status: 'arrived' });
      expect(arrived.status).toBe(403);
      expect(diagnostics(arrived)).toContain('$join');
      const accepting = appointment.participant.map((p: any) => (p.actor.reference.startsWith('Practitioner/') ? { ...p, status: 'accepted' } : p));
      expect((await put(me.token, { ...appointment, participant: accepting })).status).toBe(403);
      expect((await stored(path)).meta.versionId).toBe('1');
      expect((await patch(clinic.registrarToken, path, [{ op: 'add', path: '/comment', value: 'Gọi điện xác nhận' }])).status).toBe(200);
      // Once the station has closed it, it cannot be cancelled directly any more than by $cancel.
      expect((await patch(clinic.registrarToken, path, [{ op: 'replace', path: '/status', value: 'fulfilled' }])).status).toBe(200);
      const late = await patch(me.token, path, [{ op: 'replace', path: '/status', value: 'cancelled' }]);
      expect([late.status, issueCode(late.body)]).toEqual([409, 'wrong-status']);
      expect(vietnamese(late.body)).toContain('đã khám xong');
    });

    test('deleting it → 403 naming $cancel, not deleted, the slot still held', async () => {
      const appointment = await booked(me, slots[0]);
      const res = await as(me.token, `Appointment/${appointment.id}`, { method: 'DELETE' });
      expect(res.status).toBe(403);
      expect(diagnostics(res)).toContain('$cancel');
      expect((await as(undefined, `Appointment/${appointment.id}`)).status).toBe(200);
      expect(await slotStatus(slots[0])).toBe('busy-tentative');
    });

    test('cancelling directly (PUT status cancelled) frees the slot and revokes the reminder, as $cancel does', async () => {
      const appointment = await booked(me, slots[0]);
      expect((await operation(server, `Appointment/${appointment.id}/$accept`, {}, clinic.doctorToken)).status).toBe(200);
      expect(await slotStatus(slots[0])).toBe('busy');
      const accepted = await stored(`Appointment/${appointment.id}`);
      const res = await put(me.token, { ...accepted, status: 'cancelled', cancelationReason: { text: 'Bận việc nhà' } });
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('cancelled');
      expect(await slotStatus(slots[0])).toBe('free');
      expect(await count(`CommunicationRequest?about=Appointment/${appointment.id}&status=active`)).toBe(0);
      // Someone else can book the slot again.
      await booked(other, slots[0]);
    });

    test('cancelling by PATCH or in a transaction frees the slot too; a comment alone may be written', async () => {
      const [first, second] = slots;
      const byPatch = await booked(me, first);
      expect((await patch(me.token, `Appointment/${byPatch.id}`, [{ op: 'add', path: '/comment', value: 'Tôi sẽ vào sớm 5 phút' }])).status).toBe(200);
      expect(await slotStatus(first)).toBe('busy-tentative');
      expect((await patch(me.token, `Appointment/${byPatch.id}`, [{ op: 'replace', path: '/status', value: 'cancelled' }])).status).toBe(200);
      expect(await slotStatus(first)).toBe('free');
      const inBundle = await booked(me, second);
      const res = await transaction(me.token, [{ resource: { ...inBundle, status: 'cancelled' }, request: { method: 'PUT', url: `Appointment/${inBundle.id}` } }]);
      expect(res.status).toBe(200);
      expect(await slotStatus(second)).toBe('free');
      // Once cancelled it stays so: reopening it is a new booking.
      expect((await put(me.token, { ...(await stored(`Appointment/${inBundle.id}`)), status: 'booked' })).status).toBe(403);
      // The operations write appointments for the resident as before; another resident's stays out of reach.
      const third = await booked(me, first);
      expect((await operation(server, `Appointment/${third.id}/$cancel`, { reason: 'Đổi ý' }, me.token)).status).toBe(200);
      expect(await slotStatus(first)).toBe('free');
      const theirs = await booked(other, first);
      expect((await patch(me.token, `Appointment/${theirs.id}`, [{ op: 'replace', path: '/status', value: 'cancelled' }])).status).toBe(404);
      expect(await slotStatus(first)).toBe('busy-tentative');
    });
  });
});
