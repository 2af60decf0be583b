import fs from 'node:fs';
import path from 'node:path';

/** ../shared beside the repository root (read-only reference data); tests that need it skip without it. */
export const SHARED_DIR = path.resolve(__dirname, '../..', '../shared');
export const REFERENCE_DIR = path.join(SHARED_DIR, 'reference-data');
export const HAS_SHARED = fs.existsSync(REFERENCE_DIR);

/** `describe` when ../shared is present, otherwise a skipped block that says why. */
export const describeWithShared: jest.Describe = HAS_SHARED
  ? describe
  : (((name: string, fn: () => void) => describe.skip(`${name} (skipped: ${REFERENCE_DIR} is absent)`, fn)) as unknown as jest.Describe);
