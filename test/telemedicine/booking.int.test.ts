import { REMOTE_CARE, TM_EXT } from '../../src/telemedicine/canonical';
import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';
import { carerLaunch, registerPublicApp, residentWithAccount } from '../auth/smart-helpers';
import { freeSlots, issueCode, operation, residents, setUpClinic, stationDate, STATION_PHONE, vietnamese, type Clinic, type Resident } from './helpers';

/**
 * Booking remote consultations through the HTTP API with residents' app tokens and staff tokens
 * (issue 7, "Booking"): slots from working hours, $book, the 20-way race on one slot, accept,
 * cancel, reschedule, the searches the app and the station need, and who may do what.
 */
describe('booking a remote consultation', () => {
  let server: TestServer;
  let clinic: Clinic;
  let people: Resident[];

  beforeAll(async () => {
    // With the station's write checks, as the server runs: one of them keeps one appointment per slot.
    server = await startTestServer({}, { stationRules: true });
    clinic = await setUpClinic(server);
    people = await residents(server, 3);
    const generated = await operation(server, `Schedule/${clinic.scheduleId}/$generate-slots`, { start: stationDate(0), end: stationDate(1), 'slot-minutes': 15 }, clinic.registrarToken);
    expect(generated.status).toBe(200);
  }, 120_000);
  afterAll(() => server?.close());

  const slotOf = async (index: number): Promise<any> => (await freeSlots(server, clinic))[index];
  const read = async (path: string, token?: string): Promise<any> => (await fhirFetch(`${server.baseUrl}/${path}`, { token })).body;

  describe('slots from working hours', () => {
    test('a working week makes one slot per quarter hour of the hours, and running it again makes none', async () => {
      const other = await setUpClinic(server, [{ daysOfWeek: ['mon', 'tue', 'wed', 'thu', 'fri'], availableStartTime: '07:30:00', availableEndTime: '11:30:00' }]);
      // Next week's Monday to Sunday, in the station's zone: five mornings of 16 quarter hours.
      const today = new Date(`${stationDate(0)}T00:00:00Z`);
      const monday = (8 - today.getUTCDay()) % 7 || 7;
      const from = stationDate(monday);
      const to = stationDate(monday + 6);
      const first = await operation(server, `Schedule/${other.scheduleId}/$generate-slots`, { start: from, end: to }, other.registrarToken);
      expect(first.status).toBe(200);
      expect(first.body.parameter).toEqual([
        { name: 'created', valueInteger: 80 },
        { name: 'skipped', valueInteger: 0 },
      ]);
      const again = await operation(server, `Schedule/${other.scheduleId}/$generate-slots`, { start: from, end: to }, other.registrarToken);
      expect(again.body.parameter).toEqual([
        { name: 'created', valueInteger: 0 },
        { name: 'skipped', valueInteger: 80 },
      ]);
      const search = await fhirFetch(`${server.baseUrl}/Slot?schedule.actor=Practitioner/${other.practitionerId}&start=ge${from}&status=free&_count=0&_total=accurate`);
      expect(search.body.total).toBe(80);
      const monday730 = await fhirFetch(`${server.baseUrl}/Slot?schedule=Schedule/${other.scheduleId}&start=${from}T07:30:00&_sort=start`);
      expect(monday730.body.entry.map((e: any) => [e.resource.start, e.resource.end])).toEqual([[`${from}T07:30:00+07:00`, `${from}T07:45:00+07:00`]]);
    });

    test('without working hours the station is told where to set them; a resident cannot make slots', async () => {
      const bare = await fhirFetch(`${server.baseUrl}/Schedule`, { method: 'POST', body: { resourceType: 'Schedule', actor: [{ reference: `Practitioner/${clinic.practitionerId}` }] } });
      const res = await operation(server, `Schedule/${bare.body.id}/$generate-slots`, { start: stationDate(1), end: stationDate(1) });
      expect(res.status).toBe(400);
      expect(vietnamese(res.body)).toContain('availableTime');
      const resident = await operation(server, `Schedule/${clinic.scheduleId}/$generate-slots`, { start: stationDate(2), end: stationDate(2) }, people[0].token);
      expect([403, 404]).toContain(resident.status);
    });
  });

  describe('$book', () => {
    test('a carer books for her child: the appointment is the child’s, and the remote-care consent names her as the one who agreed', async () => {
      const mother = await residentWithAccount(server, 'Phan');
      const child = (await fhirFetch(`${server.baseUrl}/Patient`, { method: 'POST', body: { resourceType: 'Patient', name: [{ family: 'Phan', given: ['Bé'] }], gender: 'female', birthDate: stationDate(-200) } })).body.id;
      const linked = await fetch(`${server.origin}/auth/residents/${mother.patientId}/dependants`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${clinic.registrarToken}` },
        body: JSON.stringify({ dependant: `Patient/${child}`, relationship: 'MTH' }),
      });
      expect(linked.status).toBe(201);
      const { relatedPerson } = await linked.json();
      const app = await registerPublicApp(server, 'launch/patient openid fhirUser offline_access patient/*.cruds');
      const tokens = await carerLaunch(server, app, mother, child, 'launch/patient openid fhirUser offline_access patient/*.cruds');
      const slot = await slotOf(0);
      const res = await operation(server, 'Appointment/$book', { slot: `Slot/${slot.id}`, channel: 'phone', reason: 'Bé sốt 2 ngày', consent: true }, tokens.access_token);
      expect(res.status).toBe(201);
      expect(res.body.participant.slice(0, 2)).toEqual([
        { actor: { reference: `Patient/${child}` }, required: 'required', status: 'accepted' },
        { actor: { reference: relatedPerson }, required: 'optional', status: 'accepted' },
      ]);
      const consent = await read(res.body.supportingInformation[0].reference);
      expect(consent).toMatchObject({ status: 'active', patient: { reference: `Patient/${child}` }, performer: [{ reference: relatedPerson }] });
      // Once the station accepts, the reminder goes to the child and to her (the platform texts her phone).
      expect((await operation(server, `Appointment/${res.body.id}/$accept`, {}, clinic.doctorToken)).status).toBe(200);
      const reminders = (await fhirFetch(`${server.baseUrl}/CommunicationRequest?about=Appointment/${res.body.id}`)).body.entry.map((e: any) => e.resource);
      expect(reminders.map((r: any) => r.recipient)).toEqual([[{ reference: `Patient/${child}` }, { reference: relatedPerson }]]);
      // She books only for the child her token is for, not for herself through it.
      const forHer = await operation(server, 'Appointment/$book', { slot: `Slot/${(await slotOf(0)).id}`, patient: `Patient/${mother.patientId}`, consent: true }, tokens.access_token);
      expect(forHer.status).toBe(403);
    });

    test('a resident books a slot for themself: proposed, the slot held, consent recorded, how to join included', async () => {
      const slot = await slotOf(0);
      const res = await operation(server, 'Appointment/$book', { slot: `Slot/${slot.id}`, channel: 'video', reason: 'Ho, sổ mũi 3 ngày', consent: true }, people[0].token);
      expect(res.status).toBe(201);
      const appointment = res.body;
      expect(appointment.status).toBe('proposed');
      expect(appointment.start).toBe(slot.start);
      expect(appointment.slot).toEqual([{ reference: `Slot/${slot.id}` }]);
      expect(appointment.participant).toEqual([
        { actor: { reference: `Patient/${people[0].patientId}` }, required: 'required', status: 'accepted' },
        { actor: { reference: `Practitioner/${clinic.practitionerId}` }, required: 'required', status: 'needs-action' },
      ]);
      const services = appointment.extension.filter((e: any) => e.url === TM_EXT.virtualService);
      const video = services.find((s: any) => s.extension.some((p: any) => p.valueCoding?.code === 'video'));
      const room = video.extension.find((p: any) => p.url === 'sessionKey').valueString;
      expect(room.length).toBeGreaterThanOrEqual(16);
      expect(video.extension.find((p: any) => p.url === 'address').valueUrl).toBe(`https://video.commune-ehr.example/phong/${room}`);
      const phone = services.find((s: any) => s.extension.some((p: any) => p.valueCoding?.code === 'phone'));
      expect(phone.extension.find((p: any) => p.url === 'address').valueContactPoint.value).toBe(STATION_PHONE);
      expect(appointment.extension.find((e: any) => e.url === TM_EXT.mode).valueCoding.code).toBe('video');
      const consent = await read(appointment.supportingInformation[0].reference, people[0].token);
      expect(consent).toMatchObject({ resourceType: 'Consent', status: 'active', patient: { reference: `Patient/${people[0].patientId}` } });
      expect((await read(`Slot/${slot.id}`)).status).toBe('busy-tentative');
    });

    test('a second resident on a taken slot gets 409 in Vietnamese; booking without consent changes nothing', async () => {
      const slot = await slotOf(0);
      expect((await operation(server, 'Appointment/$book', { slot: `Slot/${slot.id}`, consent: true }, people[0].token)).status).toBe(201);
      const second = await operation(server, 'Appointment/$book', { slot: `Slot/${slot.id}`, consent: true }, people[1].token);
      expect(second.status).toBe(409);
      expect(vietnamese(second.body)).toBe('Khung giờ này đã có người đặt, vui lòng chọn giờ khác');
      expect(issueCode(second.body)).toBe('slot-taken');

      const fresh = await slotOf(0);
      const noConsent = await operation(server, 'Appointment/$book', { slot: `Slot/${fresh.id}` }, people[2].token);
      expect(noConsent.status).toBe(422);
      expect(issueCode(noConsent.body)).toBe('consent-required');
      // All or nothing: the slot stayed free and no appointment exists for it.
      expect((await read(`Slot/${fresh.id}`)).status).toBe('free');
      expect((await read(`Appointment?slot=Slot/${fresh.id}&_total=accurate`)).total).toBe(0);
    });

    test('twenty residents pressing "book" on one slot at the same moment: exactly one succeeds, the others get 409', async () => {
      const crowd = await residents(server, 20, 'Phạm');
      const slot = await slotOf(3);
      const answers = await Promise.all(crowd.map((r) => operation(server, 'Appointment/$book', { slot: `Slot/${slot.id}`, consent: true, channel: 'phone' }, r.token)));
      const statuses = answers.map((a) => a.status).sort();
      expect(statuses).toEqual([201, ...Array(19).fill(409)]);
      for (const refused of answers.filter((a) => a.status === 409)) expect(vietnamese(refused.body)).toBe('Khung giờ này đã có người đặt, vui lòng chọn giờ khác');
      const booked = await read(`Appointment?slot=Slot/${slot.id}&_total=accurate`);
      expect(booked.total).toBe(1);
      const winner = crowd[answers.findIndex((a) => a.status === 201)];
      expect(booked.entry[0].resource.participant[0].actor.reference).toBe(`Patient/${winner.patientId}`);
      // The losers' consents were rolled back with their bookings.
      expect((await read(`Consent?patient=Patient/${winner.patientId}&category=${encodeURIComponent(`${REMOTE_CARE.category.system}|remote-care`)}&_total=accurate`)).total).toBe(1);
      for (const r of crowd.filter((c) => c !== winner)) {
        expect((await read(`Consent?patient=Patient/${r.patientId}&category=${encodeURIComponent(`${REMOTE_CARE.category.system}|remote-care`)}&_total=accurate`)).total).toBe(0);
      }
    }, 180_000);

    test('a resident books only for themself and sees only their own appointments', async () => {
      const slot = await slotOf(0);
      const forOther = await operation(server, 'Appointment/$book', { slot: `Slot/${slot.id}`, patient: `Patient/${people[1].patientId}`, consent: true }, people[0].token);
      expect(forOther.status).toBe(403);
      expect((await read(`Slot/${slot.id}`)).status).toBe('free');
      const own = await operation(server, 'Appointment/$book', { slot: `Slot/${slot.id}`, consent: true }, people[1].token);
      expect(own.status).toBe(201);
      expect((await fhirFetch(`${server.baseUrl}/Appointment/${own.body.id}`, { token: people[0].token })).status).toBe(404);
      expect((await operation(server, `Appointment/${own.body.id}/$cancel`, { reason: 'thử' }, people[0].token)).status).toBe(404);
      const mine = await read(`Appointment?patient=Patient/${people[0].patientId}&date=ge${stationDate(0)}`, people[0].token);
      expect(mine.entry.every((e: any) => e.resource.participant[0].actor.reference === `Patient/${people[0].patientId}`)).toBe(true);
      const theirs = await read(`Appointment?patient=Patient/${people[1].patientId}`, people[0].token);
      expect(theirs.entry ?? []).toEqual([]);
    });

    test('a schedule the station stopped takes no bookings', async () => {
      const closed = await setUpClinic(server, [{ availableStartTime: '08:00:00', availableEndTime: '09:00:00' }]);
      await operation(server, `Schedule/${closed.scheduleId}/$generate-slots`, { start: stationDate(1), end: stationDate(1) }, closed.registrarToken);
      const schedule = await read(`Schedule/${closed.scheduleId}`);
      await fhirFetch(`${server.baseUrl}/Schedule/${closed.scheduleId}`, { method: 'PUT', body: { ...schedule, active: false } });
      const [slot] = await freeSlots(server, closed);
      const res = await operation(server, 'Appointment/$book', { slot: `Slot/${slot.id}`, consent: true }, people[0].token);
      expect(res.status).toBe(409);
      expect(issueCode(res.body)).toBe('slot-unavailable');
      expect((await read(`Slot/${slot.id}`)).status).toBe('free');
      // Nor can an appointment be moved onto it: the old slot stays held, the appointment unchanged.
      const [mine] = await freeSlots(server, clinic);
      const booked = await operation(server, 'Appointment/$book', { slot: `Slot/${mine.id}`, consent: true }, people[0].token);
      const moved = await operation(server, `Appointment/${booked.body.id}/$reschedule`, { slot: `Slot/${slot.id}` }, people[0].token);
      expect(moved.status).toBe(409);
      expect(issueCode(moved.body)).toBe('slot-unavailable');
      expect((await read(`Slot/${slot.id}`)).status).toBe('free');
      expect((await read(`Slot/${mine.id}`)).status).toBe('busy-tentative');
      expect((await read(`Appointment/${booked.body.id}`)).slot).toEqual([{ reference: `Slot/${mine.id}` }]);
    });

    test('malformed Parameters are refused with 400 in Vietnamese and English, never 500', async () => {
      const slot = await slotOf(0);
      const post = (path: string, parameter: unknown, token = people[0].token) =>
        fhirFetch(`${server.baseUrl}/${path}`, { method: 'POST', body: { resourceType: 'Parameters', parameter }, token });
      const answers = [
        await post('Appointment/$book', { name: 'slot' }),
        await post('Appointment/$book', [null, { name: 'slot', valueReference: { reference: `Slot/${slot.id}` } }]),
        await post('Appointment/$book', [{ valueBoolean: true }]),
        await post('Encounter/any/$case-conference', [{ name: 'participant', valueString: 5 }, { name: 'participant', valueString: 'B' }], clinic.doctorToken),
        await post('Encounter/any/$finish', [{ name: 'diagnosis', valueString: 5 }], clinic.doctorToken),
        // A parameter the operation does not define (a misspelt "consent" would otherwise be ignored).
        await post('Appointment/$book', [{ name: 'slot', valueReference: { reference: `Slot/${slot.id}` } }, { name: 'consant', valueBoolean: true }]),
        await post('Appointment/any/$accept', [{ name: 'note', valueString: 'ok' }], clinic.doctorToken),
      ];
      for (const res of answers) {
        expect(res.status).toBe(400);
        expect(res.body.resourceType).toBe('OperationOutcome');
        expect(res.body.issue[0].diagnostics).toMatch(/^Tham số .+ \/ Parameter/);
      }
      expect((await read(`Slot/${slot.id}`)).status).toBe('free');
    });

    test('staff book for a resident by naming the patient; without one they are told to', async () => {
      const slot = await slotOf(0);
      const missing = await operation(server, 'Appointment/$book', { slot: `Slot/${slot.id}`, consent: true }, clinic.registrarToken);
      expect(missing.status).toBe(400);
      const res = await operation(server, 'Appointment/$book', { slot: `Slot/${slot.id}`, patient: `Patient/${people[2].patientId}`, consent: true, channel: 'phone' }, clinic.registrarToken);
      expect(res.status).toBe(201);
      expect(res.body.participant[0].actor.reference).toBe(`Patient/${people[2].patientId}`);
      // The resident's consent, recorded when staff booked, covers the next booking.
      const next = await slotOf(0);
      expect((await operation(server, 'Appointment/$book', { slot: `Slot/${next.id}` }, people[2].token)).status).toBe(201);
    });

    test('a resident who has died cannot be booked (422, like a missing consent); nothing is held or recorded', async () => {
      const deceased = [
        { deceasedDateTime: '2025-03-01T22:30:00Z', vi: ' ngày 02/03/2025', en: ' on 2025-03-02' },
        { deceasedBoolean: true, vi: '', en: '' },
      ];
      for (const { vi, en, ...death } of deceased) {
        const patient = await fhirFetch(`${server.baseUrl}/Patient`, { method: 'POST', body: { resourceType: 'Patient', name: [{ text: 'Đỗ Văn Tư' }], gender: 'male', birthDate: '1940-01-01', ...death } });
        expect(patient.status).toBe(201);
        const slot = await slotOf(0);
        const res = await operation(server, 'Appointment/$book', { slot: `Slot/${slot.id}`, patient: `Patient/${patient.body.id}`, consent: true, channel: 'video' }, clinic.registrarToken);
        expect(res.status).toBe(422);
        expect(issueCode(res.body)).toBe('patient-deceased');
        expect(res.body.issue[0].diagnostics).toBe(`Người dân này đã mất${vi}: không thể đặt lịch khám từ xa / The resident died${en}: a remote consultation cannot be booked`);
        expect((await read(`Slot/${slot.id}`)).status).toBe('free');
        expect((await read(`Consent?patient=Patient/${patient.body.id}&_total=accurate`)).total).toBe(0);
      }
    });
  });

  describe('accept, cancel, reschedule', () => {
    test('the doctor accepts: booked, slot busy, a reminder the resident sees', async () => {
      const slot = await slotOf(0);
      const booked = await operation(server, 'Appointment/$book', { slot: `Slot/${slot.id}`, consent: true }, people[0].token);
      // Accepting is the station's side: the resident's own app cannot confirm its own booking.
      const byResident = await operation(server, `Appointment/${booked.body.id}/$accept`, {}, people[0].token);
      expect(byResident.status).toBe(403);
      expect((await read(`Appointment/${booked.body.id}`)).status).toBe('proposed');
      const accepted = await operation(server, `Appointment/${booked.body.id}/$accept`, {}, clinic.doctorToken);
      expect(accepted.status).toBe(200);
      expect(accepted.body.status).toBe('booked');
      expect(accepted.body.participant[1].status).toBe('accepted');
      expect((await read(`Slot/${slot.id}`)).status).toBe('busy');
      const reminders = await read(`CommunicationRequest?about=Appointment/${booked.body.id}`, people[0].token);
      expect(reminders.entry).toHaveLength(1);
      expect(reminders.entry[0].resource.payload[0].contentString).toMatch(/^Nhắc lịch khám từ xa lúc /);
      expect(Date.parse(reminders.entry[0].resource.occurrenceDateTime)).toBe(Date.parse(slot.start) - 3_600_000);
      const again = await operation(server, `Appointment/${booked.body.id}/$accept`, {}, clinic.doctorToken);
      expect(again.status).toBe(409);
      expect(issueCode(again.body)).toBe('wrong-status');
      // Vietnamese first, with the status in Vietnamese; English with no Vietnamese word in it.
      expect(again.body.issue[0].diagnostics).toBe('Không thể nhận lịch hẹn đang ở trạng thái "đã nhận" / Cannot accept an appointment with status booked');
    });

    test('the resident cancels: the slot is free again, the reminder revoked, and someone else can book it', async () => {
      const slot = await slotOf(0);
      const booked = await operation(server, 'Appointment/$book', { slot: `Slot/${slot.id}`, consent: true }, people[0].token);
      await operation(server, `Appointment/${booked.body.id}/$accept`, {}, clinic.doctorToken);
      const cancelled = await operation(server, `Appointment/${booked.body.id}/$cancel`, { reason: 'Bận việc nhà' }, people[0].token);
      expect(cancelled.status).toBe(200);
      expect(cancelled.body).toMatchObject({ status: 'cancelled', cancelationReason: { text: 'Bận việc nhà' } });
      expect((await read(`Slot/${slot.id}`)).status).toBe('free');
      expect((await read(`CommunicationRequest?about=Appointment/${booked.body.id}`)).entry[0].resource.status).toBe('revoked');
      expect((await operation(server, 'Appointment/$book', { slot: `Slot/${slot.id}`, consent: true }, people[1].token)).status).toBe(201);
      const twice = await operation(server, `Appointment/${booked.body.id}/$cancel`, {}, people[0].token);
      expect(twice.status).toBe(409);
      expect(twice.body.issue[0].diagnostics).toBe('Không thể hủy lịch hẹn đang ở trạng thái "đã hủy" / Cannot cancel an appointment with status cancelled');
      const moved = await operation(server, `Appointment/${booked.body.id}/$reschedule`, { slot: `Slot/${(await slotOf(1)).id}` }, people[0].token);
      expect(moved.status).toBe(409);
      expect(moved.body.issue[0].diagnostics).toBe('Không thể đổi giờ lịch hẹn đang ở trạng thái "đã hủy" / Cannot reschedule an appointment with status cancelled');
    });

    test('rescheduling moves the appointment to a free slot and frees the old one; a taken slot is refused', async () => {
      const [first, second] = await freeSlots(server, clinic);
      const booked = await operation(server, 'Appointment/$book', { slot: `Slot/${first.id}`, consent: true }, people[0].token);
      await operation(server, `Appointment/${booked.body.id}/$accept`, {}, clinic.doctorToken);
      const moved = await operation(server, `Appointment/${booked.body.id}/$reschedule`, { slot: `Slot/${second.id}` }, people[0].token);
      expect(moved.status).toBe(200);
      expect(moved.body).toMatchObject({ status: 'booked', start: second.start, slot: [{ reference: `Slot/${second.id}` }] });
      expect((await read(`Slot/${first.id}`)).status).toBe('free');
      expect((await read(`Slot/${second.id}`)).status).toBe('busy');
      const other = await operation(server, 'Appointment/$book', { slot: `Slot/${first.id}`, consent: true }, people[1].token);
      const back = await operation(server, `Appointment/${booked.body.id}/$reschedule`, { slot: `Slot/${first.id}` }, people[0].token);
      expect(other.status).toBe(201);
      expect(back.status).toBe(409);
      expect((await read(`Appointment/${booked.body.id}`)).start).toBe(second.start);
    });
  });

  describe('one appointment per slot, whatever the path', () => {
    const onSlot = (slot: any, patientId: string, status = 'booked'): Record<string, unknown> => ({
      resourceType: 'Appointment',
      status,
      start: slot.start,
      end: slot.end,
      slot: [{ reference: `Slot/${slot.id}` }],
      participant: [
        { actor: { reference: `Patient/${patientId}` }, status: 'accepted' },
        { actor: { reference: `Practitioner/${clinic.practitionerId}` }, status: 'accepted' },
      ],
    });
    const post = (resource: Record<string, unknown>, token?: string) => fhirFetch(`${server.baseUrl}/Appointment`, { method: 'POST', body: resource, token });
    const onIt = async (slot: any): Promise<number> => (await read(`Appointment?slot=Slot/${slot.id}&status:not=cancelled&_total=accurate`)).total;

    test('a plain POST, PUT or transaction Bundle cannot put a second appointment on a slot', async () => {
      const [taken, other, spare] = await freeSlots(server, clinic);
      expect((await operation(server, 'Appointment/$book', { slot: `Slot/${taken.id}`, consent: true }, people[0].token)).status).toBe(201);
      // The station writing an Appointment directly onto the taken slot (a resident's app may not
      // write one at all, 403: it books with $book, direct-writes.int.test.ts).
      const byStation = await post(onSlot(taken, people[1].patientId), clinic.registrarToken);
      expect(byStation.status).toBe(409);
      expect(issueCode(byStation.body)).toBe('slot-taken');
      expect((await post(onSlot(taken, people[1].patientId), people[1].token)).status).toBe(403);
      // Moving another appointment onto it with PUT.
      const elsewhere = await post(onSlot(other, people[1].patientId), clinic.registrarToken);
      expect(elsewhere.status).toBe(201);
      const moved = await fhirFetch(`${server.baseUrl}/Appointment/${elsewhere.body.id}`, { method: 'PUT', body: { ...onSlot(taken, people[1].patientId), id: elsewhere.body.id }, token: clinic.registrarToken });
      expect(moved.status).toBe(409);
      // Two entries of one transaction on the same free slot: all or nothing.
      const bundle = await fhirFetch(`${server.baseUrl}/`, {
        method: 'POST',
        token: clinic.registrarToken,
        body: {
          resourceType: 'Bundle',
          type: 'transaction',
          entry: [people[1], people[2]].map((p) => ({ resource: onSlot(spare, p.patientId), request: { method: 'POST', url: 'Appointment' } })),
        },
      });
      expect(bundle.status).toBe(409);
      expect([await onIt(taken), await onIt(other), await onIt(spare)]).toEqual([1, 1, 0]);
      // The plain write took the slot as $book does (busy: the appointment is booked), so $book is
      // refused; once that appointment is cancelled the slot is free and can be booked again
      // (staff-cancel.int.test.ts).
      expect((await operation(server, 'Appointment/$book', { slot: `Slot/${other.id}`, consent: true }, people[2].token)).status).toBe(409);
      expect((await read(`Slot/${other.id}`)).status).toBe('busy');
      expect((await fhirFetch(`${server.baseUrl}/Appointment/${elsewhere.body.id}`, { method: 'PUT', body: { ...elsewhere.body, status: 'cancelled' }, token: clinic.registrarToken })).status).toBe(200);
      expect((await operation(server, 'Appointment/$book', { slot: `Slot/${other.id}`, consent: true }, people[2].token)).status).toBe(201);
    });
  });

  describe('searches and the audit trail', () => {
    test("the station's day list by practitioner and date, and the booking in the audit trail as the resident's", async () => {
      const slot = await slotOf(0);
      const booked = await operation(server, 'Appointment/$book', { slot: `Slot/${slot.id}`, consent: true }, people[0].token);
      const day = slot.start.slice(0, 10);
      const list = await read(`Appointment?actor=Practitioner/${clinic.practitionerId}&date=${day}&_count=200`, clinic.doctorToken);
      expect(list.entry.map((e: any) => e.resource.id)).toContain(booked.body.id);
      expect(list.entry.every((e: any) => e.resource.start.startsWith(day))).toBe(true);
      // One AuditEvent for the whole booking, as for a transaction Bundle: the resident as the actor,
      // the patient, the slot taken and the appointment created.
      const auditor = await server.staffToken(['auditor']);
      const trail = await read(`AuditEvent?entity=Appointment/${booked.body.id}&agent=Patient/${people[0].patientId}`, auditor);
      expect(trail.entry).toHaveLength(1);
      const event = trail.entry[0].resource;
      expect(event.agent[0].role[0].coding[0].code).toBe('resident');
      const touched: string[] = event.entity.map((e: any) => e.what?.reference);
      expect(touched).toEqual(expect.arrayContaining([`Appointment/${booked.body.id}/_history/1`]));
      expect(touched.filter((r) => r?.startsWith(`Patient/${people[0].patientId}`))).toHaveLength(1);
      expect(touched.some((r) => r?.startsWith(`Slot/${slot.id}/_history/`))).toBe(true);
    });
  });
});
