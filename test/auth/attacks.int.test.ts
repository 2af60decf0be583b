import argon2 from 'argon2';
import { SignJWT, generateKeyPair, decodeJwt } from 'jose';
import { SIGNING_ALG } from '../../src/auth/keys';
import { failureDelayMs } from '../../src/auth/passwords';
import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';
import { APP_REDIRECT, authorize, launch, pkcePair, registerPublicApp, residentWithAccount, tokenRequest } from './smart-helpers';

// Each attack is refused, and the refusal is in the audit trail.
describe('attacks on authentication', () => {
  let server: TestServer;
  let clientId: string;
  let resident: { patientId: string; username: string; password: string };
  let auditor: string;
  beforeAll(async () => {
    server = await startTestServer();
    clientId = await registerPublicApp(server);
    resident = await residentWithAccount(server);
    auditor = await server.staffToken(['auditor']);
  });
  afterAll(() => server.close());

  const patientUrl = (): string => `${server.baseUrl}/Patient/${resident.patientId}`;
  /** The audit trail's refusals (outcome 4) so far. */
  const refusals = async (): Promise<any[]> => (await fhirFetch(`${server.baseUrl}/AuditEvent?outcome=4&_count=1000`, { token: auditor })).body.entry.map((e: any) => e.resource);

  const claims = (extra: object = {}): Record<string, unknown> => ({
    sub: 'x',
    client_id: clientId,
    scope: 'patient/*.rs',
    grant: 'g',
    patient: resident.patientId,
    kind: 'resident',
    ...extra,
  });

  test('no token, a malformed token: 401 with WWW-Authenticate; metadata stays public', async () => {
    const none = await fhirFetch(patientUrl(), { token: null });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect((await fhirFetch(patientUrl(), { token: 'not-a-jwt' })).status).toBe(401);
    expect((await fhirFetch(`${server.baseUrl}/metadata`, { token: null })).status).toBe(200);
  });

  test('an expired token is refused', async () => {
    const real = await launch(server, clientId, resident);
    const expired = await new SignJWT({ ...decodeJwt(real.access_token), exp: Math.floor(Date.now() / 1000) - 60 })
      .setProtectedHeader({ alg: SIGNING_ALG, kid: server.keys.kid })
      .sign(server.keys.privateKey);
    const before = (await refusals()).length;
    expect((await fhirFetch(patientUrl(), { token: expired })).status).toBe(401);
    expect((await refusals()).length).toBeGreaterThan(before);
  });

  test('a token for another audience is refused', async () => {
    const real = decodeJwt((await launch(server, clientId, resident)).access_token);
    const other = await new SignJWT({ ...real, aud: 'https://other.example/fhir' }).setProtectedHeader({ alg: SIGNING_ALG }).sign(server.keys.privateKey);
    expect((await fhirFetch(patientUrl(), { token: other })).status).toBe(401);
  });

  test('alg none and a token re-signed with another key are refused', async () => {
    const real = (await launch(server, clientId, resident)).access_token;
    const [, payload] = real.split('.');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`;
    expect((await fhirFetch(patientUrl(), { token: none })).status).toBe(401);
    const { privateKey } = await generateKeyPair(SIGNING_ALG);
    const resigned = await new SignJWT(decodeJwt(real)).setProtectedHeader({ alg: SIGNING_ALG, kid: server.keys.kid }).sign(privateKey);
    expect((await fhirFetch(patientUrl(), { token: resigned })).status).toBe(401);
  });

  test('a forged patient claim breaks the signature', async () => {
    const other = await fhirFetch(`${server.baseUrl}/Patient`, { method: 'POST', body: { resourceType: 'Patient', name: [{ family: 'Khác' }] } });
    const real = (await launch(server, clientId, resident)).access_token;
    const [header, payload, signature] = real.split('.');
    const forgedPayload = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), patient: other.body.id })).toString('base64url');
    const forged = `${header}.${forgedPayload}.${signature}`;
    expect((await fhirFetch(`${server.baseUrl}/Patient/${other.body.id}`, { token: forged })).status).toBe(401);
    // A properly signed token naming a grant that does not exist is refused too.
    const noGrant = await new SignJWT(claims()).setProtectedHeader({ alg: SIGNING_ALG }).setIssuer(server.baseUrl).setAudience(server.baseUrl).setExpirationTime('5m').sign(server.keys.privateKey);
    expect((await fhirFetch(patientUrl(), { token: noGrant })).status).toBe(401);
  });

  test('PKCE plain and a missing code challenge are refused', async () => {
    const before = (await refusals()).length;
    const plain = await authorize(server, clientId, resident, { code_challenge_method: 'plain', code_challenge: 'a'.repeat(43) });
    expect(plain.searchParams.get('error')).toBe('invalid_request');
    expect(plain.searchParams.get('code')).toBeNull();
    const missing = await authorize(server, clientId, resident, { code_challenge: '' });
    expect(missing.searchParams.get('error')).toBe('invalid_request');
    expect((await refusals()).length - before).toBe(2);
  });

  test('the wrong code_verifier, a wrong aud and an unregistered redirect URI are refused', async () => {
    const { challenge } = pkcePair();
    const redirect = await authorize(server, clientId, resident, { code_challenge: challenge });
    const wrong = await tokenRequest(server, { grant_type: 'authorization_code', code: redirect.searchParams.get('code')!, redirect_uri: APP_REDIRECT, client_id: clientId, code_verifier: pkcePair().verifier });
    expect(wrong.status).toBe(400);
    const aud = await authorize(server, clientId, resident, { aud: 'https://evil.example/fhir' });
    expect(aud.searchParams.get('error')).toBe('invalid_request');
    await expect(authorize(server, clientId, resident, { redirect_uri: 'https://evil.example/cb' })).rejects.toMatchObject({ status: 400 });
  });

  test('a reused authorization code is refused and revokes what it issued', async () => {
    const { verifier, challenge } = pkcePair();
    const redirect = await authorize(server, clientId, resident, { code_challenge: challenge });
    const body = { grant_type: 'authorization_code', code: redirect.searchParams.get('code')!, redirect_uri: APP_REDIRECT, client_id: clientId, code_verifier: verifier };
    const first = await tokenRequest(server, body);
    expect(first.status).toBe(200);
    const before = (await refusals()).length;
    const second = await tokenRequest(server, body);
    expect(second.status).toBe(400);
    expect((await refusals()).filter((e: any) => e.outcomeDesc?.includes('authorization_code')).length).toBeGreaterThan(0);
    expect((await refusals()).length).toBeGreaterThan(before);
    expect((await fhirFetch(patientUrl(), { token: first.body.access_token })).status).toBe(401);
  });

  test('brute-force sign-in locks the account and every attempt is audited', async () => {
    const staff = 'brute-target';
    await server.auth.createStaff({ username: staff, password: 'correct-horse-battery', roles: ['clinician'] }, server.engine.repo);
    const attempt = (password: string): Promise<Response> =>
      fetch(`${server.origin}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: staff, password, mode: 'token' }) });
    for (let i = 0; i < 5; i++) expect((await attempt(`wrong-${i}`)).status).toBe(401);
    const locked = await attempt('correct-horse-battery');
    expect(locked.status).toBe(401);
    expect(JSON.stringify(await locked.json())).toContain('15');
    const logins = (await fhirFetch(`${server.baseUrl}/AuditEvent?type=http://dicom.nema.org/resources/ontology/DCM|110114&_count=1000`, { token: auditor })).body.entry.map((e: any) => e.resource);
    const mine = logins.filter((e: any) => e.agent[0].name === staff);
    expect(mine.filter((e: any) => e.outcome === '4')).toHaveLength(6);
  });

  test('an unknown username is answered like a real one, locked or not: same text, one hash verified, same delay', async () => {
    await server.auth.createStaff({ username: 'enum-real', password: 'correct-horse-battery', roles: ['clinician'] }, server.engine.repo);
    const realResident = await residentWithAccount(server, 'Liệt Kê');
    const verify = jest.spyOn(argon2, 'verify');
    const timers = jest.spyOn(global, 'setTimeout');
    // Other timers run in the process too (the audit queue, the database pool): only these waits count.
    const failureDelays = new Set(Array.from({ length: 12 }, (_, n) => failureDelayMs(n)));
    /** What the server did for one failed attempt: its answer, the hashes it verified, the waits it made. */
    const observe = async (send: () => Promise<{ status: number; text: string }>): Promise<object> => {
      verify.mockClear();
      timers.mockClear();
      const answer = await send();
      return { ...answer, verified: verify.mock.calls.length, waits: timers.mock.calls.map((c) => c[1]).filter((ms) => failureDelays.has(ms ?? 0)) };
    };
    const staffLogin = (username: string) => async () => {
      const res = await fetch(`${server.origin}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: 'wrong-password', mode: 'token' }) });
      return { status: res.status, text: await res.text() };
    };
    const residentLogin = (username: string) => async () => {
      const refused = await authorize(server, clientId, { username, password: 'wrong-password' }, { state: 'fixed-state', code_challenge: 'fixed-challenge' }).catch((e) => e);
      return { status: refused.status, text: refused.text };
    };
    try {
      // Six in a row: four wrong passwords, the fifth that locks, one while locked.
      for (let i = 0; i < 6; i++) {
        const real = await observe(staffLogin('enum-real'));
        expect(real).toMatchObject({ status: 401, verified: 1 });
        expect(await observe(staffLogin('enum-nobody'))).toEqual(real);
        const resident = await observe(residentLogin(realResident.username));
        expect(resident).toMatchObject({ status: 401, verified: 1 });
        expect(await observe(residentLogin('resident-nobody'))).toEqual(resident);
      }
    } finally {
      verify.mockRestore();
      timers.mockRestore();
    }
  });

  test('a system client with the wrong secret gets no token', async () => {
    const res = await tokenRequest(server, { grant_type: 'client_credentials' }, { authorization: `Basic ${Buffer.from('bootstrap-test:wrong').toString('base64')}` });
    expect(res.status).toBe(401);
  });
});
