import 'reflect-metadata';
import path from 'node:path';
import fs from 'node:fs';
import { DataSource } from 'typeorm';
import { migrations } from '../../migrations';
import type { Database } from './database';
import { EmbeddedDatabase } from './embedded-database';
import { PgDatabase } from './pg-database';
import { pgliteDriver } from './pglite-driver';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './pglite-worker';

export interface DataSourceOptions {
  /** PostgreSQL URL; absent → embedded PGlite under dataDir. */
  databaseUrl?: string;
  /** Folder of the embedded database; `memory://` keeps it in memory (tests). */
  dataDir: string;
  poolSize: number;
}

const EXTENSIONS = ['unaccent', 'pg_trgm', 'btree_gin'];

function startEmbedded(dataDir: string): EmbeddedPostgres {
  const dir = dataDir === 'memory://' ? undefined : path.resolve(dataDir, 'pglite');
  if (dir) fs.mkdirSync(dir, { recursive: true });
  return startEmbeddedPostgres(dir, EXTENSIONS);
}

/**
 * The TypeORM DataSource — migrations and the TypeORM CLI (ormconfig.ts) — for either backend.
 * Schema changes come only from migrations: `synchronize` stays off.
 */
export function createDataSource(options: DataSourceOptions, embedded?: EmbeddedPostgres): DataSource {
  const common = { type: 'postgres' as const, migrations, synchronize: false, logging: false, entities: [] };
  if (options.databaseUrl) return new DataSource({ ...common, url: options.databaseUrl, poolSize: 2 });
  return new DataSource({ ...common, driver: pgliteDriver(embedded ?? startEmbedded(options.dataDir)) } as never);
}

/**
 * Runs pending migrations with TypeORM, then returns the Database the engine uses: a `pg` pool
 * (prepared statements, no ORM layer on the hot path) or the embedded PGlite.
 */
export async function openDatabase(options: DataSourceOptions): Promise<Database> {
  const embedded = options.databaseUrl ? undefined : startEmbedded(options.dataDir);
  const dataSource = createDataSource(options, embedded);
  await dataSource.initialize();
  const ran = await dataSource.runMigrations({ transaction: 'each' });
  if (options.databaseUrl) {
    await dataSource.destroy();
    const db = new PgDatabase(options.databaseUrl, options.poolSize);
    // A migration can leave tables without statistics (a rewritten column loses them; new
    // extended statistics are empty until gathered): the planner would guess (statistics.ts).
    if (ran.length) await db.query('ANALYZE');
    return db;
  }
  // The migration DataSource shares the embedded database; it is not destroyed (that would close it).
  const db = new EmbeddedDatabase(embedded!);
  await db.query('ANALYZE');
  return db;
}
