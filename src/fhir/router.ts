import type { CapabilityStatement } from '@medplum/fhirtypes';
import { processBundle } from './bundle/process';
import type { R4Definitions } from './definitions';
import { create } from './interactions/create';
import { conditionalDelete, remove } from './interactions/delete';
import { history } from './interactions/history';
import { conditionalPatch, patch } from './interactions/patch';
import { read, vread } from './interactions/read';
import { compartmentSearch } from './interactions/compartment-search';
import { search } from './interactions/search';
import { searchSystem } from './interactions/search-system';
import { conditionalUpdate, update } from './interactions/update';
import { capabilityStatement, type ServedCapabilities } from './operations/capabilities';
import { evaluateMeasureOperation } from './operations/evaluate-measure';
import { patientEverything } from './operations/everything';
import { patientMerge } from './operations/merge';
import { validateOperation } from './operations/validate';
import { badRequest, echoed, methodNotAllowed, notFound, notSupported, OperationOutcomeError } from './outcomes';
import type { FhirRequest, FhirResponse, Interaction, InteractionContext } from './request';
import { parseSearch } from './search/parse';
import { TELEMEDICINE_OPERATIONS, TELEMEDICINE_ROUTES } from '../telemedicine/operations';

/** Methods in the order an `Allow` header lists them. */
const METHODS: FhirRequest['method'][] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];

interface Route {
  method: FhirRequest['method'];
  /** Segments: literals, or `:name` for a segment that does not start with `_` or `$`. */
  pattern: string[];
  handler: Interaction;
}

const needsCriteria =
  (handler: Interaction, what: string): Interaction =>
  (req, params, ctx) => {
    if (!req.query.length) throw badRequest(`${what} theo điều kiện cần tham số tìm kiếm`, `Conditional ${what} needs search criteria`);
    return handler(req, params, ctx);
  };

const bundle: Interaction = (req, _params, ctx) => processBundle(req.body, req.headers.prefer, ctx);

/** The API surface, as one table (docs/interactions/ has a page per row). Order: literals before ids. */
function routeTable(metadata: Interaction): Route[] {
  const r = (method: FhirRequest['method'], pattern: string, handler: Interaction): Route => ({
    method,
    pattern: pattern ? pattern.split('/') : [],
    handler,
  });
  return [
    r('GET', 'metadata', metadata),
    r('POST', '', bundle),
    r('GET', '', searchSystem),
    r('POST', '_search', searchSystem),
    r('GET', '_history', history),
    r('GET', ':type/_history', history),
    r('POST', ':type/_search', search),
    r('POST', ':type/$validate', validateOperation),
    r('GET', ':type/:id/_history', history),
    r('GET', ':type/:id/_history/:vid', vread),
    r('GET', ':type/:id/$validate', validateOperation),
    r('POST', ':type/:id/$validate', validateOperation),
    r('GET', 'Measure/$evaluate-measure', evaluateMeasureOperation),
    r('POST', 'Measure/$evaluate-measure', evaluateMeasureOperation),
    r('GET', 'Measure/:id/$evaluate-measure', evaluateMeasureOperation),
    r('POST', 'Measure/:id/$evaluate-measure', evaluateMeasureOperation),
    r('GET', 'Patient/:id/$everything', patientEverything),
    r('POST', 'Patient/:id/$everything', patientEverything),
    r('POST', 'Patient/$merge', patientMerge),
    ...TELEMEDICINE_ROUTES.map(([method, pattern, handler]) => r(method, pattern, handler)),
    r('GET', ':type/:id/:target', compartmentSearch),
    r('POST', ':type/:id/:target/_search', compartmentSearch),
    r('POST', ':type/:id/_search', (req, params, ctx) => compartmentSearch(req, { ...params, target: '*' }, ctx)),
    r('GET', ':type', search),
    r('POST', ':type', create),
    r('PUT', ':type', needsCriteria(conditionalUpdate, 'update')),
    r('PATCH', ':type', needsCriteria(conditionalPatch, 'patch')),
    r('DELETE', ':type', needsCriteria(conditionalDelete, 'delete')),
    r('GET', ':type/:id', read),
    r('PUT', ':type/:id', update),
    r('PATCH', ':type/:id', patch),
    r('DELETE', ':type/:id', remove),
  ];
}

function match(pattern: string[], segments: string[]): Record<string, string> | undefined {
  if (pattern.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i];
    const s = segments[i];
    if (p.startsWith(':')) {
      if (s === '' || s.startsWith('_') || s.startsWith('$')) return undefined;
      params[p.slice(1)] = s;
    } else if (p !== s) return undefined;
  }
  return params;
}

export interface FhirRouter {
  /** Runs one interaction; throws OperationOutcomeError for every failure. */
  dispatch(req: FhirRequest, ctx: InteractionContext): Promise<FhirResponse>;
}

/** Builds the router; `version` goes into the CapabilityStatement. */
export function createFhirRouter(defs: R4Definitions, version: string): FhirRouter {
  const served: ServedCapabilities = {
    typeInteractions: ['read', 'vread', 'update', 'patch', 'delete', 'history-instance', 'history-type', 'create', 'search-type'],
    // The audit trail is written by the server alone; every caller's writes to it are refused.
    readOnlyTypes: new Set(['AuditEvent']),
    systemInteractions: ['transaction', 'batch', 'history-system', 'search-system'],
    operations: [
      { name: 'validate', definition: 'http://hl7.org/fhir/OperationDefinition/Resource-validate' },
      { type: 'Patient', name: 'everything', definition: 'http://hl7.org/fhir/OperationDefinition/Patient-everything' },
      // R5's definition: R4 has no merge operation of its own.
      { type: 'Patient', name: 'merge', definition: 'http://hl7.org/fhir/OperationDefinition/Patient-merge' },
      { type: 'Measure', name: 'evaluate-measure', definition: 'http://hl7.org/fhir/OperationDefinition/Measure-evaluate-measure' },
      ...TELEMEDICINE_OPERATIONS,
    ],
    isSearchable: (type, code) => {
      try {
        return parseSearch(type, [[code, 'x']], defs).ignored.length === 0;
      } catch (err) {
        // A 400 for the sample value (near checks its form when parsed): served, not ignored. Any
        // other failure is a fault of ours, and must not pass for a served parameter.
        if (err instanceof OperationOutcomeError && err.status === 400) return true;
        throw err;
      }
    },
  };
  // Built once (per base URL, which is the server's own, not the caller's): it changes only with
  // the server, and building it parses a search for each of ~1,400 parameters — 45–105 ms of the one
  // JavaScript thread per request, on an endpoint anyone may call without signing in.
  let built: { baseUrl: string; statement: CapabilityStatement } | undefined;
  const metadata: Interaction = async (_req, _params, ctx) => {
    if (built?.baseUrl !== ctx.baseUrl) built = { baseUrl: ctx.baseUrl, statement: deepFreeze(capabilityStatement(defs, served, ctx.baseUrl, version)) };
    return { status: 200, resource: built.statement };
  };
  const routes = routeTable(metadata);

  return {
    async dispatch(req, ctx) {
      const method = req.method === 'HEAD' ? 'GET' : req.method;
      const segments = req.path === '' ? [] : req.path.split('/').map(decodeSegment);
      // The methods of the routes the path matched, for a 405's Allow; HEAD wherever GET is.
      const allowed = new Set<string>();
      for (const route of routes) {
        const params = match(route.pattern, segments);
        if (!params) continue;
        if (route.method === method) return route.handler(req, params, ctx);
        allowed.add(route.method);
        if (route.method === 'GET') allowed.add('HEAD');
      }
      if (allowed.size) throw methodNotAllowed(req.method, `/${req.path}`, METHODS.filter((m) => allowed.has(m)));
      // `$name` is an operation's name, never an id: a path naming one we do not serve at that
      // level (type-level `Patient/$everything`, `$export`) is a request we cannot do, not a
      // missing resource.
      const operation = segments.find((s) => s.startsWith('$'));
      if (operation) {
        throw notSupported(
          `Máy chủ không hỗ trợ thao tác ${echoed(operation)} tại /${echoed(req.path)}`,
          `Operation ${echoed(operation)} is not supported at /${echoed(req.path)}`,
        );
      }
      throw notFound(`/${req.path}`);
    },
  };
}

/** A path segment decoded; a `%` not followed by UTF-8 in hex is the client's fault (400), not ours. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw badRequest(`Đường dẫn có mã %-encoding không hợp lệ: ${echoed(segment)}`, `Malformed percent-encoding in the path: ${echoed(segment)}`);
  }
}

/**
 * Freezes a value shared by every request, all the way down: nothing may change it for the next
 * caller, and the HTTP layer keeps the JSON of a frozen body (http/response.ts compactJson).
 */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
