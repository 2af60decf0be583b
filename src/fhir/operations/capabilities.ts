import type { CapabilityStatement, CapabilityStatementRestResource } from '@medplum/fhirtypes';
import type { R4Definitions } from '../definitions';

type TypeInteraction = NonNullable<CapabilityStatementRestResource['interaction']>[number]['code'];

/** What the router serves, as data the CapabilityStatement is generated from. */
export interface ServedCapabilities {
  typeInteractions: TypeInteraction[];
  /** Types nobody writes through the API (the server writes them itself): read interactions only. */
  readOnlyTypes: ReadonlySet<string>;
  systemInteractions: ('transaction' | 'batch' | 'search-system' | 'history-system')[];
  /** Operations, on one type or (without `type`) on every type. */
  operations: { type?: string; name: string; definition: string }[];
  /** Search parameters the engine can evaluate (its parse step accepts them); type '' for a system-level search. */
  isSearchable: (type: string, code: string) => boolean;
}

type SearchParamEntry = NonNullable<CapabilityStatementRestResource['searchParam']>[number];

/**
 * Parameters of every resource that R4 describes (search.html#all) but ships no SearchParameter
 * for, so the definitions cannot list them: `_list` (R4B's registry: Resource-list, a string).
 */
const ENGINE_PARAMS: readonly SearchParamEntry[] = [{ name: '_list', type: 'string' }];

/** The parameters `type` (or, with '', a system-level search) is served with: the definitions' and the engine's own. */
function servedParams(defs: R4Definitions, served: ServedCapabilities, type: string): SearchParamEntry[] {
  // A system-level search serves those of Patient's that every resource has (search/parse-filter.ts).
  const defined = [...(defs.searchParams.get(type || 'Patient')?.values() ?? [])];
  return [
    ...defined.filter((sp) => served.isSearchable(type, sp.code!)).map((sp) => ({ name: sp.code!, definition: sp.url, type: sp.type! })),
    ...ENGINE_PARAMS.filter((sp) => served.isSearchable(type, sp.name)),
  ];
}

const READ_INTERACTIONS = new Set<string>(['read', 'vread', 'history-instance', 'history-type', 'search-type']);

/** `Type:param` of every reference parameter, by the type that has it and by the types it points to. */
function includeTargets(defs: R4Definitions): { include: Map<string, string[]>; revinclude: Map<string, string[]> } {
  const include = new Map<string, string[]>();
  const revinclude = new Map<string, string[]>();
  const add = (map: Map<string, string[]>, type: string, value: string): void => {
    map.set(type, [...(map.get(type) ?? []), value]);
  };
  for (const [type, params] of defs.searchParams) {
    for (const sp of params.values()) {
      if (sp.type !== 'reference') continue;
      add(include, type, `${type}:${sp.code}`);
      for (const target of sp.target ?? []) add(revinclude, target, `${type}:${sp.code}`);
    }
  }
  return { include, revinclude };
}

/** GET /metadata: generated from the definitions and the router's table, never hand-written. */
export function capabilityStatement(defs: R4Definitions, served: ServedCapabilities, baseUrl: string, version: string): CapabilityStatement {
  const { include, revinclude } = includeTargets(defs);
  const resource: CapabilityStatementRestResource[] = [...defs.resourceTypes].sort().map((type) => ({
    type: type as CapabilityStatementRestResource['type'],
    profile: `http://hl7.org/fhir/StructureDefinition/${type}`,
    interaction: served.typeInteractions.filter((code) => !served.readOnlyTypes.has(type) || READ_INTERACTIONS.has(code)).map((code) => ({ code })),
    versioning: 'versioned-update',
    readHistory: true,
    updateCreate: true,
    conditionalCreate: true,
    conditionalRead: 'full-support',
    conditionalUpdate: true,
    conditionalDelete: 'single',
    searchParam: servedParams(defs, served, type),
    searchInclude: include.get(type) ?? [],
    searchRevInclude: revinclude.get(type) ?? [],
    operation: served.operations.filter((op) => !op.type || op.type === type).map(({ name, definition }) => ({ name, definition })),
  }));
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: new Date().toISOString(),
    kind: 'instance',
    publisher: 'commune-ehr',
    software: { name: 'commune-ehr', version },
    implementation: { description: 'Hồ sơ sức khỏe điện tử của trạm y tế xã / Commune health station EHR', url: baseUrl },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'application/json'],
    patchFormat: ['application/json-patch+json'],
    rest: [
      {
        mode: 'server',
        resource,
        interaction: served.systemInteractions.map((code) => ({ code })),
        searchParam: servedParams(defs, served, ''),
      },
    ],
  };
}
