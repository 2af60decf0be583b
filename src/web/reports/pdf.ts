import fs from 'node:fs';
import { OperationOutcomeError, outcome, bilingual } from '../../fhir/outcomes';

/**
 * The report as PDF: Chromium (headless, through playwright-core) prints the page's own HTML with
 * its fonts (Noto Sans, Vietnamese subset, served by this server) and charts. CHROMIUM_PATH says
 * where the browser is (default /usr/bin/chromium, Debian's package).
 */

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.CHROMIUM_PATH || '/usr/bin/chromium';
}

/** Renders `html` (whose assets load from `origin`) to an A4 landscape PDF. */
export async function renderPdf(html: string, origin: string, executablePath = chromiumPath()): Promise<Buffer> {
  if (!fs.existsSync(executablePath)) {
    throw new OperationOutcomeError(
      outcome('error', 'not-supported', bilingual(`Máy chủ chưa cài Chromium (${executablePath}) nên không tạo được PDF; hãy dùng nút In và chọn "Lưu thành PDF"`, `Chromium is not installed at ${executablePath}; print the page to PDF instead`)),
      503,
    );
  }
  // Loaded on first use: only this route needs a browser.
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath, args: ARGS });
  try {
    const page = await browser.newPage();
    // The page is given its own origin so its stylesheets, fonts and scripts load from this server.
    await page.route(`${origin}/reports/health-criterion/__pdf`, (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }));
    await page.goto(`${origin}/reports/health-criterion/__pdf`, { waitUntil: 'load' });
    await page.waitForSelector('body[data-ready="1"]', { timeout: 15_000 });
    await page.emulateMedia({ media: 'print' });
    return await page.pdf({ format: 'A4', landscape: true, printBackground: true, preferCSSPageSize: true });
  } finally {
    await browser.close();
  }
}
