import type { Resource } from '@medplum/fhirtypes';
import { badRequest, echoed, preconditionFailed } from '../outcomes';
import { parseETagCondition } from '../etag';
import { resourceResponse, type FhirRequest, type FhirResponse } from '../request';
import type { WriteOptions, WriteResult } from '../store/repository';

/**
 * If-Match: `*` (the resource must exist and not be deleted), or the versions it lists, one of
 * which must be current. A list naming no version (`W/"abc"`, malformed) cannot hold: 412 at once.
 */
export function writeOptions(req: FhirRequest): WriteOptions {
  const header = req.headers.ifMatch;
  if (header === undefined) return {};
  const condition = parseETagCondition(header);
  if (condition === '*') return { ifMatch: '*' };
  // The ETags the server gives are W/"n" with n its version: only such text can be current.
  const versions = condition.filter((tag) => /^[1-9]\d*$/.test(tag)).map(Number).filter(Number.isSafeInteger);
  if (!versions.length) {
    throw preconditionFailed(`If-Match không hợp lệ: ${echoed(header)}`, `If-Match ${echoed(header)} cannot match any version`);
  }
  return { ifMatch: versions };
}

/** The request body as a resource, or 400. */
export function bodyResource(req: FhirRequest): Resource {
  const body = req.body as Resource | undefined;
  if (!body || typeof body !== 'object' || Array.isArray(body) || typeof body.resourceType !== 'string') {
    throw badRequest('Nội dung phải là một tài nguyên FHIR (JSON có resourceType)', 'The body must be a FHIR resource (JSON with resourceType)');
  }
  return body;
}

/** 201 with Location for a new resource, 200 otherwise; validation warnings ride along. */
export function writeResponse(result: WriteResult, baseUrl: string): FhirResponse {
  const response = resourceResponse(result.created ? 201 : 200, result.resource, baseUrl, true);
  if (result.issues.length) response.outcome = { resourceType: 'OperationOutcome', issue: result.issues };
  return response;
}
