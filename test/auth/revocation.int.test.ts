import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';
import { launch, registerPublicApp, residentWithAccount } from './smart-helpers';

/**
 * Taking access away takes effect at once (docs/security.md, "Revocation"): an admin disabling an
 * account revokes the tokens already given, so the very next request is refused, and the change is audited.
 * Every request here is made first with the token working, so the grant is in the server's memory
 * of live grants: the revocation must reach it, not wait for it to expire.
 */

let server: TestServer;
let app: string;
let admin: string;
let auditor: string;
beforeAll(async () => {
  server = await startTestServer();
  app = await registerPublicApp(server);
  admin = await server.staffToken(['admin']);
  auditor = await server.staffToken(['auditor']);
}, 180_000);
afterAll(() => server?.close());

const disable = (username: string, token = admin) =>
  fetch(`${server.origin}/auth/accounts/${encodeURIComponent(username)}/disable`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });

/** A 401 with the bilingual OperationOutcome, Vietnamese first. */
const expectRefused = (res: { status: number; headers: Headers; body: any }): void => {
  expect(res.status).toBe(401);
  expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
  expect(res.body.resourceType).toBe('OperationOutcome');
  expect(res.body.issue[0].code).toBe('login');
  expect(res.body.issue[0].details.text).toMatch(/^Cần đăng nhập.* \/ Authentication required/);
};

const auditSince = async (since: string, pattern: RegExp): Promise<any[]> => {
  const res = await fhirFetch(`${server.baseUrl}/AuditEvent?date=ge${since}&_count=1000`, { token: auditor });
  expect(res.status).toBe(200);
  return (res.body.entry ?? []).map((e: any) => e.resource).filter((e: any) => pattern.test(e.outcomeDesc ?? ''));
};

describe('disabling an account', () => {
  test("a staff member's session stops at once: their next request is 401, and the change is audited", async () => {
    const since = new Date(Date.now() - 1000).toISOString();
    const username = `dismissed-${Date.now()}`;
    const password = 'một-mật-khẩu-đủ-dài-1';
    const created = await fetch(`${server.origin}/auth/staff`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
      body: JSON.stringify({ username, password, roles: ['clinician'] }),
    });
    expect(created.status).toBe(201);
    const login = await fetch(`${server.origin}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password, mode: 'token' }) });
    const { access_token: staff } = (await login.json()) as { access_token: string };
    expect((await fhirFetch(`${server.baseUrl}/Patient?_count=1`, { token: staff })).status).toBe(200);

    const res = await disable(username);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ username, disabled: true, revokedGrants: 1 });

    expectRefused(await fhirFetch(`${server.baseUrl}/Patient?_count=1`, { token: staff }));
    // And no new session.
    const again = await fetch(`${server.origin}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password, mode: 'token' }) });
    expect(again.status).toBe(401);
    const audited = await auditSince(since, /account disabled/);
    expect(audited).toHaveLength(1);
    expect(audited[0].outcomeDesc).toContain(username);
    expect(audited[0].outcome).toBe('0');
  });

  test("a resident's account: their app's access token stops at once", async () => {
    const resident = await residentWithAccount(server, 'Vũ');
    const tokens = await launch(server, app, resident);
    expect((await fhirFetch(`${server.baseUrl}/Patient/${resident.patientId}`, { token: tokens.access_token })).status).toBe(200);

    const res = await disable(resident.username);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ username: resident.username, disabled: true, revokedGrants: 1 });

    expectRefused(await fhirFetch(`${server.baseUrl}/Patient/${resident.patientId}`, { token: tokens.access_token }));
  });

  test('only an admin disables accounts; an unknown username is 404', async () => {
    const clinician = await server.staffToken(['clinician']);
    const resident = await residentWithAccount(server, 'Hồ');
    expect((await disable(resident.username, clinician)).status).toBe(403);
    const unknown = await disable('no-such-user');
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as any).resourceType).toBe('OperationOutcome');
  });
});
