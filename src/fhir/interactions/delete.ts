import { allOk } from '../outcomes';
import type { Interaction } from '../request';
import { writeOptions } from './write-options';

/** delete: DELETE [type]/[id] (soft; later reads answer 410). Deleting the absent succeeds too. */
export const remove: Interaction = async (req, { type, id }, ctx) => {
  await ctx.repo.delete(type, id, writeOptions(req));
  return { status: 200, outcome: allOk('Đã xóa / Deleted') };
};

/** conditional delete: DELETE [type]?criteria (more than one match → 412); If-Match holds for the match. */
export const conditionalDelete: Interaction = async (req, { type }, ctx) => {
  await ctx.repo.conditionalDelete(type, new URLSearchParams(req.query).toString(), writeOptions(req));
  return { status: 200, outcome: allOk('Đã xóa / Deleted') };
};
