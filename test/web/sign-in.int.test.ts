import { describeBrowser, screenshot } from './helpers/browser';
import { signIn, STAFF, startWebStation, type WebStation } from './helpers/station';

describeBrowser('web app: signing in and the menu of each role', () => {
  let station: WebStation;
  beforeAll(async () => {
    station = await startWebStation();
  }, 180_000);
  afterAll(() => station?.close());

  test('the app is served at / with its own CSP, compressed, and the assets cached for good', async () => {
    const index = await fetch(`${station.server.origin}/`, { headers: { accept: 'text/html', 'accept-encoding': 'gzip' } });
    expect(index.status).toBe(200);
    expect(index.headers.get('content-encoding')).toBe('gzip');
    expect(index.headers.get('cache-control')).toBe('no-cache');
    const csp = index.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('upgrade-insecure-requests');
    const html = await index.text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)![1];
    const asset = await fetch(`${station.server.origin}${script}`, { headers: { 'accept-encoding': 'gzip' } });
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    // A reload on one of the app's own paths gets the app, an API client asking JSON does not.
    expect((await fetch(`${station.server.origin}/nguoi-dan/abc`, { headers: { accept: 'text/html' } })).status).toBe(200);
    expect((await fetch(`${station.server.origin}/khong-co`, { headers: { accept: 'application/json' } })).status).toBe(404);
    expect((await fetch(`${station.server.origin}/assets/khong-co.js`)).status).toBe(404);
  });

  test('a wrong password is refused in Vietnamese; the right one opens the clinician menu', async () => {
    const { page, errors } = await station.page();
    await page.getByLabel('Tên đăng nhập').fill(STAFF.clinician.username);
    await page.getByLabel('Mật khẩu').fill('sai-mat-khau');
    await page.getByRole('button', { name: 'Đăng nhập' }).click();
    await page.getByRole('alert').getByText('Sai tên đăng nhập hoặc mật khẩu').waitFor();
    await screenshot(page, '01-sign-in-error');

    await signIn(page, STAFF.clinician.username, STAFF.clinician.password);
    const menu = page.getByRole('navigation', { name: 'Chức năng' }).getByRole('link');
    expect(await menu.allTextContents()).toEqual(['Tìm người dân', 'Đăng ký người dân', 'Tiêm chủng', 'Khám từ xa', 'Báo cáo']);
    await page.waitForURL(/\/nguoi-dan$/);
    await screenshot(page, '02-clinician-home');

    // A write with the session cookie but without the page's CSRF token is refused.
    const forged = await page.evaluate(async () => {
      const res = await fetch('/fhir/Basic', { method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify({ resourceType: 'Basic', code: { text: 'x' } }) });
      return res.status;
    });
    expect(forged).toBe(403);

    // The session survives a reload of the tab and ends with "Đăng xuất".
    await page.reload();
    await page.getByRole('button', { name: 'Đăng xuất' }).click();
    await page.getByRole('button', { name: 'Đăng nhập' }).waitFor();
    const after = await page.evaluate(async () => (await fetch('/fhir/Patient?_count=1', { headers: { accept: 'application/fhir+json' } })).status);
    expect(after).toBe(401);
    expect(errors).toEqual([]);
  });

  test('a registrar has no immunisation; an officer sees only the reports and cannot open a resident', async () => {
    const registrar = await station.page('registrar');
    expect(await registrar.page.getByRole('navigation', { name: 'Chức năng' }).getByRole('link').allTextContents()).toEqual(['Tìm người dân', 'Đăng ký người dân', 'Báo cáo']);

    const { page, errors } = await station.page('officer');
    expect(await page.getByRole('navigation', { name: 'Chức năng' }).getByRole('link').allTextContents()).toEqual(['Báo cáo']);
    await page.waitForURL(/\/bao-cao$/);
    await page.goto(`${station.server.origin}/nguoi-dan`);
    await page.getByRole('heading', { name: 'Không có quyền truy cập' }).waitFor();
    await screenshot(page, '03-officer-no-access');
    // Not only hidden: the server refuses the officer the resident's record.
    const status = await page.evaluate(async (id) => (await fetch(`/fhir/Patient/${id}`, { headers: { accept: 'application/fhir+json' } })).status, station.patients.get('thu'));
    expect(status).toBe(403);
    expect(errors).toEqual([]);
  });
});
