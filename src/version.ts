import pkg from '../package.json';

/** The server's version, from package.json (shown in the CapabilityStatement). */
export const version: string = pkg.version;
