import type { Interaction } from '../request';
import { rejectIgnoredIfStrict, searchsetBundle } from '../search/bundle';
import { parseSearch } from '../search/parse';

/**
 * search-system: GET [base]?…, POST [base]/_search. Every type, or those named by `_type`; only
 * parameters all of them share (`_id`, `_lastUpdated`, `_tag`, `_profile`, `_security`…).
 */
export const searchSystem: Interaction = async (req, _params, ctx) => {
  const sr = parseSearch('', req.query, ctx.repo.ctx.defs);
  rejectIgnoredIfStrict(sr, req.headers.prefer);
  const result = await ctx.repo.search(sr, new URLSearchParams(req.query).toString());
  return { status: 200, resource: searchsetBundle('', sr, result, ctx.baseUrl) };
};
