import { evalFhirPathTyped, toTypedValue, type TypedValue } from '@medplum/core';
import type { Resource, SearchParameter } from '@medplum/fhirtypes';
import type { R4Definitions } from '../definitions';
import { normalizeString } from '../search/normalize';
import { storesCompartmentRows } from './compartment';
import { addComposite } from './composite';
import { compiledExpression, type CompiledMember } from './expressions';
import { storedParams, storedRows } from './stored-params';
import { clip, emptyRows, type IndexRows } from './tables';
import { addPosition, isPositionParam } from './position';
import { packReferenceList } from './reference-lists';
import { packRowSet } from './row-sets';
import { addBoundTokens, addDates, addNumber, addQuantity, addReference, addStrings, addUri, sortTextOf, type ValueContext } from './values';

export { emptyRows, type IndexRows } from './tables';

/**
 * Turns a resource into the rows of the search index tables (docs/search.md), run on every write
 * in the write's own transaction. Values come from each SearchParameter's FHIRPath expression,
 * evaluated with @medplum/core on the members that apply to the resource's type — or, for a member
 * that is a plain path, by walking the JSON (paths.ts), which gives the same values for less CPU.
 */

/** Context the extractors need: definitions, the station's zone for dates, our base URL. */
export interface ExtractContext extends ValueContext {
  defs: R4Definitions;
  /**
   * Evaluate every member with the FHIRPath engine, never the plain-path walk: the reference
   * test/fhir/index-paths.test.ts holds the walk to.
   */
  fhirPathOnly?: boolean;
}

/**
 * Parameters served from the resource table (_id, _lastUpdated) or not indexed at all (no
 * expression, or full-text/special parameters the engine does not serve).
 */
const SKIPPED = new Set(['_id', '_lastUpdated', '_text', '_content', '_list', '_has', '_query', '_filter', '_type']);

/** Extracts every index row for `resource`. */
export function extractIndexRows(resource: Resource, ctx: ExtractContext): IndexRows {
  const rows = emptyRows();
  const params = ctx.defs.searchParams.get(resource.resourceType);
  if (!params) return rows;
  const input = [toTypedValue(resource)];
  // Parameters whose rows another parameter holds (stored-params.ts): a narrowed reference keeps
  // only its identifier tokens; a string identical to another, or a union of others, nothing.
  const elsewhere = storedParams(ctx.defs).get(resource.resourceType);
  for (const sp of params.values()) {
    const code = sp.code!;
    // Of the special parameters, only the proximity one (Location.near) has values to index.
    if (SKIPPED.has(code) || !sp.expression || (sp.type === 'special' && !isPositionParam(sp))) continue;
    if (sp.type !== 'reference' && elsewhere?.has(code)) continue;
    if (sp.type === 'composite') {
      addComposite(sp, resource.resourceType, input, ctx, (type, key, tv) => addValue(rows, type, key, tv, ctx));
      continue;
    }
    let sortText: string | undefined;
    for (const member of compiledExpression(sp, resource.resourceType)) {
      for (const tv of evaluate(member, input, ctx.fhirPathOnly)) {
        if (sp.type === 'reference') addReference(rows, code, tv, ctx.baseUrl, member.resolveIs, !elsewhere?.has(code));
        else addValue(rows, sp.type!, code, tv, ctx, member.path?.codeBinding);
        if (sp.type === 'string' && sortText === undefined) sortText = sortTextOf(tv);
      }
    }
    // One sort key per string parameter: the first value, family name first (docs/search.md).
    if (sortText) rows.string.push({ param: `${code}:sort`, value: clip(normalizeString(sortText)), exact: '' });
  }
  rows.token = withoutRepeats(rows.token);
  addCompartments(rows, resource, ctx.defs);
  packRowSet(resource.resourceType, rows);
  packReferenceList(resource.resourceType, rows);
  return rows;
}

/**
 * Token rows once each: a value listed twice (the same identifier in two entries) searches as once,
 * and the rule that no two Patients share a personal ID (an exclusion constraint on these rows,
 * migration 1768000000000) must not see a Patient clash with itself.
 */
function withoutRepeats(tokens: IndexRows['token']): IndexRows['token'] {
  const seen = new Set<string>();
  return tokens.filter((t) => {
    const key = `${t.param}\u0000${t.system ?? '\u0001'}\u0000${t.code ?? '\u0001'}\u0000${t.text ?? '\u0001'}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * One parameter's rows for `resource`, as extracted on a write but unpacked and wherever they are
 * stored: what a resource is matched against in memory (search/match.ts).
 */
export function parameterRows(resource: Resource, sp: SearchParameter, ctx: ExtractContext): IndexRows {
  const rows = emptyRows();
  const input = [toTypedValue(resource)];
  for (const member of compiledExpression(sp, resource.resourceType)) {
    for (const tv of evaluate(member, input, ctx.fhirPathOnly)) addValue(rows, sp.type!, sp.code!, tv, ctx, member.path?.codeBinding);
  }
  return rows;
}

/** A member's values: its plain-path walk when it has one and the walk can answer, else FHIRPath. */
function evaluate(member: CompiledMember, input: TypedValue[], fhirPathOnly?: boolean): TypedValue[] {
  const walked = fhirPathOnly ? undefined : member.path?.evaluate(input);
  if (walked) return walked;
  try {
    return evalFhirPathTyped(member.atom, input);
  } catch {
    return []; // An expression the FHIRPath engine cannot run on this resource indexes nothing.
  }
}

/** `codeBinding`: the ValueSet the member's `code` element is bound to, whose system a code takes. */
function addValue(rows: IndexRows, type: string, param: string, tv: TypedValue, ctx: ExtractContext, codeBinding?: string): void {
  if (tv.value === undefined || tv.value === null) return;
  switch (type) {
    case 'string':
      return addStrings(rows, param, tv);
    case 'token':
      return addBoundTokens(rows, param, tv, ctx.defs, codeBinding);
    case 'date':
      return addDates(rows, param, tv, ctx.timeZone);
    case 'number':
      return addNumber(rows, param, tv);
    case 'quantity':
      return addQuantity(rows, param, tv);
    case 'reference':
      return addReference(rows, param, tv, ctx.baseUrl);
    case 'uri':
      return addUri(rows, param, tv);
    case 'special':
      return addPosition(rows, param, tv);
  }
}

/**
 * Patient compartment membership, from the R4 CompartmentDefinition (and a Patient is in its own).
 * The access log's is its reference rows, read where they are (compartment.ts).
 */
function addCompartments(rows: IndexRows, resource: Resource, defs: R4Definitions): void {
  if (!storesCompartmentRows(resource.resourceType)) return;
  const seen = new Set<string>();
  const add = (id: string): void => {
    if (seen.has(id)) return;
    seen.add(id);
    rows.compartment.push({ compartmentType: 'Patient', compartmentId: id });
  };
  if (resource.resourceType === 'Patient' && resource.id) add(resource.id);
  const params = defs.patientCompartment.get(resource.resourceType);
  if (!params) return;
  // The rows the compartment's parameters are stored as (a narrowed `patient` is its `subject`'s).
  const stored = new Set(
    params
      .map((code) => storedRows(defs, resource.resourceType, code))
      .filter((r) => (r.targetType ?? 'Patient') === 'Patient')
      .flatMap((r) => r.params),
  );
  for (const ref of rows.reference) {
    if (ref.targetType === 'Patient' && ref.targetId && stored.has(ref.param)) add(ref.targetId);
  }
}
