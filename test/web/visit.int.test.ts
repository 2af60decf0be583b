import type { Encounter, Resource } from '@medplum/fhirtypes';
import type { Page } from 'playwright-core';
import { fhirFetch } from '../helpers/server';
import { describeBrowser, screenshot } from './helpers/browser';
import { day, startWebStation, type WebStation } from './helpers/station';

const CLIENT_IDS = 'urn:ietf:rfc:3986';

describeBrowser('web app: entering a visit', () => {
  let station: WebStation;
  beforeAll(async () => {
    station = await startWebStation();
  }, 180_000);
  afterAll(() => station?.close());

  const resources = async <T extends Resource>(query: string): Promise<T[]> => ((await fhirFetch(`${station.server.baseUrl}/${query}`)).body.entry ?? []).map((e: { resource: T }) => e.resource);
  const encountersOf = (key: string): Promise<Encounter[]> => resources<Encounter>(`Encounter?subject=Patient/${station.patients.get(key)}&_count=100`);

  async function openVisitForm(page: Page, key: string): Promise<void> {
    await page.goto(`${station.server.origin}/nguoi-dan/${station.patients.get(key)}`);
    await page.getByRole('link', { name: 'Khám bệnh' }).click();
    await page.getByRole('heading', { name: /^Khám bệnh:/ }).waitFor();
    await page.getByLabel('Người khám *').selectOption({ label: 'Lê Thị Hạnh' });
  }

  async function chooseDiagnosis(page: Page, typed: string, option: string): Promise<void> {
    await page.getByRole('combobox', { name: /Chẩn đoán/ }).fill(typed);
    await page.getByRole('option', { name: option }).click();
  }

  async function minimalVisit(page: Page, symptoms: string): Promise<void> {
    await page.getByLabel('Lý do khám, triệu chứng *').fill(symptoms);
    await chooseDiagnosis(page, 'cam thuong', 'J00 – Viêm mũi họng cấp (cảm thường)');
    await page.getByLabel('Xử trí *').fill('Điều trị ngoại trú');
  }

  test('a full visit: vitals with warnings, two diagnoses, a prescription; on the timeline and in one transaction', async () => {
    const { page, errors } = await station.page('clinician');
    await openVisitForm(page, 'duc');
    await page.getByLabel('Lý do khám, triệu chứng *').fill('Đau đầu, chóng mặt 3 ngày, đau họng');
    await page.getByLabel('Nhiệt độ (°C)').fill('3,78');
    await page.getByText('Ngoài khoảng 30–44 °C: hãy đo hoặc nhập lại').waitFor();
    await page.getByLabel('Nhiệt độ (°C)').fill('37,8');
    await page.getByText('⚠ Sốt').waitFor();
    await page.getByLabel('Mạch (lần/phút)').fill('88');
    await page.getByLabel('Huyết áp tâm thu (mmHg)').fill('165');
    await page.getByLabel('Huyết áp tâm trương (mmHg)').fill('100');
    await page.getByText('⚠ Huyết áp cao (≥ 140/90)').waitFor();
    await page.getByLabel('Cân nặng (kg)').fill('61');
    await page.getByLabel('Chiều cao (cm)').fill('160');
    expect(await page.getByLabel('BMI').innerText()).toBe('23,8 kg/m² – thừa cân');
    await page.getByLabel('Khám thực thể').fill('Họng đỏ, phổi không ran');
    await chooseDiagnosis(page, 'tang huyet ap', 'I10 – Tăng huyết áp vô căn (nguyên phát)');
    // Keyboard: the code typed, Enter picks the first suggestion.
    // A man is not offered a diagnosis only a woman can have (the server would refuse it).
    await page.getByRole('combobox', { name: /Chẩn đoán/ }).fill('N76');
    await page.getByRole('combobox', { name: /Chẩn đoán/ }).press('ArrowDown');
    expect(await page.getByRole('option', { name: /^N76/ }).count()).toBe(0);
    await page.getByRole('combobox', { name: /Chẩn đoán/ }).fill('j02');
    await page.getByRole('combobox', { name: /Chẩn đoán/ }).press('Enter');
    expect(await page.getByRole('list', { name: 'Chẩn đoán đã chọn' }).innerText()).toMatch(/Chính\s+I10[\s\S]*Kèm theo\s+J02/);
    await page.getByLabel('Xử trí *').fill('Hạ áp, theo dõi huyết áp tại nhà');
    await page.getByRole('button', { name: '+ Thêm thuốc' }).click();
    await page.getByLabel('Thuốc 1', { exact: true }).fill('Amlodipin 5 mg');
    await page.getByLabel('Số lần mỗi ngày thuốc 1').fill('1');
    await page.getByLabel('Số ngày thuốc 1').fill('30');
    await page.getByLabel('Lời dặn').fill('Ăn nhạt, tái khám sau 1 tháng');
    await screenshot(page, '40-visit-form');
    await page.getByRole('button', { name: 'Lưu lần khám' }).click();

    await page.getByText('Đã lưu lần khám.').waitFor();
    const encounters = await encountersOf('duc');
    expect(encounters).toHaveLength(3);
    const visit = encounters.find((e) => e.identifier?.some((i) => i.system === CLIENT_IDS))!;
    expect(visit.participant?.[0].individual?.display).toBe('Lê Thị Hạnh');
    const observations = await resources(`Observation?encounter=Encounter/${visit.id}`);
    expect(observations).toHaveLength(6); // BP, pulse, temperature, weight, height, findings
    expect(await resources(`MedicationRequest?encounter=Encounter/${visit.id}`)).toHaveLength(1);
    expect(await resources(`Condition?patient=Patient/${station.patients.get('duc')}&code=J02`)).toHaveLength(1);
    const newest = page.getByRole('list', { name: 'Các lần khám' }).getByRole('listitem').first();
    await newest.getByText('Amlodipin 5 mg — 1 viên × 1 lần/ngày × 30 ngày').waitFor();
    const text = await newest.innerText();
    expect(text).toContain('Huyết áp 165/100 mmHg');
    expect(text).toContain('Nhiệt độ 37,8 °C');
    expect(text).toContain('I10 Tăng huyết áp vô căn (nguyên phát) (chính); J02 Viêm họng cấp');
    expect(text).toContain('Ăn nhạt, tái khám sau 1 tháng');
    await screenshot(page, '41-visit-on-timeline');

    expect(errors).toEqual([]);
  });

  test('the visit is in the A1 register of the day', async () => {
    const { page } = await station.page('clinician');
    const response = await page.goto(`${station.server.origin}/station/registers/a1?from=${day(0)}&to=${day(0)}`);
    expect(response?.status()).toBe(200);
    // The register itself answered, not the web app's page for unknown paths (station routes not mounted).
    expect(await response!.text()).not.toContain('<div id="root">');
    const row = page.getByRole('row').filter({ hasText: 'Nguyễn Văn Đức' });
    expect(await row.count()).toBe(1);
    expect(await row.innerText()).toContain('I10');
    await screenshot(page, '42-a1-register');
  });

  test('saved while offline: kept and shown as waiting, stored exactly once when the connection returns', async () => {
    const { page, errors } = await station.page('clinician');
    await openVisitForm(page, 'thu');
    await minimalVisit(page, 'Sổ mũi, hắt hơi');
    await page.context().setOffline(true);
    await page.getByRole('button', { name: 'Lưu lần khám' }).click();
    await page.getByText(/Chưa lưu được 1 lần khám vì mất kết nối/).waitFor();
    const waiting = page.getByRole('list', { name: 'Lần khám chờ lưu' }).getByRole('listitem');
    await waiting.getByText('Đang chờ lưu').waitFor();
    await page.getByRole('status').getByText('1 mục đang chờ lưu').waitFor();
    await screenshot(page, '43-visit-waiting-offline');
    expect(await encountersOf('thu')).toHaveLength(0);

    await page.context().setOffline(false);
    await page.getByText('Sổ mũi, hắt hơi').and(page.locator('dd')).waitFor();
    await page.getByRole('list', { name: 'Các lần khám' }).waitFor();
    expect(await page.getByRole('list', { name: 'Lần khám chờ lưu' }).count()).toBe(0);
    expect(await encountersOf('thu')).toHaveLength(1);
    await screenshot(page, '44-visit-saved-after-reconnect');
    expect(errors.filter((e) => !/ERR_INTERNET_DISCONNECTED/.test(e))).toEqual([]);
  });

  test('the answer lost after the server stored it: the retry stores nothing twice', async () => {
    const { page, errors } = await station.page('clinician');
    await openVisitForm(page, 'lan');
    await minimalVisit(page, 'Ho, sốt nhẹ');
    await page.getByLabel('Nhiệt độ (°C)').fill('37,6');
    let cut = 0;
    await page.route(`${station.server.origin}/fhir`, async (route) => {
      if (route.request().method() !== 'POST' || cut++ > 0) return route.continue();
      await route.fetch(); // the server receives and stores the transaction…
      await route.abort('connectionreset'); // …but its answer never reaches the tablet
    });
    await page.getByRole('button', { name: 'Lưu lần khám' }).click();
    // The page shows the visit stored (it is on the server), not also as waiting, and sends it
    // again by itself: the server answers with what it has.
    await page.getByRole('list', { name: 'Các lần khám' }).getByText('Ho, sốt nhẹ').waitFor();
    expect(await page.getByRole('list', { name: 'Lần khám chờ lưu' }).count()).toBe(0);
    for (let i = 0; i < 100 && cut < 2; i++) await page.waitForTimeout(100);
    expect(cut).toBe(2);
    await page.getByRole('status').filter({ hasText: 'đang chờ lưu' }).waitFor({ state: 'detached' });
    const encounters = await encountersOf('lan');
    expect(encounters).toHaveLength(1);
    expect(await resources(`Condition?patient=Patient/${station.patients.get('lan')}`)).toHaveLength(1);
    expect(await resources(`Observation?encounter=Encounter/${encounters[0].id}`)).toHaveLength(1);
    expect(errors.filter((e) => !/ERR_CONNECTION_RESET/.test(e))).toEqual([]);
  });
});
