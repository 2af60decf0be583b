import type { ValueSet, ValueSetComposeInclude, ValueSetExpansionContains } from '@medplum/fhirtypes';
import type { ValueSetCodes } from '../definitions';
import { badRequest } from '../outcomes';
import { exactText } from './normalize';
import type { Filter, ValueFilter } from './request';
import { or, type SqlParams } from './sql';
import { unescapeValue } from './values';

/**
 * Token `:in` / `:not-in` (R4 search.html#modifiers): the codes of a ValueSet the server can list
 * by itself — one of the definitions it ships (the R4 base, fhir-profiles/) or one stored here (the
 * station's own, e.g. its chronic-disease list of ICD-10 codes). A ValueSet that needs a
 * terminology server (filters, imported value sets) is refused with a 400 rather than answered
 * from part of its codes.
 */

/** Codes of one system: listed, or the whole system less `except`. */
export interface SystemCodes {
  system: string;
  /** Undefined: every code of the system. */
  codes?: string[];
  /** With the whole system: codes left out (a compose's `exclude`). */
  except?: string[];
}

export type Expansion = SystemCodes[];

/** ValueSets named in one `:in` parameter (each costs a lookup). */
export const MAX_VALUE_SETS = 20;
/** Codes in one expansion (each a bound array element). */
export const MAX_EXPANSION_CODES = 100_000;

/** The codes of an enumerable definition ValueSet (definitions.ts). */
export function fromDefinitions(codes: ValueSetCodes): Expansion {
  return [...codes].map(([system, set]) => ({ system, codes: [...set] }));
}

/**
 * The codes a stored ValueSet stands for: its expansion when it carries one, else its compose of
 * whole systems and listed concepts less its excluded concepts.
 */
export function expandStored(vs: ValueSet, name: string): Expansion {
  if (vs.expansion?.contains?.length) return fromContains(vs.expansion.contains);
  const bySystem = new Map<string, SystemCodes>();
  for (const inc of vs.compose?.include ?? []) {
    const system = composable(inc, name);
    const entry = bySystem.get(system);
    if (!inc.concept?.length) bySystem.set(system, { system });
    else if (!entry) bySystem.set(system, { system, codes: inc.concept.map((c) => c.code) });
    else entry.codes?.push(...inc.concept.map((c) => c.code));
  }
  for (const exc of vs.compose?.exclude ?? []) {
    const system = composable(exc, name);
    const entry = bySystem.get(system);
    if (!entry) continue;
    if (!exc.concept?.length) bySystem.delete(system);
    else {
      const excluded = new Set(exc.concept.map((c) => c.code));
      if (entry.codes) entry.codes = entry.codes.filter((c) => !excluded.has(c));
      else entry.except = [...(entry.except ?? []), ...excluded];
    }
  }
  return [...bySystem.values()];
}

/** The system of an include/exclude we can apply without a terminology server. */
function composable(part: ValueSetComposeInclude, name: string): string {
  if (part.filter?.length || part.valueSet?.length || !part.system) {
    throw badRequest(
      `Không mở rộng được ValueSet ${name} (cần máy chủ thuật ngữ: bộ lọc hoặc ValueSet lồng)`,
      `ValueSet ${name} cannot be expanded here: it uses ${part.filter?.length ? 'a filter' : part.valueSet?.length ? 'other value sets' : 'codes without a system'}, which needs a terminology server`,
    );
  }
  return part.system;
}

function fromContains(contains: ValueSetExpansionContains[]): Expansion {
  const bySystem = new Map<string, string[]>();
  const walk = (items: ValueSetExpansionContains[]): void => {
    for (const c of items) {
      // Abstract entries only group others: no resource is coded with them.
      if (c.system && c.code && !c.abstract) {
        const codes = bySystem.get(c.system);
        if (codes) codes.push(c.code);
        else bySystem.set(c.system, [c.code]);
      }
      if (c.contains) walk(c.contains);
    }
  };
  walk(contains);
  return [...bySystem].map(([system, codes]) => ({ system, codes }));
}

/** Several expansions ORed (a comma-separated `:in`): their union. */
function unionOf(expansions: Expansion[]): Expansion {
  const all = expansions.flat();
  const size = all.reduce((n, s) => n + (s.codes?.length ?? 0) + (s.except?.length ?? 0), 0);
  if (size > MAX_EXPANSION_CODES) {
    throw badRequest(`ValueSet quá lớn (hơn ${MAX_EXPANSION_CODES} mã)`, `The value sets list more than ${MAX_EXPANSION_CODES} codes`);
  }
  return all;
}

/**
 * Looks up the ValueSets of every `:in`/`:not-in` filter, chained and `_has` ones included, and
 * stores their union on the filter, before the plan is built (the planner does no I/O).
 */
export async function expandValueSetFilters(filters: Filter[], expand: (reference: string) => Promise<Expansion>): Promise<void> {
  for (const f of filters) {
    if (f.kind === 'chain') await expandValueSetFilters(f.targets.flatMap((t) => [t.filter, ...(t.bounds?.filters ?? [])]), expand);
    else if (f.kind === 'has') await expandValueSetFilters([f.filter, ...(f.bounds?.filters ?? [])], expand);
    else if (isValueSetFilter(f)) {
      const expansions: Expansion[] = [];
      for (const v of f.values) expansions.push(await expand(unescapeValue(v)));
      f.expansion = unionOf(expansions);
    }
  }
}

function isValueSetFilter(f: Filter): f is ValueFilter {
  return f.kind === 'value' && f.param.type === 'token' && (f.modifier === 'in' || f.modifier === 'not-in');
}

/** Index rows (alias i) coded with a code of the expansion (in NFC, as the index keeps codes); an empty one matches nothing. */
export function expansionCondition(expansion: Expansion, p: SqlParams): string {
  if (!expansion.length) return 'false';
  return or(
    expansion.map((s) => {
      const system = `i.system = ${p.add(exactText(s.system))}`;
      if (s.codes) return `(${system} AND i.code = ANY(${p.add(s.codes.map(exactText))}::text[]))`;
      if (s.except?.length) return `(${system} AND NOT i.code = ANY(${p.add(s.except.map(exactText))}::text[]))`;
      return system;
    }),
  );
}
