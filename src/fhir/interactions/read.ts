import { badRequest } from '../outcomes';
import { parseETag, resourceResponse, type Interaction } from '../request';

/** read: GET [type]/[id]; If-None-Match / If-Modified-Since answer 304 when the client is current. */
export const read: Interaction = async (req, { type, id }, ctx) => {
  const resource = await ctx.repo.read(type, id);
  const version = Number(resource.meta?.versionId);
  const ifNoneMatch = req.headers.ifNoneMatch;
  if (ifNoneMatch !== undefined) {
    const tags = ifNoneMatch.split(',').map((t) => t.trim());
    if (tags.includes('*') || tags.some((t) => parseETag(t) === version)) return { status: 304, versionId: String(version) };
  }
  if (req.headers.ifModifiedSince !== undefined && ifNoneMatch === undefined) {
    const since = Date.parse(req.headers.ifModifiedSince);
    if (Number.isNaN(since)) throw badRequest('If-Modified-Since không hợp lệ', 'Invalid If-Modified-Since date');
    // HTTP dates have whole seconds: compare at that precision.
    const modified = Math.floor(Date.parse(resource.meta!.lastUpdated!) / 1000) * 1000;
    if (modified <= since) return { status: 304, versionId: String(version) };
  }
  return resourceResponse(200, resource, ctx.baseUrl, false);
};

/** vread: GET [type]/[id]/_history/[vid]. */
export const vread: Interaction = async (_req, { type, id, vid }, ctx) =>
  resourceResponse(200, await ctx.repo.vread(type, id, vid), ctx.baseUrl, false);
