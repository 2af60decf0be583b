import type { Interaction } from '../request';
import { parseSearch } from '../search/parse';
import { answerSearch } from './search';

/**
 * search-system: GET [base]?…, POST [base]/_search. Every type, or those named by `_type`; only
 * parameters all of them share (`_id`, `_lastUpdated`, `_tag`, `_profile`, `_security`…).
 */
export const searchSystem: Interaction = (req, _params, ctx) => answerSearch('', req, ctx, (query) => parseSearch('', query, ctx.repo.ctx.defs));
