import express, { type Request, type Router } from 'express';
import type { AuthService } from '../auth/service';
import { actorOnly } from '../fhir/access';
import type { AuditInteraction } from '../fhir/audit';
import type { FhirEngine } from '../fhir/engine';
import type { FhirRequest, InteractionContext } from '../fhir/request';
import type { FhirRouter } from '../fhir/router';
import type { Repository } from '../fhir/store/repository';
import { echoed, notSupported, toOutcomeError, unsupportedMediaType } from '../fhir/outcomes';
import { authenticate } from './authenticate';
import { unsupportedCharset } from './body-errors';
import { bodyText, parseJsonBody } from './json-body';
import type { Csrf } from './csrf';
import { sendFhir } from './response';

const JSON_TYPES = new Set(['application/fhir+json', 'application/json', 'application/json+fhir']);
const PATCH_TYPES = new Set(['application/json-patch+json']);
const FORM = 'application/x-www-form-urlencoded';
const FORMATS = new Set(['json', 'application/json', 'application/fhir+json', 'application/json+fhir']);

export interface FhirRoutesDeps {
  router: FhirRouter;
  engine: FhirEngine;
  auth: AuthService;
  baseUrl: string;
  maxBodyBytes: number;
  csrf: Csrf;
}

/**
 * Public without signing in: the CapabilityStatement (SMART discovery is in auth-routes), by GET
 * and by HEAD, which answers as GET without the body (RFC 9110 §9.3.2).
 */
const isPublic = (req: Request): boolean => (req.method === 'GET' || req.method === 'HEAD') && req.path.replace(/\/+$/, '') === '/metadata';

/**
 * Thin HTTP adapter: turns an express request into a FhirRequest, lets the engine's router answer,
 * and writes the result. All FHIR behaviour lives in src/fhir/.
 */
export function fhirRoutes(deps: FhirRoutesDeps): Router {
  const routes = express.Router();
  const signIn = authenticate(deps.auth);
  routes.use((req, res, next) => {
    if (isPublic(req)) return next();
    signIn(req, res, (err?: unknown) => {
      if (!err) return deps.csrf.protect(req, res, next);
      // Refused credentials (expired, forged, revoked…) are audited as an anonymous attempt.
      const anonymous = deps.engine.repo.as(actorOnly({ id: 'anonymous', roles: [], ip: req.ip }));
      auditFailure(anonymous, req, err).then(
        () => next(err),
        () => next(err),
      );
    });
  });
  routes.use(express.raw({ type: () => true, limit: deps.maxBodyBytes }));
  routes.use(async (req, res, next) => {
    const repo: Repository = res.locals.auth ? deps.engine.repo.as(res.locals.auth.policy) : deps.engine.repo;
    try {
      const { fhirReq, pretty } = toFhirRequest(req);
      const ctx: InteractionContext = { repo, baseUrl: deps.baseUrl, dispatch: (r, c) => deps.router.dispatch(r, c), mergeFollowers: [deps.auth] };
      const result = await deps.router.dispatch(fhirReq, ctx);
      sendFhir(res, result, { prefer: fhirReq.headers.prefer, pretty, head: req.method === 'HEAD' });
    } catch (err) {
      if (res.locals.auth) await auditFailure(repo, req, err).catch(() => undefined);
      next(err);
    }
  });
  return routes;
}

/** A refused or failed request is in the audit trail too, as the caller's attempt. */
function auditFailure(repo: Repository, req: Request, err: unknown): Promise<void> {
  const failure = toOutcomeError(err);
  const segments = req.path.split('/').filter(Boolean);
  const [type, id] = segments;
  const interaction = failedInteraction(req.method, type, id);
  return repo.audit({
    interaction,
    outcome: failure.status >= 500 ? '8' : '4',
    outcomeDesc: `${failure.status} ${failure.outcome.issue?.[0]?.diagnostics ?? ''}`.slice(0, 500),
    entities: type && id && !id.startsWith('_') && !id.startsWith('$') ? [`${type}/${id}`] : [],
    patients: [],
    query: new URL(req.originalUrl, 'http://x').search.slice(1),
    resourceType: type,
  });
}

/** What a failed request was trying to do, from its method and path. */
function failedInteraction(method: string, type: string | undefined, id: string | undefined): AuditInteraction {
  const instance = !!id && !id.startsWith('_') && !id.startsWith('$');
  if (!type || id?.startsWith('$') || type.startsWith('$')) return 'operation';
  if (method === 'GET' || id === '_search') return instance ? 'read' : id === '_history' ? 'history-type' : 'search';
  return ({ POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' } as Record<string, AuditInteraction>)[method] ?? 'operation';
}

function mediaType(req: Request): string | undefined {
  return req.headers['content-type']?.split(';')[0].trim().toLowerCase();
}

/** The FhirRequest, and whether `_pretty=true` asked for indented JSON (the URL is parsed once). */
function toFhirRequest(req: Request): { fhirReq: FhirRequest; pretty: boolean } {
  const url = new URL(req.originalUrl, 'http://x');
  const query = [...url.searchParams] as [string, string][];
  const format = url.searchParams.get('_format');
  // A MIME type's parameters (`; charset=utf-8`) do not change which type it is, as in Accept.
  if (format && !FORMATS.has(format.split(';')[0].trim().toLowerCase())) {
    throw notSupported(`Không hỗ trợ định dạng ${echoed(format)}; chỉ JSON`, `Format ${echoed(format)} is not supported; only JSON`, 406);
  }
  if (!acceptsJson(req.headers.accept)) {
    throw notSupported(`Không hỗ trợ định dạng ${echoed(req.headers.accept)}; chỉ JSON`, `Cannot answer in ${echoed(req.headers.accept)}; only JSON`, 406);
  }
  const path = req.path.replace(/^\/+|\/+$/g, '');
  const buffer = req.body as Buffer | undefined;
  const hasBody = Buffer.isBuffer(buffer) && buffer.length > 0;
  let body: unknown;
  if (hasBody) {
    const type = mediaType(req) ?? '';
    // The body is read as UTF-8 whatever the header says: one declared otherwise would be stored
    // garbled (a Vietnamese name in windows-1258), so it is refused instead.
    const charset = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(req.headers['content-type'] ?? '')?.[1];
    if (charset !== undefined && !/^utf-?8$/i.test(charset)) throw unsupportedCharset(charset);
    if (req.method === 'POST' && path.endsWith('_search')) {
      // A search's parameters come form-encoded (R4 http.html#search); a body read any other way
      // would be a search for everything, wider than the one asked for.
      if (type !== FORM) throw unsupportedMediaType(type || '(none)');
      query.push(...([...new URLSearchParams(bodyText(buffer))] as [string, string][]));
    } else if (JSON_TYPES.has(type) || (PATCH_TYPES.has(type) && req.method === 'PATCH')) {
      body = parseJsonBody(buffer);
    } else {
      throw unsupportedMediaType(type || '(none)');
    }
  }
  const header = (name: string): string | undefined => {
    const value = req.headers[name];
    return Array.isArray(value) ? value.join(',') : value;
  };
  const fhirReq: FhirRequest = {
    method: req.method as FhirRequest['method'],
    path,
    query: query.filter(([key]) => key !== '_format' && key !== '_pretty'),
    headers: {
      ifMatch: header('if-match'),
      ifNoneMatch: header('if-none-match'),
      ifNoneExist: header('if-none-exist'),
      ifModifiedSince: header('if-modified-since'),
      prefer: header('prefer'),
    },
    body,
  };
  return { fhirReq, pretty: url.searchParams.get('_pretty') === 'true' };
}

/** An Accept header we can satisfy: absent, any, or naming a JSON type. */
function acceptsJson(accept: string | undefined): boolean {
  if (!accept) return true;
  return accept.split(',').some((part) => {
    const type = part.split(';')[0].trim().toLowerCase();
    return type === '*/*' || type === 'application/*' || JSON_TYPES.has(type) || type === 'application/json-patch+json';
  });
}

