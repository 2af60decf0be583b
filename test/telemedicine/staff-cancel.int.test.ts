import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';
import { freeSlots, issueCode, operation, residents, setUpClinic, stationDate, type Clinic, type Resident } from './helpers';

/**
 * The station (and any system) may write an Appointment directly — PUT, JSON PATCH, a transaction
 * entry, DELETE — besides the booking operations. Whatever takes an appointment out of force
 * (cancelled, noshow, entered-in-error, deleted) frees its slot and revokes its reminder in the
 * write's own transaction, once; a direct write that comes to hold a slot (a move, a cancelled
 * appointment set back to booked, a create) takes it as $book and $reschedule do, or answers 409
 * slot-taken. docs/telemedicine.md, "Staff and systems write Appointments directly". Real server,
 * staff tokens (registrar, clinician), the station's write checks on.
 */
describe('staff writing an Appointment directly keep its slot and reminders in step', () => {
  let server: TestServer;
  let clinic: Clinic;
  let people: Resident[];

  beforeAll(async () => {
    server = await startTestServer({}, { stationRules: true });
    clinic = await setUpClinic(server);
    people = await residents(server, 2);
    const generated = await operation(server, `Schedule/${clinic.scheduleId}/$generate-slots`, { start: stationDate(0), end: stationDate(1), 'slot-minutes': 15 }, clinic.registrarToken);
    expect(generated.status).toBe(200);
  }, 120_000);
  afterAll(() => server?.close());

  const as = (token: string, path: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}) => fhirFetch(`${server.baseUrl}/${path}`, { ...init, token });
  const put = (token: string, resource: Record<string, any>) => as(token, `Appointment/${resource.id}`, { method: 'PUT', body: resource });
  const patchStatus = (token: string, id: string, status: string) =>
    as(token, `Appointment/${id}`, { method: 'PATCH', body: [{ op: 'replace', path: '/status', value: status }], headers: { 'content-type': 'application/json-patch+json' } });
  const transaction = (token: string, entry: object[]) => as(token, '', { method: 'POST', body: { resourceType: 'Bundle', type: 'transaction', entry } });
  /** As the default clinician sees it. */
  const stored = async (path: string): Promise<any> => (await fhirFetch(`${server.baseUrl}/${path}`)).body;
  const slotStatus = async (slot: any): Promise<string> => (await stored(`Slot/${slot.id}`)).status;
  const slotVersions = async (slot: any): Promise<number> => Number((await stored(`Slot/${slot.id}`)).meta.versionId);
  const reminders = async (appointmentId: string): Promise<any[]> => ((await stored(`CommunicationRequest?about=Appointment/${appointmentId}`)).entry ?? []).map((e: any) => e.resource);
  const activeReminders = async (appointmentId: string): Promise<number> => (await reminders(appointmentId)).filter((r) => r.status === 'active').length;

  /** The next free slots held by no appointment (a run without the fix leaves appointments on slots still marked free). */
  const unheld = async (count: number): Promise<any[]> => {
    const found: any[] = [];
    for (const slot of await freeSlots(server, clinic, 60)) {
      const holders = await stored(`Appointment?slot=Slot/${slot.id}&status:not=cancelled,noshow,entered-in-error&_summary=count`);
      if (holders.total === 0) found.push(slot);
      if (found.length === count) break;
    }
    return found;
  };

  /** Booked by the resident's app, accepted by the doctor: slot busy, one active reminder. */
  const bookedAndAccepted = async (slot: any, resident = people[0]): Promise<any> => {
    const booked = await operation(server, 'Appointment/$book', { slot: `Slot/${slot.id}`, consent: true }, resident.token);
    expect(booked.status).toBe(201);
    const accepted = await operation(server, `Appointment/${booked.body.id}/$accept`, {}, clinic.doctorToken);
    expect(accepted.status).toBe(200);
    expect(await slotStatus(slot)).toBe('busy');
    expect(await activeReminders(booked.body.id)).toBe(1);
    return accepted.body;
  };
  /** The slot can be booked again by someone else. */
  const bookableAgain = async (slot: any): Promise<void> => {
    const again = await operation(server, 'Appointment/$book', { slot: `Slot/${slot.id}`, consent: true }, people[1].token);
    expect(again.status).toBe(201);
  };

  test('a registrar cancelling by PUT frees the slot and revokes the reminder in the same write; someone else can book the slot', async () => {
    const [slot] = await unheld(1);
    const appointment = await bookedAndAccepted(slot);
    const versions = await slotVersions(slot);
    const res = await put(clinic.registrarToken, { ...appointment, status: 'cancelled', cancelationReason: { text: 'Bác sĩ đi tập huấn' } });
    expect(res.status).toBe(200);
    expect(await slotStatus(slot)).toBe('free');
    // Freed once: one new version of the slot.
    expect(await slotVersions(slot)).toBe(versions + 1);
    expect((await reminders(appointment.id)).map((r) => r.status)).toEqual(['revoked']);
    await bookableAgain(slot);
  });

  test('a JSON PATCH to noshow or to entered-in-error releases the slot and the reminder too', async () => {
    const [first, second] = await unheld(2);
    const noshow = await bookedAndAccepted(first);
    expect((await patchStatus(clinic.doctorToken, noshow.id, 'noshow')).status).toBe(200);
    expect(await slotStatus(first)).toBe('free');
    expect(await activeReminders(noshow.id)).toBe(0);
    const mistaken = await bookedAndAccepted(second);
    expect((await patchStatus(clinic.registrarToken, mistaken.id, 'entered-in-error')).status).toBe(200);
    expect(await slotStatus(second)).toBe('free');
    expect(await activeReminders(mistaken.id)).toBe(0);
    await bookableAgain(first);
    await bookableAgain(second);
  });

  test('a transaction entry cancelling (PUT) or PATCHing (Binary) an appointment releases its slot; a refused Bundle releases nothing', async () => {
    const [first, second] = await unheld(2);
    const byPut = await bookedAndAccepted(first);
    const byPatch = await bookedAndAccepted(second);
    const patchBinary = { resourceType: 'Binary', contentType: 'application/json-patch+json', data: Buffer.from(JSON.stringify([{ op: 'replace', path: '/status', value: 'cancelled' }])).toString('base64') };
    // The second entry is refused (an unknown status): the whole Bundle is, the slot stays busy.
    const refused = await transaction(clinic.registrarToken, [
      { resource: { ...byPut, status: 'cancelled' }, request: { method: 'PUT', url: `Appointment/${byPut.id}` } },
      { resource: { ...byPatch, status: 'huy' }, request: { method: 'PUT', url: `Appointment/${byPatch.id}` } },
    ]);
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect([await slotStatus(first), await slotStatus(second)]).toEqual(['busy', 'busy']);
    expect(await activeReminders(byPut.id)).toBe(1);
    const res = await transaction(clinic.registrarToken, [
      { resource: { ...byPut, status: 'cancelled' }, request: { method: 'PUT', url: `Appointment/${byPut.id}` } },
      { resource: patchBinary, request: { method: 'PATCH', url: `Appointment/${byPatch.id}` } },
    ]);
    expect(res.status).toBe(200);
    expect([await slotStatus(first), await slotStatus(second)]).toEqual(['free', 'free']);
    expect([await activeReminders(byPut.id), await activeReminders(byPatch.id)]).toEqual([0, 0]);
  });

  test('DELETE of an appointment frees its slot and revokes its reminder', async () => {
    const [slot] = await unheld(1);
    const appointment = await bookedAndAccepted(slot);
    expect((await as(clinic.doctorToken, `Appointment/${appointment.id}`, { method: 'DELETE' })).status).toBeLessThan(300);
    expect(await slotStatus(slot)).toBe('free');
    expect(await activeReminders(appointment.id)).toBe(0);
    await bookableAgain(slot);
  });

  test('$cancel (staff or resident) and a resident’s direct cancel free the slot exactly once', async () => {
    const [first, second] = await unheld(2);
    const byOperation = await bookedAndAccepted(first);
    const versions = await slotVersions(first);
    // A registrar's $cancel: the reminders are the server's, revoked whatever the role may write itself.
    expect((await operation(server, `Appointment/${byOperation.id}/$cancel`, { reason: 'Trạm mất điện' }, clinic.registrarToken)).status).toBe(200);
    expect(await slotVersions(first)).toBe(versions + 1);
    expect((await reminders(byOperation.id)).map((r) => [r.status, r.meta.versionId])).toEqual([['revoked', '2']]);
    const direct = await bookedAndAccepted(second);
    const before = await slotVersions(second);
    expect((await patchStatus(people[0].token, direct.id, 'cancelled')).status).toBe(200);
    expect(await slotVersions(second)).toBe(before + 1);
    expect((await reminders(direct.id)).map((r) => [r.status, r.meta.versionId])).toEqual([['revoked', '2']]);
  });

  test('moving an appointment to another slot by PUT frees the old slot, takes the new one and moves the reminder; a taken slot → 409', async () => {
    const [first, second, third] = await unheld(3);
    const appointment = await bookedAndAccepted(first);
    const onto = (slot: any): Record<string, any> => ({ ...appointment, start: slot.start, end: slot.end, slot: [{ reference: `Slot/${slot.id}` }] });
    // The third slot is someone else's: 409 slot-taken, nothing changed.
    await operation(server, 'Appointment/$book', { slot: `Slot/${third.id}`, consent: true }, people[1].token);
    const taken = await put(clinic.registrarToken, onto(third));
    expect([taken.status, issueCode(taken.body)]).toEqual([409, 'slot-taken']);
    // A slot the station blocked (busy, no appointment on it) cannot be taken by a move either.
    const blocked = await stored(`Slot/${second.id}`);
    expect((await as(clinic.registrarToken, `Slot/${second.id}`, { method: 'PUT', body: { ...blocked, status: 'busy-unavailable' } })).status).toBe(200);
    const onBlocked = await put(clinic.registrarToken, onto(second));
    expect([onBlocked.status, issueCode(onBlocked.body)]).toEqual([409, 'slot-taken']);
    expect([await slotStatus(first), await slotStatus(second)]).toEqual(['busy', 'busy-unavailable']);
    expect((await stored(`Appointment/${appointment.id}`)).meta.versionId).toBe(appointment.meta.versionId);
    expect((await as(clinic.registrarToken, `Slot/${second.id}`, { method: 'PUT', body: { ...(await stored(`Slot/${second.id}`)), status: 'free' } })).status).toBe(200);
    const moved = await put(clinic.registrarToken, onto(second));
    expect(moved.status).toBe(200);
    expect([await slotStatus(first), await slotStatus(second)]).toEqual(['free', 'busy']);
    const reminded = await reminders(appointment.id);
    expect(reminded.map((r) => r.status).sort()).toEqual(['active', 'revoked']);
    expect(Date.parse(reminded.find((r) => r.status === 'active').occurrenceDateTime)).toBe(Date.parse(second.start) - 3_600_000);
    await bookableAgain(first);
  });

  test('two appointments swap their slots in one transaction: each takes the slot the other leaves; a Bundle leaving one slot to two is 409 whole', async () => {
    const [first, second, third] = await unheld(3);
    const a = await bookedAndAccepted(first, people[0]);
    const b = await bookedAndAccepted(second, people[1]);
    const onto = (appointment: any, slot: any): Record<string, any> => ({ ...appointment, start: slot.start, end: slot.end, slot: [{ reference: `Slot/${slot.id}` }] });
    const entry = (resource: any) => ({ resource, request: { method: 'PUT', url: `Appointment/${resource.id}` } });

    // Both onto the same slot (the third, free): refused whole, nothing moved.
    const clash = await transaction(clinic.registrarToken, [entry(onto(a, third)), entry(onto(b, third))]);
    expect([clash.status, issueCode(clash.body)]).toEqual([409, 'slot-taken']);
    expect([await slotStatus(first), await slotStatus(second), await slotStatus(third)]).toEqual(['busy', 'busy', 'free']);

    const swapped = await transaction(clinic.registrarToken, [entry(onto(a, second)), entry(onto(b, first))]);
    expect(swapped.status).toBe(200);
    expect((await stored(`Appointment/${a.id}`)).slot[0].reference).toBe(`Slot/${second.id}`);
    expect((await stored(`Appointment/${b.id}`)).slot[0].reference).toBe(`Slot/${first.id}`);
    expect([await slotStatus(first), await slotStatus(second), await slotStatus(third)]).toEqual(['busy', 'busy', 'free']);
    // Each reminder follows its appointment's new start.
    for (const [appointment, slot] of [[a, second], [b, first]]) {
      const active = (await reminders(appointment.id)).filter((r) => r.status === 'active');
      expect(active.map((r) => Date.parse(r.occurrenceDateTime))).toEqual([Date.parse(slot.start) - 3_600_000]);
    }
    // Each slot still has exactly one appointment in force.
    for (const slot of [first, second]) {
      expect((await stored(`Appointment?slot=Slot/${slot.id}&status:not=cancelled,noshow,entered-in-error&_summary=count`)).total).toBe(1);
    }
  });

  test('a cancelled appointment set back to booked by PUT: 409 slot-taken while someone else holds the slot; takes it again once free', async () => {
    const [slot] = await unheld(1);
    const appointment = await bookedAndAccepted(slot);
    const cancelled = (await put(clinic.registrarToken, { ...appointment, status: 'cancelled' })).body;
    const someoneElse = await operation(server, 'Appointment/$book', { slot: `Slot/${slot.id}`, consent: true }, people[1].token);
    expect(someoneElse.status).toBe(201);
    const reopened = await put(clinic.registrarToken, { ...cancelled, status: 'booked' });
    expect([reopened.status, issueCode(reopened.body)]).toEqual([409, 'slot-taken']);
    expect(reopened.body.issue[0].diagnostics).toMatch(/^Khung giờ này đã có người đặt.* \/ Slot\/.* is already taken/);
    expect((await stored(`Appointment/${appointment.id}`)).status).toBe('cancelled');
    expect(await slotStatus(slot)).toBe('busy-tentative');
    // Once the other booking is cancelled, reinstating takes the slot again (busy) with a new reminder.
    expect((await operation(server, `Appointment/${someoneElse.body.id}/$cancel`, {}, people[1].token)).status).toBe(200);
    expect((await put(clinic.registrarToken, { ...cancelled, status: 'booked' })).status).toBe(200);
    expect(await slotStatus(slot)).toBe('busy');
    expect(await activeReminders(appointment.id)).toBe(1);
  });

  test('an appointment the station creates directly on a free slot marks it busy; $book on it → 409', async () => {
    const [slot] = await unheld(1);
    const res = await as(clinic.registrarToken, 'Appointment', {
      method: 'POST',
      body: {
        resourceType: 'Appointment',
        status: 'booked',
        start: slot.start,
        end: slot.end,
        slot: [{ reference: `Slot/${slot.id}` }],
        participant: [
          { actor: { reference: `Patient/${people[0].patientId}` }, status: 'accepted' },
          { actor: { reference: `Practitioner/${clinic.practitionerId}` }, status: 'accepted' },
        ],
      },
    });
    expect(res.status).toBe(201);
    expect(await slotStatus(slot)).toBe('busy');
    expect(await activeReminders(res.body.id)).toBe(1);
    const book = await operation(server, 'Appointment/$book', { slot: `Slot/${slot.id}`, consent: true }, people[1].token);
    expect([book.status, issueCode(book.body)]).toEqual([409, 'slot-taken']);
  });
  test('an Appointment naming a Slot not kept here (as R4\'s own example does) is stored and cancelled: nothing here holds that slot', async () => {
    const appointment = {
      resourceType: 'Appointment',
      status: 'proposed',
      slot: [{ reference: 'Slot/not-on-this-server' }],
      participant: [{ actor: { reference: `Patient/${people[1].patientId}` }, status: 'needs-action' }],
    };
    const created = await as(clinic.registrarToken, 'Appointment', { method: 'POST', body: appointment });
    expect(created.status).toBe(201);
    const cancelled = await put(clinic.registrarToken, { ...created.body, status: 'cancelled' });
    expect(cancelled.status).toBe(200);
    expect((await as(clinic.registrarToken, 'Slot/not-on-this-server')).status).toBe(404);
  });
});
