import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';
import { APP_REDIRECT, authorize, launch, pkcePair, registerPublicApp, residentWithAccount, tokenRequest } from './smart-helpers';

/**
 * Taking access away takes effect at once (docs/security.md, "Revocation"): an admin disabling an
 * account, or staff setting a resident's Consent inactive (or deleting it) through the FHIR API,
 * revokes the tokens already given, so the very next request is refused, and the change is audited.
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

const enable = (username: string, token = admin) =>
  fetch(`${server.origin}/auth/accounts/${encodeURIComponent(username)}/enable`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });

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

const activeConsent = async (patientId: string): Promise<any> => {
  const consents = await fhirFetch(`${server.baseUrl}/Consent?patient=Patient/${patientId}&status=active`);
  expect(consents.body.entry).toHaveLength(1);
  return consents.body.entry[0].resource;
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

  test("a staff member's session cookie stops at once too", async () => {
    const username = `cookie-${Date.now()}`;
    const password = 'một-mật-khẩu-đủ-dài-2';
    const created = await fetch(`${server.origin}/auth/staff`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
      body: JSON.stringify({ username, password, roles: ['registrar'] }),
    });
    expect(created.status).toBe(201);
    const login = await fetch(`${server.origin}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
    expect(login.status).toBe(200);
    const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const read = () => fhirFetch(`${server.baseUrl}/Patient?_count=1`, { token: null, headers: { cookie } });
    expect((await read()).status).toBe(200);
    expect((await disable(username)).status).toBe(200);
    expectRefused(await read());
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

describe('enabling an account again', () => {
  const staffMember = async (role: string): Promise<{ username: string; password: string }> => {
    const username = `back-${role}-${Date.now()}`;
    const password = 'một-mật-khẩu-đủ-dài-3';
    const created = await fetch(`${server.origin}/auth/staff`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
      body: JSON.stringify({ username, password, roles: [role] }),
    });
    expect(created.status).toBe(201);
    return { username, password };
  };
  const signIn = (username: string, password: string) =>
    fetch(`${server.origin}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password, mode: 'token' }) });

  test("a staff member signs in again, but the session revoked by disabling stays revoked; enabling is audited", async () => {
    const since = new Date(Date.now() - 1000).toISOString();
    const { username, password } = await staffMember('clinician');
    const { access_token: before } = (await (await signIn(username, password)).json()) as { access_token: string };
    expect((await disable(username)).status).toBe(200);

    const res = await enable(username);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ username, kind: 'staff', disabled: false });

    expectRefused(await fhirFetch(`${server.baseUrl}/Patient?_count=1`, { token: before }));
    const again = await signIn(username, password);
    expect(again.status).toBe(200);
    const { access_token: after } = (await again.json()) as { access_token: string };
    expect((await fhirFetch(`${server.baseUrl}/Patient?_count=1`, { token: after })).status).toBe(200);
    const audited = await auditSince(since, new RegExp(`account enabled: ${username}`));
    expect(audited).toHaveLength(1);
    expect(audited[0].outcome).toBe('0');
    expect(audited[0].entity.some((e: any) => /^Practitioner\//.test(e.what?.reference ?? ''))).toBe(true);
  });

  test("a resident's app: its revoked tokens stay revoked (the refresh token too); the resident launches again", async () => {
    const resident = await residentWithAccount(server, 'Trịnh');
    const tokens = await launch(server, app, resident);
    expect(tokens.refresh_token).toBeTruthy();
    expect((await disable(resident.username)).status).toBe(200);
    expect((await enable(resident.username)).status).toBe(200);

    expectRefused(await fhirFetch(`${server.baseUrl}/Patient/${resident.patientId}`, { token: tokens.access_token }));
    const refreshed = await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: app });
    expect([refreshed.status, refreshed.body.error]).toEqual([400, 'invalid_grant']);
    const relaunched = await launch(server, app, resident);
    expect((await fhirFetch(`${server.baseUrl}/Patient/${resident.patientId}`, { token: relaunched.access_token })).status).toBe(200);
  });

  test('a resident who withdrew consent (the withdraw endpoint) still cannot sign in to the app: enabling gives no password back', async () => {
    const resident = await residentWithAccount(server, 'Đinh');
    const withdrawn = await fetch(`${server.origin}/auth/residents/${resident.patientId}/withdraw`, { method: 'POST', headers: { authorization: `Bearer ${admin}` } });
    expect(withdrawn.status).toBe(200);
    expect((await disable(resident.username)).status).toBe(200);
    expect((await enable(resident.username)).status).toBe(200);
    await expect(authorize(server, app, resident)).rejects.toMatchObject({ status: 401 });
  });

  test('a resident whose Consent was set inactive by a plain update signs in, but their app is given no token', async () => {
    const resident = await residentWithAccount(server, 'Tạ');
    const consent = await activeConsent(resident.patientId);
    expect((await fhirFetch(`${server.baseUrl}/Consent/${consent.id}`, { method: 'PUT', body: { ...consent, status: 'inactive' } })).status).toBe(200);
    expect((await disable(resident.username)).status).toBe(200);
    expect((await enable(resident.username)).status).toBe(200);
    const { verifier, challenge } = pkcePair();
    const redirect = await authorize(server, app, resident, { code_challenge: challenge });
    const token = await tokenRequest(server, { grant_type: 'authorization_code', code: redirect.searchParams.get('code')!, redirect_uri: APP_REDIRECT, client_id: app, code_verifier: verifier });
    expect([token.status, token.body.error]).toEqual([400, 'invalid_grant']);
  });

  test('only an admin enables accounts, with the CSRF token when signed in by cookie; an unknown username is 404', async () => {
    const { username } = await staffMember('registrar');
    expect((await disable(username)).status).toBe(200);
    const clinician = await server.staffToken(['clinician']);
    expect((await enable(username, clinician)).status).toBe(403);
    const unknown = await enable('no-such-user');
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as any).resourceType).toBe('OperationOutcome');

    const another = await staffMember('admin');
    const login = await fetch(`${server.origin}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(another) });
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const byCookie = (headers: Record<string, string>) => fetch(`${server.origin}/auth/accounts/${username}/enable`, { method: 'POST', headers: { cookie, ...headers } });
    expect((await byCookie({})).status).toBe(403);
    expect((await signIn(username, 'một-mật-khẩu-đủ-dài-3')).status).toBe(401);
    expect((await byCookie({ 'x-csrf-token': csrfToken })).status).toBe(200);
    expect((await signIn(username, 'một-mật-khẩu-đủ-dài-3')).status).toBe(200);
  });
});

describe('a Consent taken out of force through the FHIR API', () => {
  test("set inactive by a plain update: the app's current access token stops at once, and it is audited", async () => {
    const since = new Date(Date.now() - 1000).toISOString();
    const resident = await residentWithAccount(server, 'Ngô');
    const tokens = await launch(server, app, resident);
    expect((await fhirFetch(`${server.baseUrl}/Patient/${resident.patientId}`, { token: tokens.access_token })).status).toBe(200);

    const consent = await activeConsent(resident.patientId);
    const put = await fhirFetch(`${server.baseUrl}/Consent/${consent.id}`, { method: 'PUT', body: { ...consent, status: 'inactive' } });
    expect(put.status).toBe(200);

    expectRefused(await fhirFetch(`${server.baseUrl}/Patient/${resident.patientId}`, { token: tokens.access_token }));
    const audited = await auditSince(since, /app access revoked/);
    expect(audited).toHaveLength(1);
    expect(audited[0].outcomeDesc).toContain(`Consent/${consent.id}`);
    expect(audited[0].entity.some((e: any) => e.what?.reference === `Patient/${resident.patientId}`)).toBe(true);
  });

  test("deleted: the app's current access token stops at once", async () => {
    const resident = await residentWithAccount(server, 'Dương');
    const tokens = await launch(server, app, resident);
    expect((await fhirFetch(`${server.baseUrl}/Patient/${resident.patientId}`, { token: tokens.access_token })).status).toBe(200);

    const consent = await activeConsent(resident.patientId);
    expect((await fhirFetch(`${server.baseUrl}/Consent/${consent.id}`, { method: 'DELETE' })).status).toBe(200);

    expectRefused(await fhirFetch(`${server.baseUrl}/Patient/${resident.patientId}`, { token: tokens.access_token }));
  });

  test('in a transaction Bundle: revoked with it, and not when the Bundle fails', async () => {
    const resident = await residentWithAccount(server, 'Lâm');
    const tokens = await launch(server, app, resident);
    expect((await fhirFetch(`${server.baseUrl}/Patient/${resident.patientId}`, { token: tokens.access_token })).status).toBe(200);
    const consent = await activeConsent(resident.patientId);
    const entry = { resource: { ...consent, status: 'inactive' }, request: { method: 'PUT', url: `Consent/${consent.id}` } };
    // An entry that fails (a version the Patient never had) rolls the whole Bundle back, revocation included.
    const failing = await fhirFetch(server.baseUrl, {
      method: 'POST',
      body: { resourceType: 'Bundle', type: 'transaction', entry: [entry, { request: { method: 'DELETE', url: `Patient/${resident.patientId}`, ifMatch: 'W/"99"' } }] },
    });
    expect(failing.status).toBe(412);
    expect((await fhirFetch(`${server.baseUrl}/Patient/${resident.patientId}`, { token: tokens.access_token })).status).toBe(200);

    const bundle = await fhirFetch(server.baseUrl, { method: 'POST', body: { resourceType: 'Bundle', type: 'transaction', entry: [entry] } });
    expect(bundle.status).toBe(200);
    expectRefused(await fhirFetch(`${server.baseUrl}/Patient/${resident.patientId}`, { token: tokens.access_token }));
  });

  test('an update that leaves it in force leaves the app working', async () => {
    const resident = await residentWithAccount(server, 'Lý');
    const tokens = await launch(server, app, resident);
    const consent = await activeConsent(resident.patientId);
    const put = await fhirFetch(`${server.baseUrl}/Consent/${consent.id}`, { method: 'PUT', body: { ...consent, dateTime: '2026-01-02T03:04:05Z' } });
    expect(put.status).toBe(200);
    expect((await fhirFetch(`${server.baseUrl}/Patient/${resident.patientId}`, { token: tokens.access_token })).status).toBe(200);
  });

  test('the withdraw endpoint still counts the grants it revoked', async () => {
    const resident = await residentWithAccount(server, 'Mai');
    const tokens = await launch(server, app, resident);
    const res = await fetch(`${server.origin}/auth/residents/${resident.patientId}/withdraw`, { method: 'POST', headers: { authorization: `Bearer ${admin}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ revokedGrants: 1 });
    expectRefused(await fhirFetch(`${server.baseUrl}/Patient/${resident.patientId}`, { token: tokens.access_token }));
  });
});
