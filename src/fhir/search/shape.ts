import { tryGetDataType } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import type { SearchRequest } from './parse';

const SUBSETTED = { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED' };
const ALWAYS = new Set(['resourceType', 'id', 'meta']);

/** Applies _summary and _elements to one resource, tagging it SUBSETTED when something was left out. */
export function shapeResource(resource: Resource, req: Pick<SearchRequest, 'summary' | 'elements'>): Resource {
  let keep: ((key: string) => boolean) | undefined;
  if (req.elements?.length) {
    const wanted = new Set(req.elements);
    keep = (key) => wanted.has(key);
  } else if (req.summary === 'true') {
    const summary = tryGetDataType(resource.resourceType)?.summaryProperties;
    keep = (key) => !!summary?.has(key) || key.startsWith('_') && !!summary?.has(key.slice(1));
  } else if (req.summary === 'text') {
    keep = (key) => key === 'text';
  } else if (req.summary === 'data') {
    keep = (key) => key !== 'text';
  }
  if (!keep) return resource;
  const shaped: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(resource)) if (ALWAYS.has(key) || keep(key)) shaped[key] = value;
  const meta = { ...(resource.meta ?? {}) };
  meta.tag = [...(meta.tag ?? []), SUBSETTED];
  shaped.meta = meta;
  return shaped as unknown as Resource;
}
