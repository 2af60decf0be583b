import type { Encounter } from '@medplum/fhirtypes';
import { TM_EXT } from '../../src/telemedicine/canonical';
import { fhirFetch } from '../helpers/server';
import { freeSlots, operation, setUpClinic, stationDate } from '../telemedicine/helpers';
import { describeBrowser, screenshot } from './helpers/browser';
import { startWebStation, type WebStation } from './helpers/station';

describeBrowser('web app: remote consultations', () => {
  let station: WebStation;
  let appointmentId: string;
  beforeAll(async () => {
    station = await startWebStation();
    const server = station.server;
    // The station's schedule (a doctor, all-day hours, a video room template) and a booking by the registrar.
    const clinic = await setUpClinic(server);
    const generated = await operation(server, `Schedule/${clinic.scheduleId}/$generate-slots`, { start: stationDate(0), end: stationDate(1) }, clinic.doctorToken);
    if (generated.status !== 200) throw new Error(`slots: ${JSON.stringify(generated.body)}`);
    const [slot] = await freeSlots(server, clinic, 1);
    const patient = `Patient/${station.patients.get('duc')}`;
    const booked = await operation(server, 'Appointment/$book', { slot: `Slot/${slot.id}`, patient, channel: 'video', consent: true, reason: 'Ho, sổ mũi 2 ngày' }, clinic.registrarToken);
    if (booked.status !== 201) throw new Error(`book: ${JSON.stringify(booked.body)}`);
    appointmentId = booked.body.id;
    // A message from the resident's app about the appointment.
    const message = { resourceType: 'Communication', status: 'completed', subject: { reference: patient }, sender: { reference: patient }, about: [{ reference: `Appointment/${appointmentId}` }], sent: new Date().toISOString(), payload: [{ contentString: 'Cháu ho nhiều về đêm' }] };
    const sent = await fhirFetch(`${server.baseUrl}/Communication`, { method: 'POST', body: message });
    if (sent.status !== 201) throw new Error(`message: ${JSON.stringify(sent.body)}`);
  }, 180_000);
  afterAll(() => station?.close());

  test("today's list: accept, start, the resident's message, the Circular 30 warning, finish", async () => {
    const start = (await fhirFetch(`${station.server.baseUrl}/Appointment/${appointmentId}`)).body.start as string;
    const [y, m, d] = new Date(start).toLocaleDateString('en-CA', { timeZone: 'Asia/Ho_Chi_Minh' }).split('-');
    const { page, errors } = await station.page('clinician');
    await page.getByRole('link', { name: 'Khám từ xa' }).click();
    // Today's list, unless the test runs so late that the first free slot is tomorrow's.
    await page.getByLabel('Ngày', { exact: true }).fill(`${d}/${m}/${y}`);
    const row = page.getByRole('table', { name: 'Lịch hẹn khám từ xa' }).getByRole('row').filter({ hasText: 'Nguyễn Văn Đức' });
    await row.getByText('Chờ nhận').waitFor();
    expect(await row.innerText()).toContain('Ho, sổ mũi 2 ngày');
    await row.getByText('1 tin nhắn của người dân').click();
    await row.getByText('Cháu ho nhiều về đêm').waitFor();
    await screenshot(page, '80-remote-today');
    await row.getByRole('button', { name: 'Nhận lịch' }).click();
    await row.getByText('Đã nhận').waitFor();
    await row.getByRole('button', { name: 'Bắt đầu khám' }).click();

    await page.getByRole('heading', { name: /^Khám từ xa: Nguyễn Văn Đức/ }).waitFor();
    expect(await page.getByRole('list', { name: 'Cách vào cuộc khám' }).innerText()).toMatch(/Gọi video: https:\/\/video\.commune-ehr\.example\/phong\/\S+/);
    await page.getByRole('list', { name: 'Tin nhắn' }).getByText('Cháu ho nhiều về đêm').waitFor();
    await page.getByLabel('Trả lời người dân').fill('Trạm sẽ gọi video lúc 9 giờ');
    await page.getByRole('button', { name: 'Gửi' }).click();
    await page.getByRole('list', { name: 'Tin nhắn' }).getByText('Trạm sẽ gọi video lúc 9 giờ').waitFor();

    // Bronchitis is not on the Circular 30 list: warned, and the server wants it acknowledged.
    await page.getByRole('combobox', { name: /Chẩn đoán/ }).fill('viem phe quan');
    await page.getByRole('option', { name: 'J20 – Viêm phế quản cấp' }).click();
    await page.getByText(/Cảnh báo Thông tư 30\/2023\/TT-BYT: bệnh J20/).waitFor();
    await page.getByLabel('Xử trí *').fill('Hạ sốt, theo dõi, tái khám trực tiếp nếu sốt cao');
    await page.getByRole('button', { name: 'Kết thúc lượt khám' }).click();
    await page.getByRole('alert').filter({ hasText: 'người khám cần xác nhận' }).waitFor();
    await screenshot(page, '81-remote-circular30');
    await page.getByLabel('Tôi đã cân nhắc và vẫn kết thúc lượt khám từ xa với chẩn đoán này').check();
    await page.getByRole('button', { name: 'Kết thúc lượt khám' }).click();

    const newest = page.getByRole('list', { name: 'Các lần khám' }).getByRole('listitem').first();
    await newest.getByText('J20 Viêm phế quản cấp').waitFor();
    expect(await newest.innerText()).toContain('Khám từ xa');
    await screenshot(page, '82-remote-on-timeline');
    const encounters = (await fhirFetch(`${station.server.baseUrl}/Encounter?appointment=Appointment/${appointmentId}`)).body.entry.map((e: { resource: Encounter }) => e.resource);
    expect(encounters).toHaveLength(1);
    expect(encounters[0].status).toBe('finished');
    expect(encounters[0].extension?.some((e: { url: string }) => e.url === TM_EXT.listAcknowledgement)).toBe(true);
    expect(errors).toEqual([]);
  });
});
