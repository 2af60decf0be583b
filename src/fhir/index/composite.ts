import { evalFhirPathTyped, type TypedValue } from '@medplum/core';
import type { SearchParameter } from '@medplum/fhirtypes';
import type { R4Definitions } from '../definitions';
import { compileMembers, compiledExpression, type CompiledMember } from './expressions';
import { compilePlainPath, type PlainPath } from './paths';
import { emptyRows } from './tables';
import { addBoundTokens } from './values';

/**
 * Composite parameters (`code-value-quantity=http://loinc.org|8480-6$gt140`) without a table of
 * their own: the first component, always a token in the parameters we serve, is folded into the
 * row's `param` key, and the second component is stored in its own type's table under that key:
 *
 *   Observation code 8480-6 (LOINC), value 142 mm[Hg]  →  idx_quantity rows
 *     param 'code-value-quantity$8480-6'                   value 142 …
 *     param 'code-value-quantity$http://loinc.org|8480-6'  value 142 …
 *
 * A search is then one indexed equality on param plus the second component's usual condition,
 * and the pair always comes from the same element (the same component of a blood pressure).
 * Composites of three components (MolecularSequence) or with a non-token first part are not served.
 */

export interface CompositeParts {
  first: SearchParameter;
  second: SearchParameter;
  firstMembers: CompiledMember[];
  secondMembers: CompiledMember[];
}

const SECOND_TYPES = new Set(['token', 'quantity', 'number', 'date', 'string', 'uri', 'reference']);

/**
 * Composites whose R4 definition names its components' parameters the wrong way round: R4's
 * DocumentReference `relationship` gives its first component (expression `code`, the relation)
 * the definition of `relatesto` (a reference) and its second (`target`) that of `relation`.
 * The expressions are in the order a search writes them (`replaces$DocumentReference/1`).
 */
const SWAPPED_DEFINITIONS = new Set(['http://hl7.org/fhir/SearchParameter/DocumentReference-relationship']);
const byUrlCache = new WeakMap<R4Definitions, Map<string, SearchParameter>>();
const partsCache = new WeakMap<SearchParameter, CompositeParts | null>();

function paramsByUrl(defs: R4Definitions): Map<string, SearchParameter> {
  let map = byUrlCache.get(defs);
  if (!map) {
    map = new Map();
    for (const params of defs.searchParams.values()) for (const sp of params.values()) if (sp.url) map.set(sp.url, sp);
    byUrlCache.set(defs, map);
  }
  return map;
}

/** The two components of a composite we can serve, or undefined. */
export function compositeParts(sp: SearchParameter, defs: R4Definitions): CompositeParts | undefined {
  let parts = partsCache.get(sp);
  if (parts === undefined) {
    parts = null;
    const components = sp.component ?? [];
    if (sp.type === 'composite' && components.length === 2) {
      const [firstUrl, secondUrl] = components.map((c) => c.definition);
      const swapped = SWAPPED_DEFINITIONS.has(sp.url ?? '');
      const first = paramsByUrl(defs).get(swapped ? secondUrl : firstUrl);
      const second = paramsByUrl(defs).get(swapped ? firstUrl : secondUrl);
      if (first?.type === 'token' && second?.type && SECOND_TYPES.has(second.type)) {
        // Component expressions are relative to the composite's element: no type to filter on.
        parts = { first, second, firstMembers: compileMembers(components[0].expression, ''), secondMembers: compileMembers(components[1].expression, '') };
      }
    }
    partsCache.set(sp, parts);
  }
  return parts ?? undefined;
}

/** The `param` keys a token value of the first component is stored under. */
export function compositeKeys(code: string, system: string | null, tokenCode: string): string[] {
  return [`${code}$${tokenCode}`, `${code}$${system ?? ''}|${tokenCode}`];
}

/**
 * Component expressions are relative to the composite's element (`code` of an Observation or of
 * one of its components), so their plain paths are compiled per element type, when first met.
 */
const componentPaths = new WeakMap<CompiledMember, Map<string, PlainPath | undefined>>();

function componentPath(member: CompiledMember, elementType: string): PlainPath | undefined {
  let byType = componentPaths.get(member);
  if (!byType) componentPaths.set(member, (byType = new Map()));
  if (!byType.has(elementType)) byType.set(elementType, compilePlainPath(member.atom, elementType));
  return byType.get(elementType);
}

/** The values of `member` on one element: its plain path's walk when it can answer, else FHIRPath. */
function evalOne(member: CompiledMember, path: PlainPath | undefined, element: TypedValue, fhirPathOnly?: boolean): TypedValue[] {
  return (fhirPathOnly ? undefined : path?.evaluate([element])) ?? evalFhirPathTyped(member.atom, [element]);
}

/** Adds the rows of composite `sp`; `addValue` stores a second-component value under a key. */
export function addComposite(
  sp: SearchParameter,
  resourceType: string,
  input: TypedValue[],
  ctx: { defs: R4Definitions; fhirPathOnly?: boolean },
  addValue: (type: string, key: string, value: TypedValue) => void,
): void {
  const parts = compositeParts(sp, ctx.defs);
  if (!parts) return;
  for (const member of compiledExpression(sp, resourceType)) {
    const elements = (ctx.fhirPathOnly ? undefined : member.path?.evaluate(input)) ?? evalFhirPathTyped(member.atom, input);
    for (const element of elements) {
      const tokens = emptyRows();
      for (const m of parts.firstMembers) {
        const path = componentPath(m, element.type);
        // A bound `code` (DocumentReference's relation) has its binding's system, as in its own parameter.
        for (const tv of evalOne(m, path, element, ctx.fhirPathOnly)) addBoundTokens(tokens, '', tv, ctx.defs, path?.codeBinding);
      }
      const keys = tokens.token.filter((t) => t.code !== null).flatMap((t) => compositeKeys(sp.code!, t.system, t.code!));
      if (!keys.length) continue;
      const values = parts.secondMembers.flatMap((m) => evalOne(m, componentPath(m, element.type), element, ctx.fhirPathOnly));
      for (const key of new Set(keys)) for (const tv of values) addValue(parts.second.type!, key, tv);
    }
  }
}
