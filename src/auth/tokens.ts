import { randomUUID } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import { SIGNING_ALG, type SigningKeys } from './keys';

/** Claims of our access tokens (also used, with a longer life, as the staff session cookie). */
export interface AccessClaims {
  /** Account id (staff, resident) or client id (system). */
  sub: string;
  client_id: string;
  scope: string;
  /** The grant this token belongs to: revoking the grant revokes every token of it at once. */
  grant: string;
  /** Patient in context (resident apps). */
  patient?: string;
  fhirUser?: string;
  roles?: string[];
  kind: 'staff' | 'resident' | 'system';
}

const SIGN_IN_TICKET = 'sign-in+jwt';

/** Verified tokens remembered until they expire, so each is checked cryptographically once. */
const VERIFIED_CACHE_SIZE = 10_000;

export class TokenService {
  private readonly verified = new Map<string, AccessClaims & { exp: number; jti: string }>();

  constructor(
    private readonly keys: SigningKeys,
    /** Issuer and audience: the FHIR base URL (SMART: `aud` must be the FHIR server). */
    readonly issuer: string,
  ) {}

  get jwks(): SigningKeys['jwks'] {
    return this.keys.jwks;
  }

  /** Signs an access token valid for `seconds`. */
  issueAccessToken(claims: AccessClaims, seconds: number): Promise<string> {
    return new SignJWT({ ...claims })
      .setProtectedHeader({ alg: SIGNING_ALG, kid: this.keys.kid, typ: 'at+jwt' })
      .setIssuer(this.issuer)
      .setAudience(this.issuer)
      .setIssuedAt()
      .setExpirationTime(`${seconds}s`)
      .setJti(randomUUID())
      .sign(this.keys.privateKey);
  }

  /** OpenID Connect id_token for `openid fhirUser`. */
  issueIdToken(sub: string, clientId: string, fhirUser: string | undefined, seconds: number): Promise<string> {
    return new SignJWT(fhirUser ? { fhirUser } : {})
      .setProtectedHeader({ alg: SIGNING_ALG, kid: this.keys.kid })
      .setIssuer(this.issuer)
      .setSubject(sub)
      .setAudience(clientId)
      .setIssuedAt()
      .setExpirationTime(`${seconds}s`)
      .sign(this.keys.privateKey);
  }

  /**
   * A short-lived proof that `accountId` signed in on the authorize page, for the page's next step
   * (a carer choosing whose record the app opens) without asking for the password again. Bound to
   * that authorization request (`request`: a digest of its parameters) and refused as an access
   * token (another audience and type).
   */
  issueSignInTicket(accountId: string, request: string, seconds: number): Promise<string> {
    return new SignJWT({ req: request })
      .setProtectedHeader({ alg: SIGNING_ALG, kid: this.keys.kid, typ: SIGN_IN_TICKET })
      .setIssuer(this.issuer)
      .setAudience(`${this.issuer}#authorize`)
      .setSubject(accountId)
      .setIssuedAt()
      .setExpirationTime(`${seconds}s`)
      .sign(this.keys.privateKey);
  }

  /** The account a sign-in ticket was issued to, when it is ours, unexpired and for `request`; else throws. */
  async verifySignInTicket(ticket: string, request: string): Promise<string> {
    const { payload } = await jwtVerify(ticket, this.keys.publicKey, { issuer: this.issuer, audience: `${this.issuer}#authorize`, algorithms: [SIGNING_ALG], typ: SIGN_IN_TICKET });
    if (payload.req !== request || typeof payload.sub !== 'string') throw new Error('sign-in ticket for another request');
    return payload.sub;
  }

  /**
   * Verifies signature (our key, ES256 only — `alg: none` and other algorithms are refused),
   * issuer, audience (this FHIR base) and expiry. Throws on any failure.
   */
  async verifyAccessToken(token: string): Promise<AccessClaims & { exp: number; jti: string }> {
    const cached = this.verified.get(token);
    if (cached && cached.exp * 1000 > Date.now()) return cached;
    const { payload } = await jwtVerify(token, this.keys.publicKey, { issuer: this.issuer, audience: this.issuer, algorithms: [SIGNING_ALG] });
    if (typeof payload.sub !== 'string' || typeof payload.grant !== 'string' || typeof payload.scope !== 'string') throw new Error('incomplete token');
    const claims = payload as unknown as AccessClaims & { exp: number; jti: string };
    if (this.verified.size >= VERIFIED_CACHE_SIZE) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(token, claims);
    return claims;
  }
}
