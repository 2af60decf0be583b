import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));
const outDir = path.resolve(here, '../dist/web');

/**
 * Writes a .gz beside every text asset so the server sends compressed files without compressing on
 * each request (the station's server has two cores; the tablet's Wi-Fi is the slow part).
 */
function precompress(): Plugin {
  return {
    name: 'commune-ehr:precompress',
    apply: 'build',
    writeBundle(_options, bundle) {
      for (const file of [...Object.keys(bundle), 'index.html']) {
        if (!/\.(js|css|html|svg|json)$/.test(file)) continue;
        const full = path.join(outDir, file);
        if (fs.existsSync(full)) fs.writeFileSync(`${full}.gz`, gzipSync(fs.readFileSync(full), { level: 9 }));
      }
    },
  };
}

/** The station's web app: built into dist/web (git-ignored) and served by src/http/web-routes.ts. */
export default defineConfig({
  root: here,
  base: '/',
  publicDir: false,
  plugins: [precompress()],
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    // React DOM alone is ~190 KB minified. The budget that matters is 500 KB gzipped for all the
    // JavaScript, which test/web/budget.test.ts checks.
    chunkSizeWarningLimit: 700,
  },
});
