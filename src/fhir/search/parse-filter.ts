import type { SearchParameter } from '@medplum/fhirtypes';
import type { R4Definitions } from '../definitions';
import { compositeParts } from '../index/composite';
import { isPositionParam } from '../index/position';
import { hierarchyOf, storedRows, storedRowsAcross } from '../index/stored-params';
import { badRequest, echoed } from '../outcomes';
import { isFunctionalList } from './functional-lists';
import { MAX_NEAR_POINTS, parseNear } from './params/near';
import { MAX_CHAIN_DEPTH, MAX_ID_VALUES, MAX_VALUES, type Filter, type Hierarchy } from './request';
import { splitValues } from './values';
import { MAX_VALUE_SETS } from './value-sets';

/**
 * One query parameter (key and value) → a Filter over the resources of `types`, or the reason it
 * cannot be served (the caller reports it). Malformed syntax the client must fix throws a 400.
 *
 *   code[:modifier]                          ordinary parameter
 *   ref[:Type].code[:modifier]               chained (recursively, MAX_CHAIN_DEPTH links)
 *   _has:Type:ref:code[:modifier]            reverse chained (nestable)
 *   _list=id                                 in that List: _has:List:present-item:_id=id
 *   near=lat|long|distance|unit              a position within the distance (Location.near)
 */
export type ParsedFilter = { filter: Filter } | { ignored: string };

/** Modifiers each parameter type serves (a resource type is also accepted on references). */
const MODIFIERS: Record<string, ReadonlySet<string>> = {
  string: new Set(['exact', 'contains', 'missing']),
  token: new Set(['not', 'text', 'missing', 'of-type', 'in', 'not-in', 'below', 'above']),
  reference: new Set(['identifier', 'missing', 'above', 'below']),
  date: new Set(['missing']),
  number: new Set(['missing']),
  quantity: new Set(['missing']),
  uri: new Set(['below', 'above', 'missing']),
  composite: new Set([]),
};

/** The parameter `code` as it applies to every type in `types` (all types when empty). */
export function resolveParam(types: readonly string[], code: string, defs: R4Definitions): SearchParameter | undefined {
  if (types.length === 1) return defs.searchParams.get(types[0])?.get(code);
  if (types.length === 0) {
    // System-level search without _type: only the parameters every resource has (_tag, _profile…).
    const sp = defs.searchParams.get('Patient')?.get(code);
    return (sp?.base as string[] | undefined)?.some((b) => b === 'Resource' || b === 'DomainResource') ? sp : undefined;
  }
  const found = types.map((t) => defs.searchParams.get(t)?.get(code));
  const first = found[0];
  return first && found.every((sp) => sp?.type === first.type) ? first : undefined;
}

export function parseFilter(types: readonly string[], key: string, value: string, defs: R4Definitions, depth = 0): ParsedFilter {
  if (depth > MAX_CHAIN_DEPTH) {
    throw badRequest(`Chuỗi tham số quá sâu (tối đa ${MAX_CHAIN_DEPTH})`, `Chained parameters are nested too deeply (at most ${MAX_CHAIN_DEPTH} links)`);
  }
  if (key.startsWith('_has:')) return parseHas(types, key, value, defs, depth);
  const dot = key.indexOf('.');
  if (dot >= 0) return parseChain(types, key.slice(0, dot), key.slice(dot + 1), value, defs, depth);
  const [code, modifier] = splitKey(key);
  if (code === '_id') return idFilter(modifier, value);
  if (code === '_list') return listFilter(types, key, modifier, value, defs, depth);
  if (code === '_lastUpdated') return simple({ kind: 'lastUpdated', modifier: checkModifier(key, modifier, ['missing']) as 'missing' | undefined, values: values(key, modifier, value) });
  const param = resolveParam(types, code, defs);
  if (!param) return { ignored: 'unknown parameter' };
  if (isPositionParam(param)) return nearFilter(key, code, modifier, value);
  if (code === '_text' || code === '_content') return { ignored: 'full-text search is not served' };
  if (param.type === 'special' || !param.expression) return { ignored: `no expression to search by (${param.type} parameter)` };
  if (param.type === 'composite') return compositeFilter(key, param, modifier, value, defs, types);
  if (modifier !== undefined && !MODIFIERS[param.type!]?.has(modifier)) {
    const isTargetType = param.type === 'reference' && defs.resourceTypes.has(modifier);
    if (!isTargetType) throw unsupportedModifier(key, modifier, param.type!);
  }
  // Where the rows are (a parameter stored under another, index/stored-params.ts); `:missing` reads
  // the same rows.
  const rows = storedRowsAcross(defs, types, code);
  const hierarchies = param.type === 'reference' && (modifier === 'above' || modifier === 'below') ? hierarchiesOf(key, param, defs) : undefined;
  const max = modifier === 'in' || modifier === 'not-in' ? MAX_VALUE_SETS : MAX_VALUES;
  return simple({ kind: 'value', code, param, modifier, values: values(key, modifier, value, max), rows, hierarchies });
}

/** `location:below=Location/1`: the hierarchies of the reference's target types (none: a 400). */
function hierarchiesOf(key: string, param: SearchParameter, defs: R4Definitions): Hierarchy[] {
  const found = ((param.target ?? []) as string[]).flatMap((type) => {
    const rows = hierarchyOf(defs, type);
    return rows ? [{ type, rows }] : [];
  });
  if (!found.length) throw badRequest(`${echoed(key)}: tham số này không trỏ tới một cây (partOf)`, `${echoed(key)}: this parameter does not refer to a hierarchy (partOf)`);
  return found;
}

const simple = (filter: Filter): ParsedFilter => ({ filter });

function splitKey(key: string): [string, string | undefined] {
  const i = key.indexOf(':');
  return i < 0 ? [key, undefined] : [key.slice(0, i), key.slice(i + 1)];
}

function values(key: string, modifier: string | undefined, value: string, max = MAX_VALUES): string[] {
  if (modifier === 'missing') {
    if (value !== 'true' && value !== 'false') throw badRequest(`${echoed(key)} cần true hoặc false`, `${echoed(key)} takes true or false`);
    return [value];
  }
  const list = splitValues(value);
  if (list.length > max) throw badRequest(`Quá nhiều giá trị cho ${echoed(key)} (tối đa ${max})`, `Too many values for ${echoed(key)} (at most ${max})`);
  if (!list.length) throw badRequest(`Thiếu giá trị cho ${echoed(key)}`, `No value for ${echoed(key)}`);
  return list;
}

function checkModifier(key: string, modifier: string | undefined, allowed: string[]): string | undefined {
  if (modifier !== undefined && !allowed.includes(modifier)) throw unsupportedModifier(key, modifier, 'special');
  return modifier;
}

function unsupportedModifier(key: string, modifier: string, type: string): Error {
  return badRequest(`Không hỗ trợ bổ ngữ :${echoed(modifier)} (${echoed(key)})`, `Modifier :${echoed(modifier)} is not supported on ${type} parameter ${echoed(key)}`);
}

function idFilter(modifier: string | undefined, value: string): ParsedFilter {
  const m = checkModifier('_id', modifier, ['missing', 'not']) as 'missing' | 'not' | undefined;
  return simple({ kind: 'id', modifier: m, values: values('_id', m, value, MAX_ID_VALUES) });
}

/** `subject:Patient.name=x`: the inner key is parsed in each target type that knows it. */
function parseChain(types: readonly string[], head: string, rest: string, value: string, defs: R4Definitions, depth: number): ParsedFilter {
  const [code, typeModifier] = splitKey(head);
  const param = resolveParam(types, code, defs);
  if (!param) return { ignored: 'unknown parameter' };
  if (param.type !== 'reference') throw badRequest(`${echoed(code)} không phải tham số tham chiếu nên không nối chuỗi được`, `${echoed(code)} is not a reference parameter and cannot be chained`);
  if (typeModifier !== undefined && !defs.resourceTypes.has(typeModifier)) throw badRequest(`Loại không hợp lệ: ${echoed(typeModifier)}`, `Unknown resource type ${echoed(typeModifier)}`);
  const possible = typeModifier ? [typeModifier] : (param.target ?? []).filter((t) => defs.resourceTypes.has(t));
  // An untyped link is read on each target type, and one whose next link is not a reference is not
  // a way the chain goes (Provenance?target.location.name: BodyStructure's `location` is a token);
  // only when no type goes on is the chain refused, with the 400 that says why.
  const onward = possible.filter((type) => chainsOn(type, rest, defs));
  const candidates = onward.length ? onward : possible;
  const targets: { type: string; filter: Filter }[] = [];
  let reason = 'unknown chained parameter';
  for (const type of candidates) {
    const inner = parseFilter([type], rest, value, defs, depth + 1);
    if ('filter' in inner) targets.push({ type, filter: inner.filter });
    else reason = inner.ignored;
  }
  return targets.length ? simple({ kind: 'chain', code, targets, typed: typeModifier !== undefined, rows: storedRowsAcross(defs, types, code) }) : { ignored: reason };
}

/** Whether `rest` can be read on `type` as far as its next link: that link, if any, is a reference parameter of `type`. */
function chainsOn(type: string, rest: string, defs: R4Definitions): boolean {
  const dot = rest.indexOf('.');
  if (rest.startsWith('_has:') || dot < 0) return true;
  return defs.searchParams.get(type)?.get(splitKey(rest.slice(0, dot))[0])?.type === 'reference';
}

/** `_has:Observation:patient:code=x` (the rest may itself be `_has:…`). */
function parseHas(types: readonly string[], key: string, value: string, defs: R4Definitions, depth: number): ParsedFilter {
  const parts = key.split(':');
  if (parts.length < 4) throw badRequest(`_has cần dạng _has:Loại:tham-chiếu:tham-số`, `_has takes _has:Type:reference:parameter`);
  const [, sourceType, referenceParam] = parts;
  if (!defs.resourceTypes.has(sourceType)) throw badRequest(`Loại không hợp lệ trong _has: ${echoed(sourceType)}`, `Unknown resource type in _has: ${echoed(sourceType)}`);
  const ref = defs.searchParams.get(sourceType)?.get(referenceParam);
  if (ref?.type !== 'reference') return { ignored: `${sourceType} has no reference parameter ${referenceParam}` };
  if (types.length === 1 && ref.target?.length && !(ref.target as string[]).includes(types[0])) {
    return { ignored: `${sourceType}.${referenceParam} never refers to ${types[0]}` };
  }
  const inner = parseFilter([sourceType], parts.slice(3).join(':'), value, defs, depth + 1);
  if (!('filter' in inner)) return inner;
  return simple({ kind: 'has', sourceType, referenceParam, rows: [storedRows(defs, sourceType, referenceParam)], filter: inner.filter });
}

/**
 * `_list=42`: the resources List/42 names in an entry not marked deleted (R4 search.html#list).
 * That is `_has:List:present-item:_id=42`, through the List's own index rows: `present-item` is
 * ours (fhir-profiles/search, which every engine loads), as R4's `item` also names the entries a
 * "changes" list marks deleted. The functional lists (`$current-allergies`…) are the searched type's
 * own filters (functional-lists.ts, applied by parse.ts); inside a chain or `_has` they are reported, not served.
 */
function listFilter(types: readonly string[], key: string, modifier: string | undefined, value: string, defs: R4Definitions, depth: number): ParsedFilter {
  if (modifier !== undefined) throw unsupportedModifier(key, modifier, 'list');
  if (isFunctionalList(value)) return { ignored: 'functional lists ($current-allergies…) are served on the searched type only' };
  return parseHas(types, '_has:List:present-item:_id', value, defs, depth);
}

/** `near=19.8|105.77|5|km,19.9|105.8` (params/near.ts): any of the points. */
function nearFilter(key: string, code: string, modifier: string | undefined, value: string): ParsedFilter {
  if (modifier !== undefined) throw unsupportedModifier(key, modifier, 'special');
  return simple({ kind: 'near', code, points: values(key, modifier, value, MAX_NEAR_POINTS).map((v) => parseNear(key, v)) });
}

/** `code-value-quantity=http://loinc.org|8480-6$gt140,8462-4$lt90` (values split when planned). */
function compositeFilter(key: string, param: SearchParameter, modifier: string | undefined, value: string, defs: R4Definitions, types: readonly string[]): ParsedFilter {
  const parts = compositeParts(param, defs);
  if (!parts) return { ignored: 'this composite parameter is not supported' };
  if (modifier !== undefined) throw unsupportedModifier(key, modifier, 'composite');
  const rows = storedRowsAcross(defs, types, param.code!);
  return simple({ kind: 'composite', code: param.code!, valueType: parts.second.type!, values: values(key, modifier, value), rows });
}
