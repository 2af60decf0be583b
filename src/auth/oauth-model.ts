import argon2 from 'argon2';
import { InvalidGrantError } from '@node-oauth/oauth2-server';
import type { Account, AuthStore, CarerLink, Client } from './store';
import { randomToken } from './store';
import { RESIDENT_WRITES } from '../fhir/store/own-types';
import { narrowScopes } from './scopes';
import type { TokenService } from './tokens';

/**
 * The storage model @node-oauth/oauth2-server drives (authorization code with PKCE S256,
 * refresh token with rotation, client credentials). The library runs the protocol; this file only
 * says where codes, grants and tokens live and what a client or user may be given.
 */

/** Who a token is for, as the library passes it around. `grantId` is set once the grant exists. */
export interface OAuthUser {
  account?: Account;
  clientId: string;
  grantId?: string;
  /** The Patient the grant is bound to (a resident's): what the token names, once the grant exists. */
  patientId?: string | null;
  /** The dependant a carer chose at sign-in (undefined: their own record), until the grant exists. */
  dependantId?: string;
  /** For a carer's grant on a dependant: the RelatedPerson standing for the carer there (fhirUser). */
  relatedPersonId?: string;
  /** When the grant (the refresh token family) was made, in ms; absent while it is being made. */
  familyStart?: number;
}

interface LibClient {
  id: string;
  grants: string[];
  redirectUris: string[];
  accessTokenLifetime: number;
  refreshTokenLifetime: number;
  record: Client;
}

export const ACCESS_TOKEN_SECONDS = 900;
const REFRESH_TOKEN_SECONDS = 30 * 24 * 3600;

/**
 * The most a resident's app is given: its own record to read and search, the direct writes of its
 * own flows (src/fhir/store/own-types.ts) and the launch and sign-in scopes. The token names
 * what the server will really allow — `patient/*.cruds` asked becomes `patient/*.rs` and
 * `patient/Observation.cud`… — so an app learns from its token response (SMART: the granted scope
 * may be narrower than asked) rather than from a 403 on its first write of another type.
 */
export const RESIDENT_SCOPE_CEILING = [
  // A resident's own access log (who read their record) is named, never reached by a wildcard.
  'launch/patient openid fhirUser offline_access online_access patient/*.rs patient/AuditEvent.rs',
  ...Object.entries(RESIDENT_WRITES).map(([type, w]) => `patient/${type}.${(['c', 'u', 'd'] as const).filter((a) => w.actions.includes(a)).join('')}`),
].join(' ');

/** What a client is given of `requested` (its whole registered scope when it asks none). */
function registeredScope(requested: string, clientScope: string): string {
  return narrowScopes(requested || clientScope, clientScope);
}

/** What a resident's app is given of `requested`: its registration, within the resident's ceiling. */
export function residentScope(requested: string, clientScope: string): string {
  return narrowScopes(registeredScope(requested, clientScope), RESIDENT_SCOPE_CEILING);
}

export interface OAuthModelDeps {
  store: AuthStore;
  tokens: TokenService;
  /** One-time proofs that a client authenticated with private_key_jwt (see client-assertion.ts). */
  assertedClients: Map<string, string>;
  /** Absolute lifetime of a refresh token family (one sign-in), in days (REFRESH_FAMILY_DAYS). */
  refreshFamilyDays: number;
  /** Whether the resident of `patientId` has an active Consent to the app (src/auth/service.ts). */
  consentHolds: (patientId: string) => Promise<boolean>;
  /** The clock, in ms (Date.now unless given). */
  now?: () => number;
}

export function createOAuthModel({ store, tokens, assertedClients, refreshFamilyDays, consentHolds, now = Date.now }: OAuthModelDeps) {
  const familyMs = refreshFamilyDays * 86_400_000;
  /**
   * Whether an account may still be given tokens, asked when a code is exchanged and when a refresh
   * token is used (not only at sign-in): not disabled, and for a resident, still with a password
   * (withdrawing consent clears it) and an active Consent (staff may also make it inactive by a
   * plain FHIR update).
   */
  const mayHaveTokens = async (account: Account): Promise<boolean> => {
    if (account.disabled) return false;
    if (account.kind !== 'resident') return true;
    return !!account.passwordHash && !!account.patientId && (await consentHolds(account.patientId));
  };
  /**
   * The carer's link to `patientId` when the account may open that dependant's record now: the
   * account may have tokens, it is still the dependant's carer, and the dependant's consent to the
   * app (given by a carer for them) is in force. Undefined otherwise.
   */
  const carerMayOpen = async (account: Account, patientId: string): Promise<CarerLink | undefined> => {
    if (!(await mayHaveTokens(account))) return undefined;
    const link = await store.carerLink(account.id, patientId);
    return link && (await consentHolds(patientId)) ? link : undefined;
  };

  const toLib = (c: Client): LibClient => ({
    id: c.clientId,
    grants: c.grantTypes,
    redirectUris: c.redirectUris,
    accessTokenLifetime: ACCESS_TOKEN_SECONDS,
    refreshTokenLifetime: REFRESH_TOKEN_SECONDS,
    record: c,
  });

  return {
    /** Client authentication: public clients send no secret; others must prove themselves. */
    async getClient(clientId: string, clientSecret: string | null): Promise<LibClient | false> {
      const client = await store.client(clientId);
      if (!client) return false;
      if (client.authMethod === 'none') return clientSecret ? false : toLib(client);
      if (!clientSecret) return false;
      if (client.authMethod === 'private_key_jwt') {
        const proof = assertedClients.get(clientSecret);
        assertedClients.delete(clientSecret);
        return proof === clientId ? toLib(client) : false;
      }
      return client.secretHash && (await argon2.verify(client.secretHash, clientSecret)) ? toLib(client) : false;
    },

    async saveAuthorizationCode(
      code: { authorizationCode: string; expiresAt: Date; redirectUri: string; scope?: string[] | string; codeChallenge?: string },
      client: LibClient,
      user: OAuthUser,
    ) {
      const scope = Array.isArray(code.scope) ? code.scope.join(' ') : (code.scope ?? '');
      await store.saveCode(code.authorizationCode, {
        clientId: client.id,
        accountId: user.account!.id,
        dependantId: user.dependantId,
        redirectUri: code.redirectUri,
        scope,
        codeChallenge: code.codeChallenge ?? '',
        expiresAt: code.expiresAt,
      });
      return { ...code, client, user };
    },

    /** A code used twice is an attack: the grant it produced is revoked (RFC 6749 §4.1.2). */
    async getAuthorizationCode(authorizationCode: string) {
      const row = await store.code(authorizationCode);
      if (!row) return false;
      if (row.used_at) {
        if (row.grant_id) await store.revokeGrant(row.grant_id);
        return false;
      }
      const client = await store.client(row.client_id);
      const account = await store.accountById(row.account_id);
      // The code was issued up to a minute ago: the account, its consent or a carer's link may have gone since.
      const dependantId: string | undefined = row.patient_id ?? undefined;
      if (!client || !account) return false;
      if (!(dependantId === undefined ? await mayHaveTokens(account) : await carerMayOpen(account, dependantId))) return false;
      return {
        authorizationCode,
        expiresAt: new Date(row.expires_at),
        redirectUri: row.redirect_uri,
        scope: row.scope.split(' ').filter(Boolean),
        client: toLib(client),
        user: { account, clientId: client.clientId, dependantId, code: authorizationCode } as OAuthUser & { code: string },
        codeChallenge: row.code_challenge,
        codeChallengeMethod: 'S256',
      };
    },

    async revokeAuthorizationCode(code: { authorizationCode: string }): Promise<boolean> {
      return store.useCode(code.authorizationCode, null);
    },

    async getUserFromClient(client: LibClient): Promise<OAuthUser> {
      return { clientId: client.id };
    },

    /** Narrows the requested scope to what the client is registered for (and residents to their own record). */
    async validateScope(user: OAuthUser, client: LibClient, scope?: string[]): Promise<string[] | false> {
      const requested = (scope ?? []).join(' ');
      const narrow = user.account?.kind === 'resident' ? residentScope : registeredScope;
      let granted = narrow(requested, client.record.scope).split(' ').filter(Boolean);
      if (!user.account) granted = granted.filter((s) => s.startsWith('system/'));
      return granted.length ? granted : false;
    },

    async generateAccessToken(client: LibClient, user: OAuthUser, scope: string[]): Promise<string> {
      const scopeText = scope.join(' ');
      if (!user.grantId) {
        // An account's grant is made only while the account may still have tokens, and bound to
        // the Patient it is bound to at that moment (a merge may have moved it since the code), or
        // to the dependant chosen while the account is still their carer.
        const grant = user.account
          ? await store.createAccountGrant({ clientId: client.id, accountId: user.account.id, scope: scopeText, dependantId: user.dependantId })
          : await store.createGrant({ clientId: client.id, accountId: null, patientId: null, scope: scopeText });
        if (!grant) throw new InvalidGrantError('Invalid grant: the account may no longer be given tokens');
        user.grantId = grant.id;
        user.patientId = grant.patientId;
        if (user.dependantId !== undefined && grant.patientId) user.relatedPersonId = (await store.carerLink(user.account!.id, grant.patientId))?.relatedPersonId;
        const code = (user as OAuthUser & { code?: string }).code;
        if (code) await store.setCodeGrant(code, grant.id);
      }
      const account = user.account;
      const patientId = user.patientId ?? undefined;
      return tokens.issueAccessToken(
        {
          sub: account?.id ?? client.id,
          client_id: client.id,
          scope: scopeText,
          grant: user.grantId,
          patient: patientId,
          fhirUser: fhirUserOfGrant(user),
          roles: account?.roles,
          kind: account ? account.kind : 'system',
        },
        ACCESS_TOKEN_SECONDS,
      );
    },

    async generateRefreshToken(): Promise<string> {
      return randomToken();
    },

    /** Stores the refresh token (only when offline or online access was granted) and adds SMART's context. */
    async saveToken(
      token: { accessToken: string; accessTokenExpiresAt: Date; refreshToken?: string; refreshTokenExpiresAt?: Date; scope: string[] },
      client: LibClient,
      user: OAuthUser,
    ) {
      const scope = token.scope ?? [];
      const wantsRefresh = scope.includes('offline_access') || scope.includes('online_access');
      // Only the standard fields and SMART's context reach the response (extended attributes are on).
      const { accessToken, accessTokenExpiresAt, refreshToken, refreshTokenExpiresAt } = token;
      const result: Record<string, unknown> = { accessToken, accessTokenExpiresAt, refreshToken, refreshTokenExpiresAt, scope: token.scope, client, user };
      if (token.refreshToken && wantsRefresh) {
        // No refresh token outlives its family (REFRESH_FAMILY_DAYS from the sign-in).
        const familyEnds = new Date((user.familyStart ?? now()) + familyMs);
        const expiresAt = token.refreshTokenExpiresAt! < familyEnds ? token.refreshTokenExpiresAt! : familyEnds;
        result.refreshTokenExpiresAt = expiresAt;
        await store.saveRefresh(token.refreshToken, user.grantId!, expiresAt);
      } else delete result.refreshToken;
      // SMART's launch context, in every token response (a refresh too): after a merge the app
      // learns here that its resident's record is now the kept one.
      if (user.patientId) result.patient = user.patientId;
      if (scope.includes('openid') && scope.includes('fhirUser') && user.account) {
        result.id_token = await tokens.issueIdToken(user.account.id, client.id, fhirUserOfGrant(user), ACCESS_TOKEN_SECONDS);
      }
      return result;
    },

    /**
     * Rotation: a refresh token works once; a second use revokes the whole family. The family (the
     * grant) ends REFRESH_FAMILY_DAYS after its sign-in, however often it rotated; and the account
     * must still be active, its consent in force, as when it signed in. After a Patient merge the
     * grant and the account name the kept Patient (AuthStore.followMerge), so the new token does:
     * the resident consented for their own record, which the merge found to be the kept one, and
     * the old token (naming the retired one) is refused until the app refreshes. Should the grant
     * and account disagree (a merge committing between the two reads), the app signs in again.
     */
    async getRefreshToken(refreshToken: string) {
      const stored = await store.refresh(refreshToken);
      if (!stored) return false;
      const grant = await store.grant(stored.grantId);
      if (!grant || grant.revokedAt) return false;
      if (stored.usedAt) {
        await store.revokeGrant(grant.id);
        return false;
      }
      if (grant.createdAt.getTime() + familyMs <= now()) return false;
      const client = await store.client(grant.clientId);
      const account = grant.accountId ? await store.accountById(grant.accountId) : undefined;
      if (!client || (grant.accountId && !account)) return false;
      // Bound to the account's own Patient, or to a dependant the account is still carer of.
      const own = (account?.patientId ?? null) === grant.patientId;
      const link = account && !own && grant.patientId ? await carerMayOpen(account, grant.patientId) : undefined;
      if (account && (own ? !(await mayHaveTokens(account)) : !link)) return false;
      return {
        refreshToken,
        refreshTokenExpiresAt: stored.expiresAt,
        scope: grant.scope.split(' '),
        client: toLib(client),
        user: { account, clientId: client.clientId, grantId: grant.id, patientId: grant.patientId, relatedPersonId: link?.relatedPersonId, familyStart: grant.createdAt.getTime() } as OAuthUser,
      };
    },

    /**
     * Marks the refresh token used. Two requests with one token can both pass getRefreshToken before
     * either marks it: the one that finds it already marked is a reuse too, and revokes the family.
     */
    async revokeToken(token: { refreshToken: string; user: OAuthUser }): Promise<boolean> {
      if (await store.useRefresh(token.refreshToken)) return true;
      await store.revokeGrant(token.user.grantId!);
      return false;
    },
  };
}

/** Who a grant's tokens act as: the carer's RelatedPerson on a dependant's record, else the Patient in context, else the account's own. */
function fhirUserOfGrant(user: OAuthUser): string | undefined {
  if (user.relatedPersonId) return `RelatedPerson/${user.relatedPersonId}`;
  return user.patientId ? `Patient/${user.patientId}` : fhirUserOf(user.account);
}

export function fhirUserOf(account: Account | undefined): string | undefined {
  if (!account) return undefined;
  if (account.patientId) return `Patient/${account.patientId}`;
  if (account.practitionerId) return `Practitioner/${account.practitionerId}`;
  return undefined;
}
