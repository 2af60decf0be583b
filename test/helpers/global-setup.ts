/**
 * Says once, before the suite, which database the tests run on. Each test file then creates its
 * own throwaway database (test/helpers/database.ts), so files running in parallel never share rows.
 */
export default async function globalSetup(): Promise<void> {
  const target = process.env.DATABASE_URL ? `PostgreSQL (${new URL(process.env.DATABASE_URL).host})` : 'embedded PGlite (in memory)';
  console.log(`\n[commune-ehr tests] database: ${target}, one throwaway database per test file\n`);
}
