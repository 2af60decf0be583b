import type { Resource } from '@medplum/fhirtypes';

/**
 * Stored resources as the database returned their JSON. The answer sends the text a resource was
 * read as instead of stringifying the object again (http/response.ts): that second pass was about
 * 5% of the server's CPU on `Patient?name=ngu`.
 *
 * The text stands for the resource as it was read: code that changes a resource it got from a
 * search must send a copy (`{ ...resource }` is not in this map), as _summary/_elements do.
 */
interface Stored {
  text: string;
  /** meta.versionId, when the row said it (a page of matches). */
  versionId?: string;
}

const stored = new WeakMap<object, Stored>();

/** A resource parsed from its stored text (included resources). */
export function parseStored(text: string): Resource {
  const resource = JSON.parse(text) as Resource;
  stored.set(resource, { text });
  return resource;
}

export interface StoredRow {
  resourceType: string;
  id: string;
  versionId: string;
  text: string;
}

/**
 * A page match, parsed only when something reads past its type, id and version. What most
 * searches of residents do with their page needs no more: the audit record names each Patient
 * with its version, and the answer sends the stored text. Parsing the page's twenty Patients was
 * the largest single cost of `Patient?name=ngu` in the server (~9% of its CPU, and the garbage).
 * Anything else — reading an element, spreading, enumerating, changing — parses it first and then
 * acts on the parsed object, so it behaves as the parsed resource would; a change also drops the
 * stored text, so the answer is stringified from the changed object.
 */
export function lazyStored(row: StoredRow): Resource {
  let parsed: Resource | undefined;
  const load = (): Resource => (parsed ??= JSON.parse(row.text) as Resource);
  const changed = (): void => void stored.delete(proxy);
  const proxy = new Proxy({} as Resource, {
    get: (_target, key) => {
      if (parsed === undefined) {
        if (key === 'resourceType') return row.resourceType;
        if (key === 'id') return row.id;
        // JSON.stringify asks every object for toJSON; no resource has one.
        if (key === 'toJSON') return undefined;
      }
      return Reflect.get(load(), key);
    },
    has: (_target, key) => Reflect.has(load(), key),
    ownKeys: () => Reflect.ownKeys(load()),
    // The (empty, extensible) target has none of these properties: the proxy may only report
    // them as configurable.
    getOwnPropertyDescriptor: (_target, key) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(load(), key);
      return descriptor && { ...descriptor, configurable: true };
    },
    set: (_target, key, value) => (changed(), Reflect.set(load(), key, value)),
    defineProperty: (_target, key, descriptor) => (changed(), Reflect.defineProperty(load(), key, descriptor)),
    deleteProperty: (_target, key) => (changed(), Reflect.deleteProperty(load(), key)),
  });
  stored.set(proxy, { text: row.text, versionId: row.versionId });
  return proxy;
}

/** The stored JSON `value` was read as, when it is such a resource (and unchanged since). */
export function storedText(value: unknown): string | undefined {
  return typeof value === 'object' && value !== null ? stored.get(value)?.text : undefined;
}

/** meta.versionId of a resource read from storage, without parsing it; else its meta's. */
export function versionOf(resource: Resource): string | undefined {
  return stored.get(resource)?.versionId ?? resource.meta?.versionId;
}
