import fs from 'node:fs';
import path from 'node:path';
import { CURATED_LICENCES, curateAll } from '../src/station/profiles/curate';
import { BUILT_PROFILES_DIR, PROFILE_SOURCES_DIR, PROJECT_ROOT, writePack } from '../src/station/profiles/pack';
import { copyGrowthTables } from '../src/station/growth/tables';

/**
 * Build step for the station's conformance pack (run by `npm run build`):
 *   node dist/scripts/build-profiles.js            fhir-profiles/ → dist/fhir-profiles/ with snapshots,
 *                                                  and the WHO growth tables → dist/reference-data/
 *   node dist/scripts/build-profiles.js --curate [--province 38,01]
 *                                                  regenerate fhir-profiles/terminology/{vn-core,admin-units}
 *                                                  from ../shared/reference-data (commit the result)
 */
function main(): void {
  const args = process.argv.slice(2);
  const referenceDir = path.resolve(PROJECT_ROOT, '../shared/reference-data');
  if (args.includes('--curate')) {
    const provinces = (valueOf(args, '--province') ?? '38').split(',').map((p) => p.trim());
    curate(referenceDir, provinces);
    return;
  }
  const summary = writePack(PROFILE_SOURCES_DIR, BUILT_PROFILES_DIR);
  console.log(`build-profiles: ${summary.resources} resources (${summary.structureDefinitions} with snapshots) → ${path.relative(PROJECT_ROOT, BUILT_PROFILES_DIR)}`);
  const copied = copyGrowthTables(referenceDir, path.join(PROJECT_ROOT, 'dist', 'reference-data'));
  console.log(copied ? `build-profiles: WHO growth tables → dist/reference-data` : `build-profiles: ${referenceDir} absent; growth z-scores will read ../shared at run time`);
}

function valueOf(args: string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
}

function curate(referenceDir: string, provinces: string[]): void {
  if (!fs.existsSync(referenceDir)) throw new Error(`${referenceDir} not found: curation needs the shared reference data`);
  const target = path.join(PROFILE_SOURCES_DIR, 'terminology');
  for (const { file, resource } of curateAll(referenceDir, provinces)) {
    fs.mkdirSync(path.dirname(path.join(target, file)), { recursive: true });
    fs.writeFileSync(path.join(target, file), `${JSON.stringify(resource, null, 1)}\n`);
    console.log(`curated ${file}`);
  }
  for (const { from, to } of CURATED_LICENCES) {
    fs.rmSync(path.join(target, to), { force: true });
    fs.copyFileSync(path.join(referenceDir, from), path.join(target, to));
    fs.chmodSync(path.join(target, to), 0o644);
  }
}

main();
