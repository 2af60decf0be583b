import type { Bundle, Patient } from '@medplum/fhirtypes';
import { toOutcomeError } from '../../src/fhir/outcomes';
import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';

/**
 * A write that PostgreSQL aborts because it ran into a concurrent one (a deadlock, a serialization
 * failure) is a 409 `lock-error` that says nothing was written and the request may be sent again —
 * not a 500. docs/interactions/transaction.md.
 */

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
}, 120_000);
afterAll(() => server?.close());

const onPostgres = process.env.DATABASE_URL ? test : test.skip;

onPostgres('a transaction Bundle that deadlocks with another transaction is a 409 lock-error, and nothing of it is written (PostgreSQL only: the embedded database has one connection)', async () => {
  const create = async (family: string): Promise<Patient> => (await fhirFetch(`${server.baseUrl}/Patient`, { method: 'POST', body: { resourceType: 'Patient', name: [{ family }] } })).body;
  const [first, second] = [await create('Một'), await create('Hai')];
  const bundle: Bundle = {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [first, second].map((p) => ({ resource: { ...p, active: true }, request: { method: 'PUT', url: `Patient/${p.id}`, ifMatch: `W/"${p.meta!.versionId}"` } })),
  };

  // Another transaction holds the second Patient's row, waits until the Bundle (holding the first) waits for it, then asks
  // for the first: a deadlock. Its own deadlock_timeout is long, so the Bundle's backend is the one that finds it and aborts.
  let holding!: () => void;
  const held = new Promise<void>((resolve) => (holding = resolve));
  const other = server.db.transaction(async (tx) => {
    await tx.query(`SET LOCAL deadlock_timeout = '30s'`);
    await tx.query(`SELECT 1 FROM resource WHERE resource_type = 'Patient' AND id = $1 FOR UPDATE`, [second.id]);
    holding();
    for (let waited = 0; ; waited += 20) {
      // pg_blocking_pids is read live (pg_stat_activity would be a snapshot fixed for this transaction).
      const [{ n }] = await tx.query<{ n: string }>(`SELECT count(*) AS n FROM pg_locks WHERE NOT granted AND pg_backend_pid() = ANY (pg_blocking_pids(pid))`);
      if (Number(n) > 0) break;
      if (waited > 10_000) throw new Error('the Bundle never waited for the held row');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await tx.query(`SELECT 1 FROM resource WHERE resource_type = 'Patient' AND id = $1 FOR UPDATE`, [first.id]);
  });
  await held;

  const res = await fhirFetch(server.baseUrl, { method: 'POST', body: bundle });
  await other;
  expect(res.status).toBe(409);
  expect(res.body.issue[0].code).toBe('lock-error');
  expect(res.body.issue[0].diagnostics).toContain('không có gì được ghi');
  expect(res.body.issue[0].diagnostics).toContain('nothing was written');
  for (const p of [first, second]) {
    const now = (await fhirFetch(`${server.baseUrl}/Patient/${p.id}`)).body;
    expect([now.meta.versionId, now.active]).toEqual(['1', undefined]);
  }
}, 60_000);

test('the database\'s deadlock and serialization failures map to 409 lock-error; other database errors stay a bare 500', () => {
  for (const code of ['40P01', '40001']) {
    const failure = toOutcomeError(Object.assign(new Error('could not serialize'), { code }));
    expect([failure.status, failure.outcome.issue![0].code]).toEqual([409, 'lock-error']);
  }
  expect(toOutcomeError(Object.assign(new Error('relation "x" does not exist'), { code: '42P01' })).status).toBe(500);
});
