import { describeBrowser, screenshot } from './helpers/browser';
import { signIn, STAFF, startWebStation, type WebStation } from './helpers/station';

const ADMIN = { username: 'qt.son', password: 'Mat-khau-quan-tri-1' };

describeBrowser('web app: account administration', () => {
  let station: WebStation;
  beforeAll(async () => {
    station = await startWebStation();
    await station.server.auth.createStaff({ ...ADMIN, roles: ['admin'], name: 'Trần Văn Sơn' }, station.server.engine.repo);
  }, 180_000);
  afterAll(() => station?.close());

  const staffSignIn = (username: string, password: string) =>
    fetch(`${station.server.origin}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password, mode: 'token' }) });

  test('an admin lists the accounts in Vietnamese, disables a registrar (who can no longer sign in) and enables them again', async () => {
    const { page, errors } = await station.page();
    await signIn(page, ADMIN.username, ADMIN.password);
    await page.getByRole('navigation', { name: 'Chức năng' }).getByRole('link', { name: 'Tài khoản' }).click();
    const table = page.getByRole('table', { name: 'Danh sách tài khoản' });
    const row = (username: string) => table.getByRole('row').filter({ has: page.getByRole('cell', { name: username, exact: true }) });
    await row(STAFF.registrar.username).waitFor();
    expect(await row(STAFF.registrar.username).getByRole('cell').allTextContents()).toEqual([STAFF.registrar.username, 'Nhân viên đăng ký', 'Đang hoạt động', 'Vô hiệu hóa']);
    // One's own account has no button: the server refuses it anyway.
    expect(await table.getByRole('row').filter({ hasText: 'Tài khoản của bạn' }).getByRole('button').count()).toBe(0);

    await page.getByRole('button', { name: `Vô hiệu hóa ${STAFF.registrar.username}` }).click();
    await screenshot(page, '80-accounts-confirm');
    await row(STAFF.registrar.username).getByRole('button', { name: 'Đồng ý' }).click();
    await row(STAFF.registrar.username).getByText('Đã vô hiệu hóa').waitFor();
    expect((await staffSignIn(STAFF.registrar.username, STAFF.registrar.password)).status).toBe(401);
    await screenshot(page, '81-accounts-disabled');

    await page.getByRole('button', { name: `Cho hoạt động lại ${STAFF.registrar.username}` }).click();
    await row(STAFF.registrar.username).getByText('Đang hoạt động').waitFor();
    expect((await staffSignIn(STAFF.registrar.username, STAFF.registrar.password)).status).toBe(200);
    expect(errors).toEqual([]);
  });

  test('other roles: no menu item, "no access" on the page, and 403 from the server', async () => {
    const { page, errors } = await station.page('clinician');
    expect(await page.getByRole('navigation', { name: 'Chức năng' }).getByRole('link', { name: 'Tài khoản' }).count()).toBe(0);
    await page.goto(`${station.server.origin}/tai-khoan`);
    await page.getByRole('heading', { name: 'Không có quyền truy cập' }).waitFor();
    const status = await page.evaluate(async () => (await fetch('/auth/accounts', { headers: { accept: 'application/json' } })).status);
    expect(status).toBe(403);
    expect(errors).toEqual([]);
  });

  test('an admin disabled by another while the page is open: the next change asks to sign in again, and nothing changes', async () => {
    const { page, errors } = await station.page();
    await signIn(page, ADMIN.username, ADMIN.password);
    await page.goto(`${station.server.origin}/tai-khoan`);
    await page.getByRole('button', { name: `Vô hiệu hóa ${STAFF.officer.username}` }).click();
    const other = await station.server.staffToken(['admin']);
    const post = (username: string, action: string) =>
      fetch(`${station.server.origin}/auth/accounts/${username}/${action}`, { method: 'POST', headers: { authorization: `Bearer ${other}` } });
    expect((await post(ADMIN.username, 'disable')).status).toBe(200);

    await page.getByRole('button', { name: 'Đồng ý' }).click();
    await page.getByRole('dialog', { name: 'Đăng nhập lại' }).waitFor();
    await screenshot(page, '82-accounts-session-ended');
    expect((await staffSignIn(STAFF.officer.username, STAFF.officer.password)).status).toBe(200);
    expect((await post(ADMIN.username, 'enable')).status).toBe(200);
    expect(errors).toEqual([]);
  });
});
