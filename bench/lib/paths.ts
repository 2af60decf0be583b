import fs from 'node:fs';
import path from 'node:path';

/**
 * The repository root, found by walking up from this file: the first folder holding both
 * package.json and tsconfig.json. Works from bench/lib (ts) and from dist/bench/lib (compiled),
 * where a fixed number of `..` would differ.
 */
export function repoRoot(from: string = __dirname): string {
  let dir = from;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'tsconfig.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`No repository root (package.json + tsconfig.json) above ${from}`);
    dir = parent;
  }
}

/** The shared read-only data folder, a sibling of the repository root (absent on some machines). */
export function sharedDir(): string {
  return path.resolve(repoRoot(), '../shared');
}
