import { evalFhirPathTyped, toTypedValue, type TypedValue } from '@medplum/core';
import type { Resource, SearchParameter } from '@medplum/fhirtypes';
import type { R4Definitions } from '../definitions';
import { dateRange } from '../search/dates';
import { normalizeString } from '../search/normalize';
import { parseReference } from '../references';

/**
 * Turns a resource into the rows of the search index tables, one extractor per parameter type.
 * Values come from each SearchParameter's FHIRPath expression, evaluated with @medplum/core.
 */

export interface IndexRows {
  string: { param: string; value: string; exact: string }[];
  token: { param: string; system: string | null; code: string | null; text: string | null }[];
  date: { param: string; lo: Date; hi: Date }[];
  number: { param: string; value: number }[];
  quantity: { param: string; value: number; system: string | null; code: string | null; unit: string | null }[];
  reference: { param: string; targetType: string | null; targetId: string | null; url: string | null }[];
  uri: { param: string; value: string }[];
  compartment: { compartmentType: string; compartmentId: string }[];
}

export function emptyRows(): IndexRows {
  return { string: [], token: [], date: [], number: [], quantity: [], reference: [], uri: [], compartment: [] };
}

/** Context the extractors need: the station's zone for dates, our base URL for absolute references. */
export interface ExtractContext {
  defs: R4Definitions;
  timeZone: string;
  baseUrl: string;
}

// Resource-level parameters are served from the resource table itself (_id, _lastUpdated) or not indexed.
const SKIPPED = new Set(['_id', '_lastUpdated', '_text', '_content', '_list', '_has', '_query', '_filter']);

/** Extracts every index row for `resource`. */
export function extractIndexRows(resource: Resource, ctx: ExtractContext): IndexRows {
  const rows = emptyRows();
  const params = ctx.defs.searchParams.get(resource.resourceType);
  if (!params) return rows;
  const input = [toTypedValue(resource)];
  for (const sp of params.values()) {
    if (SKIPPED.has(sp.code!) || !sp.expression || sp.type === 'composite' || sp.type === 'special') continue;
    let values: TypedValue[];
    try {
      values = evalFhirPathTyped(sp.expression, input);
    } catch {
      continue; // An expression the FHIRPath engine cannot run on this resource indexes nothing.
    }
    for (const tv of values) addValue(rows, sp, tv, ctx);
  }
  addCompartments(rows, resource, ctx);
  return rows;
}

function addValue(rows: IndexRows, sp: SearchParameter, tv: TypedValue, ctx: ExtractContext): void {
  const param = sp.code!;
  const v = tv.value as any;
  if (v === undefined || v === null) return;
  switch (sp.type) {
    case 'string':
      for (const text of stringsOf(tv)) {
        const value = normalizeString(text);
        if (value) rows.string.push({ param, value, exact: text });
      }
      break;
    case 'token':
      addTokens(rows, param, tv);
      break;
    case 'date':
      addDates(rows, param, tv, ctx.timeZone);
      break;
    case 'number':
      if (typeof v === 'number') rows.number.push({ param, value: v });
      else if (typeof v?.value === 'number') rows.number.push({ param, value: v.value });
      break;
    case 'quantity':
      if (typeof v?.value === 'number') {
        rows.quantity.push({ param, value: v.value, system: v.system ?? null, code: v.code ?? v.currency ?? null, unit: v.unit ?? null });
      } else if (typeof v === 'number') rows.quantity.push({ param, value: v, system: null, code: null, unit: null });
      break;
    case 'reference':
      addReference(rows, param, tv, ctx.baseUrl);
      break;
    case 'uri':
      if (typeof v === 'string') rows.uri.push({ param, value: v });
      break;
  }
}

/** The searchable strings of a value: HumanName and Address index each part and the whole. */
function stringsOf(tv: TypedValue): string[] {
  const v = tv.value as any;
  if (typeof v === 'string') return [v];
  if (tv.type === 'HumanName' || (v && (v.family !== undefined || v.given !== undefined))) {
    const given: string[] = v.given ?? [];
    const parts = [v.text, v.family, ...given, ...(v.prefix ?? []), ...(v.suffix ?? [])];
    // Vietnamese names are written family first ("Nguyễn Thị Thư"); index both orders.
    if (v.family && given.length) parts.push(`${v.family} ${given.join(' ')}`, `${given.join(' ')} ${v.family}`);
    return parts.filter((p): p is string => typeof p === 'string' && p.length > 0);
  }
  if (tv.type === 'Address' || (v && (v.line !== undefined || v.city !== undefined))) {
    const parts = [v.text, ...(v.line ?? []), v.city, v.district, v.state, v.postalCode, v.country];
    return parts.filter((p): p is string => typeof p === 'string' && p.length > 0);
  }
  return [];
}

function addTokens(rows: IndexRows, param: string, tv: TypedValue): void {
  const v = tv.value as any;
  const push = (system: string | null, code: string | null, text: string | null): void => {
    rows.token.push({ param, system, code, text: text ? normalizeString(text) : null });
  };
  if (typeof v === 'string' || typeof v === 'boolean' || typeof v === 'number') {
    push(null, String(v), null);
  } else if (tv.type === 'CodeableConcept' || Array.isArray(v.coding)) {
    for (const c of v.coding ?? []) push(c.system ?? null, c.code ?? null, c.display ?? null);
    if (v.text) push(null, null, v.text);
  } else if (tv.type === 'Identifier' || (v.value !== undefined && v.system !== undefined) || v.type?.coding) {
    push(v.system ?? null, v.value ?? null, v.type?.text ?? null);
    // :of-type searches match the identifier type's coding together with the value.
    for (const c of v.type?.coding ?? []) rows.token.push({ param: `${param}:of-type`, system: c.system ?? null, code: `${c.code}|${v.value ?? ''}`, text: null });
  } else if (tv.type === 'ContactPoint') {
    push(v.system ?? null, v.value ?? null, null);
  } else if (v.code !== undefined || v.system !== undefined) {
    push(v.system ?? null, v.code ?? null, v.display ?? null);
  } else if (v.value !== undefined) {
    push(v.system ?? null, String(v.value), null);
  }
}

function addDates(rows: IndexRows, param: string, tv: TypedValue, zone: string): void {
  const v = tv.value as any;
  const push = (lo: number, hi: number): void => {
    rows.date.push({ param, lo: new Date(lo), hi: new Date(hi) });
  };
  if (typeof v === 'string') {
    const r = dateRange(v, zone);
    if (r) push(r.lo, r.hi);
  } else if (v && (v.start !== undefined || v.end !== undefined)) {
    const start = v.start ? dateRange(v.start, zone) : undefined;
    const end = v.end ? dateRange(v.end, zone) : undefined;
    push(start?.lo ?? MIN_INSTANT, end?.hi ?? MAX_INSTANT);
  } else if (v && Array.isArray(v.event)) {
    for (const e of v.event) {
      const r = dateRange(e, zone);
      if (r) push(r.lo, r.hi);
    }
  }
}

/** Bounds for open-ended periods, inside PostgreSQL's timestamptz range. */
const MIN_INSTANT = Date.UTC(1, 0, 1);
const MAX_INSTANT = Date.UTC(9999, 11, 31);

function addReference(rows: IndexRows, param: string, tv: TypedValue, baseUrl: string): void {
  const v = tv.value as any;
  if (typeof v === 'string') {
    // canonical or uri used as a reference
    rows.reference.push({ param, targetType: null, targetId: null, url: v });
    return;
  }
  if (v.reference) {
    const ref = parseReference(v.reference, baseUrl);
    rows.reference.push({ param, targetType: ref?.type ?? null, targetId: ref?.id ?? null, url: ref ? null : v.reference });
  }
  if (v.identifier) {
    rows.token.push({ param: `${param}:identifier`, system: v.identifier.system ?? null, code: v.identifier.value ?? null, text: null });
  }
}

/** Patient compartment membership, from the R4 CompartmentDefinition (and a Patient is in its own). */
function addCompartments(rows: IndexRows, resource: Resource, ctx: ExtractContext): void {
  const seen = new Set<string>();
  const add = (id: string): void => {
    if (seen.has(id)) return;
    seen.add(id);
    rows.compartment.push({ compartmentType: 'Patient', compartmentId: id });
  };
  if (resource.resourceType === 'Patient' && resource.id) add(resource.id);
  const params = ctx.defs.patientCompartment.get(resource.resourceType);
  if (!params) return;
  for (const ref of rows.reference) {
    if (ref.targetType === 'Patient' && ref.targetId && params.includes(ref.param)) add(ref.targetId);
  }
}
