import { tryGetDataType } from '@medplum/core';
import { elementOf } from '../elements';

/**
 * Where a value that may link to another entry of a Bundle sits (R4 http.html#trules: "resource
 * references, elements of type uri, url, oid, uuid, and <a href="" & <img src="" in the
 * narrative"):
 * - `reference`: Reference.reference (not a `#contained` one);
 * - `uri`, `url`, `oid`, `uuid`: an element of that type — Attachment.url, an extension's
 *   valueUri, … (canonical is a type of its own, and is left alone as R4 says);
 * - `narrative`: an xhtml element (Narrative.div), whose a@href and img@src may link.
 */
export type LinkKind = 'reference' | 'uri' | 'url' | 'oid' | 'uuid' | 'narrative';

/** The object (or array) holding a value, so the value can be rewritten in place. */
export type Holder = Record<string | number, unknown>;

/** Called with each site: `holder[key]` is the string there. */
export type LinkVisitor = (kind: LinkKind, holder: Holder, key: string | number) => void;

const URI_TYPES: ReadonlySet<string> = new Set<LinkKind>(['uri', 'url', 'oid', 'uuid']);

/**
 * Visits the link sites of a resource, by the R4 type of each element (the engine's StructureDefinitions)
 * rather than by the look of each value: an identifier's value or a code that happens to read
 * `urn:uuid:…` is no link. Contained resources, a Bundle's entries and a Parameters' resources are
 * walked by their own resourceType; a primitive's extensions (`_birthDate`) as an Element's.
 * Keys the type does not have are skipped (the validator refuses them).
 */
export function visitResourceLinks(resource: unknown, visit: LinkVisitor): void {
  visitItem({ resource }, 'resource', 'Resource', visit);
}

/**
 * Visits the link sites in a JSON Patch's values, each typed by the element its path names in
 * `resourceType` (`/generalPractitioner/-` → Reference, `/text/div` → xhtml). A path the
 * definitions cannot follow — into a contained resource, whose type the patch does not say — is
 * left alone.
 */
export function visitPatchLinks(operations: unknown[], resourceType: string, visit: LinkVisitor): void {
  for (const op of operations) {
    if (!op || typeof op !== 'object') continue;
    const holder = op as Holder;
    const type = 'value' in holder && typeof holder.path === 'string' ? typeAt(resourceType, holder.path) : undefined;
    if (type) visitValue(holder, 'value', type, visit);
  }
}

/** The type of the element a JSON Pointer names, array positions skipped; undefined if unknown. */
function typeAt(resourceType: string, pointer: string): string | undefined {
  let type = resourceType;
  for (const raw of pointer.split('/').slice(1)) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^(\d+|-)$/.test(segment)) continue;
    const schema = tryGetDataType(type);
    const found = schema && elementOf(schema, segment);
    if (!found) return undefined;
    type = found.typeCode;
  }
  return type;
}

/** `holder[key]`, one value or an array of them, of type `type`. */
function visitValue(holder: Holder, key: string | number, type: string, visit: LinkVisitor): void {
  const value = holder[key];
  if (!Array.isArray(value)) return visitItem(holder, key, type, visit);
  for (let i = 0; i < value.length; i++) visitItem(value as unknown as Holder, i, type, visit);
}

function visitItem(holder: Holder, key: string | number, type: string, visit: LinkVisitor): void {
  const value = holder[key];
  if (typeof value === 'string') {
    if (URI_TYPES.has(type)) visit(type as LinkKind, holder, key);
    else if (type === 'xhtml') visit('narrative', holder, key);
    return;
  }
  if (!value || typeof value !== 'object') return;
  const obj = value as Holder;
  const schema = tryGetDataType(type === 'Resource' && typeof obj.resourceType === 'string' ? obj.resourceType : type);
  if (!schema) return;
  // Reference.reference is of type string: it is a link because it is a Reference's.
  if (type === 'Reference' && typeof obj.reference === 'string' && !obj.reference.startsWith('#')) visit('reference', obj, 'reference');
  for (const name of Object.keys(obj)) {
    if (name.charCodeAt(0) === 95 /* _ */) {
      visitValue(obj, name, 'Element', visit);
      continue;
    }
    const found = elementOf(schema, name);
    if (found) visitValue(obj, name, found.typeCode, visit);
  }
}
