import type { Basic, Consent, RelatedPerson } from '@medplum/fhirtypes';
import { EXT } from '../../src/station/canonical';
import { APP_REDIRECT, authorizationRequest, pkcePair, registerPublicApp, tokenRequest } from '../auth/smart-helpers';
import { fhirFetch } from '../helpers/server';
import { describeBrowser, screenshot, tabletContext } from './helpers/browser';
import { startWebStation, type WebStation } from './helpers/station';

describeBrowser('web app: enrolling a resident in health apps', () => {
  let station: WebStation;
  beforeAll(async () => {
    station = await startWebStation();
  }, 180_000);
  afterAll(() => station?.close());

  const search = async <T,>(query: string): Promise<T[]> => ((await fhirFetch(`${station.server.baseUrl}/${query}`)).body.entry ?? []).map((e: { resource: T }) => e.resource);
  const statusOf = (b: Basic): string | undefined => b.extension?.find((e) => e.url === EXT.enrolmentStatus)?.valueCoding?.code;
  const appOf = (b: Basic): string | undefined => b.extension?.find((e) => e.url === EXT.enrolmentApp)?.valueCoding?.code;

  test("the station's app: account, consent, activation code with a QR code; the resident activates; withdrawal", async () => {
    const lan = station.patients.get('lan')!;
    const { page, errors } = await station.page('registrar');
    await page.goto(`${station.server.origin}/nguoi-dan/${lan}`);
    await page.getByRole('link', { name: 'Ứng dụng sức khỏe' }).click();
    await page.getByText('Chưa đăng ký ứng dụng nào.').waitFor();
    await page.getByLabel('Ứng dụng', { exact: true }).selectOption({ label: 'Ứng dụng của trạm y tế' });
    await page.getByLabel('Tên đăng nhập của người dân').fill('lan.hoang');
    await page.getByLabel('Nhân viên trạm đã xem trên điện thoại').check();
    await page.getByRole('button', { name: 'Đăng ký và cấp mã kích hoạt' }).click();

    const card = page.getByLabel('Mã kích hoạt', { exact: true }).first();
    await page.getByRole('heading', { name: 'Mã kích hoạt ứng dụng của trạm' }).waitFor();
    const code = (await page.locator('dd.code').innerText()).replace(/\s/g, '');
    expect(code).toMatch(/^\d{9}$/);
    const qr = await page.getByRole('img', { name: 'Mã QR kích hoạt' }).getAttribute('data-qr');
    expect(qr).toBe(`${station.server.origin}/kich-hoat?u=lan.hoang&c=${code}`);
    expect(await card.count()).toBe(1);
    await page.getByRole('table', { name: 'Ứng dụng đã đăng ký' }).getByText('Ứng dụng của trạm y tế').waitFor();
    await screenshot(page, '60-enrolment-activation-code');

    const [consent] = await search<Consent>(`Consent?patient=Patient/${lan}`);
    expect(consent.status).toBe('active');
    const [record] = await search<Basic>(`Basic?subject=Patient/${lan}`);
    expect([appOf(record), statusOf(record)]).toEqual(['station-app', 'active']);

    // The resident scans the code: their phone opens the activation page, filled in.
    const phone = await (await tabletContext(station.browser)).newPage();
    await phone.goto(qr!);
    expect(await phone.getByLabel('Mã kích hoạt').inputValue()).toBe(code);
    await phone.getByLabel('Mật khẩu mới').fill('hoa-sen-2026');
    await phone.getByLabel('Nhập lại mật khẩu').fill('hoa-sen-2026');
    await phone.getByRole('button', { name: 'Kích hoạt' }).click();
    await phone.getByText(/Đã kích hoạt/).waitFor();
    await screenshot(phone, '61-resident-activated');
    expect((await station.server.auth.checkPassword('lan.hoang', 'hoa-sen-2026', 'resident')).ok).toBe(true);

    // Another app, then the station's app withdrawn: access revoked, consent inactive, record ended.
    await page.getByLabel('Ứng dụng', { exact: true }).selectOption({ label: 'Sổ sức khỏe điện tử trên VNeID' });
    await page.getByLabel('Người dân tự khai').check();
    await page.getByRole('button', { name: 'Lưu đăng ký' }).click();
    const rows = page.getByRole('table', { name: 'Ứng dụng đã đăng ký' }).locator('tbody tr');
    await rows.filter({ hasText: 'Sổ sức khỏe điện tử trên VNeID' }).waitFor();
    page.once('dialog', (d) => void d.accept());
    await rows.filter({ hasText: 'Ứng dụng của trạm y tế' }).getByRole('button', { name: 'Rút đăng ký' }).click();
    await rows.filter({ hasText: 'Ứng dụng của trạm y tế' }).getByText(/\(đã rút\)/).waitFor();
    await screenshot(page, '62-enrolment-withdrawn');
    expect((await search<Consent>(`Consent?patient=Patient/${lan}`))[0].status).toBe('inactive');
    const records = await search<Basic>(`Basic?subject=Patient/${lan}`);
    expect(records.map((b) => `${appOf(b)} ${statusOf(b)}`).sort()).toEqual(['station-app withdrawn', 'vneid-health-book active']);
    expect(errors).toEqual([]);
  });

  test('a carer: staff link a mother to her baby; at sign-in her app asks whose record to open and opens the baby’s; staff end the link', async () => {
    const [thu, an] = [station.patients.get('thu')!, station.patients.get('an')!];
    const { page, errors } = await station.page('registrar');
    await page.goto(`${station.server.origin}/nguoi-dan/${thu}/ung-dung`);
    // Only a resident with the station's app cares for someone in it: no card before she has it.
    await page.getByRole('table', { name: 'Ứng dụng đã đăng ký' }).waitFor();
    expect(await page.getByRole('heading', { name: 'Người được chăm sóc' }).count()).toBe(0);
    await page.getByLabel('Ứng dụng', { exact: true }).selectOption({ label: 'Ứng dụng của trạm y tế' });
    await page.getByLabel('Tên đăng nhập của người dân').fill('thu.nguyen');
    await page.getByRole('button', { name: 'Đăng ký và cấp mã kích hoạt' }).click();
    const code = (await page.locator('dd.code').innerText()).replace(/\s/g, '');
    await page.getByText('Chưa liên kết với ai.').waitFor();

    await page.getByLabel('Thêm người được chăm sóc: số hồ sơ, số CCCD hoặc tên').fill('Lê Văn An');
    const found = page.getByRole('table', { name: 'Người có thể liên kết' });
    await found.getByRole('row', { name: /Lê Văn An/ }).getByRole('button', { name: 'Chọn' }).click();
    expect(await page.getByLabel('Nguyễn Thị Thu là … của người này').inputValue()).toBe('MTH');
    await page.getByRole('button', { name: 'Liên kết', exact: true }).click();
    const linked = page.getByRole('table', { name: 'Người được chăm sóc' });
    await linked.getByRole('row', { name: /Lê Văn An/ }).getByText('mẹ', { exact: true }).waitFor();
    await screenshot(page, '63-carer-linked');
    // The baby's record names her carer.
    await linked.getByRole('link', { name: 'Lê Văn An' }).click();
    await page.getByText('Nguyễn Thị Thu (mẹ)').waitFor();
    await page.goBack();
    const related = await search<RelatedPerson>(`RelatedPerson?patient=Patient/${an}`);
    expect(related.map((r) => [r.name?.[0]?.text, r.relationship?.[0]?.coding?.[0]?.code, r.active])).toEqual([['Nguyễn Thị Thu', 'MTH', true]]);

    // She activates her account, then signs in from her app: the page asks whose record to open.
    const phone = await (await tabletContext(station.browser)).newPage();
    await phone.goto(`${station.server.origin}/kich-hoat?u=thu.nguyen&c=${code}`);
    await phone.getByLabel('Mật khẩu mới').fill('hoa-mai-2026');
    await phone.getByLabel('Nhập lại mật khẩu').fill('hoa-mai-2026');
    await phone.getByRole('button', { name: 'Kích hoạt' }).click();
    await phone.getByText(/Đã kích hoạt/).waitFor();
    const clientId = await registerPublicApp(station.server);
    const { verifier, challenge } = pkcePair();
    const redirects: URL[] = [];
    await phone.route(`${APP_REDIRECT}**`, (route) => {
      redirects.push(new URL(route.request().url()));
      return route.fulfill({ contentType: 'text/plain', body: 'app' });
    });
    await phone.goto(`${station.server.origin}/oauth2/authorize?${new URLSearchParams(authorizationRequest(station.server, clientId, { code_challenge: challenge }))}`);
    await phone.getByText('Ứng dụng Sổ sức khỏe (thử) xin các quyền sau').waitFor();
    expect(await phone.getByRole('listitem').allInnerTexts()).toContain('Xem toàn bộ hồ sơ sức khỏe của bạn');
    await screenshot(phone, '65-app-sign-in');
    await phone.getByLabel('Tên đăng nhập').fill('thu.nguyen');
    await phone.getByLabel('Mật khẩu').fill('hoa-mai-2026');
    await phone.getByRole('button', { name: 'Đồng ý và đăng nhập' }).click();
    await phone.getByRole('heading', { name: 'Mở hồ sơ của ai?' }).waitFor();
    expect(await phone.getByRole('radio', { name: 'Hồ sơ của tôi (Nguyễn Thị Thu)' }).isChecked()).toBe(true);
    await phone.getByRole('radio', { name: /^Lê Văn An, sinh ngày \d\d\/\d\d\/\d{4}$/ }).check();
    await screenshot(phone, '64-carer-chooses-record');
    await phone.getByRole('button', { name: 'Mở hồ sơ đã chọn' }).click();
    await phone.waitForURL(`${APP_REDIRECT}**`);
    const token = await tokenRequest(station.server, { grant_type: 'authorization_code', code: redirects[0].searchParams.get('code')!, redirect_uri: APP_REDIRECT, client_id: clientId, code_verifier: verifier });
    expect(token.status).toBe(200);
    expect(token.body.patient).toBe(an);
    const child = await fetch(`${station.server.baseUrl}/Patient/${an}`, { headers: { authorization: `Bearer ${token.body.access_token}` } });
    expect(child.status).toBe(200);

    // Staff end the link: the baby's record closes to her app at once.
    page.once('dialog', (d) => void d.accept());
    await linked.getByRole('row', { name: /Lê Văn An/ }).getByRole('button', { name: 'Kết thúc liên kết' }).click();
    await page.getByText('Chưa liên kết với ai.').waitFor();
    await page.goto(`${station.server.origin}/nguoi-dan/${an}`);
    // The summary is drawn once all its sections are read: the heading means the carers are there.
    await page.getByRole('heading', { name: 'Người chăm sóc / liên hệ' }).waitFor();
    expect(await page.getByText('Nguyễn Thị Thu (mẹ)').count()).toBe(0);
    const after = await fetch(`${station.server.baseUrl}/Patient/${an}`, { headers: { authorization: `Bearer ${token.body.access_token}` } });
    expect(after.status).toBe(401);
    expect(errors).toEqual([]);
  });
});
