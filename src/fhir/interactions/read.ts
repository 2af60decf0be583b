import type { Resource } from '@medplum/fhirtypes';
import { namesVersion, parseETagCondition } from '../etag';
import { parseHttpDate } from '../http-date';
import { badRequest, echoed } from '../outcomes';
import { resourceResponse, type FhirRequest, type Interaction } from '../request';
import type { SearchRequest } from '../search/request';
import { elementList, shapeResource, SUMMARY_VALUES } from '../search/shape';

/**
 * `_summary` and `_elements` on a read, as on a search (R4 search.html#summary; an app showing a
 * list of residents asks `Patient/[id]?_elements=name,birthDate`). A read has no Bundle to report an
 * unusable value in, so that is a 400 rather than ignored; `_summary=count` is for searches only.
 */
function shapeForRead(resource: Resource, req: FhirRequest): Resource {
  const shape: Pick<SearchRequest, 'summary' | 'elements'> = {};
  for (const [key, value] of req.query) {
    if (key === '_summary') {
      if (value === 'count' || !SUMMARY_VALUES.has(value)) {
        throw badRequest(`_summary=${echoed(value)} không dùng được khi đọc một tài nguyên (true, text, data, false)`, `_summary=${echoed(value)} cannot be used on a read (true, text, data or false)`);
      }
      shape.summary = value as SearchRequest['summary'];
    } else if (key === '_elements') {
      shape.elements = elementList(value);
    }
  }
  return shapeResource(resource, shape);
}

/** read: GET [type]/[id]; If-None-Match / If-Modified-Since answer 304 when the client is current. */
export const read: Interaction = async (req, { type, id }, ctx) => {
  const resource = await ctx.repo.read(type, id);
  const version = Number(resource.meta?.versionId);
  const ifNoneMatch = req.headers.ifNoneMatch;
  if (ifNoneMatch !== undefined && namesVersion(parseETagCondition(ifNoneMatch), version)) return { status: 304, versionId: String(version) };
  // RFC 9110 §13.1.3: a value that is not an HTTP-date is ignored (answered as if absent), not refused.
  const since = req.headers.ifModifiedSince === undefined ? undefined : parseHttpDate(req.headers.ifModifiedSince.trim());
  if (since !== undefined && ifNoneMatch === undefined) {
    // HTTP dates have whole seconds: compare at that precision.
    const modified = Math.floor(Date.parse(resource.meta!.lastUpdated!) / 1000) * 1000;
    if (modified <= since) return { status: 304, versionId: String(version) };
  }
  return resourceResponse(200, shapeForRead(resource, req), ctx.baseUrl, false);
};

/** vread: GET [type]/[id]/_history/[vid]. */
export const vread: Interaction = async (req, { type, id, vid }, ctx) =>
  resourceResponse(200, shapeForRead(await ctx.repo.vread(type, id, vid), req), ctx.baseUrl, false);
