import { hashToken } from './store';

/** The parameters of a SMART authorization request, which the authorize page carries from step to step. */
export const AUTHORIZATION_PARAMS = ['response_type', 'client_id', 'redirect_uri', 'scope', 'state', 'aud', 'code_challenge', 'code_challenge_method', 'launch'] as const;

/** What an authorization request asks, as one digest (a sign-in ticket is bound to it): its parameters, not the sign-in's own. */
export function authorizationDigest(params: Record<string, string>): string {
  return hashToken(JSON.stringify(AUTHORIZATION_PARAMS.map((k) => params[k] ?? null)));
}
