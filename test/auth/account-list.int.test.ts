import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';
import { residentWithAccount } from './smart-helpers';

/**
 * The account list of account administration (docs/security.md, "Accounts"): admins only, what
 * an admin needs to tell accounts apart and nothing more, and every reading audited.
 */

let server: TestServer;
let admin: string;
beforeAll(async () => {
  server = await startTestServer();
  admin = await server.staffToken(['admin']);
}, 180_000);
afterAll(() => server?.close());

const list = (token: string) => fetch(`${server.origin}/auth/accounts`, { headers: { authorization: `Bearer ${token}` } });

test('an admin gets every account: username, kind, roles, disabled — staff first, no hash, Patient or Practitioner; the reading is audited', async () => {
  const since = new Date(Date.now() - 1000).toISOString();
  const resident = await residentWithAccount(server, 'Kiều');
  await server.db.query(`UPDATE account SET disabled = true WHERE username = $1`, [resident.username]);

  const res = await list(admin);
  expect(res.status).toBe(200);
  expect(res.headers.get('cache-control')).toBe('no-store');
  const { accounts } = (await res.json()) as { accounts: any[] };
  expect(accounts.find((a) => a.username === 'admin')).toEqual({ username: 'admin', kind: 'staff', roles: ['admin'], disabled: false });
  expect(accounts.find((a) => a.username === resident.username)).toEqual({ username: resident.username, kind: 'resident', roles: [], disabled: true });
  expect(accounts.map((a) => a.kind)).toEqual([...accounts.filter((a) => a.kind === 'staff'), ...accounts.filter((a) => a.kind === 'resident')].map((a) => a.kind));
  expect(JSON.stringify(accounts)).not.toMatch(/argon2|password|Patient|Practitioner/i);

  const auditor = await server.staffToken(['auditor']);
  const audit = await fhirFetch(`${server.baseUrl}/AuditEvent?date=ge${since}&_count=1000`, { token: auditor });
  const read = (audit.body.entry ?? []).map((e: any) => e.resource).filter((e: any) => /account list read/.test(e.outcomeDesc ?? ''));
  expect(read).toHaveLength(1);
  expect(read[0].outcomeDesc).toBe(`account list read: ${accounts.length} accounts`);
});

test('other staff get 403; without a token 401', async () => {
  for (const role of ['clinician', 'registrar', 'auditor']) {
    const res = await list(await server.staffToken([role]));
    expect(res.status).toBe(403);
    expect(((await res.json()) as any).issue[0].details.text).toMatch(/^Bạn không có quyền .* \/ Not allowed/);
  }
  expect((await fetch(`${server.origin}/auth/accounts`)).status).toBe(401);
});
