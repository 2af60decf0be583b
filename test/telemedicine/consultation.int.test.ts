import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EXT, PROFILE, SID } from '../../src/station/canonical';
import { TM_EXT } from '../../src/telemedicine/canonical';
import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';
import { errorsOf, stationValidator } from '../station/helpers';
import { freeSlots, issueCode, operation, residents, setUpClinic, stationDate, vietnamese, type Clinic, type Resident } from './helpers';

/**
 * The remote consultation (issue 7): joining, the VR encounter with the register fields, the
 * Circular 30/2023 check (acknowledge, or refuse when configured), messages between the resident
 * and the station, the referral, and the minutes of a case conference.
 */
describe('the remote consultation', () => {
  let server: TestServer;
  let clinic: Clinic;
  let people: Resident[];
  let hospital: string;

  beforeAll(async () => {
    server = await startTestServer();
    clinic = await setUpClinic(server);
    people = await residents(server, 2);
    await operation(server, `Schedule/${clinic.scheduleId}/$generate-slots`, { start: stationDate(0), end: stationDate(1) }, clinic.registrarToken);
    hospital = (await fhirFetch(`${server.baseUrl}/Organization`, { method: 'POST', body: { resourceType: 'Organization', name: 'Bệnh viện Đa khoa huyện Hà Trung', active: true } })).body.id;
  }, 120_000);
  afterAll(() => server?.close());

  const read = async (p: string, token?: string): Promise<any> => (await fhirFetch(`${server.baseUrl}/${p}`, { token })).body;

  /** A booked (accepted) appointment of `resident` on the `index`-th free slot from now. */
  async function bookedAppointment(resident: Resident, index = 0): Promise<any> {
    const slot = (await freeSlots(server, clinic))[index];
    const booked = await operation(server, 'Appointment/$book', { slot: `Slot/${slot.id}`, consent: true, reason: 'Sốt nhẹ, đau họng' }, resident.token);
    expect(booked.status).toBe(201);
    return (await operation(server, `Appointment/${booked.body.id}/$accept`, {}, clinic.doctorToken)).body;
  }

  async function startedEncounter(resident: Resident): Promise<any> {
    const appointment = await bookedAppointment(resident);
    const started = await operation(server, `Appointment/${appointment.id}/$start`, {}, clinic.doctorToken);
    expect(started.status).toBe(201);
    return started.body;
  }

  test('the resident joins near the time: arrived, with the video link; not a day ahead, not before it is accepted', async () => {
    const appointment = await bookedAppointment(people[0]);
    const joined = await operation(server, `Appointment/${appointment.id}/$join`, {}, people[0].token);
    expect(joined.status).toBe(200);
    expect(joined.body.status).toBe('arrived');
    expect(joined.body.extension.some((e: any) => e.url === TM_EXT.virtualService)).toBe(true);
    const tomorrow = (await freeSlots(server, clinic)).find((s) => Date.parse(s.start) > Date.now() + 12 * 3_600_000);
    const later = await operation(server, 'Appointment/$book', { slot: `Slot/${tomorrow.id}` }, people[0].token);
    const early = await operation(server, `Appointment/${later.body.id}/$join`, {}, people[0].token);
    expect(early.status).toBe(409);
    expect(issueCode(early.body)).toBe('wrong-status');
    expect(early.body.issue[0].diagnostics).toBe('Lịch hẹn đang ở trạng thái "chờ nhận", chưa thể tham gia / Cannot join an appointment with status proposed');
    const notAccepted = await operation(server, `Appointment/${later.body.id}/$start`, {}, clinic.doctorToken);
    expect(notAccepted.status).toBe(409);
    expect(notAccepted.body.issue[0].diagnostics).toBe('Chỉ bắt đầu được lịch hẹn đã nhận, không phải lịch hẹn "chờ nhận" / Only a booked appointment can start, not proposed');
    await operation(server, `Appointment/${later.body.id}/$accept`, {}, clinic.doctorToken);
    const tooEarly = await operation(server, `Appointment/${later.body.id}/$join`, {}, people[0].token);
    expect(tooEarly.status).toBe(409);
    expect(issueCode(tooEarly.body)).toBe('outside-window');
    expect(vietnamese(tooEarly.body)).toBe('Chỉ tham gia được từ 30 phút trước giờ hẹn đến hết giờ hẹn');
  });

  test('starting makes one VR encounter with the register fields and the examiner with the licence number', async () => {
    const appointment = await bookedAppointment(people[0]);
    const started = await operation(server, `Appointment/${appointment.id}/$start`, {}, clinic.doctorToken);
    expect(started.status).toBe(201);
    const encounter = started.body;
    expect(encounter).toMatchObject({
      status: 'in-progress',
      class: { code: 'VR' },
      meta: { profile: [PROFILE.visit] },
      subject: { reference: `Patient/${people[0].patientId}` },
      appointment: [{ reference: `Appointment/${appointment.id}` }],
      reasonCode: [{ text: 'Sốt nhẹ, đau họng' }],
      serviceType: { coding: [{ code: 'noi' }] },
    });
    const examiner = encounter.participant[0].individual;
    expect(examiner.reference).toBe(`Practitioner/${clinic.practitionerId}`);
    expect(examiner.identifier.system).toBe(SID.practitionerLicence);
    expect(examiner.display).toBe(`Lê Văn Minh (CCHN ${examiner.identifier.value})`);
    expect(encounter.extension.filter((e: any) => e.url === TM_EXT.virtualService)).toHaveLength(2);
    expect((await read(`Appointment/${appointment.id}`)).status).toBe('arrived');
    const again = await operation(server, `Appointment/${appointment.id}/$start`, {}, clinic.doctorToken);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(encounter.id);
    expect((await operation(server, `Appointment/${appointment.id}/$cancel`, {}, people[0].token)).status).toBe(409);
    const byResident = await operation(server, `Appointment/${(await bookedAppointment(people[0])).id}/$start`, {}, people[0].token);
    expect(byResident.status).toBe(403);
  });

  test('a diagnosis on the Circular 30 list finishes the visit: diagnoses, findings, treatment, advice; appointment fulfilled', async () => {
    const encounter = await startedEncounter(people[0]);
    // The diagnosis is the practitioner's (Decree 96/2023 art. 87): the resident's own app, which
    // may write in its compartment, cannot finish its consultation, refer or write the minutes.
    const fromApp = [
      await operation(server, `Encounter/${encounter.id}/$finish`, { diagnosis: [{ code: 'J00' }], treatment: 'Tự ghi' }, people[0].token),
      await operation(server, `Encounter/${encounter.id}/$refer`, { target: `Organization/${hospital}`, reason: 'Tự chuyển' }, people[0].token),
      await operation(server, `Encounter/${encounter.id}/$case-conference`, { participant: ['A', 'B'], summary: 's', discussion: 'd', conclusion: 'c' }, people[0].token),
    ];
    expect(fromApp.map((r) => r.status)).toEqual([403, 403, 403]);
    expect((await read(`Encounter/${encounter.id}`)).status).toBe('in-progress');
    expect((await read(`ServiceRequest?encounter=Encounter/${encounter.id}&_total=accurate`)).total).toBe(0);
    expect((await read(`Composition?encounter=Encounter/${encounter.id}&_total=accurate`)).total).toBe(0);
    const finished = await operation(
      server,
      `Encounter/${encounter.id}/$finish`,
      { diagnosis: [{ system: 'http://hl7.org/fhir/sid/icd-10', code: 'J00' }], findings: 'Họng đỏ nhẹ qua video, không khó thở', treatment: 'Paracetamol 500 mg khi sốt', advice: 'Uống nhiều nước, tái khám nếu sốt quá 3 ngày' },
      clinic.doctorToken,
    );
    expect(finished.status).toBe(200);
    const done = await read(`Encounter/${encounter.id}`, people[0].token);
    expect(done.status).toBe('finished');
    expect(done.period.end).toBeDefined();
    expect(done.reasonCode[0]).toMatchObject({ text: 'Sốt nhẹ, đau họng', coding: [{ code: 'J00' }] });
    expect(done.extension.find((e: any) => e.url === EXT.treatment).valueString).toBe('Paracetamol 500 mg khi sốt');
    expect(done.extension.find((e: any) => e.url === TM_EXT.advice).valueString).toBe('Uống nhiều nước, tái khám nếu sốt quá 3 ngày');
    expect(done.extension.some((e: any) => e.url === TM_EXT.listAcknowledgement)).toBe(false);
    const condition = await read(done.diagnosis[0].condition.reference, people[0].token);
    expect(condition.code.coding[0]).toMatchObject({ code: 'J00', display: 'Viêm mũi họng cấp (cảm thường)' });
    const findings = await read(`Observation?encounter=Encounter/${encounter.id}&code=http://loinc.org|29545-1`, people[0].token);
    expect(findings.entry[0].resource.valueString).toBe('Họng đỏ nhẹ qua video, không khó thở');
    expect((await read(done.appointment[0].reference)).status).toBe('fulfilled');
    // The station's own profile and rules (as production runs them) accept what the operations wrote.
    const validator = stationValidator();
    for (const resource of [done, condition, findings.entry[0].resource, await read(done.appointment[0].reference)]) {
      expect({ type: resource.resourceType, errors: errorsOf(validator.issues(resource)) }).toEqual({ type: resource.resourceType, errors: [] });
    }
    // What the telemedicine indicator (14.3) counts: the resident's finished remote visits.
    const remote = await read(`Encounter?patient=Patient/${people[0].patientId}&class=VR&status=finished&_total=accurate`);
    expect(remote.total).toBeGreaterThanOrEqual(1);
  });

  test('a diagnosis off the list needs the clinician to acknowledge it, and the acknowledgement is kept', async () => {
    const encounter = await startedEncounter(people[1]);
    const fields = { diagnosis: [{ system: 'http://hl7.org/fhir/sid/icd-10', code: 'I10' }], treatment: 'Hẹn khám trực tiếp tại trạm' };
    const refusedOnce = await operation(server, `Encounter/${encounter.id}/$finish`, fields, clinic.doctorToken);
    expect(refusedOnce.status).toBe(422);
    expect(issueCode(refusedOnce.body)).toBe('tt30-acknowledgement-required');
    expect(vietnamese(refusedOnce.body)).toMatch(/^Bệnh I10 không có trong danh mục được khám chữa bệnh từ xa \(Thông tư 30\/2023\/TT-BYT\)/);
    expect((await read(`Encounter/${encounter.id}`)).status).toBe('in-progress');
    const acknowledged = await operation(server, `Encounter/${encounter.id}/$finish`, { ...fields, 'acknowledge-off-list': true }, clinic.doctorToken);
    expect(acknowledged.status).toBe(200);
    const done = await read(`Encounter/${encounter.id}`);
    const ack = done.extension.find((e: any) => e.url === TM_EXT.listAcknowledgement);
    expect(ack.extension.find((p: any) => p.url === 'code').valueCoding.code).toBe('I10');
    expect(ack.extension.find((p: any) => p.url === 'by').valueReference.reference).toBe(`Practitioner/${clinic.practitionerId}`);
    expect(Date.parse(ack.extension.find((p: any) => p.url === 'at').valueDateTime)).toBeGreaterThan(Date.now() - 60_000);
    // The station's rule agrees: a warning (HA_SON's setting), not an error.
    const issues = stationValidator().issues(done);
    expect(errorsOf(issues)).toEqual([]);
    expect(issues.some((i) => i.severity === 'warning' && String(i.diagnostics).includes('Thông tư 30/2023'))).toBe(true);
  });

  test('a station configured to refuse off-list remote diagnoses refuses them even when acknowledged', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'station-')), 'station.json');
    fs.writeFileSync(file, JSON.stringify({ telemedicineListSeverity: 'error' }));
    const previous = process.env.STATION_CONFIG;
    process.env.STATION_CONFIG = file;
    try {
      const encounter = await startedEncounter(people[1]);
      const res = await operation(server, `Encounter/${encounter.id}/$finish`, { diagnosis: [{ system: 'http://hl7.org/fhir/sid/icd-10', code: 'I10' }], treatment: 'x', 'acknowledge-off-list': true }, clinic.doctorToken);
      expect(res.status).toBe(422);
      expect(issueCode(res.body)).toBe('tt30-refused');
      const onList = await operation(server, `Encounter/${encounter.id}/$finish`, { diagnosis: [{ system: 'http://hl7.org/fhir/sid/icd-10', code: 'K12.0' }], treatment: 'Súc miệng nước muối' }, clinic.doctorToken);
      expect(onList.status).toBe(200);
    } finally {
      if (previous === undefined) delete process.env.STATION_CONFIG;
      else process.env.STATION_CONFIG = previous;
    }
  });

  test('messages between the resident and the station about the appointment, with a photo; each resident sees only their own', async () => {
    const appointment = await bookedAppointment(people[0]);
    const me = `Patient/${people[0].patientId}`;
    const photo = await fhirFetch(`${server.baseUrl}/DocumentReference`, {
      method: 'POST',
      token: people[0].token,
      body: { resourceType: 'DocumentReference', status: 'current', subject: { reference: me }, description: 'Ảnh vết ban', content: [{ attachment: { contentType: 'image/jpeg', data: Buffer.from('ảnh thử').toString('base64'), title: 'ban.jpg' } }] },
    });
    expect(photo.status).toBe(201);
    const question = await fhirFetch(`${server.baseUrl}/Communication`, {
      method: 'POST',
      token: people[0].token,
      body: {
        resourceType: 'Communication',
        status: 'completed',
        subject: { reference: me },
        about: [{ reference: `Appointment/${appointment.id}` }],
        sender: { reference: me },
        recipient: [{ reference: `Practitioner/${clinic.practitionerId}` }],
        sent: new Date().toISOString(),
        payload: [{ contentString: 'Bác sĩ xem giúp em vết ban này ạ' }, { contentReference: { reference: `DocumentReference/${photo.body.id}` } }],
      },
    });
    expect(question.status).toBe(201);
    const answer = await fhirFetch(`${server.baseUrl}/Communication`, {
      method: 'POST',
      token: clinic.doctorToken,
      body: { resourceType: 'Communication', status: 'completed', subject: { reference: me }, about: [{ reference: `Appointment/${appointment.id}` }], inResponseTo: [{ reference: `Communication/${question.body.id}` }], sender: { reference: `Practitioner/${clinic.practitionerId}` }, recipient: [{ reference: me }], payload: [{ contentString: 'Chị vào buổi khám lúc hẹn nhé' }] },
    });
    expect(answer.status).toBe(201);
    const thread = await read(`Communication?about=Appointment/${appointment.id}&_sort=_lastUpdated`, people[0].token);
    expect(thread.entry.map((e: any) => e.resource.payload[0].contentString)).toEqual(['Bác sĩ xem giúp em vết ban này ạ', 'Chị vào buổi khám lúc hẹn nhé']);
    const other = people[1];
    expect((await read(`Communication?about=Appointment/${appointment.id}`, other.token)).entry ?? []).toEqual([]);
    expect((await fhirFetch(`${server.baseUrl}/Communication/${question.body.id}`, { token: other.token })).status).toBe(404);
    expect((await fhirFetch(`${server.baseUrl}/DocumentReference/${photo.body.id}`, { token: other.token })).status).toBe(404);
    const forged = await fhirFetch(`${server.baseUrl}/Communication`, { method: 'POST', token: other.token, body: { resourceType: 'Communication', status: 'completed', subject: { reference: me }, payload: [{ contentString: 'giả danh' }] } });
    expect(forged.status).toBe(403);
  });

  test('the referral to the district hospital is a ServiceRequest the resident sees', async () => {
    const encounter = await startedEncounter(people[0]);
    await operation(server, `Encounter/${encounter.id}/$finish`, { diagnosis: [{ code: 'J00' }], treatment: 'Chuyển tuyến' }, clinic.doctorToken);
    const referral = await operation(server, `Encounter/${encounter.id}/$refer`, { target: `Organization/${hospital}`, reason: 'Cần chụp X-quang phổi', note: 'Mang theo sổ khám' }, clinic.doctorToken);
    expect(referral.status).toBe(201);
    expect(referral.body).toMatchObject({
      status: 'active',
      intent: 'order',
      subject: { reference: `Patient/${people[0].patientId}` },
      encounter: { reference: `Encounter/${encounter.id}` },
      performer: [{ reference: `Organization/${hospital}`, display: 'Bệnh viện Đa khoa huyện Hà Trung' }],
      reasonCode: [{ text: 'Cần chụp X-quang phổi' }],
      requester: { reference: `Practitioner/${clinic.practitionerId}` },
    });
    expect(referral.body.reasonReference).toHaveLength(1);
    const seen = await read(`ServiceRequest?patient=Patient/${people[0].patientId}`, people[0].token);
    expect(seen.entry.map((e: any) => e.resource.id)).toContain(referral.body.id);
    expect((await read(`ServiceRequest?patient=Patient/${people[0].patientId}`, people[1].token)).entry ?? []).toEqual([]);
  });

  test('the minutes of a remote case conference are a Composition on the encounter', async () => {
    const encounter = await startedEncounter(people[1]);
    const res = await operation(
      server,
      `Encounter/${encounter.id}/$case-conference`,
      {
        participant: ['BS. Lê Văn Minh – Trạm Y tế xã Hà Sơn', 'BS. Nguyễn Thị Hoa – Khoa Nội, Bệnh viện huyện Hà Trung'],
        summary: 'Nam 62 tuổi, tăng huyết áp, đau ngực <2 giờ>',
        discussion: 'Nghi cơn đau thắt ngực',
        conclusion: 'Chuyển tuyến huyện trong ngày',
      },
      clinic.doctorToken,
    );
    expect(res.status).toBe(201);
    expect(res.body.encounter).toEqual({ reference: `Encounter/${encounter.id}` });
    expect(res.body.section.map((s: any) => s.title)).toEqual(['Thành phần tham gia hội chẩn', 'Tóm tắt bệnh án', 'Ý kiến thảo luận', 'Kết luận']);
    expect(res.body.section[1].text.div).toContain('đau ngực &lt;2 giờ&gt;');
    const found = await read(`Composition?encounter=Encounter/${encounter.id}`);
    expect(found.entry).toHaveLength(1);
    const alone = await operation(server, `Encounter/${encounter.id}/$case-conference`, { participant: ['Một người'], summary: 'a', discussion: 'b', conclusion: 'c' }, clinic.doctorToken);
    expect(alone.status).toBe(400);
  });
});
