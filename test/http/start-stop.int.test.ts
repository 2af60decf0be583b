import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, type ServerProcess } from '../../bench/lib/server';
import type { Database } from '../../src/db/database';
import { openDatabase } from '../../src/db/datasource';
import { PROJECT_ROOT } from '../../src/paths';
import { createTestDatabase } from '../helpers/database';

// `npm start` runs compiled JavaScript (dist/src/main.js), which the other tests never load: they
// build the app in-process. Here the entry is compiled as `npm run build` compiles it and run as
// production runs it, on a database of its own; then stopped the way a service manager stops it.
// SIGTERM must let the server finish, write the audit records still waiting in its queue (reads
// are audited in batches, docs/security.md "Audit"), close the database and exit 0.
describe('the compiled server, as npm start runs it', () => {
  // Inside the project, so the compiled code finds node_modules and the project root as dist/ does.
  const outDir = path.join(PROJECT_ROOT, 'node_modules', '.cache', `commune-ehr-entry-${process.pid}`);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ehr-start-stop-'));
  const client = { id: 'start-stop', secret: 'start-stop-secret-0123456789' };
  let pgDb: (Database & { url?: string }) | undefined;
  let server: ServerProcess | undefined;

  beforeAll(() => {
    // The compiler npm run build uses (node_modules/.bin/tsc), as it runs it.
    execFileSync(process.execPath, [path.join(PROJECT_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', PROJECT_ROOT, '--outDir', outDir], { stdio: 'pipe' });
  }, 120_000);

  afterAll(async () => {
    await server?.stop(1_000);
    await pgDb?.close();
    fs.rmSync(outDir, { recursive: true, force: true });
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('stops on SIGTERM: exit code 0, every read it answered in the audit trail', async () => {
    // PostgreSQL when the suite runs on it (a throwaway database), else the embedded one in DATA_DIR.
    if (process.env.DATABASE_URL) pgDb = await createTestDatabase();
    server = await startServer({
      entry: path.join(outDir, 'src', 'main.js'),
      cwd: PROJECT_ROOT,
      env: {
        ...(pgDb ? { DATABASE_URL: pgDb.url! } : {}),
        DATA_DIR: dataDir,
        FHIR_BOOTSTRAP_CLIENT_ID: client.id,
        FHIR_BOOTSTRAP_CLIENT_SECRET: client.secret,
        LOG_LEVEL: 'warn',
      },
      readyTimeoutMs: 120_000,
    });
    const origin = server.baseUrl.replace(/\/fhir$/, '');
    const grant = await fetch(`${origin}/oauth2/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'system/Patient.cruds' }),
    });
    expect(grant.status).toBe(200);
    const headers = { authorization: `Bearer ${((await grant.json()) as { access_token: string }).access_token}`, 'content-type': 'application/fhir+json' };
    const created = await fetch(`${server.baseUrl}/Patient`, { method: 'POST', headers, body: JSON.stringify({ resourceType: 'Patient', name: [{ family: 'Đặng' }] }) });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const reads = await Promise.all(Array.from({ length: 5 }, () => fetch(`${server!.baseUrl}/Patient/${id}`, { headers })));
    expect(reads.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);

    // At once: the reads' records wait in the audit queue (up to 50 ms) when the signal comes.
    const code = await server.stop(30_000);
    expect(code).toBe(0);
    expect(server.output().filter((line) => /"level":(50|60)/.test(line))).toEqual([]);

    // The database is closed; open it again (the embedded one is free once the server has exited).
    const db = pgDb ?? (await openDatabase({ dataDir, poolSize: 1 }));
    try {
      const [{ n }] = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM resource WHERE resource_type = 'AuditEvent' AND content::text LIKE $1 AND content::text LIKE '%"code":"read"%'`,
        [`%"Patient/${id}%`],
      );
      expect(n).toBe(5);
    } finally {
      if (!pgDb) await db.close();
    }
  }, 240_000);
});
