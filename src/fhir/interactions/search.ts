import type { FhirRequest, FhirResponse, Interaction, InteractionContext } from '../request';
import { linkParams, rejectIgnoredIfStrict, searchsetBundle } from '../search/bundle';
import type { SearchRequest } from '../search/parse';
import { MAX_LINK_QUERY, SEARCH_REF_PARAM } from '../store/search-queries';

/**
 * search-type: GET [type]?…, POST [type]/_search (form body). Parameters that cannot be served are
 * left out of the self link and reported in an OperationOutcome entry; Prefer: handling=strict
 * makes them a 400.
 */
export const search: Interaction = (req, { type }, ctx) => answerSearch(type, req, ctx, (query) => ctx.repo.parseSearch(type, query));

/**
 * A search's answer, for every kind (type, system, compartment): the query a paging link names
 * expanded, parsed by `parse`, run, and answered with links that carry the query — or, when it is
 * too long for a URL, the key it is kept under.
 */
export async function answerSearch(path: string, req: FhirRequest, ctx: InteractionContext, parse: (query: [string, string][]) => SearchRequest): Promise<FhirResponse> {
  const query = await ctx.repo.expandSearchQuery(req.query);
  const sr = parse(query);
  rejectIgnoredIfStrict(sr, req.headers.prefer);
  const result = await ctx.repo.search(sr, new URLSearchParams(query).toString());
  let linkQuery = linkParams(sr, result);
  if (new URLSearchParams(linkQuery).toString().length > MAX_LINK_QUERY) linkQuery = [[SEARCH_REF_PARAM, await ctx.repo.keepSearchQuery(linkQuery)]];
  return { status: 200, resource: searchsetBundle(path, sr, result, ctx.baseUrl, linkQuery) };
}
