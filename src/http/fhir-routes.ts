import express, { type Request, type Router } from 'express';
import type { FhirRequest, InteractionContext } from '../fhir/request';
import type { FhirRouter } from '../fhir/router';
import type { Repository } from '../fhir/store/repository';
import { badRequest, notSupported, unsupportedMediaType } from '../fhir/outcomes';
import { sendFhir } from './response';

const JSON_TYPES = new Set(['application/fhir+json', 'application/json', 'application/json+fhir']);
const PATCH_TYPES = new Set(['application/json-patch+json']);
const FORM = 'application/x-www-form-urlencoded';
const FORMATS = new Set(['json', 'application/json', 'application/fhir+json', 'application/json+fhir']);

export interface FhirRoutesDeps {
  router: FhirRouter;
  repo: Repository;
  baseUrl: string;
  maxBodyBytes: number;
}

/**
 * Thin HTTP adapter: turns an express request into a FhirRequest, lets the engine's router answer,
 * and writes the result. All FHIR behaviour lives in src/fhir/.
 */
export function fhirRoutes(deps: FhirRoutesDeps): Router {
  const routes = express.Router();
  routes.use(express.raw({ type: () => true, limit: deps.maxBodyBytes }));
  routes.use(async (req, res, next) => {
    try {
      const fhirReq = toFhirRequest(req);
      const ctx: InteractionContext = { repo: deps.repo, baseUrl: deps.baseUrl, dispatch: (r, c) => deps.router.dispatch(r, c) };
      const result = await deps.router.dispatch(fhirReq, ctx);
      sendFhir(res, result, { prefer: fhirReq.headers.prefer, pretty: isPretty(req), head: req.method === 'HEAD' });
    } catch (err) {
      next(err);
    }
  });
  return routes;
}

function isPretty(req: Request): boolean {
  return new URL(req.originalUrl, 'http://x').searchParams.get('_pretty') === 'true';
}

function mediaType(req: Request): string | undefined {
  return req.headers['content-type']?.split(';')[0].trim().toLowerCase();
}

function toFhirRequest(req: Request): FhirRequest {
  const url = new URL(req.originalUrl, 'http://x');
  const query = [...url.searchParams] as [string, string][];
  const format = url.searchParams.get('_format');
  if (format && !FORMATS.has(format.toLowerCase())) {
    throw notSupported(`Không hỗ trợ định dạng ${format}; chỉ JSON`, `Format ${format} is not supported; only JSON`, 406);
  }
  const path = req.path.replace(/^\/+|\/+$/g, '');
  const buffer = req.body as Buffer | undefined;
  const hasBody = Buffer.isBuffer(buffer) && buffer.length > 0;
  let body: unknown;
  if (hasBody) {
    const type = mediaType(req) ?? '';
    if (type === FORM && req.method === 'POST' && path.endsWith('_search')) {
      query.push(...([...new URLSearchParams(buffer.toString('utf8'))] as [string, string][]));
    } else if (JSON_TYPES.has(type) || (PATCH_TYPES.has(type) && req.method === 'PATCH')) {
      body = parseJson(buffer);
    } else {
      throw unsupportedMediaType(type || '(none)');
    }
  }
  const header = (name: string): string | undefined => {
    const value = req.headers[name];
    return Array.isArray(value) ? value.join(',') : value;
  };
  return {
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
}

function parseJson(buffer: Buffer): unknown {
  try {
    return JSON.parse(buffer.toString('utf8'));
  } catch (err) {
    throw badRequest('Nội dung JSON không hợp lệ', `Malformed JSON: ${(err as Error).message}`);
  }
}
