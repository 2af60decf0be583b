import { describeBrowser, screenshot } from './helpers/browser';
import { day, startWebStation, type WebStation } from './helpers/station';

describeBrowser('web app: reports from the menu', () => {
  let station: WebStation;
  beforeAll(async () => {
    station = await startWebStation();
  }, 180_000);
  afterAll(() => station?.close());

  test("an officer opens the health-criterion report but not a resident's record", async () => {
    const { page, errors } = await station.page('officer');
    await page.getByRole('heading', { name: 'Tiêu chí y tế – nông thôn mới' }).waitFor();
    // The register names patients: not offered to an officer.
    expect(await page.getByRole('heading', { name: 'Sổ khám bệnh A1/YTCS' }).count()).toBe(0);
    expect(await page.getByRole('heading', { name: 'Sổ tiêm chủng trẻ em A2.1/YTCS' }).count()).toBe(0);
    await page.getByLabel('Thôn').selectOption({ label: 'Chí Phúc' });
    await screenshot(page, '70-reports-officer');
    const link = page.getByRole('link', { name: 'Xem báo cáo tiêu chí y tế' });
    expect(await link.getAttribute('href')).toBe(`/reports/health-criterion?from=${day(0).slice(0, 4)}-01-01&to=${day(0)}&village=15313-01`);
    const [response] = await Promise.all([page.waitForResponse((r) => r.url().includes('/reports/health-criterion?')), link.click()]);
    expect(response.status()).toBe(200);
    await page.waitForLoadState();
    expect(await page.content()).not.toContain('<div id="root">');
    await screenshot(page, '71-health-criterion-report');

    await page.goto(`${station.server.origin}/nguoi-dan/${station.patients.get('thu')}`);
    await page.getByRole('heading', { name: 'Không có quyền truy cập' }).waitFor();
    expect(errors).toEqual([]);
  });

  test('a clinician gets the A1 register for the period chosen, and the A2.1 register of the children born in it', async () => {
    const { page } = await station.page('clinician');
    await page.getByRole('link', { name: 'Báo cáo' }).click();
    await page.getByRole('heading', { name: 'Sổ khám bệnh A1/YTCS' }).waitFor();
    const month = `${day(0).slice(0, 7)}-01`;
    expect(await page.getByRole('link', { name: 'Xem sổ A1' }).getAttribute('href')).toBe(`/station/registers/a1?from=${month}&to=${day(0)}`);
    expect(await page.getByRole('link', { name: 'Tải CSV' }).nth(1).getAttribute('href')).toBe(`/station/registers/a1?from=${month}&to=${day(0)}&format=csv`);
    await screenshot(page, '72-reports-clinician');

    const year = `${day(0).slice(0, 4)}-01-01`;
    const a2 = page.getByRole('link', { name: 'Xem sổ A2.1' });
    expect(await a2.getAttribute('href')).toBe(`/station/registers/a2?from=${year}&to=${day(0)}`);
    expect(await page.getByRole('link', { name: 'Tải CSV' }).nth(2).getAttribute('href')).toBe(`/station/registers/a2?from=${year}&to=${day(0)}&format=csv`);
    const [response] = await Promise.all([page.waitForResponse((r) => r.url().includes('/station/registers/a2?')), a2.click()]);
    expect(response.status()).toBe(200);
    await page.getByRole('heading', { name: 'SỔ TIÊM CHỦNG TRẺ EM' }).waitFor();
    await screenshot(page, '73-register-a2');

    await page.goBack();
    const doses = page.getByRole('link', { name: 'Xem báo cáo tiêm chủng' });
    expect(await doses.getAttribute('href')).toBe(`/station/registers/a2/doses?from=${month}&to=${day(0)}`);
    const [answer] = await Promise.all([page.waitForResponse((r) => r.url().includes('/station/registers/a2/doses?')), doses.click()]);
    expect(answer.status()).toBe(200);
    await page.getByRole('heading', { name: 'BÁO CÁO TIÊM CHỦNG TRẺ EM' }).waitFor();
  });
});
