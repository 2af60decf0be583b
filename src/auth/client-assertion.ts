import { randomUUID } from 'node:crypto';
import { createLocalJWKSet, createRemoteJWKSet, decodeJwt, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { AuthStore } from './store';

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** SMART Backend Services: an assertion expires within five minutes (plus a minute of clock skew). */
const MAX_LIFETIME_MS = 6 * 60_000;
/** SMART Backend Services: RS384 or ES384. */
const ALGORITHMS = ['RS384', 'ES384'];

/**
 * Verifies a SMART Backend Services client assertion (private_key_jwt): signed by a key in the
 * client's registered JWKS, iss = sub = client_id, aud = our token endpoint, short-lived, jti
 * never seen before. Returns the client id, or throws.
 */
export class ClientAssertionVerifier {
  private readonly seenJti = new Map<string, number>();
  private readonly remoteSets = new Map<string, JWTVerifyGetKey>();

  constructor(
    private readonly store: AuthStore,
    private readonly tokenEndpoint: string,
  ) {}

  static isAssertion(body: Record<string, unknown>): boolean {
    return body.client_assertion_type === ASSERTION_TYPE && typeof body.client_assertion === 'string';
  }

  async verify(assertion: string): Promise<string> {
    const unverified = decodeJwt(assertion);
    const clientId = unverified.iss;
    if (!clientId || unverified.sub !== clientId) throw new Error('iss and sub must both be the client_id');
    const client = await this.store.client(clientId);
    if (!client || client.authMethod !== 'private_key_jwt') throw new Error('unknown client or not registered for private_key_jwt');
    const keys = client.jwks ? createLocalJWKSet(client.jwks as never) : this.remoteSet(client.jwksUri!);
    const { payload } = await jwtVerify(assertion, keys, { issuer: clientId, subject: clientId, audience: this.tokenEndpoint, algorithms: ALGORITHMS });
    if (!payload.jti || !payload.exp) throw new Error('jti and exp are required');
    // SMART Backend Services bounds an assertion by its exp (no more than five minutes ahead) and
    // does not require iat: a limit on the token's age would refuse assertions without one.
    if (payload.exp * 1000 > Date.now() + MAX_LIFETIME_MS) throw new Error('exp must be no more than five minutes ahead');
    this.forgetExpired();
    if (this.seenJti.has(`${clientId}:${payload.jti}`)) throw new Error('client assertion replayed');
    this.seenJti.set(`${clientId}:${payload.jti}`, payload.exp * 1000);
    return clientId;
  }

  /** A one-time proof for the OAuth model's getClient (the library knows only secrets). */
  static proof(): string {
    return randomUUID();
  }

  private remoteSet(uri: string): JWTVerifyGetKey {
    if (!this.remoteSets.has(uri)) this.remoteSets.set(uri, createRemoteJWKSet(new URL(uri)));
    return this.remoteSets.get(uri)!;
  }

  private forgetExpired(): void {
    const now = Date.now();
    for (const [key, exp] of this.seenJti) if (exp < now) this.seenJti.delete(key);
  }
}
