import { inPatientCompartment, mayMeetAccessLog } from '../index/compartment';
import { referenceListKeys, referenceRowsOf } from '../index/reference-lists';
import type { StoredRows } from '../index/stored-params';
import { CANONICAL_SUFFIX } from '../index/ucum';
import { badRequest, echoed } from '../outcomes';
import { exactText } from './normalize';
import { subsumptionCondition } from './params/code-hierarchy';
import { dateCondition } from './params/date';
import { nearCondition } from './params/near';
import { numberCondition, quantityCondition } from './params/number';
import { hierarchyCondition, referenceCondition, referenceTargets } from './params/reference';
import { stringCondition } from './params/string';
import { ofTypeCondition, tokenTextCondition, tokenValuesCondition } from './params/token';
import { uriCondition } from './params/uri';
import type { AccessBounds, ChainFilter, Filter, HasFilter, ValueFilter } from './request';
import { splitEscaped, splitToken } from './values';
import { expansionCondition, type Expansion } from './value-sets';
import { candidateHasRow, hasIndexRow, listedTypes, noIndexRow, noOwnRows } from './owned-rows';
import { keyedBy, memberOf, storedRowsWhere, or, TABLE_OF, type PlanContext, type Scope, type SqlParams } from './sql';

/**
 * Filter → SQL condition on the resources of a scope. Each condition is a membership test
 * against an index table (`r.id IN (SELECT resource_id FROM idx_… WHERE station, type, param, …)`),
 * so the planner can drive from the narrow index; negations are anti-joins. Where a type keeps its
 * rows is owned-rows.ts's concern (hasIndexRow, noIndexRow: row sets).
 */
export function filterCondition(scope: Scope, f: Filter, ctx: PlanContext, p: SqlParams): string {
  switch (f.kind) {
    case 'id':
      if (f.modifier === 'missing') return f.values[0] === 'true' ? 'false' : 'true';
      return `${f.modifier === 'not' ? 'NOT ' : ''}${scope.alias}.id = ANY(${p.add(f.values)}::text[])`;
    case 'lastUpdated':
      if (f.modifier === 'missing') return f.values[0] === 'true' ? 'false' : 'true';
      return or(f.values.map((v) => dateCondition(v, `${scope.alias}.last_updated`, `${scope.alias}.last_updated`, ctx, p, true)));
    case 'value':
      return valueFilter(scope, f, ctx, p);
    case 'composite':
    case 'near': {
      const sel = positiveSelection(scope, f, ctx, p)!;
      return hasIndexRow(scope, sel.table, sel.where, sel.listKeys);
    }
    case 'chain':
      return chainFilter(scope, f, ctx, p);
    case 'has':
      return hasFilter(scope, f, ctx, p);
  }
}

/** A positive filter checked on each candidate, never where the plan starts (search/driving.ts). */
export function candidateCheck(scope: Scope, f: Filter, ctx: PlanContext, p: SqlParams): string {
  const sel = positiveSelection(scope, f, ctx, p);
  if (!sel) throw new Error(`${f.kind} filter cannot be checked per candidate`);
  return candidateHasRow(scope, sel.table, sel.where, sel.listKeys);
}

function valueFilter(scope: Scope, f: ValueFilter, ctx: PlanContext, p: SqlParams): string {
  const table = TABLE_OF[f.param.type!];
  if (f.modifier === 'missing' && f.values[0] === 'true') return noIndexRow(scope, table, paramRows(f, p));
  if (f.param.type === 'token' && f.modifier === 'not') {
    // :not also matches resources without the element at all (R4 search.html#modifiers).
    return noIndexRow(scope, table, [...paramRows(f, p), tokenValuesCondition(f.values, p)]);
  }
  if (f.param.type === 'token' && f.modifier === 'not-in') {
    // As :not: a resource with no code at all is not in the value set either.
    return noIndexRow(scope, table, [...paramRows(f, p), expansionCondition(expansionOf(f), p)]);
  }
  const sel = positiveSelection(scope, f, ctx, p)!;
  return hasIndexRow(scope, sel.table, sel.where, sel.listKeys);
}

/** Index rows (alias i) that make a resource match, for filters that are not negations. */
export interface IndexSelection {
  table: string;
  where: string[];
  /** For the types that keep their references as lists: the keys of the rows selected (a `text[]` expression), when known. */
  listKeys?: string;
}

/**
 * The index rows behind a positive filter (an ordinary parameter, a composite or near): what
 * `r.id IN (…)` selects, and what a single-filter count can count directly (total.ts).
 * Undefined for negations, chains, _has, _id and _lastUpdated.
 */
export function positiveSelection(scope: Scope, f: Filter, ctx: PlanContext, p: SqlParams): IndexSelection | undefined {
  if (!selectsRows(f)) return undefined;
  const rows = (table: string, ...conditions: string[]): IndexSelection => ({ table, where: [`i.station_id = ${scope.station}`, ...conditions] });
  if (f.kind === 'composite') return rows(TABLE_OF[f.valueType], or(f.values.map((raw) => compositeAlternative(f.code, f.rows, f.valueType, raw, ctx, p))));
  if (f.kind === 'near') return rows('idx_number', or(f.points.map((point) => nearCondition(f.code, point, p))));
  if (f.kind !== 'value') return undefined;
  const type = f.param.type!;
  if (f.modifier === 'missing') return rows(TABLE_OF[type], ...paramRows(f, p));
  if (type === 'token' && f.modifier === 'in') return rows('idx_token', ...paramRows(f, p), expansionCondition(expansionOf(f), p));
  if (type === 'token' && f.modifier === 'of-type') {
    return rows('idx_token', ...storedRowsWhere(keyedBy(f.rows, (code) => `${code}:of-type`), p), or(f.values.map((v) => ofTypeCondition(v, p))));
  }
  if (type === 'reference' && f.modifier === 'identifier') {
    return rows('idx_token', `i.param = ${p.add(`${f.code}:identifier`)}`, tokenValuesCondition(f.values, p));
  }
  if (type === 'quantity') return rows(TABLE_OF[type], or(f.values.map((v) => quantityAlternative(f.rows, v, p))));
  if (f.hierarchies) {
    const direction = f.modifier as 'above' | 'below';
    return rows(TABLE_OF[type], ...paramRows(f, p), hierarchyCondition(f.hierarchies, direction, f.values, ctx, p));
  }
  if (type !== 'reference') return rows(TABLE_OF[type], ...paramRows(f, p), valuesCondition(type, f, ctx, p));
  // Where every type of the scope keeps its references as lists, the keys are all it asks (and
  // the rows' condition is left unwritten: its parameters would be unused).
  const listKeys = referenceListKeysOf(scope, f, ctx, p);
  if (listKeys && noOwnRows(scope, 'idx_reference')) return { ...rows(TABLE_OF[type]), listKeys };
  return { ...rows(TABLE_OF[type], ...paramRows(f, p), valuesCondition(type, f, ctx, p)), listKeys };
}

/** Whether positiveSelection answers `f` — a filter met by rows it has, not a negation — told before anything is bound. */
export function selectsRows(f: Filter): boolean {
  if (f.kind === 'composite' || f.kind === 'near') return true;
  if (f.kind !== 'value') return false;
  if (f.modifier === 'missing') return f.values[0] !== 'true';
  return !(f.param.type === 'token' && (f.modifier === 'not' || f.modifier === 'not-in'));
}

/** The list keys (index/reference-lists.ts) of a reference filter's values, for the scope's types that keep lists; undefined when a value's cannot be told. */
function referenceListKeysOf(scope: Scope, f: ValueFilter, ctx: PlanContext, p: SqlParams): string | undefined {
  const types = listedTypes(scope, 'idx_reference');
  if (!types.length) return undefined;
  const targets: string[] = [];
  for (const value of f.values) {
    const named = referenceTargets(f.param.target, f.modifier, value, ctx);
    if (!named) return undefined;
    targets.push(...named);
  }
  return `${p.add(referenceListKeys(types, f.code, f.rows, targets))}::text[]`;
}

function expansionOf(f: ValueFilter): Expansion {
  if (!f.expansion) throw new Error(`:${f.modifier} filter on ${f.code} planned before its value sets were looked up`);
  return f.expansion;
}

/** The index rows of a value filter's parameter (one stored under another reads its holder's, index/stored-params.ts). */
function paramRows(f: ValueFilter, p: SqlParams): string[] {
  return storedRowsWhere(f.rows, p);
}

/** One value of a quantity parameter, under the plain or the canonical-unit key. */
function quantityAlternative(groups: readonly StoredRows[], value: string, p: SqlParams): string {
  const q = quantityCondition(value, p);
  const keys = q.canonical ? keyedBy(groups, (code) => code + CANONICAL_SUFFIX) : groups;
  return `(${[...storedRowsWhere(keys, p), q.sql].join(' AND ')})`;
}

function valuesCondition(type: string, f: ValueFilter, ctx: PlanContext, p: SqlParams): string {
  if (type === 'token' && f.modifier === undefined) return tokenValuesCondition(f.values, p);
  return or(f.values.map((v) => valueCondition(type, f.modifier, f.param.target, v, ctx, p)));
}

/** The condition on one index row (alias i) for one value of a parameter of `type`. */
function valueCondition(
  type: string,
  modifier: string | undefined,
  targets: readonly string[] | undefined,
  value: string,
  ctx: PlanContext,
  p: SqlParams,
): string {
  switch (type) {
    case 'string':
      return stringCondition(value, modifier, p);
    case 'token':
      if (modifier === 'text') return tokenTextCondition(value, p);
      if (modifier === 'below' || modifier === 'above') return subsumptionCondition(value, modifier, p);
      return tokenValuesCondition([value], p);
    case 'date':
      return dateCondition(value, 'i.lo', 'i.hi', ctx, p);
    case 'number':
      return numberCondition(value, p);
    case 'reference':
      return referenceCondition(targets, modifier, value, ctx, p);
    case 'uri':
      return uriCondition(value, modifier, p);
  }
  throw badRequest(`Không hỗ trợ kiểu tham số ${echoed(type)}`, `Unsupported parameter type ${echoed(type)}`);
}

/** `token$value` of a composite: its folded first-component key (index/composite.ts), then the second component's condition. */
function compositeAlternative(code: string, groups: readonly StoredRows[], valueType: string, raw: string, ctx: PlanContext, p: SqlParams): string {
  const pieces = splitEscaped(raw, '$');
  if (pieces.length !== 2 || !pieces[1]) throw badRequest(`${code} cần dạng mã$giá-trị: ${echoed(raw)}`, `${code} takes token$value: ${echoed(raw)}`);
  const [rawSystem, rawToken] = splitToken(pieces[0]);
  if (!rawToken) throw badRequest(`${code}: thiếu mã trước $`, `${code}: a code is needed before $`);
  // The key holds the first component's system and code as the index keeps them: NFC, clipped (addTokens).
  const [system, token] = [rawSystem === undefined ? undefined : exactText(rawSystem), exactText(rawToken)];
  const keyed = keyedBy(groups, (held) => (system === undefined ? `${held}$${token}` : `${held}$${system}|${token}`));
  if (valueType === 'quantity') return quantityAlternative(keyed, pieces[1], p);
  return `(${[...storedRowsWhere(keyed, p), valueCondition(valueType, undefined, undefined, pieces[1], ctx, p)].join(' AND ')})`;
}

/** A nested scope over one type, for the target of a chain or the source of a _has. */
function innerScope(scope: Scope, type: string, typePlaceholder: string): Scope {
  return { alias: `r${scope.depth + 1}`, station: scope.station, type: typePlaceholder, typeNames: [type], depth: scope.depth + 1 };
}

/**
 * Ids of the resources of `type` that match `filter`, as a subquery; within `bounds`, the limits a
 * search of that type would have for the caller, so a chain or _has tells nothing of what the
 * caller could not find directly.
 */
function matchingIds(scope: Scope, type: string, filter: Filter, bounds: AccessBounds | undefined, ctx: PlanContext, p: SqlParams): string {
  const inner = innerScope(scope, type, p.add(type));
  const a = inner.alias;
  const conds = [filter, ...(bounds?.filters ?? [])].map((f) => filterCondition(inner, f, ctx, p));
  if (bounds?.patient !== undefined) {
    conds.push(inPatientCompartment({ station: inner.station, type: inner.type!, id: `${a}.id`, patient: p.add(bounds.patient) }, mayMeetAccessLog([type])));
  }
  return `SELECT ${a}.id FROM resource ${a} WHERE ${a}.station_id = ${inner.station} AND ${a}.resource_type = ${inner.type} AND NOT ${a}.deleted AND ${conds.join(' AND ')}`;
}

/** `subject:Patient.name=x`: a reference of ours points at a matching target. */
function chainFilter(scope: Scope, f: ChainFilter, ctx: PlanContext, p: SqlParams): string {
  const listKeys = chainListKeys(scope, f, ctx, p);
  const station = `i.station_id = ${scope.station}`;
  if (listKeys && noOwnRows(scope, 'idx_reference')) return hasIndexRow(scope, 'idx_reference', [station], listKeys);
  const targets = f.targets.map((t) => `(i.target_type = ${p.add(t.type)} AND i.target_id IN (${matchingIds(scope, t.type, t.filter, t.bounds, ctx, p)}))`);
  return hasIndexRow(scope, 'idx_reference', [station, ...storedRowsWhere(f.rows, p), or(targets)], listKeys);
}

/** A chain's list keys (index/reference-lists.ts): each key's `param|Type/` before the id of each matching target. */
function chainListKeys(scope: Scope, f: ChainFilter, ctx: PlanContext, p: SqlParams): string | undefined {
  const types = listedTypes(scope, 'idx_reference');
  if (!types.length) return undefined;
  const keys = f.targets.map((t) => {
    const prefixes = referenceListKeys(types, f.code, f.rows, [`${t.type}/`]);
    return `SELECT k || m.id FROM unnest(${p.add(prefixes)}::text[]) AS k, (${matchingIds(scope, t.type, t.filter, t.bounds, ctx, p)}) AS m(id)`;
  });
  return `ARRAY(${keys.join(' UNION ALL ')})`;
}

/** `_has:Observation:patient:code=x`: a matching Observation refers to us through `patient`. */
function hasFilter(scope: Scope, f: HasFilter, ctx: PlanContext, p: SqlParams): string {
  const where = [
    `i.station_id = ${scope.station}`,
    `i.resource_type = ${p.add(f.sourceType)}`,
    ...storedRowsWhere(f.rows, p),
    `i.resource_id IN (${matchingIds(scope, f.sourceType, f.filter, f.bounds, ctx, p)})`,
  ];
  // Read from the matching sources: their list as rows when they keep one.
  return memberOf(scope, `${referenceRowsOf([f.sourceType])} i`, 'i.target_type', 'i.target_id', where);
}
