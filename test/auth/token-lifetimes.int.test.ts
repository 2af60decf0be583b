import { loadConfig } from '../../src/config/config';
import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';
import { APP_REDIRECT, authorize, launch, pkcePair, registerPublicApp, residentWithAccount, tokenRequest } from './smart-helpers';

/**
 * What a token request checks besides the code or refresh token itself: the account must still be
 * active and the resident's consent still in force when the code is exchanged or the refresh token
 * used, and a refresh token family (one sign-in) ends REFRESH_FAMILY_DAYS after the sign-in.
 * docs/security.md, "Signing in".
 */

const FAMILY_DAYS = 3;
let server: TestServer;
let app: string;
beforeAll(async () => {
  server = await startTestServer({ REFRESH_FAMILY_DAYS: String(FAMILY_DAYS) });
  app = await registerPublicApp(server);
}, 180_000);
afterAll(() => server?.close());

const claimsOf = (jwt: string): Record<string, any> => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());
const refresh = (token: string) => tokenRequest(server, { grant_type: 'refresh_token', refresh_token: token, client_id: app });
/** An authorization code issued now, with its verifier, to be exchanged later. */
const codeFor = async (resident: { username: string; password: string }): Promise<{ code: string; verifier: string }> => {
  const { verifier, challenge } = pkcePair();
  const redirect = await authorize(server, app, resident, { code_challenge: challenge });
  return { code: redirect.searchParams.get('code')!, verifier };
};
const exchange = ({ code, verifier }: { code: string; verifier: string }) =>
  tokenRequest(server, { grant_type: 'authorization_code', code, redirect_uri: APP_REDIRECT, client_id: app, code_verifier: verifier });
const disable = (username: string) => server.db.query(`UPDATE account SET disabled = true WHERE username = $1`, [username]);
/** Makes the resident's Consent inactive by a plain FHIR update, as staff may (not the withdraw endpoint). */
const inactivateConsent = async (patientId: string): Promise<void> => {
  const consents = await fhirFetch(`${server.baseUrl}/Consent?patient=Patient/${patientId}&status=active`);
  expect(consents.body.entry).toHaveLength(1);
  const consent = consents.body.entry[0].resource;
  const res = await fhirFetch(`${server.baseUrl}/Consent/${consent.id}`, { method: 'PUT', body: { ...consent, status: 'inactive' } });
  expect(res.status).toBe(200);
};

describe('exchanging an authorization code checks the account and consent as they are now', () => {
  test('a code issued before the account was disabled yields no tokens', async () => {
    const resident = await residentWithAccount(server, 'Trần');
    const code = await codeFor(resident);
    await disable(resident.username);
    const res = await exchange(code);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_grant');
  });

  test('a code issued before consent was withdrawn yields no tokens', async () => {
    const resident = await residentWithAccount(server, 'Lê');
    const code = await codeFor(resident);
    const registrar = await server.staffToken(['registrar']);
    const withdraw = await fetch(`${server.origin}/auth/residents/${resident.patientId}/withdraw`, { method: 'POST', headers: { authorization: `Bearer ${registrar}` } });
    expect(withdraw.status).toBe(200);
    const res = await exchange(code);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_grant');
  });

  test('a code issued before the Consent was made inactive yields no tokens', async () => {
    const resident = await residentWithAccount(server, 'Phạm');
    const code = await codeFor(resident);
    await inactivateConsent(resident.patientId);
    const res = await exchange(code);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_grant');
  });
});

describe('using a refresh token checks the account and consent as they are now', () => {
  test('refused once the account is disabled', async () => {
    const resident = await residentWithAccount(server, 'Đặng');
    const tokens = await launch(server, app, resident);
    await disable(resident.username);
    const res = await refresh(tokens.refresh_token);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_grant');
  });

  test('refused once the Consent is inactive, even when staff changed it without the withdraw endpoint', async () => {
    const resident = await residentWithAccount(server, 'Bùi');
    const tokens = await launch(server, app, resident);
    await inactivateConsent(resident.patientId);
    const res = await refresh(tokens.refresh_token);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_grant');
  });
});

describe('a refresh token family ends REFRESH_FAMILY_DAYS after the sign-in', () => {
  test('the setting defaults to 90 days and is read from the environment', () => {
    expect(loadConfig({}).refreshFamilyDays).toBe(90);
    expect(loadConfig({ REFRESH_FAMILY_DAYS: '30' }).refreshFamilyDays).toBe(30);
    expect(() => loadConfig({ REFRESH_FAMILY_DAYS: '0' })).toThrow(/REFRESH_FAMILY_DAYS/);
    expect(() => loadConfig({ REFRESH_FAMILY_DAYS: 'ninety' })).toThrow(/REFRESH_FAMILY_DAYS/);
  });

  test('rotation goes on within the lifetime and stops after it: the user signs in again', async () => {
    const resident = await residentWithAccount(server, 'Đỗ');
    const first = await launch(server, app, resident);
    const grant = claimsOf(first.access_token).grant;
    // The sign-in was made earlier (the family's start moved back, as a clock would move on).
    const signedInDaysAgo = (days: number) =>
      server.db.query(`UPDATE oauth_grant SET created_at = now() - make_interval(secs => $2) WHERE id = $1`, [grant, days * 86_400]);

    await signedInDaysAgo(FAMILY_DAYS - 0.01);
    const second = await refresh(first.refresh_token);
    expect(second.status).toBe(200);
    expect(claimsOf(second.body.access_token).grant).toBe(grant);

    await signedInDaysAgo(FAMILY_DAYS + 0.01);
    // Each refresh token of the family is still within its own 30 days: the family's age refuses it.
    const third = await refresh(second.body.refresh_token);
    expect(third.status).toBe(400);
    expect(third.body.error).toBe('invalid_grant');

    // A new sign-in starts a new family.
    const again = await launch(server, app, resident);
    expect(claimsOf(again.access_token).grant).not.toBe(grant);
    expect((await refresh(again.refresh_token)).status).toBe(200);
  });
});
