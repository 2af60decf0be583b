import type { Interaction } from '../request';
import { bodyResource, writeOptions, writeResponse } from './write-options';

/**
 * update: PUT [type]/[id] (update-as-create with the client's id when absent). A transaction's
 * conditional PUT that matched nothing arrives here with its id assigned: it may only create.
 */
export const update: Interaction = async (req, { type, id }, ctx) =>
  writeResponse(await ctx.repo.update(type, id, bodyResource(req), { ...writeOptions(req), createOnly: req.assignedId !== undefined }), ctx.baseUrl);

/** conditional update: PUT [type]?criteria. */
export const conditionalUpdate: Interaction = async (req, { type }, ctx) =>
  writeResponse(await ctx.repo.conditionalUpdate(type, new URLSearchParams(req.query).toString(), bodyResource(req), writeOptions(req)), ctx.baseUrl);
