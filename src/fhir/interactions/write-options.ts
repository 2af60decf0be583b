import type { Resource } from '@medplum/fhirtypes';
import { badRequest, preconditionFailed } from '../outcomes';
import { parseETag, resourceResponse, type FhirRequest, type FhirResponse } from '../request';
import type { WriteOptions, WriteResult } from '../store/repository';

/** If-Match as a version number; a malformed ETag is a 412, as it cannot match. */
export function writeOptions(req: FhirRequest): WriteOptions {
  const ifMatch = parseETag(req.headers.ifMatch);
  if (ifMatch !== undefined && Number.isNaN(ifMatch)) {
    throw preconditionFailed(`If-Match không hợp lệ: ${req.headers.ifMatch}`, `If-Match ${req.headers.ifMatch} cannot match any version`);
  }
  return { ifMatch };
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
