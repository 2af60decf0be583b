import type { Page } from 'playwright-core';
import { describeBrowser, screenshot } from './helpers/browser';
import { startWebStation, type WebStation } from './helpers/station';

describeBrowser("web app: a resident's record", () => {
  let station: WebStation;
  beforeAll(async () => {
    station = await startWebStation();
  }, 180_000);
  afterAll(() => station?.close());

  const open = async (page: Page, key: string): Promise<void> => {
    await page.goto(`${station.server.origin}/nguoi-dan/${station.patients.get(key)}`);
  };

  test('summary: card, app enrolment, chronic condition from visits; timeline with vitals; charts', async () => {
    const { page, errors } = await station.page('clinician');
    await open(page, 'duc');
    await page.getByRole('heading', { name: 'Nguyễn Văn Đức' }).waitFor();
    await page.getByText('Nam, 68 tuổi (sinh 01/07/1958)').waitFor();
    await page.getByText(/HT3380000000111: 01\/01\/2025 – \d\d\/\d\d\/\d{4}/).waitFor();
    await page.getByText('I10 – Tăng huyết áp vô căn (nguyên phát)').waitFor();
    await screenshot(page, '30-record-summary');

    await page.getByRole('tab', { name: 'Các lần khám' }).click();
    const visits = page.getByRole('list', { name: 'Các lần khám' }).getByRole('listitem');
    await visits.first().waitFor();
    expect(await visits.count()).toBe(2);
    // Newest first, with the register's fields.
    const newest = await visits.first().innerText();
    expect(newest).toContain('Khám tại trạm, khoa Nội');
    expect(newest).toContain('Huyết áp 145/90 mmHg; Cân nặng 61,5 kg');
    expect(newest).toContain('I10 Tăng huyết áp vô căn (nguyên phát)');
    expect(newest).toContain('Amlodipin 5 mg mỗi sáng');
    expect(newest).toContain('Lê Thị Hạnh');
    await screenshot(page, '31-record-timeline');

    await page.getByRole('tab', { name: 'Biểu đồ' }).click();
    await page.getByRole('img', { name: 'Huyết áp (mmHg)' }).locator('canvas').waitFor();
    await page.getByRole('img', { name: 'Cân nặng (kg)' }).locator('canvas').waitFor();
    await screenshot(page, '32-record-charts');

    await page.getByRole('tab', { name: 'Hồ sơ QĐ 831' }).click();
    await page.getByRole('heading', { name: 'A. Thông tin hành chính' }).waitFor();
    // The record opens with the number the station registered the resident under.
    expect(await page.locator('dl.pairs div').first().innerText()).toMatch(/^Số hồ sơ\s+38999-\d{6}$/);
    await page.getByText('Bệnh mạn tính: I10 Tăng huyết áp vô căn (nguyên phát)').waitFor();
    await screenshot(page, '33-record-phr');
    expect(errors).toEqual([]);
  });

  test("a child's record: doses given and the WHO height-for-age chart", async () => {
    const { page, errors } = await station.page('clinician');
    await open(page, 'an');
    await page.getByRole('heading', { name: 'Lê Văn An' }).waitFor();
    await page.getByText(/Bạch hầu - Ho gà - Uốn ván - Viêm gan B - Hib \(5 trong 1\) – mũi 1/).waitFor();
    await page.getByRole('tab', { name: 'Biểu đồ' }).click();
    await page.getByRole('img', { name: 'Chiều cao theo tuổi – chỉ số Z (chuẩn WHO)' }).locator('canvas').waitFor();
    await screenshot(page, '34-record-child-growth');
    expect(errors).toEqual([]);
  });

  test('a registrar sees the administrative record but not the clinical sections', async () => {
    const { page, errors } = await station.page('registrar');
    await open(page, 'duc');
    await page.getByRole('heading', { name: 'Nguyễn Văn Đức' }).waitFor();
    expect(await page.getByRole('link', { name: 'Khám bệnh' }).count()).toBe(0);
    await page.getByText(/HT3380000000111/).first().waitFor();
    await page.getByRole('tab', { name: 'Các lần khám' }).click();
    await page.getByText('Vai trò của bạn không được xem mục này.').waitFor();
    expect(errors).toEqual([]);
  });
});
