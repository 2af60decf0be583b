import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from './paths';

/** The server's version, from package.json (shown in the CapabilityStatement). */
export const version: string = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')).version;
