/** A literal reference resolved to a type and id on this server. */
export interface LocalReference {
  type: string;
  id: string;
  version?: string;
}

const RELATIVE = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/([A-Za-z0-9\-.]{1,64}))?$/;

/**
 * Parses `Type/id`, `Type/id/_history/v`, or an absolute URL under our own base into a local
 * reference. Anything else (another server's URL, urn:uuid:, a contained `#id`) is not local.
 */
export function parseReference(reference: string, baseUrl: string): LocalReference | undefined {
  let relative = reference;
  if (/^https?:\/\//.test(reference)) {
    if (!reference.startsWith(baseUrl + '/')) return undefined;
    relative = reference.slice(baseUrl.length + 1);
  }
  const m = RELATIVE.exec(relative);
  return m ? { type: m[1], id: m[2], version: m[3] } : undefined;
}

/** FHIR id syntax: 1-64 of A-Z a-z 0-9 - . */
export const isValidId = (id: string): boolean => /^[A-Za-z0-9\-.]{1,64}$/.test(id);
