import { loadConfig } from '../src/config/config';
import { openDatabase } from '../src/db/datasource';
import { ProgressBar } from '../src/fhir/index/progress';
import { rebuildIndex } from '../src/fhir/index/rebuild';
import { loadStationConfig } from '../src/station/config';
import { createStationEngine } from '../src/station/engine';

/**
 * npm run reindex [-- --batch-size=N]: rebuilds every resource's search index rows with the
 * current SearchParameters (R4 + fhir-profiles/), e.g. after one was added or changed. Uses the
 * database the server would (DATABASE_URL, or the embedded one under DATA_DIR). Safe while the
 * server runs: writers wait at most one batch (src/fhir/index/rebuild.ts).
 */
async function main(): Promise<void> {
  const batchArg = process.argv.find((a) => a.startsWith('--batch-size='));
  const batchSize = batchArg ? Number(batchArg.split('=')[1]) : 500;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error('--batch-size must be a positive integer');
  const config = loadConfig();
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 2 });
  try {
    // The station's search parameters too: a re-index with other definitions than the server's would drop their rows.
    const engine = createStationEngine(db, config, loadStationConfig());
    const bar = new ProgressBar('Đánh chỉ mục lại / Reindexing');
    const started = Date.now();
    const result = await rebuildIndex(db, { defs: engine.defs, timeZone: config.timeZone, baseUrl: config.baseUrl }, { batchSize, onProgress: (d, t) => bar.update(d, t) });
    bar.finish();
    const seconds = (Date.now() - started) / 1000;
    console.log(
      `${result.resources.toLocaleString('en')} resources, ${result.rows.toLocaleString('en')} index rows in ${seconds.toFixed(1)} s` +
        (result.skipped ? `; ${result.skipped} written meanwhile were indexed by their writers` : ''),
    );
  } finally {
    await db.close();
  }
}

main().catch((err: Error) => {
  console.error(`reindex failed: ${err.message}`);
  process.exit(1);
});
