import type { Interaction } from '../request';
import { writeOptions, writeResponse } from './write-options';

/** patch: PATCH [type]/[id] with a JSON Patch document (application/json-patch+json). */
export const patch: Interaction = async (req, { type, id }, ctx) =>
  writeResponse(await ctx.repo.patch(type, id, req.body, writeOptions(req)), ctx.baseUrl);

/** conditional patch: PATCH [type]?criteria, the one match patched (none 404, several 412). */
export const conditionalPatch: Interaction = async (req, { type }, ctx) =>
  writeResponse(await ctx.repo.conditionalPatch(type, new URLSearchParams(req.query).toString(), req.body, writeOptions(req)), ctx.baseUrl);
