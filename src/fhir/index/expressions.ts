import { parseFhirPath, type FhirPathAtom } from '@medplum/core';
import type { SearchParameter } from '@medplum/fhirtypes';
import { compileExistsNotFalse, compilePlainPath, type PlainPath } from './paths';

/**
 * The R4 SearchParameters share one expression across many types
 * ("AllergyIntolerance.patient | CarePlan.subject.where(resolve() is Patient) | …"), and the
 * resource-level ones start with `Resource.` (`Resource.meta.tag`), which evaluates to nothing on
 * an Observation. For each (type, parameter) we keep only the union members that apply to the
 * type, rewrite `Resource.`/`DomainResource.` to the type, and parse once: extraction then
 * evaluates a handful of small expressions instead of thirty-odd per parameter.
 */

/** Splits on top-level `|`, outside parentheses, brackets and quotes. */
export function splitUnion(expression: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < expression.length; i++) {
    const ch = expression[i];
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = undefined;
    } else if (ch === "'" || ch === '"' || ch === '`') quote = ch;
    else if (ch === '(' || ch === '[') depth++;
    else if (ch === ')' || ch === ']') depth--;
    else if (ch === '|' && depth === 0) {
      parts.push(expression.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(expression.slice(start).trim());
  return parts.filter(Boolean);
}

const LEADING_TYPE = /^(\(*\s*)([A-Z][A-Za-z]*)(?=\.|\s|\)|$)/;
const RESOLVE_IS = /\.where\(resolve\(\) is ([A-Za-z]+)\)$/;

/** One member of a union, parsed, with the target type a `.where(resolve() is X)` asked for. */
export interface CompiledMember {
  atom: FhirPathAtom;
  /**
   * `x.where(resolve() is Patient)` becomes `x` plus this filter, applied to the parsed reference:
   * the FHIRPath engine's resolve() misreads absolute URLs, and a string test is cheaper anyway.
   */
  resolveIs?: string;
  /** The JSON walk that gives the same values as `atom`, when the member is a plain path or a test of one (paths.ts). */
  path?: PlainPath;
}

/**
 * The members of `expression` that apply to `resourceType`, rewritten to start with it.
 * `.as(T)` becomes `.ofType(T)`: the FHIRPath engine treats the function form as a no-op, which
 * would index a Quantity under a CodeableConcept parameter.
 */
export function membersFor(expression: string, resourceType: string): { text: string; resolveIs?: string }[] {
  const kept: { text: string; resolveIs?: string }[] = [];
  for (const part of splitUnion(expression)) {
    const m = LEADING_TYPE.exec(part);
    let text: string | undefined;
    if (!m) text = part; // starts with a function or variable: applies to every type
    else if (m[2] === resourceType) text = part;
    else if (m[2] === 'Resource' || m[2] === 'DomainResource') text = m[1] + resourceType + part.slice(m[0].length);
    if (text === undefined) continue;
    text = text.replace(/\.as\(/g, '.ofType(');
    const resolve = RESOLVE_IS.exec(text);
    kept.push(resolve ? { text: text.slice(0, resolve.index), resolveIs: resolve[1] } : { text });
  }
  return kept;
}

const compiled = new WeakMap<SearchParameter, Map<string, CompiledMember[]>>();

/** The parsed expression members of `sp` for `resourceType` (empty when it has none for that type). */
export function compiledExpression(sp: SearchParameter, resourceType: string): CompiledMember[] {
  let byType = compiled.get(sp);
  if (!byType) {
    byType = new Map();
    compiled.set(sp, byType);
  }
  let members = byType.get(resourceType);
  if (!members) {
    members = sp.expression ? compileMembers(sp.expression, resourceType) : [];
    byType.set(resourceType, members);
  }
  return members;
}

/**
 * Parses members for any context (composite components use relative expressions, with no type:
 * their plain paths are compiled per element type in composite.ts).
 */
export function compileMembers(expression: string, resourceType: string): CompiledMember[] {
  const out: CompiledMember[] = [];
  for (const member of membersFor(expression, resourceType)) {
    let atom: FhirPathAtom;
    try {
      atom = parseFhirPath(member.text);
    } catch {
      continue; // An expression our FHIRPath engine cannot parse indexes nothing (docs/search.md lists them).
    }
    out.push({ atom, resolveIs: member.resolveIs, path: resourceType ? (compilePlainPath(atom, resourceType) ?? compileExistsNotFalse(atom, resourceType)) : undefined });
  }
  return out;
}
