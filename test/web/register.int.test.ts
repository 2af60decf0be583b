import type { Coverage, Group, Patient } from '@medplum/fhirtypes';
import type { Page } from 'playwright-core';
import { SID, VN_CORE } from '../../src/station/canonical';
import { fhirFetch } from '../helpers/server';
import { describeBrowser, screenshot } from './helpers/browser';
import { startWebStation, type WebStation } from './helpers/station';

describeBrowser('web app: registering a resident and their household', () => {
  let station: WebStation;
  let page: Page;
  let errors: string[];
  beforeAll(async () => {
    station = await startWebStation();
    ({ page, errors } = await station.page('registrar'));
  }, 180_000);
  afterAll(() => station?.close());
  afterEach(() => expect(errors).toEqual([]));

  const field = (label: string) => page.getByLabel(label, { exact: true });
  const search = (query: string) => fhirFetch(`${station.server.baseUrl}/${query}`).then((r) => (r.body.entry ?? []).map((e: { resource: unknown }) => e.resource));

  test('empty and malformed fields are pointed out in Vietnamese before anything is sent', async () => {
    await page.getByRole('link', { name: 'Đăng ký người dân' }).click();
    await page.getByRole('button', { name: 'Lưu người dân' }).click();
    await page.getByText('Cần họ và tên (ít nhất hai chữ)').waitFor();
    await page.getByText('Cần chọn giới tính').waitFor();
    await page.getByText('Cần chọn thôn').waitFor();
    await page.getByText('Cần ngày sinh').waitFor();

    await field('Ngày sinh *').fill('31/02/1990');
    await page.getByText('Ngày sinh viết dạng ngày/tháng/năm').waitFor();
    // A woman born in 1992 has 1 as the CCCD's fourth digit, and 92 as its 5th–6th.
    await field('Ngày sinh *').fill('15/06/1992');
    await page.getByLabel('Nữ').check();
    await field('Số CCCD / định danh cá nhân').fill('038092000777');
    await page.getByText('Chữ số thứ 4 của CCCD là 0 nhưng người sinh năm 1992, nữ phải có 1').waitFor();
    await field('Mã thẻ BHYT').fill('gd43800');
    await page.getByText(/Mã thẻ BHYT phải có 15 ký tự/).waitFor();
    await screenshot(page, '20-register-checks');
  });

  test('a complete registration stores the resident, the card and a new household in one go', async () => {
    await field('Họ và tên *').fill('Bùi Thị Hương');
    await field('Số CCCD / định danh cá nhân').fill('038192000777');
    await field('Dân tộc *').selectOption({ label: '06 – Mường' });
    await field('Số điện thoại').fill('0987654321');
    await field('Thôn *').selectOption({ label: 'Vĩnh An' });
    await page.getByLabel('Tạm trú').check();
    await field('Cư trú từ ngày').fill('01/01/2015');
    await field('Mã thẻ BHYT').fill('GD4380000000777');
    await field('Hạn từ ngày').fill('01/01/2026');
    await field('Hạn đến ngày').fill('31/12/2027');
    await page.getByLabel('Lập hộ mới').check();
    await expectValue(field('Mã hộ'), /^15313-04-\d{4}$/);
    await expect0(page.getByRole('alert').filter({ hasText: 'Có thể trùng' }));
    await screenshot(page, '21-register-filled');
    await page.getByRole('button', { name: 'Lưu người dân' }).click();

    await page.getByText('Đã đăng ký người dân mới.').waitFor();
    await page.getByRole('heading', { name: 'Bùi Thị Hương' }).waitFor();
    await screenshot(page, '22-registered-record');
    const id = new URL(page.url()).pathname.split('/').pop()!;
    const patient = (await fhirFetch(`${station.server.baseUrl}/Patient/${id}`)).body as Patient;
    expect(patient.identifier).toEqual(expect.arrayContaining([expect.objectContaining({ system: VN_CORE.nationalId, value: '038192000777' }), expect.objectContaining({ system: VN_CORE.insuranceNumber, value: 'GD4380000000777' })]));
    // The server numbered the new resident, and the record's header shows the number.
    const number = patient.identifier?.find((i) => i.system === VN_CORE.patientInternalId)?.value;
    expect(number).toMatch(/^38999-\d{6}$/);
    await page.locator('.person dd', { hasText: number }).waitFor();
    expect(patient.address?.[0].period).toEqual({ start: '2015-01-01' });
    expect(JSON.stringify(patient.address)).toContain('"code":"tam-tru"');
    const [coverage] = (await search(`Coverage?beneficiary=Patient/${id}`)) as Coverage[];
    expect(coverage.period).toEqual({ start: '2026-01-01', end: '2027-12-31' });
    const [household] = (await search(`Group?member=Patient/${id}`)) as Group[];
    expect(household.name).toBe('Hộ Bùi Thị Hương');
    expect(household.identifier?.[0].value).toMatch(/^15313-04-/);
  });

  test('the same name and birth date warn "có thể trùng" with a link; the same CCCD blocks', async () => {
    await page.getByRole('link', { name: 'Đăng ký người dân' }).click();
    await field('Họ và tên *').fill('bui thi huong');
    await field('Ngày sinh *').fill('15/06/1992');
    await page.getByLabel('Nữ').check();
    await field('Thôn *').selectOption({ label: 'Vĩnh An' });
    const warning = page.getByRole('alert').filter({ hasText: 'Có thể trùng' });
    await warning.getByRole('link', { name: 'Bùi Thị Hương' }).waitFor();
    await screenshot(page, '23-register-duplicate');
    await page.getByRole('button', { name: 'Lưu người dân' }).click();
    // Not saved: still on the form until the user says it is someone else.
    await page.waitForTimeout(500);
    expect(new URL(page.url()).pathname).toBe('/nguoi-dan/moi');

    await field('Số CCCD / định danh cá nhân').fill('038185012345');
    await page.getByText('số CCCD này đã được đăng ký cho').waitFor();
    await warning.getByRole('link', { name: 'Nguyễn Thị Thu' }).waitFor();
    await page.getByText('Không thể đăng ký hai người cùng một số CCCD').waitFor();
    expect(await search('Patient?name=bui%20thi%20huong')).toHaveLength(1);
  });

  test('a child joins an existing household found by its code', async () => {
    const [household] = (await search('Group?name=Hộ%20Bùi%20Thị%20Hương')) as Group[];
    const code = household.identifier!.find((i) => i.system === SID.household)!.value!;
    await page.goto(`${station.server.origin}/nguoi-dan/moi`);
    await field('Họ và tên *').fill('Đinh Gia Bảo');
    await page.getByLabel('Nam', { exact: true }).check();
    await field('Ngày sinh *').fill('02/03/2024');
    await field('Thôn *').selectOption({ label: 'Vĩnh An' });
    await page.getByLabel('Vào hộ đã có').check();
    await field('Tìm hộ theo mã hộ hoặc tên chủ hộ').fill(code);
    await page.getByLabel(/Hộ Bùi Thị Hương — mã/).check();
    await field('Quan hệ với chủ hộ').selectOption({ label: 'Con' });
    await page.getByRole('button', { name: 'Lưu người dân' }).click();
    await page.getByRole('heading', { name: 'Đinh Gia Bảo' }).waitFor();
    const stored = (await fhirFetch(`${station.server.baseUrl}/Group/${household.id}`)).body as Group;
    expect(stored.member).toHaveLength(2);
    expect(stored.quantity).toBe(2);
    expect(stored.member![1].extension![0].valueCoding!.code).toBe('con');
  });
});

async function expectValue(locator: ReturnType<Page['getByLabel']>, pattern: RegExp): Promise<void> {
  for (let i = 0; i < 50 && !pattern.test(await locator.inputValue()); i++) await new Promise((r) => setTimeout(r, 100));
  expect(await locator.inputValue()).toMatch(pattern);
}

async function expect0(locator: ReturnType<Page['getByRole']>): Promise<void> {
  expect(await locator.count()).toBe(0);
}
