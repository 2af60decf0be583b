import type { SearchParameter } from '@medplum/fhirtypes';
import type { StoredRows } from '../index/stored-params';
import type { NearPoint } from './params/near';
import type { Expansion } from './value-sets';

/**
 * A parsed search, with no database in sight: what parse.ts produces and plan.ts turns into SQL.
 * Repeated parameters are ANDed (one Filter each); comma-separated values inside one are ORed.
 */

/** A condition on one search parameter of the resources in scope. */
export type Filter = ValueFilter | IdFilter | LastUpdatedFilter | ChainFilter | HasFilter | CompositeFilter | NearFilter;

/** An ordinary parameter: string, token, date, number, quantity, reference or uri. */
export interface ValueFilter {
  kind: 'value';
  code: string;
  param: SearchParameter;
  /** Modifier after ':' (exact, contains, not, text, missing, identifier, below, above, of-type, in, not-in, or a type). */
  modifier?: string;
  values: string[];
  /** Where its rows are: its own, or those of the parameters holding them (index/stored-params.ts). */
  rows: StoredRows[];
  /** A reference's `:above`/`:below`: each target type's hierarchy (index/stored-params.ts hierarchyOf). */
  hierarchies?: Hierarchy[];
  /** A token's `:in`/`:not-in`: the codes of its ValueSets, looked up before planning (search/value-sets.ts). */
  expansion?: Expansion;
}

/** The reference parameter by which resources of `type` form a tree (Location `partof`), and where its rows are. */
export interface Hierarchy {
  type: string;
  rows: StoredRows;
}

/** `_id`, served from the resource table. */
export interface IdFilter {
  kind: 'id';
  modifier?: 'missing' | 'not';
  values: string[];
}

/** `_lastUpdated`, served from the resource table. */
export interface LastUpdatedFilter {
  kind: 'lastUpdated';
  modifier?: 'missing';
  values: string[];
}

/** `subject:Patient.name=x`: resources whose reference points at a target matching `filter`. */
export interface ChainFilter {
  kind: 'chain';
  /** The reference parameter followed. */
  code: string;
  /** Where its reference rows are. */
  rows: StoredRows[];
  /** One inner filter per target type that defines the chained parameter. */
  targets: { type: string; filter: Filter; bounds?: AccessBounds }[];
  /** The client named the target type (`subject:Patient.name`), rather than the server reading every possible one. */
  typed: boolean;
}

/** `_has:Observation:patient:code=x`: resources referred to (by `referenceParam` of `sourceType`) by a match. */
export interface HasFilter {
  kind: 'has';
  sourceType: string;
  referenceParam: string;
  /** Where `referenceParam`'s rows are. */
  rows: StoredRows[];
  filter: Filter;
  bounds?: AccessBounds;
}

/**
 * What limits the resources of one type the caller reaches through another (a chain's target, a
 * _has's source): the same limits as a search of that type. Set by the repository, which knows the
 * caller (store/search-access.ts); parsing knows nobody.
 */
export interface AccessBounds {
  /** The caller's own patient, for a type of the Patient compartment. */
  patient?: string;
  /** The caller's scope constraints on the type (`category=…`, an officer's `type=summary`). */
  filters: Filter[];
}

/**
 * What included resources may be (store/search-access.ts): of the types the caller may read, in
 * the caller's compartment when of a compartment type, and meeting the caller's constraints.
 */
export interface IncludeAccess {
  /** The types the caller may read; undefined: every type. */
  readable?: string[];
  /** The caller's patient, and the types its compartment bounds. */
  patient?: string;
  compartmentTypes: string[];
  /** Constraint filters by type (only the constrained types). */
  constraints: Record<string, Filter[]>;
}

/** A composite (`code-value-quantity=sys|code$gt5`): first token folded into the param key. */
export interface CompositeFilter {
  kind: 'composite';
  code: string;
  /** Type of the second component (its index table). */
  valueType: string;
  /** Raw values `token$value`, split when planned. */
  values: string[];
  /** Where its rows are: its own key, or the composites it unites (index/stored-params.ts). */
  rows: StoredRows[];
}

/** `near=latitude|longitude|distance|unit` (Location.near): within the distance of any of the points. */
export interface NearFilter {
  kind: 'near';
  code: string;
  points: NearPoint[];
}

export interface SortRule {
  code: string;
  /** Undefined for _id and _lastUpdated. */
  param?: SearchParameter;
  /** Undefined for _id and _lastUpdated; else where its rows are. */
  rows?: StoredRows[];
  descending: boolean;
}

/** `_include=Source:param[:Target]` or `_revinclude=…`, optionally `:iterate`. */
export interface IncludeRule {
  reverse: boolean;
  iterate: boolean;
  /** Undefined: references from every resource on the page ($everything). */
  sourceType?: string;
  /** Reference parameter code, or undefined for `*` (every reference parameter). */
  param?: string;
  /** Where `param`'s rows are (a narrowed parameter's are its wide ones', index/stored-params.ts). */
  rows?: StoredRows;
  targetType?: string;
  /** Leave out targets inside the request's compartment (they are matches of $everything already). */
  outsideCompartment?: boolean;
}

export type TotalMode = 'none' | 'estimate' | 'accurate';

export interface SearchRequest {
  /**
   * The type searched; '' for a system-level search, where `types` lists the types (_type) and an
   * empty list means every type.
   */
  resourceType: string;
  types: string[];
  /**
   * `types` is a default the server chose ($everything's compartment types), not the client's
   * `_type`: the types the caller may not search are left out of it rather than refused.
   */
  defaultTypes?: boolean;
  /** Compartment search (`Patient/123/Observation`) or $everything. */
  compartment?: { type: string; id: string };
  filters: Filter[];
  sort: SortRule[];
  count: number;
  /** Unset: a total only when it costs nothing (one page holds every match). */
  total?: TotalMode;
  summary?: 'true' | 'count' | 'data' | 'text' | 'false';
  elements?: string[];
  include: IncludeRule[];
  /** Limits on included resources; absent: none (the server's own searches). */
  includeAccess?: IncludeAccess;
  /** Opaque keyset cursor from a next/previous link. */
  cursor?: string;
  /** The answer gives a sync point (Bundle.meta.lastUpdated, search/sync-point.ts): $everything, or a search on _lastUpdated. */
  sync?: boolean;
  /** The first page's sync point, carried by the links of the pages after it (`_horizon`). */
  syncPoint?: Date;
  /** Parameters left out, with the reason (shown in an OperationOutcome of the searchset). */
  ignored: { name: string; reason: string }[];
  /** The query parameters actually applied, for the self link. */
  applied: [string, string][];
}

export const DEFAULT_COUNT = 20;
export const MAX_COUNT = 1000;
/** Values in one parameter (ORed); _id lists may be longer (one array parameter, see parse.ts). */
export const MAX_VALUES = 1000;
export const MAX_ID_VALUES = 10_000;
/** Search parameters in one request. */
export const MAX_FILTERS = 64;
/** Keys in _sort, and _include/_revinclude rules, in one request. */
export const MAX_SORT_KEYS = 8;
export const MAX_INCLUDE_RULES = 16;
/** Bound values in one statement, well below PostgreSQL's limit of 65,535. */
export const MAX_BOUND_VALUES = 20_000;
/** Links followed by one chained parameter or nested _has. */
export const MAX_CHAIN_DEPTH = 3;
