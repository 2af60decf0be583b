import fs from 'node:fs';
import path from 'node:path';
import { loadDataType } from '@medplum/core';
import type { StructureDefinition } from '@medplum/fhirtypes';
import type { ProfileRegistry } from './validator';

/**
 * Loads the StructureDefinitions (with snapshots) kept under fhir-profiles/ so resources that
 * claim them in meta.profile are validated against them.
 */
export function loadProfiles(dir: string): ProfileRegistry & { all: StructureDefinition[] } {
  const byUrl = new Map<string, StructureDefinition>();
  for (const file of jsonFiles(dir)) {
    const resource = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (resource.resourceType === 'StructureDefinition' && resource.url && resource.snapshot) {
      loadDataType(resource);
      byUrl.set(resource.url, resource);
    }
  }
  return { get: (url) => byUrl.get(url), all: [...byUrl.values()] };
}

function jsonFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return jsonFiles(full);
    return entry.name.endsWith('.json') ? [full] : [];
  });
}
