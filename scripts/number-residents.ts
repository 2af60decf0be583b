import { loadConfig } from '../src/config/config';
import { openDatabase } from '../src/db/datasource';
import { loadStationConfig } from '../src/station/config';
import { createStationEngine } from '../src/station/engine';
import { numberUnnumberedResidents } from '../src/station/identifiers/number-backfill';

/**
 * npm run number-residents: gives the station's patient number to every current resident who has
 * none (registered before the server numbered residents). Uses the database the server would
 * (DATABASE_URL, or the embedded one under DATA_DIR; stop the server first on the embedded one,
 * which one process at a time may open). Safe to run again: numbered residents are left alone.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const station = loadStationConfig();
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 2 });
  try {
    const engine = createStationEngine(db, config, station);
    const result = await numberUnnumberedResidents(engine.repo, station, db);
    await engine.repo.flushAudit();
    console.log(`Đã cấp số cho ${result.numbered} người / numbered ${result.numbered} residents`);
    if (result.changedMeanwhile) {
      console.log(`${result.changedMeanwhile} hồ sơ được sửa trong lúc chạy: hãy chạy lại / ${result.changedMeanwhile} changed meanwhile: run again`);
    }
  } finally {
    await db.close();
  }
}

main().catch((err: Error) => {
  console.error(`number-residents failed: ${err.message}`);
  process.exit(1);
});
