import { parseReference } from '../references';
import type { Filter, SearchRequest } from './request';
import type { PlanContext } from './sql';
import { unescapeValue } from './values';

/**
 * Which filters of a search may lead its plan, and which are only checked on the candidates.
 *
 * Searches whose plan does not depend on their values are prepared (prepared.ts), and a generic
 * plan estimates an equality on an index table at about one row whatever the value: to the planner
 * `Observation?subject=Patient/1&code=<weight>` offers two equally narrow starts. At 2,000
 * residents it started from the weight code (6,036 observations, each fetched and then checked
 * against the subject) instead of the resident's 156: 157 requests/s, PostgreSQL 8.4 ms per
 * request. What the planner cannot know, the engine does: a resource's id, an identifier, one
 * resident's (or one visit's) record are few rows; a code, a status or a reference to the station's
 * organisation is shared by much of the commune. So when a search has one of the narrow kinds, its
 * broad equalities become checks on each candidate (search/owned-rows.ts `candidateHasRow`), which
 * the planner cannot start from. Ranges and patterns are planned for their values and left to it.
 */
export enum Reach {
  /** `_id`: the resources named. */
  Id,
  /** An identifier (`identifier`, `subject:identifier`): about one resource per value. */
  Identifier,
  /** A reference to a resident or a visit, or the resident's compartment: one record's rows. */
  Record,
  /** Any other token or reference equality: possibly much of the station. */
  Shared,
}

/** The targets whose referrers are one person's record or one visit's, however large the station. */
const RECORD_TYPES: ReadonlySet<string> = new Set(['Patient', 'Encounter']);

/** How many resources a filter may select, by kind; undefined for kinds left to the planner. */
export function reachOf(f: Filter, ctx: PlanContext): Reach | undefined {
  if (f.kind === 'id') return f.modifier ? undefined : Reach.Id;
  if (f.kind !== 'value' || (f.param.type !== 'token' && f.param.type !== 'reference')) return undefined;
  if (f.modifier === 'identifier' || (f.param.type === 'token' && !f.modifier && f.code === 'identifier')) return Reach.Identifier;
  if (f.param.type === 'token') return f.modifier ? undefined : Reach.Shared;
  // A type modifier (`subject:Patient`) is the only one that keeps a reference an equality.
  if (f.modifier && !/^[A-Z]/.test(f.modifier)) return undefined;
  return f.values.every((v) => RECORD_TYPES.has(targetTypeOf(f.modifier, f.param.target, unescapeValue(v), ctx) ?? '')) ? Reach.Record : Reach.Shared;
}

/** The one type a reference value can name, if one: its own, the modifier's, or the parameter's only target. */
function targetTypeOf(modifier: string | undefined, targets: readonly string[] | undefined, value: string, ctx: PlanContext): string | undefined {
  const local = parseReference(value, ctx.baseUrl);
  if (local) return local.type;
  if (/^[a-z]+:/i.test(value)) return undefined;
  return modifier ?? (targets?.length === 1 ? targets[0] : undefined);
}

/**
 * The filters to check per candidate rather than offer the planner as a start: the broad ones,
 * when the search (or its compartment) has a narrower kind to start from.
 */
export function checkedFilters(req: SearchRequest, ctx: PlanContext): Set<Filter> {
  const reaches = new Map(req.filters.map((f) => [f, reachOf(f, ctx)]));
  const narrowest = Math.min(...[...reaches.values()].filter((r): r is Reach => r !== undefined), req.compartment ? Reach.Record : Reach.Shared);
  if (narrowest === Reach.Shared) return new Set();
  return new Set([...reaches].filter(([, r]) => r !== undefined && r > narrowest).map(([f]) => f));
}
