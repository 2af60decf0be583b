import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { Database } from '../../src/db/database';
import { openDatabase } from '../../src/db/datasource';

/**
 * A throwaway database for one test file: a fresh PostgreSQL database when DATABASE_URL is set
 * (created here, dropped on close), otherwise an in-memory embedded PGlite. Migrations run on it,
 * exactly as at boot.
 */
export async function createTestDatabase(): Promise<Database & { url?: string }> {
  const base = process.env.DATABASE_URL;
  if (!base) return openDatabase({ dataDir: 'memory://', poolSize: 1 });
  const name = `ehr_test_${process.ppid}_${randomBytes(6).toString('hex')}`;
  await adminQuery(base, `CREATE DATABASE "${name}"`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  const db = await openDatabase({ databaseUrl: url.toString(), dataDir: '', poolSize: 12 });
  const close = db.close.bind(db);
  return Object.assign(db, {
    url: url.toString(),
    close: async () => {
      await close();
      await adminQuery(base, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  });
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * Opens a transaction on `db` and keeps it running — it holds the history horizon (and every sync
 * point) back — until `release` is awaited, which commits it. PostgreSQL only: the embedded
 * database's one connection would block every other request meanwhile.
 */
export async function holdOpenTransaction(db: Database): Promise<{ release: () => Promise<void> }> {
  let opened!: () => void;
  let finish!: () => void;
  const open = new Promise<void>((resolve) => (opened = resolve));
  const hold = new Promise<void>((resolve) => (finish = resolve));
  const done = db.transaction(async (tx) => {
    await tx.query('SELECT 1');
    opened();
    await hold;
  });
  await open;
  return {
    release: async () => {
      finish();
      await done;
    },
  };
}
