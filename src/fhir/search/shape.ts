import { tryGetDataType, type InternalTypeSchema } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import type { SearchRequest } from './request';

/**
 * _summary and _elements applied to one resource. What is left out is marked with the SUBSETTED
 * tag; mandatory elements always stay (R4 search.html#elements), as do resourceType, id and meta.
 */

/** The values of `_summary` (`count` is for searches only). */
export const SUMMARY_VALUES: ReadonlySet<string> = new Set(['true', 'count', 'data', 'text', 'false']);

/** The element names of an `_elements` value (`name, birthDate` → `['name', 'birthDate']`). */
export const elementList = (value: string): string[] =>
  value
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);

const SUBSETTED = { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED' };
const ALWAYS = new Set(['resourceType', 'id', 'meta']);

/**
 * The element a JSON key holds: `_birthDate` → `birthDate`, `valueQuantity` → `value` (the choice
 * element `value[x]`). Only a choice element has typed names: `statusHistory` is an element of its
 * own, not `status` (Encounter, whose `status` is mandatory and so always kept, kept it too).
 */
function elementOf(key: string, schema: InternalTypeSchema | undefined): string {
  const bare = key.startsWith('_') ? key.slice(1) : key;
  if (!schema || schema.elements[bare]) return bare;
  for (let i = bare.length - 1; i > 0; i--) {
    const ch = bare[i];
    if (ch >= 'A' && ch <= 'Z' && schema.elements[bare.slice(0, i) + '[x]']) return bare.slice(0, i);
  }
  return bare;
}

function keeper(resource: Resource, req: Pick<SearchRequest, 'summary' | 'elements'>): ((key: string) => boolean) | undefined {
  const schema = tryGetDataType(resource.resourceType);
  const mandatory = schema?.mandatoryProperties ?? new Set<string>();
  const among = (names: ReadonlySet<string>) => (key: string) => {
    const element = elementOf(key, schema);
    return names.has(element) || mandatory.has(element);
  };
  if (req.elements?.length) {
    // `_elements=name` or `_elements=Patient.name`.
    return among(new Set(req.elements.map((e) => (e.startsWith(resource.resourceType + '.') ? e.slice(resource.resourceType.length + 1) : e))));
  }
  switch (req.summary) {
    case 'true':
      return among(schema?.summaryProperties ?? new Set<string>());
    case 'text':
      return among(new Set(['text']));
    case 'data':
      return (key) => key !== 'text';
    default:
      return undefined;
  }
}

/** The resource as the request asks to see it (the same object when nothing is left out). */
export function shapeResource(resource: Resource, req: Pick<SearchRequest, 'summary' | 'elements'>): Resource {
  const keep = keeper(resource, req);
  if (!keep) return resource;
  const shaped: Record<string, unknown> = {};
  let dropped = false;
  for (const [key, value] of Object.entries(resource)) {
    if (ALWAYS.has(key) || keep(key)) shaped[key] = value;
    else dropped = true;
  }
  if (!dropped) return resource;
  const meta = { ...(resource.meta ?? {}) };
  meta.tag = [...(meta.tag ?? []), SUBSETTED];
  shaped.meta = meta;
  return shaped as unknown as Resource;
}
