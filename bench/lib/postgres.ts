import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { Client } from 'pg';

/** Where the benches find PostgreSQL when DATABASE_URL is not set (local trust auth). */
export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/** A database created for one bench run and dropped at its end. */
export interface ThrowawayDatabase {
  name: string;
  /** Connection string of the new database (same server and credentials as the base URL). */
  url: string;
  drop(): Promise<void>;
}

/** The URL without its password, safe to print. */
export function redactUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

/** Runs one statement on a short-lived connection (CREATE/DROP DATABASE cannot run in a pool's transaction). */
export async function adminQuery<T extends object = Record<string, unknown>>(baseUrl: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: baseUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** The server's version and the settings the figures depend on most, for the bench's header. */
export async function serverSettings(baseUrl: string): Promise<string> {
  const [row] = await adminQuery<{ version: string; buffers: string; commit: string }>(
    baseUrl,
    `SELECT current_setting('server_version') AS version, current_setting('shared_buffers') AS buffers, current_setting('synchronous_commit') AS commit`,
  );
  return `PostgreSQL ${row.version}, shared_buffers ${row.buffers}, synchronous_commit ${row.commit}`;
}

/** Throws an Error saying why when the server behind `baseUrl` cannot be reached or refuses us. */
export async function assertReachable(baseUrl: string): Promise<void> {
  try {
    await adminQuery(baseUrl, 'SELECT 1');
  } catch (err) {
    throw new Error(`PostgreSQL at ${redactUrl(baseUrl)} cannot be reached: ${(err as Error).message}`);
  }
}

/**
 * Process ids of the backends connected to database `name` that run on this machine (so their CPU
 * use can be read from /proc); empty when PostgreSQL runs elsewhere.
 */
export async function localBackendPids(baseUrl: string, name: string): Promise<number[]> {
  const rows = await adminQuery<{ pid: number }>(baseUrl, 'SELECT pid FROM pg_stat_activity WHERE datname = $1', [name]);
  return rows.map((row) => row.pid).filter(isLocalPostgres);
}

function isLocalPostgres(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('postgres');
  } catch {
    return false;
  }
}

/** Creates `<prefix>_<random>` on the server of `baseUrl`. */
export async function createThrowawayDatabase(baseUrl: string, prefix = 'ehr_bench'): Promise<ThrowawayDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await adminQuery(baseUrl, `CREATE DATABASE "${name}"`);
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    // FORCE: a child server killed mid-run may leave connections behind.
    drop: async () => {
      await adminQuery(baseUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}
