import express, { type Request, type Response, type Router } from 'express';
import { Passport } from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import OAuth2Server from '@node-oauth/oauth2-server';
import { rateLimit, type Store } from 'express-rate-limit';
import { ClientAssertionVerifier } from '../auth/client-assertion';
import { AUTHORIZATION_PARAMS } from '../auth/authorization-request';
import { fhirUserOf, residentScope } from '../auth/oauth-model';
import { LOCK_SECONDS, MAX_FAILURES } from '../auth/passwords';
import { AuthError, SESSION_SECONDS, type AuthService } from '../auth/service';
import type { RecordChoice } from '../auth/carers';
import type { Account } from '../auth/store';
import { actorOnly } from '../fhir/access';
import type { AuditOutcome } from '../fhir/audit';
import type { FhirEngine } from '../fhir/engine';
import { actingWithin } from '../fhir/store/acting-within';
import { OperationOutcomeError, outcome, bilingual, type IssueCode } from '../fhir/outcomes';
import { authorizePage, chooseRecordPage, signInPageCsp, type AskingApp } from '../web/authorize-page';
import { authenticate, requestRepository, requireRole, SESSION_COOKIE, type Authenticated } from './authenticate';
import type { Csrf } from './csrf';
import { jsonBodyParser } from './json-body';
import { smartConfiguration } from './smart-configuration';

export interface AuthRoutesDeps {
  auth: AuthService;
  engine: FhirEngine;
  /** Path the FHIR API is mounted at (discovery lives under it). */
  fhirPath: string;
  /** Requests per minute per address on sign-in and token endpoints. */
  loginRateLimit: number;
  /** Where those requests are counted (its owner stops it with the server). */
  loginAttempts: Store;
  csrf: Csrf;
}

/**
 * Sign-in, SMART App Launch and OAuth2 endpoints, account administration. The OAuth2 protocol is
 * @node-oauth/oauth2-server's; staff username/password is passport-local's.
 */
export function authRoutes(deps: AuthRoutesDeps): Router {
  const { auth, engine } = deps;
  const router = express.Router();
  const form = express.urlencoded({ extended: false, limit: '64kb' });
  const json = jsonBodyParser('64kb');
  // Failed attempts only: guessing is what is limited, while the apps of a commune's residents,
  // many behind one mobile carrier's shared address, refresh their tokens as often as they need.
  const limited = rateLimit({
    windowMs: 60_000,
    limit: deps.loginRateLimit,
    store: deps.loginAttempts,
    skipSuccessfulRequests: true,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
  });
  const { csrf } = deps;

  /** Audits a sign-in attempt as the person who tried (or the anonymous address). */
  const auditLogin = (req: Request, who: Account | undefined, username: string, result: AuditOutcome, desc?: string): Promise<void> =>
    engine.repo
      .as(
        actorOnly({
          id: who?.id ?? username,
          display: username,
          reference: fhirUserOf(who),
          roles: who?.roles ?? [],
          ip: req.ip,
        }),
      )
      .audit({ interaction: 'login', outcome: result, outcomeDesc: desc, entities: [], patients: who?.patientId ? [who.patientId] : [] });

  // This router's own Passport, not the global one a second server in the process would share.
  const passport = new Passport();
  passport.use(
    'staff-local',
    new LocalStrategy({ passReqToCallback: true }, ((req: Request, username: string, password: string, done: (err: unknown, user?: unknown, info?: unknown) => void) => {
      auth.checkPassword(username, password, 'staff').then(async (result) => {
        await auditLogin(req, result.ok ? result.account : undefined, username, result.ok ? '0' : '4', result.ok ? undefined : result.reason);
        done(null, result.ok ? result.account : false, result.ok ? undefined : result.reason);
      }, done);
    }) as never),
  );

  // ------------------------------------------------------------------ discovery

  router.get(`${deps.fhirPath}/.well-known/smart-configuration`, (_req, res) => {
    res.json(smartConfiguration(auth.fhirBaseUrl));
  });
  router.get('/oauth2/jwks', (_req, res) => {
    res.json(auth.tokens.jwks);
  });

  // ------------------------------------------------------------------ staff sessions

  router.post('/auth/login', limited, json, form, (req, res, next) => {
    passport.authenticate('staff-local', { session: false }, async (err: unknown, account: Account | false) => {
      if (err) return next(err);
      if (!account) return next(authError(401, SIGN_IN_FAILED.vi, SIGN_IN_FAILED.en));
      const token = await auth.startSession(account);
      if (req.body?.mode === 'token') {
        return res.json({ access_token: token, token_type: 'Bearer', expires_in: SESSION_SECONDS, roles: account.roles });
      }
      res.cookie(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'strict', secure: req.secure, maxAge: SESSION_SECONDS * 1000, path: '/' });
      (req as Request & { cookies: Record<string, string> }).cookies = { ...(req as any).cookies, [SESSION_COOKIE]: token };
      res.json({
        csrfToken: csrf.issue(req, res, { overwrite: true }),
        roles: account.roles,
        username: account.username,
        practitioner: account.practitionerId ? `Practitioner/${account.practitionerId}` : undefined,
      });
    })(req, res, next);
  });

  router.post('/auth/logout', async (req, res) => {
    const token = (req as Request & { cookies?: Record<string, string> }).cookies?.[SESSION_COOKIE];
    if (token) await auth.endSession(token);
    res.clearCookie(SESSION_COOKIE, { path: '/' });
    res.status(204).end();
  });

  // ------------------------------------------------------------------ accounts

  const signedIn = [authenticate(auth), requestRepository(engine)];
  const cookieCsrf = csrf.protect;

  router.post('/auth/staff', json, ...signedIn, cookieCsrf, requireRole(['admin']), async (req, res, next) => {
    try {
      const b = req.body ?? {};
      const account = await auth.createStaff({ username: b.username, password: b.password, roles: b.roles ?? [], name: b.name, practitionerId: b.practitionerId }, res.locals.repo);
      res.status(201).json({ id: account.id, username: account.username, roles: account.roles, practitioner: `Practitioner/${account.practitionerId}` });
    } catch (err) {
      next(err);
    }
  });

  router.post('/auth/residents', json, ...signedIn, cookieCsrf, requireRole(['admin', 'clinician', 'registrar']), async (req, res, next) => {
    try {
      const patientId = String(req.body?.patient ?? '').replace(/^Patient\//, '');
      const username = String(req.body?.username ?? patientId);
      res.status(201).json(await auth.enrolResident(patientId, username, res.locals.repo));
    } catch (err) {
      next(err);
    }
  });

  // A registrar links an enrolled resident to a dependant they care for (docs/security.md "Carers").
  router.post('/auth/residents/:patientId/dependants', json, ...signedIn, cookieCsrf, requireRole(['admin', 'clinician', 'registrar']), async (req, res, next) => {
    try {
      const dependant = String(req.body?.dependant ?? '').replace(/^Patient\//, '');
      const linked = await auth.linkDependant(String(req.params.patientId), dependant, String(req.body?.relationship ?? ''), res.locals.repo);
      res.status(linked.created ? 201 : 200).json({ carer: `Patient/${req.params.patientId}`, dependant: `Patient/${dependant}`, relatedPerson: `RelatedPerson/${linked.relatedPerson}`, consentId: linked.consentId });
    } catch (err) {
      next(err);
    }
  });

  router.get('/auth/residents/:patientId/dependants', ...signedIn, requireRole(['admin', 'clinician', 'registrar']), async (req, res, next) => {
    try {
      res.setHeader('Cache-Control', 'no-store');
      res.json({ dependants: await auth.dependantsOf(String(req.params.patientId), res.locals.repo) });
    } catch (err) {
      next(err);
    }
  });

  router.delete('/auth/residents/:patientId/dependants/:dependantId', ...signedIn, cookieCsrf, requireRole(['admin', 'clinician', 'registrar']), async (req, res, next) => {
    try {
      res.json(await auth.unlinkDependant(String(req.params.patientId), String(req.params.dependantId), res.locals.repo));
    } catch (err) {
      next(err);
    }
  });

  router.post('/auth/residents/:patientId/withdraw', ...signedIn, cookieCsrf, requireRole(['admin', 'clinician', 'registrar']), async (req, res, next) => {
    try {
      res.json({ revokedGrants: await auth.withdrawConsent(String(req.params.patientId), res.locals.repo) });
    } catch (err) {
      next(err);
    }
  });

  // The resident withdraws their own consent from their app (Law 91/2025: consent can be withdrawn,
  // and by the person, not only through the station), whatever scopes the app holds. The same
  // withdrawal as staff make, on the Patient the token names; it reaches Consents and nothing else,
  // the resident still the actor in the audit trail. The token used here stops with the rest.
  router.post('/auth/me/withdraw', ...signedIn, async (req, res, next) => {
    try {
      const { claims } = res.locals.auth as Authenticated;
      if (claims.kind !== 'resident' || !claims.patient) {
        throw new AuthError(403, 'Chỉ người dân rút lại đồng ý của chính mình tại đây', 'Only a resident withdraws their own consent here');
      }
      res.json({ revokedGrants: await auth.withdrawConsent(claims.patient, actingWithin(res.locals.repo, { Consent: ['r', 's', 'u'] })) });
    } catch (err) {
      next(err);
    }
  });

  // Account administration's list (the staff page /tai-khoan): who may sign in, nothing more.
  router.get('/auth/accounts', ...signedIn, requireRole(['admin']), async (_req, res, next) => {
    try {
      res.setHeader('Cache-Control', 'no-store');
      res.json({ accounts: await auth.listAccounts(res.locals.repo) });
    } catch (err) {
      next(err);
    }
  });

  // A dismissed employee, a resident's app account: no more sign-ins, and current tokens stop now.
  router.post('/auth/accounts/:username/disable', ...signedIn, cookieCsrf, requireRole(['admin']), async (req, res, next) => {
    try {
      res.json(await auth.disableAccount(String(req.params.username), (res.locals.auth as Authenticated).claims.sub, res.locals.repo));
    } catch (err) {
      next(err);
    }
  });

  // Back at work: the account signs in again; what was revoked stays revoked.
  router.post('/auth/accounts/:username/enable', ...signedIn, cookieCsrf, requireRole(['admin']), async (req, res, next) => {
    try {
      res.json(await auth.enableAccount(String(req.params.username), res.locals.repo));
    } catch (err) {
      next(err);
    }
  });

  // Activation sets a credential: each attempt is audited like a sign-in, so guessing codes shows.
  router.post('/auth/activate', limited, json, form, async (req, res, next) => {
    const username = String(req.body?.username ?? '');
    try {
      const account = await auth.activate(username, String(req.body?.code ?? ''), String(req.body?.password ?? ''));
      await auditLogin(req, account, username, '0', 'activation');
      res.status(204).end();
    } catch (err) {
      if (err instanceof AuthError) await auditLogin(req, undefined, username, '4', `activation refused: ${err.en}`);
      next(err);
    }
  });

  // ------------------------------------------------------------------ OAuth2 / SMART

  /**
   * The app asking, for a sound authorization request; otherwise the refusal is audited and sent
   * (to the app when its redirect URI is its own, else to the resident) and undefined returned.
   */
  const askingAppOrRefuse = async (req: Request, res: Response, params: Record<string, string>): Promise<AskingApp | undefined> => {
    const checked = await checkAuthorizeRequest(params, auth);
    if ('app' in checked) return checked.app;
    const { problem } = checked;
    await auditLogin(req, undefined, params.username ?? String(params.client_id ?? 'unknown client'), '4', `authorize refused: ${problem.error}: ${problem.description}`);
    sendAuthorizeError(res, params, problem);
    return undefined;
  };

  router.get('/oauth2/authorize', async (req, res, next) => {
    const params = req.query as Record<string, string>;
    try {
      const app = await askingAppOrRefuse(req, res, params);
      if (app) sendSignInPage(res, 200, authorizePage(params, app), params);
    } catch (err) {
      next(err);
    }
  });

  router.post('/oauth2/authorize', limited, form, async (req, res, next) => {
    const params = req.body as Record<string, string>;
    try {
      const app = await askingAppOrRefuse(req, res, params);
      if (!app) return;
      res.setHeader('Cache-Control', 'no-store');
      const signIn = await signInStep(req, params);
      if (!signIn.ok) return sendSignInPage(res, 401, authorizePage(params, app, signIn.error), params);
      const { account, ticket } = signIn;
      // A carer chooses whose record the app opens (their own or a dependant's); others are not asked.
      const choices = await auth.recordChoices(account);
      let dependantId: string | undefined;
      if (choices.length) {
        const chosen = params.patient === 'self' ? choices.find((c) => c.own) : choices.find((c) => !c.own && c.patientId === params.patient);
        if (!chosen) {
          await auditRecordChoices(req, account, choices);
          const error = params.patient === undefined ? undefined : 'Không mở được hồ sơ đã chọn: hãy chọn một hồ sơ trong danh sách / The chosen record is not one you may open';
          return sendSignInPage(res, params.patient === undefined ? 200 : 400, chooseRecordPage(params, app, ticket ?? (await auth.signInTicket(account, params)), choices, error), params);
        }
        if (!chosen.own) dependantId = chosen.patientId;
      }
      const request = new OAuth2Server.Request({ method: 'POST', headers: req.headers as Record<string, string>, query: {}, body: params });
      const response = new OAuth2Server.Response(res);
      await auth.oauth.authorize(request, response, { authenticateHandler: { handle: () => ({ account, clientId: params.client_id, dependantId }) } });
      res.redirect(302, response.get('location'));
    } catch (err) {
      next(err);
    }
  });

  /** A sign-in page, for a request whose redirect URI was checked: never cached, its form may lead back to the app. */
  const sendSignInPage = (res: Response, status: number, html: string, params: Record<string, string>): void => {
    res.status(status).set({ 'Cache-Control': 'no-store', 'Content-Security-Policy': signInPageCsp(params.redirect_uri) }).type('html').send(html);
  };

  /** The names and birth dates the carer's page shows are a read of those records: audited as the carer's. */
  const auditRecordChoices = (req: Request, account: Account, choices: RecordChoice[]): Promise<void> =>
    engine.repo
      .as(actorOnly({ id: account.id, display: account.username, reference: fhirUserOf(account), roles: ['resident'], ip: req.ip }))
      .audit({
        interaction: 'operation',
        outcome: '0',
        outcomeDesc: `SMART authorize: a carer is shown the ${choices.length} records they may open`,
        entities: choices.map((c) => `Patient/${c.patientId}`),
        patients: choices.map((c) => c.patientId),
      });

  /**
   * The authorize page's sign-in: the password (audited like every sign-in), or on a carer's second
   * step the sign-in ticket the first step gave (src/auth/tokens.ts), which stands for that password.
   */
  const signInStep = async (req: Request, params: Record<string, string>): Promise<{ ok: true; account: Account; ticket?: string } | { ok: false; error: string }> => {
    if (params.sign_in_ticket !== undefined) {
      const account = await auth.accountOfSignInTicket(params.sign_in_ticket, params);
      if (account) return { ok: true, account, ticket: params.sign_in_ticket };
      return { ok: false, error: 'Phiên đăng nhập đã hết hạn: hãy đăng nhập lại / The sign-in expired: sign in again' };
    }
    const result = await auth.checkPassword(params.username ?? '', params.password ?? '', 'resident');
    await auditLogin(req, result.ok ? result.account : undefined, params.username ?? '', result.ok ? '0' : '4', result.ok ? 'SMART authorize' : result.reason);
    return result.ok ? { ok: true, account: result.account } : { ok: false, error: `${SIGN_IN_FAILED.vi} / ${SIGN_IN_FAILED.en}` };
  };

  router.post('/oauth2/token', limited, form, async (req, res) => {
    const body = req.body as Record<string, string>;
    if (ClientAssertionVerifier.isAssertion(body)) {
      try {
        const clientId = await auth.assertions.verify(body.client_assertion);
        const proof = ClientAssertionVerifier.proof();
        auth.assertedClients.set(proof, clientId);
        body.client_id = clientId;
        body.client_secret = proof;
      } catch (err) {
        await auditLogin(req, undefined, String(body.client_id ?? 'unknown client'), '4', `client assertion refused: ${(err as Error).message}`);
        return res.status(401).json({ error: 'invalid_client', error_description: (err as Error).message });
      }
    }
    try {
      const request = new OAuth2Server.Request(req);
      const response = new OAuth2Server.Response(res);
      await auth.oauth.token(request, response);
      res.set(response.headers).set('Cache-Control', 'no-store').status(response.status ?? 200).json(response.body);
    } catch (err) {
      const e = err as { code?: number; name?: string; message: string };
      // Every refused token request is an attempt to sign in: a replayed code, a reused refresh token, a wrong secret…
      await auditLogin(req, undefined, String(body.client_id ?? 'unknown client'), '4', `token refused (${body.grant_type}): ${e.message}`);
      res.status(e.code ?? 400).set('Cache-Control', 'no-store').json({ error: e.name ?? 'invalid_request', error_description: e.message });
    }
  });

  router.post('/oauth2/revoke', limited, form, async (req, res) => {
    if (typeof req.body?.token === 'string') await auth.revoke(req.body.token);
    res.status(200).end();
  });

  router.post('/oauth2/introspect', form, authenticate(auth), requireRole(['admin'], true), async (req, res) => {
    res.json(await auth.introspect(String(req.body?.token ?? '')));
  });

  router.post('/oauth2/register', json, ...signedIn, cookieCsrf, requireRole(['admin'], true), async (req, res, next) => {
    try {
      res.status(201).json(await auth.registerClient(req.body ?? {}, (res.locals.auth as Authenticated).claims));
    } catch (err) {
      next(err);
    }
  });

  return router;
}

/**
 * The one answer to every failed sign-in — wrong password, unknown username, locked or disabled
 * account — so the text never tells whether a username exists (the lock is announced to all).
 */
const SIGN_IN_FAILED = {
  vi: `Sai tên đăng nhập hoặc mật khẩu. Sau ${MAX_FAILURES} lần sai liên tiếp, tài khoản bị khóa ${LOCK_SECONDS / 60} phút`,
  en: `Wrong username or password. After ${MAX_FAILURES} failures in a row an account is locked for ${LOCK_SECONDS / 60} minutes`,
};

function authError(status: number, vi: string, en: string, issueCode?: IssueCode): OperationOutcomeError {
  const code = issueCode ?? (status === 401 ? 'login' : status === 403 ? 'forbidden' : status === 404 ? 'not-found' : 'invalid');
  return new OperationOutcomeError(outcome('error', code, bilingual(vi, en)), status);
}

/** Maps the account errors of AuthService to OperationOutcomes. */
export function authErrorOutcome(err: unknown): OperationOutcomeError | undefined {
  return err instanceof AuthError ? authError(err.status, err.vi, err.en, err.code) : undefined;
}

interface AuthorizeProblem {
  error: string;
  description: string;
  /** Whether the error goes back to the app (its redirect URI is known to be its own). */
  redirect: boolean;
  /** What the resident reads when it does not: the page is shown to them, not to the app. */
  vi?: string;
}

/**
 * Checks an authorization request before anyone signs in. Client and redirect_uri must match
 * exactly; otherwise nothing is redirected anywhere (an attacker's URI never receives a code).
 * A sound request names the app as its pages show it: its registered name and the scope a
 * resident's app will really get.
 */
async function checkAuthorizeRequest(p: Record<string, unknown>, auth: AuthService): Promise<{ problem: AuthorizeProblem } | { app: AskingApp }> {
  const refuse = (error: string, description: string, redirect: boolean, vi?: string): { problem: AuthorizeProblem } => ({ problem: { error, description, redirect, vi } });
  const unknownApp = 'Ứng dụng chưa được trạm y tế đăng ký hoặc gửi sai địa chỉ quay lại: hãy cập nhật ứng dụng hoặc báo trạm';
  // A parameter given twice arrives as a list: RFC 6749 §3.1 says it must not be.
  const repeated = AUTHORIZATION_PARAMS.find((k) => p[k] !== undefined && typeof p[k] !== 'string');
  if (repeated) return refuse('invalid_request', `${repeated} given more than once`, false, 'Yêu cầu đăng nhập của ứng dụng không hợp lệ (một tham số lặp lại)');
  const q = p as Record<string, string | undefined>;
  if (!q.client_id || !q.redirect_uri) return refuse('invalid_request', 'client_id and redirect_uri are required', false, unknownApp);
  const client = await auth.store.client(q.client_id);
  if (!client || !client.redirectUris.includes(q.redirect_uri)) return refuse('invalid_request', 'unknown client_id or redirect_uri not registered', false, unknownApp);
  if (q.response_type !== 'code') return refuse('unsupported_response_type', 'response_type must be code', true);
  if (q.aud !== auth.fhirBaseUrl) return refuse('invalid_request', `aud must be ${auth.fhirBaseUrl}`, true);
  if (q.code_challenge_method !== 'S256' || !q.code_challenge) return refuse('invalid_request', 'PKCE with code_challenge_method S256 is required', true);
  if (!q.state) return refuse('invalid_request', 'state is required', true);
  return { app: { name: client.name, scope: residentScope(q.scope ?? '', client.scope) } };
}

function sendAuthorizeError(res: Response, p: Record<string, string>, problem: AuthorizeProblem): void {
  if (problem.redirect) {
    const url = new URL(p.redirect_uri);
    url.searchParams.set('error', problem.error);
    url.searchParams.set('error_description', problem.description);
    if (p.state) url.searchParams.set('state', p.state);
    res.redirect(302, url.toString());
    return;
  }
  res.status(400).type('text').send(`${problem.vi ?? 'Yêu cầu đăng nhập của ứng dụng không hợp lệ'} / ${problem.error}: ${problem.description}`);
}
