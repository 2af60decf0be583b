import type { Immunization } from '@medplum/fhirtypes';
import { CS } from '../../src/station/canonical';
import { fhirFetch } from '../helpers/server';
import { describeBrowser, screenshot } from './helpers/browser';
import { startWebStation, type WebStation } from './helpers/station';

describeBrowser('web app: immunisation', () => {
  let station: WebStation;
  beforeAll(async () => {
    station = await startWebStation();
  }, 180_000);
  afterAll(() => station?.close());

  const doses = async (key: string): Promise<Immunization[]> =>
    ((await fhirFetch(`${station.server.baseUrl}/Immunization?patient=Patient/${station.patients.get(key)}`)).body.entry ?? []).map((e: { resource: Immunization }) => e.resource);

  test("the village's children due or overdue, most overdue first; a dose recorded in two clicks", async () => {
    const { page, errors } = await station.page('clinician');
    await page.getByRole('link', { name: 'Tiêm chủng' }).click();
    await page.getByText('2 trẻ cần tiêm, trong đó 1 trẻ có mũi quá hạn').waitFor();
    expect(await page.getByLabel('Thôn').inputValue()).toBe('15313-01');
    // The A2.1 book and the month's count are printed from the reports page.
    expect(await page.getByRole('link', { name: 'trang Báo cáo' }).getAttribute('href')).toBe('/bao-cao');
    const rows = page.getByRole('table', { name: 'Trẻ đến hạn tiêm' }).locator('tbody tr');
    expect(await rows.locator('td:first-child a').allTextContents()).toEqual(['Phạm Minh Khôi', 'Lê Văn An']);
    // Khôi (75 days, nothing given): BCG 75 days late is overdue; the 2-month doses came due 14 days ago.
    expect(await rows.nth(0).getByRole('button').allInnerTexts()).toEqual([
      'Vắc xin phòng lao (BCG) mũi 1 (quá hạn 75 ngày)',
      'Bạch hầu - Ho gà - Uốn ván - Viêm gan B - Hib (5 trong 1) mũi 1 (đến hạn 14 ngày)',
      'Bại liệt uống (OPV) mũi 1 (đến hạn 14 ngày)',
    ]);
    // An had dose 1 at 62 days: dose 2 is due at 91 days, 9 days ago.
    expect(await rows.nth(1).getByRole('button').allInnerTexts()).toEqual(['Bạch hầu - Ho gà - Uốn ván - Viêm gan B - Hib (5 trong 1) mũi 2 (đến hạn 9 ngày)', 'Bại liệt uống (OPV) mũi 2 (đến hạn 9 ngày)']);
    await screenshot(page, '50-immunisation-due');

    await rows.nth(0).getByRole('button', { name: /BCG/ }).click();
    await page.getByRole('group', { name: 'Ghi mũi Vắc xin phòng lao (BCG) mũi 1' }).waitFor();
    await screenshot(page, '51-immunisation-record');
    await page.getByRole('button', { name: 'Lưu mũi tiêm' }).click();
    await rows.nth(0).getByText(/Vắc xin phòng lao \(BCG\) mũi 1: đã ghi \d\d\/\d\d\/\d{4}/).waitFor();

    const stored = await doses('khoi');
    expect(stored).toHaveLength(1);
    expect(stored[0].vaccineCode.coding?.[0]).toMatchObject({ system: CS.epiVaccine, code: 'BCG' });
    expect(stored[0].protocolApplied?.[0].doseNumberPositiveInt).toBe(1);
    expect(stored[0].identifier?.[0].system).toBe('urn:ietf:rfc:3986');

    // The child's record no longer lists BCG among the doses due.
    await rows.nth(0).getByRole('link', { name: 'Phạm Minh Khôi' }).click();
    await page.getByRole('heading', { name: 'Mũi cần tiêm (TCMR)' }).waitFor();
    await page.getByText(/Vắc xin phòng lao \(BCG\) – mũi 1/).waitFor();
    expect(await page.getByRole('button', { name: /BCG/ }).count()).toBe(0);
    await screenshot(page, '52-child-record-doses');
    expect(errors).toEqual([]);
  });
});
