import { randomUUID } from 'node:crypto';
import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';

/**
 * The station always keeps an active admin (docs/security.md, "Disabling an account"): an admin
 * may not disable their own account, nor the last active admin's — 409, nothing written — and two
 * admins disabling each other at the same moment cannot both succeed.
 */

let server: TestServer;
let auditor: string;
beforeAll(async () => {
  server = await startTestServer();
  auditor = await server.staffToken(['auditor']);
}, 180_000);
afterAll(() => server?.close());

const onPostgres = process.env.DATABASE_URL ? test : test.skip;

interface Admin {
  id: string;
  username: string;
  token: string;
}

/** `n` new admins, signed in, and the only active ones (every other admin account disabled in the database). */
async function onlyAdmins(n: number): Promise<Admin[]> {
  const admins: Admin[] = [];
  for (let i = 0; i < n; i++) {
    const username = `admin-${randomUUID().slice(0, 8)}`;
    const password = `pw-${randomUUID()}`;
    const { id } = await server.auth.createStaff({ username, password, roles: ['admin'], name: username }, server.engine.repo);
    const login = await fetch(`${server.origin}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password, mode: 'token' }) });
    admins.push({ id, username, token: ((await login.json()) as { access_token: string }).access_token });
  }
  await server.db.query(`UPDATE account SET disabled = true WHERE 'admin' = ANY(roles) AND NOT (username = ANY($1))`, [admins.map((a) => a.username)]);
  return admins;
}

const disable = (username: string, by: Admin) =>
  fetch(`${server.origin}/auth/accounts/${encodeURIComponent(username)}/disable`, { method: 'POST', headers: { authorization: `Bearer ${by.token}` } });

const activeAdmins = async (): Promise<string[]> =>
  (await server.db.query<{ username: string }>(`SELECT username FROM account WHERE 'admin' = ANY(roles) AND NOT disabled ORDER BY username`)).map((r) => r.username);

/** 409 with a bilingual OperationOutcome, Vietnamese first. */
const expectRule = async (res: Response, en: RegExp): Promise<void> => {
  expect(res.status).toBe(409);
  const body = (await res.json()) as any;
  expect(body.resourceType).toBe('OperationOutcome');
  expect(body.issue[0].code).toBe('business-rule');
  expect(body.issue[0].details.text).toMatch(new RegExp(`^Không được .* / ${en.source}`));
};

const disabledAudits = async (since: string): Promise<any[]> => {
  const res = await fhirFetch(`${server.baseUrl}/AuditEvent?date=ge${since}&_count=1000`, { token: auditor });
  return (res.body.entry ?? []).map((e: any) => e.resource).filter((e: any) => /account disabled/.test(e.outcomeDesc ?? ''));
};

test('an admin may not disable their own account: 409, the account and its session untouched, nothing audited', async () => {
  const since = new Date(Date.now() - 1000).toISOString();
  const [me, other] = await onlyAdmins(2);
  await expectRule(await disable(me.username, me), /An admin may not disable their own account/);
  expect(await activeAdmins()).toContain(me.username);
  expect((await fhirFetch(`${server.baseUrl}/Patient?_count=1`, { token: me.token })).status).toBe(200);
  expect(await disabledAudits(since)).toEqual([]);
  // Another admin may.
  expect((await disable(me.username, other)).status).toBe(200);
});

onPostgres('the last active admin: an admin whose own account is being disabled meanwhile waits, then is refused (PostgreSQL only)', async () => {
  const [a, b] = await onlyAdmins(2);
  // Another transaction stands for `a` disabling `b` at this moment: b's row is updated, not yet
  // committed. b's own request to disable `a` must wait for it, and then see that `a` is the last.
  let holding!: () => void;
  const held = new Promise<void>((resolve) => (holding = resolve));
  const other = server.db.transaction(async (tx) => {
    await tx.query(`UPDATE account SET disabled = true WHERE username = $1`, [b.username]);
    holding();
    for (let waited = 0; ; waited += 20) {
      const [{ n }] = await tx.query<{ n: string }>(`SELECT count(*) AS n FROM pg_locks WHERE NOT granted AND pg_backend_pid() = ANY (pg_blocking_pids(pid))`);
      if (Number(n) > 0) break;
      if (waited > 5_000) throw new Error("b's request never waited for the row being disabled");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });
  await held;
  const res = disable(a.username, b);
  await other;
  await expectRule(await res, /The last active admin account may not be disabled/);
  expect(await activeAdmins()).toEqual([a.username]);
}, 60_000);

onPostgres('two admins disabling each other at the same time: one succeeds, the other is refused, one admin stays active (PostgreSQL only)', async () => {
  for (let round = 0; round < 3; round++) {
    const [a, b] = await onlyAdmins(2);
    const answers = await Promise.all([disable(b.username, a), disable(a.username, b)]);
    const statuses = answers.map((r) => r.status);
    // The loser is refused by the rule (409), or, when the winner committed before its request was
    // authenticated, by its revoked session (401).
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409 || s === 401)).toHaveLength(1);
    expect(await activeAdmins()).toHaveLength(1);
  }
}, 120_000);
