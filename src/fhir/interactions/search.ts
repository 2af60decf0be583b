import type { Interaction } from '../request';
import { rejectIgnoredIfStrict, searchsetBundle } from '../search/bundle';

/**
 * search-type: GET [type]?…, POST [type]/_search (form body). Parameters that cannot be served are
 * left out of the self link and reported in an OperationOutcome entry; Prefer: handling=strict
 * makes them a 400.
 */
export const search: Interaction = async (req, { type }, ctx) => {
  const sr = ctx.repo.parseSearch(type, req.query);
  rejectIgnoredIfStrict(sr, req.headers.prefer);
  const result = await ctx.repo.search(sr, new URLSearchParams(req.query).toString());
  return { status: 200, resource: searchsetBundle(type, sr, result, ctx.baseUrl) };
};
