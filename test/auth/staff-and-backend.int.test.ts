import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';
import { tokenRequest } from './smart-helpers';

/** A SMART Backend Services client assertion for `clientId`, to `audience`, signed with `key`. */
function clientAssertion(key: Parameters<SignJWT['sign']>[0], clientId: string, audience: string, options: { kid?: string; expires?: string; issuedAt?: boolean } = {}): Promise<string> {
  const jwt = new SignJWT({})
    .setProtectedHeader({ alg: 'ES384', ...(options.kid ? { kid: options.kid } : {}) })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(audience)
    .setJti(randomUUID())
    .setExpirationTime(options.expires ?? '2m');
  return (options.issuedAt === false ? jwt : jwt.setIssuedAt()).sign(key);
}

describe('staff accounts, sessions and backend services', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ LOGIN_RATE_LIMIT: '40', CORS_ORIGINS: 'https://app.example.vn' });
  });
  afterAll(() => server.close());

  const post = (path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`${server.origin}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  test('the first admin comes from the environment; admins create staff linked to a Practitioner', async () => {
    const login = await post('/auth/login', { username: 'admin', password: 'station-test-password', mode: 'token' });
    expect(login.status).toBe(200);
    const admin = (await login.json()).access_token;
    const created = await post('/auth/staff', { username: 'y-ta-lan', password: 'mat-khau-dai-du', roles: ['clinician'], name: 'Y tá Lan' }, { authorization: `Bearer ${admin}` });
    expect(created.status).toBe(201);
    const body = await created.json();
    expect(body.practitioner).toMatch(/^Practitioner\//);
    expect((await fhirFetch(`${server.baseUrl}/${body.practitioner}`)).body.name[0].text).toBe('Y tá Lan');
    const clinician = await server.staffToken(['clinician']);
    expect((await post('/auth/staff', { username: 'x-y-z', password: 'mat-khau-dai-du', roles: ['admin'] }, { authorization: `Bearer ${clinician}` })).status).toBe(403);
    expect((await post('/auth/staff', { username: 'y-ta-lan', password: 'mat-khau-dai-du', roles: ['clinician'] }, { authorization: `Bearer ${admin}` })).status).toBe(409);
    expect((await post('/auth/staff', { username: 'short-pw', password: '123', roles: ['clinician'] }, { authorization: `Bearer ${admin}` })).status).toBe(400);
  });

  test('a password people often choose, or one containing the username, is refused in Vietnamese and English, and no account is made', async () => {
    const admin = (await (await post('/auth/login', { username: 'admin', password: 'station-test-password', mode: 'token' })).json()).access_token;
    const refused = async (username: string, password: string, text: RegExp): Promise<void> => {
      const res = await post('/auth/staff', { username, password, roles: ['clinician'] }, { authorization: `Bearer ${admin}` });
      expect(res.status).toBe(400);
      const body = await res.json();
      expect(body.resourceType).toBe('OperationOutcome');
      expect(JSON.stringify(body)).toMatch(text);
      expect((await post('/auth/login', { username, password, mode: 'token' })).status).toBe(401);
    };
    // From the list of leaked passwords, whatever the case: "anhyeuem" is Vietnamese for "I love you".
    for (const password of ['password1', 'ANHYEUEM', 'qwertyuiop', 'abc12345']) await refused('bs-common', password, /quá phổ biến.*too common/s);
    await refused('bs-tuan', 'Mat-khau-BS-Tuan', /không được chứa tên đăng nhập.*must not contain the username/s);
    expect((await post('/auth/staff', { username: 'bs-common', password: 'một câu đủ dài của tôi', roles: ['clinician'] }, { authorization: `Bearer ${admin}` })).status).toBe(201);
  });

  test('a session cookie is httpOnly and SameSite, and unsafe requests with it need the CSRF token', async () => {
    await server.auth.createStaff({ username: 'cookie-user', password: 'cookie-password-1', roles: ['clinician'] }, server.engine.repo);
    const login = await post('/auth/login', { username: 'cookie-user', password: 'cookie-password-1' });
    expect(login.status).toBe(200);
    const setCookies = login.headers.getSetCookie();
    const session = setCookies.find((c) => c.startsWith('ehr_session='))!;
    expect(session).toMatch(/HttpOnly/i);
    expect(session).toMatch(/SameSite=Strict/i);
    const { csrfToken } = await login.json();
    const cookieHeader = setCookies.map((c) => c.split(';')[0]).join('; ');
    expect(setCookies.find((c) => c.startsWith('ehr_csrf='))).toMatch(/HttpOnly/i);
    const read = await fetch(`${server.baseUrl}/Patient`, { headers: { cookie: cookieHeader } });
    expect(read.status).toBe(200);
    const fhirWrite = (headers: Record<string, string>): Promise<Response> =>
      fetch(`${server.baseUrl}/Patient`, { method: 'POST', headers: { cookie: cookieHeader, 'content-type': 'application/fhir+json', ...headers }, body: JSON.stringify({ resourceType: 'Patient' }) });
    expect((await fhirWrite({})).status).toBe(403);
    expect((await fhirWrite({ 'x-csrf-token': 'forged' })).status).toBe(403);
    expect((await fhirWrite({ 'x-csrf-token': csrfToken })).status).toBe(201);
    const enrolWithout = await fetch(`${server.origin}/auth/residents`, { method: 'POST', headers: { cookie: cookieHeader, 'content-type': 'application/json' }, body: '{}' });
    expect(enrolWithout.status).toBe(403);
    const patient = (await fhirFetch(`${server.baseUrl}/Patient`, { method: 'POST', body: { resourceType: 'Patient' } })).body;
    const enrolWith = await fetch(`${server.origin}/auth/residents`, {
      method: 'POST',
      headers: { cookie: cookieHeader, 'content-type': 'application/json', 'x-csrf-token': csrfToken },
      body: JSON.stringify({ patient: patient.id, username: `cd-${patient.id.slice(0, 6)}` }),
    });
    expect(enrolWith.status).toBe(201);
    expect((await enrolWith.json()).activationCode).toMatch(/^\d{9}$/);
    const logout = await fetch(`${server.origin}/auth/logout`, { method: 'POST', headers: { cookie: cookieHeader } });
    expect(logout.status).toBe(204);
    expect((await fetch(`${server.baseUrl}/Patient`, { headers: { cookie: cookieHeader } })).status).toBe(401);
  });

  test('SMART Backend Services: a registered client signs its own assertion (private_key_jwt, ES384)', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES384');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'platform-1', alg: 'ES384' };
    const system = await server.systemToken();
    const registration = await post('/oauth2/register', { client_name: 'VTelehealth', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [jwk] }, scope: 'system/Appointment.rs system/Patient.rs' }, { authorization: `Bearer ${system}` });
    expect(registration.status).toBe(201);
    const { client_id } = await registration.json();
    const assertion = (): Promise<string> => clientAssertion(privateKey, client_id, `${server.origin}/oauth2/token`, { kid: 'platform-1' });
    const form = async (jwt: string, scope = 'system/Patient.rs') => tokenRequest(server, { grant_type: 'client_credentials', scope, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: jwt });
    const jwt = await assertion();
    const ok = await form(jwt);
    expect(ok.status).toBe(200);
    expect(ok.body.scope).toBe('system/Patient.rs');
    expect((await fhirFetch(`${server.baseUrl}/Patient`, { token: ok.body.access_token })).status).toBe(200);
    expect((await fhirFetch(`${server.baseUrl}/Observation`, { token: ok.body.access_token })).status).toBe(403);
    expect((await form(jwt)).status).toBe(401); // the same assertion twice: replay
    const { privateKey: otherKey } = await generateKeyPair('ES384');
    const forged = await clientAssertion(otherKey, client_id, `${server.origin}/oauth2/token`, { issuedAt: false });
    expect((await form(forged)).status).toBe(401);
    expect((await form(await assertion(), 'system/Observation.rs')).status).toBe(400);
  });

  test('a backend may publish its keys at a jwks_uri over https or on the loopback, never elsewhere in clear', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES384');
    const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'remote-1', alg: 'ES384' }] };
    const keyServer = http.createServer((_req, res) => res.setHeader('content-type', 'application/json').end(JSON.stringify(jwks)));
    await new Promise<void>((resolve) => keyServer.listen(0, '127.0.0.1', resolve));
    try {
      const system = await server.systemToken();
      const register = (extra: object) =>
        post('/oauth2/register', { client_name: 'Nền tảng', token_endpoint_auth_method: 'private_key_jwt', scope: 'system/Patient.rs', ...extra }, { authorization: `Bearer ${system}` });
      for (const uri of ['http://169.254.169.254/latest/meta-data/', 'http://10.0.0.5:5432/', 'file:///etc/passwd', 'gopher://127.0.0.1/', 'not a url']) {
        expect([uri, (await register({ jwks_uri: uri })).status]).toEqual([uri, 400]);
      }
      expect((await register({ jwks: 'keys' })).status).toBe(400);

      const registration = await register({ jwks_uri: `http://127.0.0.1:${(keyServer.address() as AddressInfo).port}/jwks.json` });
      expect(registration.status).toBe(201);
      const { client_id } = await registration.json();
      // No iat: SMART Backend Services does not require it (exp bounds the assertion).
      const sign = (expires: string) => clientAssertion(privateKey, client_id, `${server.origin}/oauth2/token`, { kid: 'remote-1', expires, issuedAt: false });
      const exchange = (assertion: string) =>
        tokenRequest(server, { grant_type: 'client_credentials', scope: 'system/Patient.rs', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion });
      expect((await exchange(await sign('2m'))).status).toBe(200);
      expect((await exchange(await sign('1h'))).status).toBe(401);
    } finally {
      keyServer.close();
    }
  });

  test('dynamic registration needs an admin or a system token, and exact redirect URIs for public apps', async () => {
    expect((await post('/oauth2/register', { token_endpoint_auth_method: 'none', redirect_uris: ['https://a.example/cb'], scope: 'patient/*.rs' })).status).toBe(401);
    const clinician = await server.staffToken(['clinician']);
    expect((await post('/oauth2/register', { token_endpoint_auth_method: 'none', redirect_uris: ['https://a.example/cb'], scope: 'patient/*.rs' }, { authorization: `Bearer ${clinician}` })).status).toBe(403);
    const admin = await server.staffToken(['admin']);
    expect((await post('/oauth2/register', { token_endpoint_auth_method: 'none', redirect_uris: [], scope: 'patient/*.rs' }, { authorization: `Bearer ${admin}` })).status).toBe(400);
    expect((await post('/oauth2/register', { token_endpoint_auth_method: 'client_secret_post', scope: 'patient/*.rs' }, { authorization: `Bearer ${admin}` })).status).toBe(400);
  });

  test('a system client registers only backends, and only with scopes it holds itself; admins register anything', async () => {
    const jwks = { keys: [{ ...(await exportJWK((await generateKeyPair('ES384')).publicKey)), kid: 'k1', alg: 'ES384' }] };
    const register = (token: string, scope: string, extra: object = {}): Promise<Response> =>
      post('/oauth2/register', { client_name: 'backend', token_endpoint_auth_method: 'private_key_jwt', jwks, scope, ...extra }, { authorization: `Bearer ${token}` });
    const narrow = await server.systemToken('system/Organization.rs');
    const escalation = await register(narrow, 'system/*.cruds system/AuditEvent.rs');
    expect(escalation.status).toBe(403);
    const text = (await escalation.json()).issue[0].diagnostics ?? '';
    expect(text).toMatch(/vượt quá.*system\/\*\.cruds system\/AuditEvent\.rs/);
    expect(text).toMatch(/beyond its own/);
    expect((await register(narrow, 'system/Organization.rs system/Patient.r')).status).toBe(403);
    expect((await register(narrow, 'system/Organization.r')).status).toBe(201);
    expect((await register(narrow, 'system/Organization.rs?name=Tram')).status).toBe(201);
    // A constrained holder cannot drop its constraint for the client it registers.
    const constrained = await server.systemToken('system/Organization.rs?name=Tram');
    expect((await register(constrained, 'system/Organization.rs')).status).toBe(403);
    expect((await register(constrained, 'system/Organization.s?name=Tram')).status).toBe(201);
    // Apps residents sign in to are registered by admin staff only, whatever the system client holds.
    const full = await server.systemToken();
    expect((await register(full, 'system/Patient.rs system/AuditEvent.rs')).status).toBe(201);
    const publicApp = { token_endpoint_auth_method: 'none', redirect_uris: ['https://app.example.vn/cb'], jwks: undefined };
    expect((await register(full, 'launch/patient openid patient/*.rs', publicApp)).status).toBe(403);
    const admin = await server.staffToken(['admin']);
    expect((await register(admin, 'launch/patient openid patient/*.rs', publicApp)).status).toBe(201);
    expect((await register(admin, 'system/*.cruds system/AuditEvent.rs')).status).toBe(201);
  });

  test('hardening: security headers, CORS only for configured origins, rate limits on sign-in', async () => {
    const res = await fetch(`${server.baseUrl}/metadata`, { headers: { origin: 'https://app.example.vn' } });
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('strict-transport-security')).toBeTruthy();
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example.vn');
    const other = await fetch(`${server.baseUrl}/metadata`, { headers: { origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const limited = await startTestServer({ LOGIN_RATE_LIMIT: '3' });
    try {
      // Only failures count: many apps behind one carrier address get their tokens.
      for (let i = 0; i < 5; i++) expect(await limited.systemToken()).toBeTruthy();
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await fetch(`${limited.origin}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'nobody', password: 'x' }) })).status);
      expect(statuses.slice(-1)[0]).toBe(429);
    } finally {
      await limited.close();
    }
  });
});
