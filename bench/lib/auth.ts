import { randomBytes } from 'node:crypto';

/**
 * Credentials for a bench run: the server creates a system client from FHIR_BOOTSTRAP_CLIENT_ID /
 * _SECRET at boot, and the bench gets tokens for it with the client-credentials grant, as a
 * back-end system would. Generated per run, never stored.
 */
export interface BenchClient {
  id: string;
  secret: string;
}

export function newBenchClient(): BenchClient {
  return { id: `bench-${randomBytes(4).toString('hex')}`, secret: randomBytes(24).toString('base64url') };
}

/** Environment that makes the server create the client at boot. */
export function bootstrapEnv(client: BenchClient): Record<string, string> {
  return { FHIR_BOOTSTRAP_CLIENT_ID: client.id, FHIR_BOOTSTRAP_CLIENT_SECRET: client.secret };
}

/**
 * Headers that authenticate requests: a fresh bearer token from `<origin>/oauth2/token`, or none
 * when the server has no token endpoint (404: a build without authentication).
 */
export async function authHeaders(origin: string, client: BenchClient, scope = 'system/*.cruds'): Promise<Record<string, string>> {
  const res = await fetch(`${origin}/oauth2/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(client.id)}:${encodeURIComponent(client.secret)}`).toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope }).toString(),
  });
  const text = await res.text();
  if (res.status === 404) return {};
  if (res.status !== 200) throw new Error(`No access token from ${origin}/oauth2/token: HTTP ${res.status} ${text.slice(0, 300)}`);
  const token = (JSON.parse(text) as { access_token?: string }).access_token;
  if (!token) throw new Error(`The token endpoint answered without access_token: ${text.slice(0, 300)}`);
  return { authorization: `Bearer ${token}` };
}
