import { randomBytes } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { doubleCsrf } from 'csrf-csrf';
import { OperationOutcomeError, outcome, bilingual } from '../fhir/outcomes';
import { SESSION_COOKIE, type Authenticated } from './authenticate';

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface Csrf {
  /** A token for the signed-in session (returned to the page at sign-in). */
  issue: ReturnType<typeof doubleCsrf>['generateCsrfToken'];
  /** Refuses unsafe requests authenticated by the session cookie without a matching `x-csrf-token`. */
  protect: RequestHandler;
}

/**
 * Double-submit CSRF protection (csrf-csrf) for the staff session cookie. Bearer-token requests
 * need none: a browser never attaches an Authorization header on its own.
 */
export function createCsrf(): Csrf {
  const secret = randomBytes(32).toString('hex');
  const csrf = doubleCsrf({
    getSecret: () => secret,
    getSessionIdentifier: (req) => (req as Request & { cookies?: Record<string, string> }).cookies?.[SESSION_COOKIE] ?? '',
    cookieName: 'ehr_csrf',
    cookieOptions: { sameSite: 'strict', httpOnly: true, path: '/', secure: false },
    getCsrfTokenFromRequest: (req) => req.headers['x-csrf-token'] as string,
  });
  return {
    issue: csrf.generateCsrfToken,
    protect: (req, res, next) => {
      const auth = res.locals.auth as Authenticated | undefined;
      if (!auth?.viaCookie || SAFE.has(req.method) || csrf.validateRequest(req)) return next();
      next(new OperationOutcomeError(outcome('error', 'forbidden', bilingual('Thiếu mã CSRF', 'Missing or invalid CSRF token')), 403));
    },
  };
}
