import type { Resource } from '@medplum/fhirtypes';
import { parameterRows, type ExtractContext } from '../index/extract';
import { exactText } from './normalize';
import { parseSearch } from './parse';
import { isResultParam } from './parse-results';
import type { Filter, SearchRequest } from './request';
import { splitToken } from './values';

/**
 * Whether a resource in memory matches the constraints an access policy puts on a type (a SMART v2
 * scope's `?category=system|code`, an officer's `type=summary`): token parameters without a
 * modifier, each value matched as the SQL of a search matches it (params/token.ts) against the
 * rows a write would extract. A write's new content is not in the database yet, so this is the one
 * check for reads and writes alike, and it needs no query.
 *
 * Any other criterion (another parameter type, a modifier, a chain) is not evaluated here and so
 * counts as not met: a grant limited by a condition the server cannot check on one resource
 * grants nothing on it. Searches still apply such constraints in their SQL.
 */
export function meetsConstraints(resource: Resource, constraints: [string, string][], ctx: ExtractContext): boolean {
  if (!constraints.length) return true;
  const req = parseSearch(resource.resourceType, constraints, ctx.defs);
  return allFilters(constraints, req) && req.filters.every((f) => matchesToken(resource, f, ctx));
}

/**
 * Whether every constraint of a grant became a filter of `req` (parsed from them): none ignored
 * (an unknown or misspelt parameter) and none a result parameter (`_count`, `_include`…), which
 * would leave the grant unconstrained rather than constrained by it.
 */
export function allFilters(constraints: [string, string][], req: SearchRequest): boolean {
  return req.ignored.length === 0 && !constraints.some(([key]) => isResultParam(key));
}

function matchesToken(resource: Resource, filter: Filter, ctx: ExtractContext): boolean {
  if (filter.kind !== 'value' || filter.param.type !== 'token' || filter.modifier !== undefined) return false;
  const rows = parameterRows(resource, filter.param, ctx).token;
  return filter.values.some((raw) => {
    const [system, code] = splitToken(raw);
    if (system === undefined) return rows.some((r) => r.code === exactText(code));
    if (system === '') return rows.some((r) => r.system === null && r.code === exactText(code));
    if (code === '') return rows.some((r) => r.system === exactText(system));
    return rows.some((r) => r.system === exactText(system) && r.code === exactText(code));
  });
}
