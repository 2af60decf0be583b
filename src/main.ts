import { createServer } from 'node:http';
import pino from 'pino';
import { createApp } from './app';
import { createAuthService } from './auth/setup';
import { loadConfig } from './config/config';
import { openDatabase } from './db/datasource';
import { startNotifications } from './subscriptions/dispatcher';
import { createFhirEngine } from './fhir/engine';
import { version } from './version';

/** Boot: config → database (+ migrations) → engine → HTTP. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = pino({ level: config.logLevel });
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: config.poolSize });
  const engine = createFhirEngine(db, { stationId: config.stationId, timeZone: config.timeZone, baseUrl: config.baseUrl, version });
  const auth = await createAuthService(db, engine, { stationId: config.stationId, baseUrl: config.baseUrl, env: process.env, dataDir: config.dataDir });
  const notifications = startNotifications(db, engine, auth, logger);
  const app = createApp({ config, engine, auth, logger });
  // Long search URLs (many _id values) need more than Node's default 16 KB of headers.
  const server = createServer({ maxHeaderSize: 64 * 1024 }, app).listen(config.port, () => {
    logger.info({ port: config.port, base: config.baseUrl, database: db.embedded ? `embedded (${config.dataDir})` : 'postgresql' }, 'commune-ehr listening');
  });
  const stop = (): void => {
    server.close(() => void notifications.stop().then(() => db.close()).finally(() => process.exit(0)));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err) => {
  console.error('commune-ehr failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
