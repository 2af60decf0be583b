import type { Patient } from '@medplum/fhirtypes';
import type { Page } from 'playwright-core';
import { VN_CORE } from '../../src/station/canonical';
import { fhirFetch } from '../helpers/server';
import { describeBrowser, screenshot } from './helpers/browser';
import { startWebStation, type WebStation } from './helpers/station';

/** The names in the result table, in order. */
async function resultNames(page: Page): Promise<string[]> {
  return page.getByRole('table', { name: 'Kết quả tìm kiếm' }).locator('tbody tr td:first-child a').allTextContents();
}

/** The result row of a resident, as the cells' texts. */
async function rowOf(page: Page, name: string): Promise<string[]> {
  return page.getByRole('row').filter({ hasText: name }).getByRole('cell').allInnerTexts();
}

describeBrowser('web app: finding a resident', () => {
  let station: WebStation;
  let page: Page;
  let errors: string[];
  beforeAll(async () => {
    station = await startWebStation();
    ({ page, errors } = await station.page('clinician'));
  }, 180_000);
  afterAll(() => station?.close());
  afterEach(() => expect(errors).toEqual([]));

  const search = (p: Page) => p.getByLabel('Tên, số CCCD, mã thẻ BHYT, số điện thoại hoặc số hồ sơ');

  test('"nguyen" (no diacritics) finds both Nguyễns with age, sex, village, card status and app enrolment', async () => {
    await search(page).fill('nguyen');
    await page.getByText('2 người').waitFor();
    expect((await resultNames(page)).sort()).toEqual(['Nguyễn Thị Thu', 'Nguyễn Văn Đức']);
    const thu = await rowOf(page, 'Nguyễn Thị Thu');
    expect(thu.slice(1)).toEqual([expect.stringMatching(/^\d+ tuổi$/), 'Nữ', 'Chí Phúc', 'Còn hạn', 'Sổ SKĐT VNeID']);
    const duc = await rowOf(page, 'Nguyễn Văn Đức');
    expect(duc.slice(2)).toEqual(['Nam', 'Giang Sơn 9', expect.stringMatching(/^Hết hạn trong tháng \(\d\d\/\d\d\/\d{4}\)$/), 'Chưa đăng ký']);
    await screenshot(page, '10-search-nguyen');

    // A longer name narrows the list as the user types; đ matches d.
    await search(page).fill('nguyen van duc');
    await page.getByText('1 người', { exact: true }).waitFor();
    expect(await resultNames(page)).toEqual(['Nguyễn Văn Đức']);
  });

  test('a CCCD, a BHYT card code, a phone number and a station number each find their resident', async () => {
    await search(page).fill('038301004567');
    await page.getByRole('link', { name: 'Trần Thị Mai' }).waitFor();
    expect(await resultNames(page)).toEqual(['Trần Thị Mai']);
    expect((await rowOf(page, 'Trần Thị Mai'))[4]).toMatch(/^Đã hết hạn/);

    await search(page).fill('hn4380123456789');
    await page.getByRole('link', { name: 'Nguyễn Thị Thu' }).waitFor();
    expect(await resultNames(page)).toEqual(['Nguyễn Thị Thu']);

    await search(page).fill('0912 345 678');
    await page.getByRole('link', { name: 'Nguyễn Thị Thu' }).waitFor();
    expect(await resultNames(page)).toEqual(['Nguyễn Thị Thu']);

    const thu = (await fhirFetch(`${station.server.baseUrl}/Patient/${station.patients.get('thu')}`)).body as Patient;
    const number = thu.identifier!.find((i) => i.system === VN_CORE.patientInternalId)!.value!;
    await search(page).fill(number);
    await page.getByRole('link', { name: 'Nguyễn Thị Thu' }).waitFor();
    expect(await resultNames(page)).toEqual(['Nguyễn Thị Thu']);

    await search(page).fill('03830100');
    await page.getByText('Nhập đủ 12 số CCCD hoặc 10 số điện thoại').waitFor();
  });

  test('filters alone list a village’s young children, and the search stays in the address', async () => {
    await search(page).fill('');
    await page.getByLabel('Thôn').selectOption({ label: 'Chí Phúc' });
    await page.getByLabel('Độ tuổi').selectOption({ label: 'Dưới 6 tuổi' });
    await page.getByText('2 người').waitFor();
    expect((await resultNames(page)).sort()).toEqual(['Lê Văn An', 'Phạm Minh Khôi']);
    expect((await rowOf(page, 'Lê Văn An'))[1]).toMatch(/^3 tháng$/);
    await page.getByLabel('Giới tính').selectOption({ label: 'Nữ' });
    await page.getByText('Không có ai phù hợp').waitFor();
    await screenshot(page, '11-search-filters');
    // The search is in the address: a reload shows the same list.
    expect(new URL(page.url()).search).toContain('thon=15313-01');
  });
});
