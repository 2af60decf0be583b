import type { CapabilityStatement, CapabilityStatementRestResource } from '@medplum/fhirtypes';
import type { R4Definitions } from '../definitions';

type TypeInteraction = NonNullable<CapabilityStatementRestResource['interaction']>[number]['code'];

/** What the router serves, as data the CapabilityStatement is generated from. */
export interface ServedCapabilities {
  typeInteractions: TypeInteraction[];
  /** Types nobody writes through the API (the server writes them itself): read interactions only. */
  readOnlyTypes: ReadonlySet<string>;
  systemInteractions: ('transaction' | 'batch' | 'search-system' | 'history-system')[];
  typeOperations: { name: string; definition: string }[];
  /** Search parameters the engine can evaluate (its parse step accepts them). */
  isSearchable: (type: string, code: string) => boolean;
}

const READ_INTERACTIONS = new Set<string>(['read', 'vread', 'history-instance', 'history-type', 'search-type']);

/** GET /metadata: generated from the definitions and the router's table, never hand-written. */
export function capabilityStatement(defs: R4Definitions, served: ServedCapabilities, baseUrl: string, version: string): CapabilityStatement {
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
    searchParam: [...(defs.searchParams.get(type)?.values() ?? [])]
      .filter((sp) => served.isSearchable(type, sp.code!))
      .map((sp) => ({ name: sp.code!, definition: sp.url, type: sp.type! })),
    operation: served.typeOperations,
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
      },
    ],
  };
}
