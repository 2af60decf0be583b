import { badRequest, echoed } from '../outcomes';
import type { Interaction } from '../request';
import { bodyResource, writeResponse } from './write-options';

/** create: POST [type]; If-None-Exist makes it conditional (0 → 201, 1 → 200, more → 412). */
export const create: Interaction = async (req, { type }, ctx) => {
  const resource = bodyResource(req);
  ctx.repo.assertType(type);
  if (resource.resourceType !== type) {
    throw badRequest(`Loại tài nguyên ${echoed(resource.resourceType)} khác với URL (${type})`, `Resource type ${echoed(resource.resourceType)} does not match the URL (${type})`, [
      'resourceType',
    ]);
  }
  const ifNoneExist = req.headers.ifNoneExist?.replace(/^[^?]*\?/, '');
  return writeResponse(await ctx.repo.create(resource, ifNoneExist || undefined, req.assignedId), ctx.baseUrl);
};
