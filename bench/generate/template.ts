import { randomBytes } from 'node:crypto';
import { adminQuery, type ThrowawayDatabase } from '../lib/postgres';

/**
 * A generated station kept as a PostgreSQL database to measure on again: generating 2 million
 * resources through the write path takes the better part of an hour, copying the database a few
 * minutes. The template is named after what decides its content (seed and size); it is filled
 * under `<name>_partial` and renamed once complete, so a database with the final name is always
 * whole, and a run that died half-way leaves a `_partial` that the next run resumes.
 */

export const templateName = (seed: number, patients: number): string => `ehr_search_t_${seed}_${patients}`;

export function databaseUrl(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function databaseExists(adminUrl: string, name: string): Promise<boolean> {
  return (await adminQuery(adminUrl, 'SELECT 1 FROM pg_database WHERE datname = $1', [name])).length > 0;
}

/** Fills `<name>_partial` (created unless a previous run left it) with `fill`, then renames it `<name>`. */
export async function buildTemplate(adminUrl: string, name: string, fill: (url: string) => Promise<void>): Promise<void> {
  const partial = `${name}_partial`;
  if (!(await databaseExists(adminUrl, partial))) await adminQuery(adminUrl, `CREATE DATABASE "${partial}"`);
  await fill(databaseUrl(adminUrl, partial));
  // Renaming needs the database unused: `fill` has stopped the server and closed its connections.
  await adminQuery(adminUrl, `ALTER DATABASE "${partial}" RENAME TO "${name}"`);
}

/**
 * A throwaway copy of the template to measure on: reads write audit records, and the template must
 * stay as generated. FILE_COPY copies the files (one checkpoint) instead of writing the whole
 * database through the WAL; PostgreSQL refuses while anything is connected to the template.
 */
export async function copyTemplate(adminUrl: string, template: string): Promise<ThrowawayDatabase> {
  const name = `ehr_search_bench_${randomBytes(6).toString('hex')}`;
  await adminQuery(adminUrl, `CREATE DATABASE "${name}" TEMPLATE "${template}" STRATEGY FILE_COPY`);
  return {
    name,
    url: databaseUrl(adminUrl, name),
    drop: async () => {
      await adminQuery(adminUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}
