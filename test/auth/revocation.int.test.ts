import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';
import { launch, registerPublicApp, residentWithAccount } from './smart-helpers';

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
