import type { Bundle, BundleEntry, Parameters, ParametersParameter, Resource } from '@medplum/fhirtypes';
import { request } from './http';

/** Where the server mounts the FHIR API (FHIR_BASE_URL's path; /fhir unless configured otherwise). */
export const FHIR_BASE = '/fhir';

export type SearchParams = [string, string][];

/** A search answer: the matches, what came with them (_include/_revinclude) and the next page. */
export interface SearchResult<T extends Resource> {
  matches: T[];
  included: Resource[];
  total?: number;
  next?: string;
}

function toResult<T extends Resource>(bundle: Bundle): SearchResult<T> {
  const entries = bundle.entry ?? [];
  const of = (mode: string): Resource[] => entries.filter((e) => (e.search?.mode ?? 'match') === mode).map((e) => e.resource!).filter(Boolean);
  return {
    matches: of('match') as T[],
    included: of('include'),
    total: bundle.total,
    next: bundle.link?.find((l) => l.relation === 'next')?.url,
  };
}

/** The next page's link is absolute; the page asks its own origin for it. */
const sameOrigin = (url: string): string => {
  const parsed = new URL(url, location.origin);
  return parsed.pathname + parsed.search;
};

export const fhir = {
  async search<T extends Resource>(type: string, params: SearchParams, signal?: AbortSignal): Promise<SearchResult<T>> {
    const query = new URLSearchParams(params).toString();
    return toResult<T>(await request<Bundle>(`${FHIR_BASE}/${type}${query ? `?${query}` : ''}`, { signal }));
  },

  async nextPage<T extends Resource>(next: string, signal?: AbortSignal): Promise<SearchResult<T>> {
    return toResult<T>(await request<Bundle>(sameOrigin(next), { signal }));
  },

  /** Every page of a search (for lists the page needs whole, e.g. a village's children). */
  async searchAll<T extends Resource>(type: string, params: SearchParams, signal?: AbortSignal): Promise<SearchResult<T>> {
    const first = await fhir.search<T>(type, params, signal);
    const all = { ...first, matches: [...first.matches], included: [...first.included] };
    for (let next = first.next; next; ) {
      const page = await fhir.nextPage<T>(next, signal);
      all.matches.push(...page.matches);
      all.included.push(...page.included);
      next = page.next;
    }
    return all;
  },

  read<T extends Resource>(type: string, id: string, signal?: AbortSignal): Promise<T> {
    return request<T>(`${FHIR_BASE}/${type}/${encodeURIComponent(id)}`, { signal });
  },

  create<T extends Resource>(resource: T): Promise<T> {
    return request<T>(`${FHIR_BASE}/${resource.resourceType}`, { method: 'POST', body: resource, headers: { prefer: 'return=representation' } });
  },

  /** Update with optimistic locking: fails with 412 when someone changed the resource meanwhile. */
  update<T extends Resource>(resource: T): Promise<T> {
    const headers: Record<string, string> = { prefer: 'return=representation' };
    if (resource.meta?.versionId) headers['if-match'] = `W/"${resource.meta.versionId}"`;
    return request<T>(`${FHIR_BASE}/${resource.resourceType}/${resource.id}`, { method: 'PUT', body: resource, headers });
  },

  /** A transaction Bundle: all its entries are stored, or none. */
  transaction(entries: BundleEntry[], timeout?: number): Promise<Bundle> {
    return request<Bundle>(FHIR_BASE, { method: 'POST', body: { resourceType: 'Bundle', type: 'transaction', entry: entries }, headers: { prefer: 'return=representation' }, timeout });
  },
};

type Part = string | boolean | { system: string; code: string; display?: string };

/** POST [base]/[path] with a Parameters body; several values of one name become several parts. */
export function operation<T>(path: string, parts: Record<string, Part | Part[] | undefined> = {}): Promise<T> {
  const parameter: ParametersParameter[] = Object.entries(parts).flatMap(([name, value]) =>
    value === undefined ? [] : (Array.isArray(value) ? value : [value]).map((v): ParametersParameter => (typeof v === 'boolean' ? { name, valueBoolean: v } : typeof v === 'string' ? { name, valueString: v } : { name, valueCoding: v })),
  );
  return request<T>(`${FHIR_BASE}/${path}`, { method: 'POST', body: { resourceType: 'Parameters', parameter } satisfies Parameters });
}

/** `Type/id` of a resource. */
export const refOf = (r: Resource): string => `${r.resourceType}/${r.id}`;

/** The id in a `Type/id` reference (or undefined when it is of another type). */
export function idFrom(reference: string | undefined, type: string): string | undefined {
  const match = reference?.match(/([A-Za-z]+)\/([^/]+)$/);
  return match && match[1] === type ? match[2] : undefined;
}
