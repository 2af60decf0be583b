import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { ensureWebBuilt, WEB_BUILD } from './helpers/browser';

/** The built app's weight: what a tablet downloads on the station's Wi-Fi. */
describe('web app build', () => {
  beforeAll(() => ensureWebBuilt());

  const assets = (ext: string): string[] => fs.readdirSync(path.join(WEB_BUILD, 'assets')).filter((f) => f.endsWith(ext));
  const gzipped = (file: string): number => gzipSync(fs.readFileSync(path.join(WEB_BUILD, 'assets', file)), { level: 9 }).length;

  test('all JavaScript together is under 500 KB gzipped', () => {
    const total = assets('.js').reduce((sum, f) => sum + gzipped(f), 0);
    expect(total).toBeGreaterThan(10_000); // a real bundle was measured
    expect(total).toBeLessThan(500 * 1024);
  });

  test('nothing is loaded from another site: scripts, styles and fonts are our own files', () => {
    const html = fs.readFileSync(path.join(WEB_BUILD, 'index.html'), 'utf8');
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    for (const css of assets('.css')) expect(fs.readFileSync(path.join(WEB_BUILD, 'assets', css), 'utf8')).not.toMatch(/url\((["']?)(https?:)?\/\//);
    expect(assets('.woff2').some((f) => f.includes('vietnamese'))).toBe(true);
  });

  test('every text asset has its precompressed .gz beside it', () => {
    for (const f of [...assets('.js'), ...assets('.css')]) expect(fs.existsSync(path.join(WEB_BUILD, 'assets', `${f}.gz`))).toBe(true);
  });
});
