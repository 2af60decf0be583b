import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Debian's chromium package; the browser tests skip (saying so) when it is not installed. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const HAS_CHROMIUM = fs.existsSync(CHROMIUM);
if (!HAS_CHROMIUM) {
  console.warn(`Browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`);
}

/** `describe` when a browser is available, otherwise `describe.skip`. */
export const describeBrowser = HAS_CHROMIUM ? describe : describe.skip;

const ROOT = path.resolve(__dirname, '../../..');
export const WEB_BUILD = path.join(ROOT, 'dist', 'web');
export const ARTIFACTS = path.join(ROOT, 'test-artifacts', 'web');

/** The sources the built app comes from: web/ and the station modules it imports. */
const SOURCES = [path.join(ROOT, 'web'), path.join(ROOT, 'src', 'station'), path.join(ROOT, 'fhir-profiles', 'terminology')];

function newestMtime(dir: string): number {
  if (!fs.existsSync(dir)) return 0;
  return fs.readdirSync(dir, { withFileTypes: true }).reduce((newest, entry) => {
    const full = path.join(dir, entry.name);
    return Math.max(newest, entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs);
  }, 0);
}

const builtAt = (): number => (fs.existsSync(path.join(WEB_BUILD, 'index.html')) ? fs.statSync(path.join(WEB_BUILD, 'index.html')).mtimeMs : 0);

/**
 * Builds the app when a source is newer than the build, so a test never runs an old bundle. Two
 * test files may start together: a lock directory lets one build while the other waits.
 */
export async function ensureWebBuilt(): Promise<void> {
  const lock = `${WEB_BUILD}.lock`;
  fs.mkdirSync(path.dirname(WEB_BUILD), { recursive: true });
  for (let waited = 0; ; waited += 250) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch {
      if (waited > 120_000) throw new Error(`${lock} held for two minutes; remove it if no build is running`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    if (builtAt() < Math.max(...SOURCES.map(newestMtime))) {
      execFileSync(path.join(ROOT, 'node_modules', '.bin', 'vite'), ['build', '--config', 'web/vite.config.mts', '--logLevel', 'warn'], { cwd: ROOT, stdio: 'inherit' });
    }
  } finally {
    fs.rmdirSync(lock);
  }
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** A 10-inch tablet held upright: 768 px wide, Vietnamese, on the station's time. */
export async function tabletContext(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({ viewport: { width: 768, height: 1024 }, locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh' });
}

/** Keeps a full-page screenshot under test-artifacts/web/ (not in git) to look at. */
export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Fails the test on any error the page logs or throws (a blank screen otherwise passes silently). */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !/Failed to load resource/.test(msg.text())) errors.push(msg.text());
  });
  return errors;
}
