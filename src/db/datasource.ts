import 'reflect-metadata';
import path from 'node:path';
import fs from 'node:fs';
import { DataSource } from 'typeorm';
import { migrations } from '../../migrations';
import { pgliteDriver } from './pglite-driver';
import { startEmbeddedPostgres } from './pglite-worker';
import { Database, TypeOrmDatabase } from './database';

export interface DataSourceOptions {
  /** PostgreSQL URL; absent → embedded PGlite under dataDir. */
  databaseUrl?: string;
  /** Folder of the embedded database; `memory://` keeps it in memory (tests). */
  dataDir: string;
  poolSize: number;
}

/**
 * The TypeORM DataSource for either backend. Schema changes come only from migrations:
 * `synchronize` stays off so production never alters tables on its own.
 */
export function createDataSource(options: DataSourceOptions): DataSource {
  const common = { type: 'postgres' as const, migrations, synchronize: false, logging: false, entities: [] };
  if (options.databaseUrl) {
    return new DataSource({ ...common, url: options.databaseUrl, poolSize: options.poolSize });
  }
  const dir = options.dataDir === 'memory://' ? undefined : path.resolve(options.dataDir, 'pglite');
  if (dir) fs.mkdirSync(dir, { recursive: true });
  const pglite = startEmbeddedPostgres(dir, ['unaccent', 'pg_trgm', 'btree_gin']);
  return new DataSource({ ...common, driver: pgliteDriver(pglite) } as never);
}

/** Connects, runs pending migrations and returns the Database the engine uses. */
export async function openDatabase(options: DataSourceOptions): Promise<Database> {
  const dataSource = createDataSource(options);
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'each' });
  return new TypeOrmDatabase(dataSource, !options.databaseUrl);
}
