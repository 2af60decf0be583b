import fs from 'node:fs';
import path from 'node:path';

/**
 * The project root, found from this file whether it runs as TypeScript (src/) or compiled
 * (dist/src/): the nearest folder above that holds package-lock.json (dist/ never does).
 */
function findRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package-lock.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`No package-lock.json above ${from}`);
  }
}

export const PROJECT_ROOT = findRoot(__dirname);
