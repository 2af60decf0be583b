import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import smart from 'fhirclient';
import { SIGNING_ALG } from '../../src/auth/keys';
import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';
import { APP_REDIRECT, authorizationRequest, authorize, launch, registerPublicApp, residentWithAccount, tokenRequest } from './smart-helpers';

// SMART App Launch 2.x standalone launch, driven by the fhirclient library against the running
// server: https://hl7.org/fhir/smart-app-launch/app-launch.html
describe('SMART standalone launch for a resident app', () => {
  let server: TestServer;
  let app: Server;
  let appOrigin: string;
  let clientId: string;
  /** A second app, registered for the scripted flows (smart-helpers' redirect URI). */
  let scriptedApp: string;
  const sessions = new Map<string, string>();

  beforeAll(async () => {
    server = await startTestServer();
    // The resident's app: a tiny web app using fhirclient (its Node entry), storage in memory.
    const storage = {
      get: async (key: string) => (sessions.has(key) ? JSON.parse(sessions.get(key)!) : undefined),
      set: async (key: string, value: unknown) => {
        sessions.set(key, JSON.stringify(value));
        return value;
      },
      unset: async (key: string) => sessions.delete(key),
    };
    app = createServer(async (req, res) => {
      try {
        const url = new URL(req.url!, appOrigin);
        if (url.pathname === '/launch') {
          await smart(req, res, storage).authorize({
            clientId,
            scope: 'launch/patient openid fhirUser offline_access patient/*.rs',
            redirectUri: `${appOrigin}/callback`,
            iss: server.baseUrl,
            pkceMode: 'required',
          });
        } else if (url.pathname === '/callback') {
          const client = await smart(req, res, storage).ready();
          const patient = await client.patient.read();
          const observations = await client.request(`Observation?patient=${client.patient.id}`);
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ patient, observations, tokenResponse: client.state.tokenResponse }));
        }
      } catch (err) {
        res.statusCode = 500;
        res.end(String(err));
      }
    });
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    appOrigin = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
    const admin = await server.staffToken(['admin']);
    const registration = await fetch(`${server.origin}/oauth2/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
      body: JSON.stringify({ client_name: 'Sổ sức khỏe điện tử', token_endpoint_auth_method: 'none', redirect_uris: [`${appOrigin}/callback`], scope: 'launch/patient openid fhirUser offline_access patient/*.rs patient/Observation.c' }),
    });
    expect(registration.status).toBe(201);
    clientId = (await registration.json()).client_id;
    scriptedApp = await registerPublicApp(server, 'launch/patient openid fhirUser offline_access patient/*.rs');
  });
  afterAll(async () => {
    app.close();
    await server.close();
  });

  test('discovery advertises every required field', async () => {
    const res = await fetch(`${server.baseUrl}/.well-known/smart-configuration`);
    expect(res.status).toBe(200);
    const config = await res.json();
    for (const field of ['issuer', 'jwks_uri', 'authorization_endpoint', 'token_endpoint', 'registration_endpoint', 'grant_types_supported', 'scopes_supported', 'capabilities']) {
      expect(config[field]).toBeDefined();
    }
    expect(config.code_challenge_methods_supported).toEqual(['S256']);
    expect(config.capabilities).toEqual(expect.arrayContaining(['launch-standalone', 'client-public', 'client-confidential-asymmetric', 'context-standalone-patient', 'permission-patient', 'permission-v2', 'permission-offline', 'sso-openid-connect']));
    const jwks = await (await fetch(config.jwks_uri)).json();
    expect(jwks.keys[0]).toMatchObject({ kty: 'EC', alg: SIGNING_ALG });
    expect(jwks.keys[0].d).toBeUndefined();
  });

  test('fhirclient completes the launch: sign in with the activation-code password, read own record', async () => {
    const resident = await residentWithAccount(server, 'Lê');
    await fhirFetch(`${server.baseUrl}/Observation`, {
      method: 'POST',
      body: { resourceType: 'Observation', status: 'final', code: { text: 'huyết áp' }, subject: { reference: `Patient/${resident.patientId}` } },
    });
    const launchRes = await fetch(`${appOrigin}/launch`, { redirect: 'manual' });
    expect(launchRes.status).toBe(302);
    const authorizeUrl = new URL(launchRes.headers.get('location')!);
    expect(authorizeUrl.origin + authorizeUrl.pathname).toBe(`${server.origin}/oauth2/authorize`);
    expect(authorizeUrl.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorizeUrl.searchParams.get('aud')).toBe(server.baseUrl);
    // The resident's browser shows our sign-in page, in Vietnamese.
    const page = await fetch(authorizeUrl);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('Đăng nhập sổ sức khỏe điện tử');
    // It names the app as registered and says what it asks in words, not by client id and scope codes.
    expect(html).toContain('Ứng dụng <strong>Sổ sức khỏe điện tử</strong> xin các quyền sau');
    expect(html).not.toContain(`<strong>${clientId}</strong>`);
    expect(html).toContain('<li>Xem toàn bộ hồ sơ sức khỏe của bạn</li>');
    expect(html).toContain('<li>Giữ đăng nhập, không cần nhập lại mật khẩu mỗi lần mở ứng dụng</li>');
    expect(html).not.toContain('Ghi thêm');
    // Its form may lead back to the app (a browser applies form-action to the redirect that answers it).
    expect(page.headers.get('content-security-policy')).toContain(`form-action 'self' ${appOrigin}`);
    const signIn = await fetch(`${server.origin}/oauth2/authorize`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...Object.fromEntries(authorizeUrl.searchParams), username: resident.username, password: resident.password }),
      redirect: 'manual',
    });
    expect(signIn.status).toBe(302);
    const callback = new URL(signIn.headers.get('location')!);
    expect(callback.searchParams.get('state')).toBe(authorizeUrl.searchParams.get('state'));
    const result = await (await fetch(callback)).json();
    expect(result.patient.id).toBe(resident.patientId);
    expect(result.observations.entry).toHaveLength(1);
    expect(result.tokenResponse.patient).toBe(resident.patientId);
    expect(result.tokenResponse.id_token).toBeDefined();
    expect(result.tokenResponse.refresh_token).toBeDefined();
  });

  test('an authorization request that cannot be trusted is refused; only a sound one goes back to the app', async () => {
    const sound = authorizationRequest(server, scriptedApp);
    const get = (query: string): Promise<Response> => fetch(`${server.origin}/oauth2/authorize?${query}`, { redirect: 'manual' });
    const refused = async (res: Response): Promise<string> => {
      expect([res.status, res.headers.get('location')]).toEqual([400, null]);
      return res.text();
    };
    // Nothing goes to a redirect URI the app did not register, nor for an app nobody registered.
    expect(await refused(await get(new URLSearchParams({ ...sound, redirect_uri: 'https://attacker.example/cb' }).toString()))).toContain('redirect_uri not registered');
    const unknown = await refused(await get(new URLSearchParams({ ...sound, client_id: 'no-such-app' }).toString()));
    // The resident's browser shows it: Vietnamese first.
    expect(unknown).toMatch(/^Ứng dụng chưa được trạm y tế đăng ký .* \/ invalid_request: unknown client_id/);
    // A parameter given twice is not guessed at (RFC 6749 §3.1).
    expect(await refused(await get(`${new URLSearchParams(sound)}&client_id=${scriptedApp}`))).toContain('client_id given more than once');
    // With the app known, the error goes back to it, with the state.
    const noPkce = await get(new URLSearchParams({ ...sound, code_challenge_method: 'plain' }).toString());
    expect(noPkce.status).toBe(302);
    const back = new URL(noPkce.headers.get('location')!);
    expect([back.origin + back.pathname, back.searchParams.get('error'), back.searchParams.get('state')]).toEqual([APP_REDIRECT, 'invalid_request', sound.state]);
  });

  test('an app registered with a constrained scope never gets it unconstrained', async () => {
    const vitals = 'http://terminology.hl7.org/CodeSystem/observation-category|vital-signs';
    const constrainedApp = await registerPublicApp(server, `launch/patient openid patient/Patient.rs patient/Observation.cruds?category=${vitals}`);
    const resident = await residentWithAccount(server, 'Giới Hạn');
    const observation = (category: string): object => ({
      resourceType: 'Observation',
      status: 'final',
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: category }] }],
      code: { text: category },
      subject: { reference: `Patient/${resident.patientId}` },
    });
    const lab = (await fhirFetch(`${server.baseUrl}/Observation`, { method: 'POST', body: observation('laboratory') })).body;
    const vital = (await fhirFetch(`${server.baseUrl}/Observation`, { method: 'POST', body: observation('vital-signs') })).body;
    const token = await launch(server, constrainedApp, resident, 'launch/patient patient/Observation.cruds patient/*.rs');
    expect(token.scope.split(' ')).toEqual(['launch/patient', `patient/Observation.cruds?category=${vitals}`, 'patient/Patient.rs', `patient/Observation.rs?category=${vitals}`]);
    expect((await fhirFetch(`${server.baseUrl}/Observation/${vital.id}`, { token: token.access_token })).status).toBe(200);
    expect((await fhirFetch(`${server.baseUrl}/Observation/${lab.id}`, { token: token.access_token })).status).toBe(404);
  });

  test('refresh tokens rotate; reusing an old one revokes the whole family', async () => {
    const resident = await residentWithAccount(server, 'Hoàng');
    const first = await launch(server, scriptedApp, resident);
    const second = await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: first.refresh_token, client_id: scriptedApp });
    expect(second.status).toBe(200);
    expect(second.body.refresh_token).not.toBe(first.refresh_token);
    expect((await fhirFetch(`${server.baseUrl}/Patient/${resident.patientId}`, { token: second.body.access_token })).status).toBe(200);
    const replay = await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: first.refresh_token, client_id: scriptedApp });
    expect(replay.status).toBe(400);
    expect(replay.body.error).toBe('invalid_grant');
    // The family is revoked: the newest tokens stop working too.
    expect((await fhirFetch(`${server.baseUrl}/Patient/${resident.patientId}`, { token: second.body.access_token })).status).toBe(401);
    const third = await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: second.body.refresh_token, client_id: scriptedApp });
    expect(third.status).toBe(400);
  });

  test('one refresh token sent twice at once: one use at most, and the family is revoked', async () => {
    const resident = await residentWithAccount(server, 'Lý');
    // A thief and the app racing with the same token: both can read it unused before either marks it
    // (whether they do depends on timing, hence a few rounds).
    for (let round = 0; round < 3; round++) {
      const first = await launch(server, scriptedApp, resident);
      const refresh = () => tokenRequest(server, { grant_type: 'refresh_token', refresh_token: first.refresh_token, client_id: scriptedApp });
      const winners = (await Promise.all([refresh(), refresh()])).filter((a) => a.status === 200);
      expect(winners.length).toBeLessThanOrEqual(1);
      for (const w of winners) {
        expect((await fhirFetch(`${server.baseUrl}/Patient/${resident.patientId}`, { token: w.body.access_token })).status).toBe(401);
        expect((await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: w.body.refresh_token, client_id: scriptedApp })).status).toBe(400);
      }
    }
  });

  test('revocation and introspection', async () => {
    const resident = await residentWithAccount(server, 'Vũ');
    const tokens = await launch(server, scriptedApp, resident);
    const system = await server.systemToken();
    const introspect = async (token: string): Promise<any> =>
      (await fetch(`${server.origin}/oauth2/introspect`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${system}` }, body: new URLSearchParams({ token }) })).json();
    expect(await introspect(tokens.access_token)).toMatchObject({ active: true, patient: resident.patientId, client_id: scriptedApp });
    const revoke = await fetch(`${server.origin}/oauth2/revoke`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: tokens.refresh_token, client_id: scriptedApp }) });
    expect(revoke.status).toBe(200);
    expect(await introspect(tokens.access_token)).toEqual({ active: false });
    expect((await fhirFetch(`${server.baseUrl}/Patient/${resident.patientId}`, { token: tokens.access_token })).status).toBe(401);
  });

  test('withdrawing consent revokes the resident app tokens at once', async () => {
    const resident = await residentWithAccount(server, 'Đinh');
    const tokens = await launch(server, scriptedApp, resident);
    const consents = await fhirFetch(`${server.baseUrl}/Consent?patient=Patient/${resident.patientId}`);
    expect(consents.body.entry.map((e: any) => e.resource.status)).toEqual(['active']);
    const registrar = await server.staffToken(['registrar']);
    const withdraw = await fetch(`${server.origin}/auth/residents/${resident.patientId}/withdraw`, { method: 'POST', headers: { authorization: `Bearer ${registrar}` } });
    expect(withdraw.status).toBe(200);
    expect((await fhirFetch(`${server.baseUrl}/Patient/${resident.patientId}`, { token: tokens.access_token })).status).toBe(401);
    const after = await fhirFetch(`${server.baseUrl}/Consent?patient=Patient/${resident.patientId}`);
    expect(after.body.entry.map((e: any) => e.resource.status)).toEqual(['inactive']);
    // Without consent there is no new launch either, by the resident or whoever has their password…
    await expect(authorize(server, scriptedApp, resident)).rejects.toMatchObject({ status: 401 });
    // …until staff enrol them again: a new Consent, a new activation code, a new password.
    const enrol = await fetch(`${server.origin}/auth/residents`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${registrar}` }, body: JSON.stringify({ patient: `Patient/${resident.patientId}` }) });
    const { activationCode, username } = (await enrol.json()) as { activationCode: string; username: string };
    const activateWith = (password: string) => fetch(`${server.origin}/auth/activate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, code: activationCode, password }) });
    // A password from the list of those people choose most often is refused, and the code stays good.
    const common = await activateWith('anhyeuem');
    expect(common.status).toBe(400);
    expect(await common.text()).toMatch(/quá phổ biến/);
    const password = `${resident.password}-mới`;
    expect((await activateWith(password)).status).toBe(204);
    expect((await launch(server, scriptedApp, { username, password })).patient).toBe(resident.patientId);
  });
});
