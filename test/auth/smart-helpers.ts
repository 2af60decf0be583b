import { createHash, randomBytes } from 'node:crypto';
import { fhirFetch, type TestServer } from '../helpers/server';

export const APP_REDIRECT = 'http://127.0.0.1:9/callback';

/** Registers a public SMART app (dynamic client registration as the admin). */
export async function registerPublicApp(server: TestServer, scope = 'launch/patient openid fhirUser offline_access patient/*.cruds'): Promise<string> {
  const admin = await server.staffToken(['admin']);
  const res = await fetch(`${server.origin}/oauth2/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
    body: JSON.stringify({ client_name: 'Sổ sức khỏe (thử)', token_endpoint_auth_method: 'none', redirect_uris: [APP_REDIRECT], scope }),
  });
  if (res.status !== 201) throw new Error(`registration failed ${res.status} ${await res.text()}`);
  return ((await res.json()) as { client_id: string }).client_id;
}

/** One registrar per server enrols every test resident (signing in costs an argon2 hash). */
const registrars = new WeakMap<TestServer, Promise<string>>();

/** A resident with an activated app account; returns the patient id and credentials. */
export async function residentWithAccount(server: TestServer, family = 'Nguyễn'): Promise<{ patientId: string; username: string; password: string }> {
  const patient = await fhirFetch(`${server.baseUrl}/Patient`, { method: 'POST', body: { resourceType: 'Patient', name: [{ family, given: ['Thị', 'Thư'] }], gender: 'female' } });
  if (!registrars.has(server)) registrars.set(server, server.staffToken(['registrar']));
  const registrar = await registrars.get(server)!;
  const username = `resident-${patient.body.id.slice(0, 8)}`;
  const enrol = await fetch(`${server.origin}/auth/residents`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${registrar}` },
    body: JSON.stringify({ patient: `Patient/${patient.body.id}`, username }),
  });
  if (enrol.status !== 201) throw new Error(`enrol failed ${enrol.status} ${await enrol.text()}`);
  const { activationCode } = (await enrol.json()) as { activationCode: string };
  const password = `mật-khẩu-${randomBytes(4).toString('hex')}`;
  const activate = await fetch(`${server.origin}/auth/activate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, code: activationCode, password }) });
  if (activate.status !== 204) throw new Error(`activation failed ${activate.status} ${await activate.text()}`);
  return { patientId: patient.body.id, username, password };
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** Drives the authorization endpoint as the resident's browser would; returns the redirect URL. */
export async function authorize(server: TestServer, clientId: string, creds: { username: string; password: string }, extra: Record<string, string> = {}): Promise<URL> {
  const res = await postAuthorize(server, { ...authorizationRequest(server, clientId, extra), username: creds.username, password: creds.password });
  if (res.status !== 302) throw Object.assign(new Error(`authorize answered ${res.status}`), { status: res.status, text: await res.text() });
  return new URL(res.headers.get('location')!);
}

export async function tokenRequest(server: TestServer, body: Record<string, string>, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(`${server.origin}/oauth2/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(body) });
  return { status: res.status, body: await res.json() };
}

/** Full standalone launch by script: returns the token response. */
export async function launch(server: TestServer, clientId: string, creds: { username: string; password: string }, scope?: string): Promise<any> {
  const { verifier, challenge } = pkcePair();
  const redirect = await authorize(server, clientId, creds, { code_challenge: challenge, ...(scope ? { scope } : {}) });
  const token = await tokenRequest(server, { grant_type: 'authorization_code', code: redirect.searchParams.get('code')!, redirect_uri: APP_REDIRECT, client_id: clientId, code_verifier: verifier });
  if (token.status !== 200) throw new Error(`token exchange failed ${token.status} ${JSON.stringify(token.body)}`);
  return token.body;
}

/** The authorization request `authorize` sends, for a test that drives the page step by step. */
export function authorizationRequest(server: TestServer, clientId: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    response_type: 'code',
    client_id: clientId,
    redirect_uri: APP_REDIRECT,
    scope: 'launch/patient openid fhirUser offline_access patient/*.rs',
    state: randomBytes(8).toString('hex'),
    aud: server.baseUrl,
    code_challenge_method: 'S256',
    code_challenge: pkcePair().challenge,
    ...extra,
  };
}

/** POSTs a form to the authorization endpoint as a browser would; the answer as it comes (no redirect followed). */
export function postAuthorize(server: TestServer, form: Record<string, string>): Promise<Response> {
  return fetch(`${server.origin}/oauth2/authorize`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
    redirect: 'manual',
  });
}

/**
 * A carer's standalone launch: signs in, is shown whose record to open, chooses `patient` (a
 * dependant's id, or `self`) and exchanges the code. Returns the token response.
 */
export async function carerLaunch(server: TestServer, clientId: string, creds: { username: string; password: string }, patient: string, scope?: string): Promise<any> {
  const { verifier, challenge } = pkcePair();
  const request = authorizationRequest(server, clientId, { code_challenge: challenge, ...(scope ? { scope } : {}) });
  const page = await postAuthorize(server, { ...request, username: creds.username, password: creds.password });
  if (page.status !== 200) throw new Error(`the sign-in answered ${page.status}, not the choice of record`);
  const ticket = signInTicketOf(await page.text());
  const chosen = await postAuthorize(server, { ...request, sign_in_ticket: ticket, patient });
  if (chosen.status !== 302) throw new Error(`choosing answered ${chosen.status} ${await chosen.text()}`);
  const code = new URL(chosen.headers.get('location')!).searchParams.get('code')!;
  const token = await tokenRequest(server, { grant_type: 'authorization_code', code, redirect_uri: APP_REDIRECT, client_id: clientId, code_verifier: verifier });
  if (token.status !== 200) throw new Error(`token exchange failed ${token.status} ${JSON.stringify(token.body)}`);
  return token.body;
}

/** The sign-in ticket in the page a carer is shown after their password. */
export function signInTicketOf(html: string): string {
  const ticket = /name="sign_in_ticket" value="([^"]+)"/.exec(html)?.[1];
  if (!ticket) throw new Error('no sign-in ticket in the page');
  return ticket;
}
