import type { OperationOutcome, Resource } from '@medplum/fhirtypes';
import type { Queryable } from '../db/database';
import type { Repository } from './store/repository';

/** A FHIR interaction request, independent of HTTP: REST requests and Bundle entries both become one. */
export interface FhirRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';
  /** Path below the FHIR base, without leading slash or query: `Patient/1/_history/2`, `` for the base. */
  path: string;
  /** Decoded query parameters in order. */
  query: [string, string][];
  headers: {
    ifMatch?: string;
    ifNoneMatch?: string;
    ifNoneExist?: string;
    ifModifiedSince?: string;
    prefer?: string;
  };
  body?: unknown;
  /**
   * Id chosen in advance for a create inside a transaction Bundle, so other entries can refer to
   * it before it is written: a POST's, or a conditional PUT's that matched nothing (which may then
   * only create). Set only by the Bundle processor, never from HTTP.
   */
  assignedId?: string;
}

/** What an interaction answers; the HTTP layer (or the Bundle processor) renders it. */
export interface FhirResponse {
  status: number;
  resource?: Resource;
  /** Issues to return instead of / beside the resource (Prefer: return=OperationOutcome, warnings). */
  outcome?: OperationOutcome;
  location?: string;
  versionId?: string;
  lastModified?: string;
  /** The Prefer header was already applied inside (Bundle entries): send the resource as it is. */
  preferApplied?: boolean;
}

/** Everything an interaction may use, passed in (no ambient state). */
export interface InteractionContext {
  repo: Repository;
  baseUrl: string;
  /** Dispatches a nested request (used by Bundle processing to run each entry). */
  dispatch: (req: FhirRequest, ctx: InteractionContext) => Promise<FhirResponse>;
  /** What else follows a Patient/$merge, outside the FHIR record (residents' app accounts). */
  mergeFollowers?: readonly MergeFollower[];
}

/**
 * Something bound to Patients outside the FHIR record that follows a Patient/$merge: the
 * residents' app accounts and grants (src/auth/). Run in the merge's own transaction, after its
 * records moved, through `tx` (the store must share the merge's database).
 */
export interface MergeFollower {
  /**
   * Binds what named `retired` to `surviving`. Answers, when it moved something, a line for the
   * audit trail (recorded in the same transaction, as the caller who merged) and work to do once
   * the transaction has committed.
   */
  followMerge(tx: Queryable, retired: string, surviving: string): Promise<{ audit?: string; afterCommit?: () => void }>;
}

export type Interaction = (req: FhirRequest, params: Record<string, string>, ctx: InteractionContext) => Promise<FhirResponse>;

/** The response for a stored resource: ETag version, Last-Modified and (for writes) Location. */
export function resourceResponse(status: number, resource: Resource, baseUrl: string, withLocation: boolean): FhirResponse {
  const versionId = resource.meta?.versionId;
  return {
    status,
    resource,
    versionId,
    lastModified: resource.meta?.lastUpdated,
    location: withLocation ? `${baseUrl}/${resource.resourceType}/${resource.id}/_history/${versionId}` : undefined,
  };
}
