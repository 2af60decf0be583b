import fs from 'node:fs';
import path from 'node:path';
import { loadDataType } from '@medplum/core';
import type { CodeSystem, Resource, SearchParameter, StructureDefinition, ValueSet } from '@medplum/fhirtypes';
import type { ConformancePack } from '../definitions';
import type { ProfileRegistry } from './validator';

/** Everything under fhir-profiles/: profiles to enforce, our SearchParameters, CodeSystems and ValueSets. */
export interface LoadedPack extends ConformancePack, ProfileRegistry {
  structureDefinitions: StructureDefinition[];
  /** Every conformance resource read, to be served through the API. */
  resources: Resource[];
}

/**
 * Reads the conformance resources kept under fhir-profiles/ (JSON files, any depth). Profiles
 * need a snapshot: the validator works from snapshots, and none can be generated offline.
 */
export function loadConformancePack(dir: string): LoadedPack {
  const resources = jsonFiles(dir).map((file) => JSON.parse(fs.readFileSync(file, 'utf8')) as Resource);
  const structureDefinitions = resources.filter(
    (r): r is StructureDefinition => r.resourceType === 'StructureDefinition' && !!r.url && !!r.snapshot,
  );
  const byUrl = new Map<string, StructureDefinition>();
  for (const sd of structureDefinitions) {
    loadDataType(sd);
    byUrl.set(sd.url, sd);
  }
  return {
    get: (url) => byUrl.get(url),
    structureDefinitions,
    searchParameters: resources.filter((r): r is SearchParameter => r.resourceType === 'SearchParameter'),
    codeSystems: resources.filter((r): r is CodeSystem => r.resourceType === 'CodeSystem'),
    valueSets: resources.filter((r): r is ValueSet => r.resourceType === 'ValueSet'),
    resources,
  };
}

function jsonFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return jsonFiles(full);
      return entry.name.endsWith('.json') ? [full] : [];
    });
}
