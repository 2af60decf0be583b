import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { HA_SON } from '../../src/station/config';
import { storeCommune, storeConformance } from '../../src/station/bootstrap';
import { chromiumPath } from '../../src/web/reports/pdf';
import { startTestServer, type TestServer } from '../helpers/server';
import { writePopulation } from './hand-made';

/**
 * The officers' page in headless Chromium (Debian's package, through playwright-core): signed in
 * with the session cookie as an officer would be, charts drawn by uPlot from this server, nothing
 * fetched elsewhere, Vietnamese text in Noto Sans, the print stylesheet, the PDF, and a staff
 * member saving the report through the page (cookie + CSRF). Screenshots go to test-artifacts/.
 */

const CHROMIUM = chromiumPath();
const ARTIFACTS = path.resolve(__dirname, '../../test-artifacts');
const describeWithChromium = fs.existsSync(CHROMIUM) ? describe : describe.skip;
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const Q = 'set=ntm&from=2025-01-01&to=2025-09-30';

if (!fs.existsSync(CHROMIUM)) console.warn(`Skipping the browser tests: no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`);

describeWithChromium('officers\' page in headless Chromium', () => {
  let server: TestServer;
  let browser: Browser;

  const signIn = async (roles: string[]): Promise<BrowserContext> => {
    const username = `${roles.join('-')}-browser`;
    const password = `pw-${roles.join('+')}-1234-trinh-duyet`;
    await server.auth.createStaff({ username, password, roles, name: roles[0] === 'officer' ? 'Trần Văn Cán Bộ' : 'Lê Văn Thành' }, server.engine.repo);
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh' });
    const res = await context.request.post(`${server.origin}/auth/login`, { data: { username, password } });
    expect(res.status()).toBe(200);
    return context;
  };

  beforeAll(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    server = await startTestServer();
    await storeConformance(server.engine.repo, server.engine.pack.resources.filter((r) => r.resourceType === 'Measure'));
    await storeCommune(server.engine.repo, HA_SON);
    await writePopulation(server.engine.repo);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  test('renders with charts from this server only, Vietnamese in Noto Sans, and prints without the controls', async () => {
    const context = await signIn(['officer']);
    const page = await context.newPage();
    const elsewhere: string[] = [];
    const errors: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(server.origin)) elsewhere.push(r.url());
    });
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.origin}/reports/health-criterion?${Q}`);
    await page.waitForSelector('body[data-ready="1"]');
    expect(await page.locator('h1').textContent()).toBe('BÁO CÁO CÁC CHỈ TIÊU VỀ Y TẾ');
    expect(await page.locator('#charts canvas').count()).toBe(4); // 15.1, 15.3, 15.4 and app enrolments
    expect(await page.locator('td.verdict.not-met').count()).toBeGreaterThan(0);
    const font = await page.evaluate(async () => {
      await document.fonts.ready;
      return [...document.fonts].filter((f) => f.family.replace(/"/g, '') === 'Noto Sans' && f.status === 'loaded').length;
    });
    expect(font).toBeGreaterThan(0);
    expect(await page.evaluate(() => getComputedStyle(document.body).fontFamily)).toContain('Noto Sans');
    expect(elsewhere).toEqual([]);
    expect(errors).toEqual([]);
    await page.screenshot({ path: path.join(ARTIFACTS, 'report-page.png'), fullPage: true });
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('form.filters').isVisible()).toBe(false);
    await page.screenshot({ path: path.join(ARTIFACTS, 'report-print.png'), fullPage: true });
    await context.close();
  });

  test('the PDF is produced by Chromium with the Vietnamese font embedded', async () => {
    const context = await signIn(['officer', 'auditor']);
    const res = await context.request.get(`${server.origin}/reports/health-criterion.pdf?${Q}`, { timeout: 60_000 });
    expect(res.status()).toBe(200);
    expect(res.headers()['content-type']).toBe('application/pdf');
    const pdf = await res.body();
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.toString('latin1')).toMatch(/NotoSans/);
    fs.writeFileSync(path.join(ARTIFACTS, 'report.pdf'), pdf);
    await context.close();
  }, 90_000);

  test('a staff member saves the report from the page (session cookie and CSRF token)', async () => {
    const context = await signIn(['clinician']);
    const page = await context.newPage();
    await page.goto(`${server.origin}/reports/health-criterion?${Q}`);
    await page.waitForSelector('body[data-ready="1"]');
    await Promise.all([page.waitForURL(/done=/), page.getByRole('button', { name: 'Lưu báo cáo vào hồ sơ' }).click()]);
    expect(await page.locator('p.flash').textContent()).toBe('Đã lưu 4 báo cáo');
    await page.getByRole('link', { name: /^15\.1/ }).click();
    await page.waitForURL(/follow-up/);
    expect(await page.locator('h1').textContent()).toBe('Danh sách cần theo dõi');
    expect(await page.locator('tbody tr').count()).toBe(4);
    await page.screenshot({ path: path.join(ARTIFACTS, 'report-follow-up.png'), fullPage: true });
    await context.close();
  });
});
