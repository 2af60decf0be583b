import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { Passport } from 'passport';
import { Strategy as BearerStrategy } from 'passport-http-bearer';
import { MergedPatientError, type AuthService } from '../auth/service';
import type { AccessClaims } from '../auth/tokens';
import type { AccessPolicy } from '../fhir/access';
import type { FhirEngine } from '../fhir/engine';
import { OperationOutcomeError, outcome, bilingual } from '../fhir/outcomes';

export const SESSION_COOKIE = 'ehr_session';

/** What authentication leaves on res.locals for the routes. */
export interface Authenticated {
  claims: AccessClaims;
  policy: AccessPolicy;
  /** True when the session cookie (not an Authorization header) authenticated the request. */
  viaCookie: boolean;
}

/**
 * A bearer strategy of its own for `auth`: a token is valid when our key signed it for this
 * server and its grant is live. Each is registered with its own Passport, never passport's global
 * one: a second server in the process (every test file starting its own) replaced the first's
 * strategy there, and the first then checked tokens against the second's keys (401 for all).
 */
function bearerAuthenticator(auth: AuthService): RequestHandler {
  const authenticator = new Passport();
  authenticator.use(
    new BearerStrategy({ passReqToCallback: true }, (req: Request, token: string, done: (err: unknown, user?: unknown) => void) => {
      auth.authenticate(token, req.ip).then(
        (result) => done(null, result),
        (err: unknown) => {
          if (err instanceof MergedPatientError) refusals.set(req, err);
          done(null, false);
        },
      );
    }),
  );
  return authenticator.authenticate('bearer', { session: false, failWithError: true });
}

export const unauthorized = (): OperationOutcomeError =>
  new OperationOutcomeError(outcome('error', 'login', bilingual('Cần đăng nhập: thiếu hoặc sai mã truy cập', 'Authentication required: missing or invalid access token')), 401);

/** Why a request's token was refused, when the client can do something about it (refresh it). */
const refusals = new WeakMap<Request, MergedPatientError>();

/** A resident app's token naming a record merged into another: 401, and the app refreshes it. */
const mergedPatient = (err: MergedPatientError): OperationOutcomeError =>
  new OperationOutcomeError(outcome('error', 'login', bilingual(err.vi, err.en)), 401);

/**
 * Authenticates every request: `Authorization: Bearer` through passport, or the staff session
 * cookie. Requests without valid credentials get 401 with WWW-Authenticate; there is no way
 * around it, in tests as in production (tests sign in for real).
 */
export function authenticate(auth: AuthService): RequestHandler {
  const bearer = bearerAuthenticator(auth);
  return (req: Request, res: Response, next: NextFunction) => {
    const cookie = (req as Request & { cookies?: Record<string, string> }).cookies?.[SESSION_COOKIE];
    const fail = (err?: unknown): void => {
      const merged = err instanceof MergedPatientError ? err : refusals.get(req);
      const description = merged ? `, error_description="patient record merged: refresh the token"` : '';
      res.setHeader('WWW-Authenticate', `Bearer realm="commune-ehr", error="invalid_token"${description}`);
      next(merged ? mergedPatient(merged) : unauthorized());
    };
    if (req.headers.authorization || !cookie) {
      if (!req.headers.authorization?.startsWith('Bearer ')) return fail();
      bearer(req, res, (err?: unknown) => {
        if (err || !req.user) return fail();
        const { claims, policy } = req.user as { claims: AccessClaims; policy: AccessPolicy };
        res.locals.auth = { claims, policy, viaCookie: false } satisfies Authenticated;
        next();
      });
      return;
    }
    auth.authenticate(cookie, req.ip).then(({ claims, policy }) => {
      res.locals.auth = { claims, policy, viaCookie: true } satisfies Authenticated;
      next();
    }, fail);
  };
}

/** The per-request repository: the engine's, acting for the authenticated caller (restricted and audited). */
export function requestRepository(engine: FhirEngine): RequestHandler {
  return (_req, res, next) => {
    res.locals.repo = engine.repo.as((res.locals.auth as Authenticated).policy);
    next();
  };
}

/** 403 unless the caller is staff with one of `roles` (or, when allowed, a system client). */
export function requireRole(roles: string[], allowSystem = false): RequestHandler {
  return (_req, res, next) => {
    const auth = res.locals.auth as Authenticated | undefined;
    const ok = !!auth && ((auth.claims.kind === 'staff' && (auth.claims.roles ?? []).some((r) => roles.includes(r))) || (allowSystem && auth.claims.kind === 'system'));
    if (ok) return next();
    next(new OperationOutcomeError(outcome('error', 'forbidden', bilingual('Bạn không có quyền thực hiện thao tác này', 'Not allowed for your role')), 403));
  };
}
