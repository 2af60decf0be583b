import fs from 'node:fs';
import path from 'node:path';

/**
 * WHO growth tables (LMS parameters), read from the reference data at run time rather than copied
 * into git: WHO publishes them under GPL-3 with the licence text beside them, and `npm run build`
 * copies them with that licence into dist/reference-data/. Lookup order: dist/reference-data,
 * then ../shared/reference-data (beside the repository), or an explicit folder.
 */

export interface Lms {
  l: number;
  m: number;
  s: number;
}

/** Length/height-for-age 0–1826 days (WHO 2006) and height-for-age 60–228 months (WHO 2007). */
export interface GrowthTables {
  /** Key `${sex}:${ageDays}`, sex 1 = male, 2 = female. */
  lengthForAgeDays: Map<string, Lms>;
  /** Key `${sex}:${ageMonths}`. */
  heightForAgeMonths: Map<string, Lms>;
}

const FILES = [
  { dir: 'who-child-growth-standards-2006', files: ['lenanthro.txt', 'LICENSE-anthro-GPL-3.md', 'SOURCE.md'] },
  { dir: 'who-growth-reference-2007', files: ['hfawho2007.txt', 'LICENSE-anthroplus-GPL-3.md', 'SOURCE.md'] },
];

/** Candidate reference-data folders, most specific first. */
export function referenceDataDirs(projectRoot: string): string[] {
  return [path.join(projectRoot, 'dist', 'reference-data'), path.resolve(projectRoot, '../shared/reference-data')];
}

/** Loads the tables from the first folder that has them; undefined when none does. */
export function loadGrowthTables(dirs: readonly string[]): GrowthTables | undefined {
  const dir = dirs.find((d) => FILES.every(({ dir: sub, files }) => fs.existsSync(path.join(d, sub, files[0]))));
  if (!dir) return undefined;
  return {
    lengthForAgeDays: readLms(path.join(dir, FILES[0].dir, FILES[0].files[0])),
    heightForAgeMonths: readLms(path.join(dir, FILES[1].dir, FILES[1].files[0])),
  };
}

/** Copies the tables and their licence texts (build step); false when the source is absent. */
export function copyGrowthTables(referenceDir: string, outDir: string): boolean {
  if (!fs.existsSync(path.join(referenceDir, FILES[0].dir))) return false;
  for (const { dir, files } of FILES) {
    fs.mkdirSync(path.join(outDir, dir), { recursive: true });
    for (const file of files) fs.copyFileSync(path.join(referenceDir, dir, file), path.join(outDir, dir, file));
  }
  return true;
}

/** Tab-separated `sex age l m s [loh]` with CRLF line ends. */
function readLms(file: string): Map<string, Lms> {
  const table = new Map<string, Lms>();
  const lines = fs.readFileSync(file, 'utf8').split(/\r?\n/).slice(1);
  for (const line of lines) {
    const [sex, age, l, m, s] = line.trim().split('\t');
    if (!sex) continue;
    table.set(`${Number(sex)}:${Number(age)}`, { l: Number(l), m: Number(m), s: Number(s) });
  }
  return table;
}
