import type { TypedValue } from '@medplum/core';
import { codeSystemOf, type R4Definitions } from '../definitions';
import { parseReference } from '../references';
import { dateRange, MAX_INSTANT, MIN_INSTANT } from '../search/dates';
import { exactText, normalizeString } from '../search/normalize';
import { CANONICAL_SUFFIX, canonicalQuantity } from './ucum';
import { clip, type IndexRows } from './tables';

/**
 * One extractor per parameter type: a FHIRPath result value → rows of that type's index table,
 * under the given `param` key (a parameter code, or a synthetic key such as a composite's).
 */

/** Context the extractors need: the station's zone for dates, our base URL for absolute references. */
export interface ValueContext {
  timeZone: string;
  baseUrl: string;
}

/** Word-start suffixes indexed per string value, so `thu` finds "Nguyễn Thị Thư" written as text. */
const MAX_WORD_SUFFIXES = 8;

/**
 * Where the words of a folded value start, after the first: after a space, and after a hyphen or
 * an apostrophe inside a word — the Ê Đê and Jarai names of the Central Highlands are written
 * "H'Hen Niê", "Y-Moan Ênuôl", and `hen` or `moan` must find them as `thu` finds "Thị Thư".
 */
function wordStarts(folded: string): number[] {
  const starts: number[] = [];
  for (let i = 1; i < folded.length && starts.length < MAX_WORD_SUFFIXES; i++) {
    if (WORD_BREAKS.has(folded[i - 1]) && !WORD_BREAKS.has(folded[i])) starts.push(i);
  }
  return starts;
}

const WORD_BREAKS = new Set([' ', '-', "'", '\u2019']);

/** The texts a string parameter indexes for one value (HumanName and Address give several). */
export function stringsOf(tv: TypedValue): string[] {
  const v = tv.value as any;
  if (typeof v === 'string') return [v];
  if (!v || typeof v !== 'object') return [];
  if (tv.type === 'HumanName' || v.family !== undefined || v.given !== undefined) {
    const given: string[] = v.given ?? [];
    const parts = [v.text, v.family, ...given, ...(v.prefix ?? []), ...(v.suffix ?? [])];
    // Vietnamese names are written family first ("Nguyễn Thị Thư"); index both orders.
    if (v.family && given.length) parts.push(`${v.family} ${given.join(' ')}`, `${given.join(' ')} ${v.family}`);
    return parts.filter((p): p is string => typeof p === 'string' && p.length > 0);
  }
  if (tv.type === 'Address' || v.line !== undefined || v.city !== undefined) {
    const parts = [v.text, ...(v.line ?? []), v.city, v.district, v.state, v.postalCode, v.country];
    return parts.filter((p): p is string => typeof p === 'string' && p.length > 0);
  }
  return [];
}

/** The text a string parameter sorts by: family then given names, an address's text or lines. */
export function sortTextOf(tv: TypedValue): string | undefined {
  const v = tv.value as any;
  if (typeof v === 'string') return v;
  if (!v || typeof v !== 'object') return undefined;
  if (v.family !== undefined || v.given !== undefined) return [v.family, ...(v.given ?? [])].filter(Boolean).join(' ') || v.text;
  return v.text ?? [...(v.line ?? []), v.city, v.district, v.state].filter(Boolean).join(' ');
}

export function addStrings(rows: IndexRows, param: string, tv: TypedValue): void {
  const seen = new Set<string>();
  const suffixes: string[] = [];
  for (const text of stringsOf(tv)) {
    // NFC, as `:exact` queries bind theirs (search/normalize.ts canonicalText).
    const exact = exactText(text);
    const folded = normalizeString(text);
    const value = clip(folded);
    if (value && !seen.has(`${value}\u0000${exact}`)) {
      seen.add(`${value}\u0000${exact}`).add(value);
      rows.string.push({ param, value, exact });
    }
    for (const start of wordStarts(folded)) suffixes.push(clip(folded.slice(start)));
  }
  // A suffix row only serves prefix search (`:exact` compares whole values), so it carries no exact text.
  for (const value of suffixes) {
    if (seen.has(value)) continue;
    seen.add(value);
    rows.string.push({ param, value, exact: '' });
  }
}

/**
 * Tokens of a value reached through an element bound (required) to `codeBinding`: a bare `code`
 * there has the system of its binding (R4 3.1.0.4.2), which the value does not carry.
 */
export function addBoundTokens(rows: IndexRows, param: string, tv: TypedValue, defs: R4Definitions, codeBinding: string | undefined): void {
  addTokens(rows, param, tv, codeBinding && typeof tv.value === 'string' ? codeSystemOf(defs, codeBinding, tv.value) : undefined);
}

const exactTextOrNull = (text: string | null | undefined): string | null => (text === undefined || text === null ? null : exactText(text));

/** `implicitSystem`: a bound `code`'s system, which the value does not carry (addBoundTokens). */
export function addTokens(rows: IndexRows, param: string, tv: TypedValue, implicitSystem?: string): void {
  const v = tv.value as any;
  // Systems and codes in NFC, as queries bind theirs (search/normalize.ts canonicalText).
  const push = (system: string | null | undefined, code: unknown, text?: string | null): void => {
    const c = code === undefined || code === null ? null : exactText(String(code));
    rows.token.push({ param, system: exactTextOrNull(system), code: c, text: text ? clip(normalizeString(text)) : null });
  };
  if (v === null || v === undefined) return;
  if (typeof v !== 'object') {
    push(implicitSystem, v);
    return;
  }
  switch (tv.type) {
    case 'CodeableConcept': {
      const first = rows.token.length;
      for (const c of v.coding ?? []) push(c.system, c.code, c.display);
      // The text gets a row of its own only when no coding's display says the same: `:text` reads
      // either alike, and most concepts repeat their coding's display as their text.
      const text = v.text ? clip(normalizeString(v.text)) : '';
      if (text && !rows.token.slice(first).some((t) => t.text === text)) push(null, null, v.text);
      return;
    }
    case 'Identifier':
      push(v.system, v.value, v.type?.text);
      // :of-type matches the identifier's type coding together with its value.
      for (const c of v.type?.coding ?? []) {
        rows.token.push({ param: `${param}:of-type`, system: exactTextOrNull(c.system), code: exactText(`${c.code}|${v.value ?? ''}`), text: null });
      }
      return;
    case 'ContactPoint':
      push(v.system, v.value);
      return;
    case 'Quantity':
      push(v.system, v.code ?? v.unit);
      return;
    default:
      if (Array.isArray(v.coding)) for (const c of v.coding) push(c.system, c.code, c.display);
      else if (v.code !== undefined || v.system !== undefined) push(v.system, v.code, v.display);
      else if (v.value !== undefined) push(v.system, v.value);
  }
}

export function addDates(rows: IndexRows, param: string, tv: TypedValue, zone: string): void {
  const v = tv.value as any;
  // ISO text, as the rows are sent (tables.ts): JSON.stringify calling each Date's toJSON cost
  // about three times a toISOString here.
  const push = (lo: number, hi: number): void => {
    rows.date.push({ param, lo: new Date(lo).toISOString(), hi: new Date(hi).toISOString() });
  };
  if (typeof v === 'string') {
    const r = dateRange(v, zone);
    if (r) push(r.lo, r.hi);
  } else if (v && (v.start !== undefined || v.end !== undefined)) {
    // A Period is the range from the start of its start to the end of its end; open ends are unbounded.
    const start = v.start ? dateRange(v.start, zone) : undefined;
    const end = v.end ? dateRange(v.end, zone) : undefined;
    push(start?.lo ?? MIN_INSTANT, end?.hi ?? MAX_INSTANT);
  } else if (v && (Array.isArray(v.event) || v.repeat?.boundsPeriod)) {
    for (const e of v.event ?? []) {
      const r = dateRange(e, zone);
      if (r) push(r.lo, r.hi);
    }
    if (v.repeat?.boundsPeriod) addDates(rows, param, { type: 'Period', value: v.repeat.boundsPeriod }, zone);
  }
}

export function addNumber(rows: IndexRows, param: string, tv: TypedValue): void {
  const v = tv.value as any;
  const n = typeof v === 'number' ? v : v?.value;
  if (typeof n === 'number' && Number.isFinite(n)) rows.number.push({ param, value: n });
}

export function addQuantity(rows: IndexRows, param: string, tv: TypedValue): void {
  const v = tv.value as any;
  if (typeof v === 'number') {
    if (Number.isFinite(v)) rows.quantity.push({ param, value: v, system: null, code: null, unit: null });
    return;
  }
  if (typeof v?.value !== 'number' || !Number.isFinite(v.value)) return;
  const system = clip(v.system ?? null);
  const code = clip(v.code ?? v.currency ?? null);
  rows.quantity.push({ param, value: v.value, system, code, unit: clip(v.unit ?? null) });
  // A UCUM quantity is also kept in its canonical unit, under its own key, so 5000 mg matches a
  // search for 5 g while a search without a unit still compares the values as written.
  const canonical = canonicalQuantity(v.value, system, code);
  if (canonical) rows.quantity.push({ param: `${param}${CANONICAL_SUFFIX}`, value: canonical.value, system, code: canonical.code, unit: null });
}

/** With `referenceRows` false, only the `:identifier` token (the rows are another parameter's). */
export function addReference(rows: IndexRows, param: string, tv: TypedValue, baseUrl: string, resolveIs?: string, referenceRows = true): void {
  const v = tv.value as any;
  if (typeof v === 'string') {
    // canonical or uri used as a reference
    if (!resolveIs && referenceRows) rows.reference.push({ param, targetType: null, targetId: null, url: clip(v) });
    return;
  }
  if (!v || typeof v !== 'object') return;
  const ref = typeof v.reference === 'string' ? parseReference(v.reference, baseUrl) : undefined;
  if (typeof v.reference === 'string') {
    if (resolveIs && ref?.type !== resolveIs) return;
    if (referenceRows) rows.reference.push({ param, targetType: ref?.type ?? null, targetId: ref?.id ?? null, url: ref ? null : clip(v.reference) });
  }
  // A narrowed reference's identifier (`patient:identifier`) is that type's when the reference says
  // so, by `type` or by a literal reference to one (`Patient/1` with the CCCD number beside it).
  if (v.identifier && (!resolveIs || (v.type ?? ref?.type) === resolveIs)) {
    const { system, value } = v.identifier;
    rows.token.push({ param: `${param}:identifier`, system: exactTextOrNull(system), code: exactTextOrNull(value), text: null });
  }
}

export function addUri(rows: IndexRows, param: string, tv: TypedValue): void {
  const v = tv.value;
  if (typeof v === 'string') rows.uri.push({ param, value: clip(v) });
}
