import type { Resource } from '@medplum/fhirtypes';

/**
 * Stored resources as the database returned their JSON. The answer sends the text a resource was
 * read as instead of stringifying the object again (http/response.ts): that second pass was about
 * 5% of the server's CPU on `Patient?name=ngu`.
 *
 * The text stands for the object as it was read: code that changes a resource it got from a
 * search must send a copy (`{ ...resource }` does not carry it), as _summary/_elements do.
 *
 * The text hangs off the object itself, under a symbol no JSON, key listing or spread sees, not in
 * a WeakMap keyed by the object. A long-lived WeakMap given twenty new keys per request made the
 * server's old generation fill at ~20 MB/s under `Patient?name=ngu` (23 KB per request outlived
 * the young generation, against 3 KB without the map), and V8 ran a full collection every 0.5 s
 * instead of every 1.3 s (docs/search.md, "Twenty-ninth session").
 */
interface Stored {
  /** Undefined once the object was changed (lazyStored). */
  text?: string;
  /** The version the row holds, when the object was not parsed to know it (see storedVersionId). */
  versionId?: string;
}

/**
 * The key of a stored resource's Stored: on a parsed object a non-enumerable property, on a lazy
 * one answered by its proxy.
 */
const STORED = Symbol('stored');

type WithStored = { [STORED]?: Stored };

export function parseStored(text: string): Resource {
  const resource = JSON.parse(text) as Resource;
  Object.defineProperty(resource, STORED, { value: { text } });
  return resource;
}

/**
 * A resource of a search page, parsed only when something reads more of it than its type and id
 * (search/execute.ts uses it for Patients). A page of twenty Patients is mostly sent as it was
 * stored and recorded in the access log by type, id and version: parsing each, only for the
 * objects to be dropped, cost an eighth of the server's CPU per name search (docs/search.md §8,
 * nineteenth session). Anything else — a property, `in`, the keys, a spread — parses it once and
 * reads the parsed object; a change (set, delete, define) parses it, changes the parsed object and
 * drops the stored text, which no longer stands for it.
 */
export function lazyStored(resourceType: string, id: string, versionId: string, text: string): Resource {
  return new Proxy<Lazy>({ resourceType, id, entry: { text, versionId } }, LAZY) as unknown as Resource;
}

/** The stored JSON `value` was read as, when it is such a resource (and unchanged since). */
export function storedText(value: unknown): string | undefined {
  return typeof value === 'object' && value !== null ? (value as WithStored)[STORED]?.text : undefined;
}

/** The version of a resource read by a search, without parsing it. */
export function storedVersionId(resource: Resource): string | undefined {
  return (resource as WithStored)[STORED]?.versionId ?? resource.meta?.versionId;
}

/** The proxy's target: what the row gave, and the parse once made. */
interface Lazy {
  resourceType: string;
  id: string;
  /** Its text, until a change (which parses it first). */
  entry: Stored;
  parsed?: Resource;
}

const full = (lazy: Lazy): Resource => (lazy.parsed ??= JSON.parse(lazy.entry.text!) as Resource);

/** The object about to be changed: parsed, then its stored text dropped, as it no longer stands for it. */
function changed(lazy: Lazy): Resource {
  const resource = full(lazy);
  lazy.entry.text = undefined;
  return resource;
}

const LAZY: ProxyHandler<Lazy> = {
  get(lazy, key) {
    if (key === STORED) return lazy.entry;
    if (!lazy.parsed) {
      if (key === 'resourceType') return lazy.resourceType;
      if (key === 'id') return lazy.id;
      // JSON.stringify asks every object for toJSON before the replacer sees it; a resource has none.
      if (key === 'toJSON') return undefined;
    }
    return Reflect.get(full(lazy), key);
  },
  has: (lazy, key) => key in full(lazy),
  ownKeys: (lazy) => Reflect.ownKeys(full(lazy)),
  getOwnPropertyDescriptor(lazy, key) {
    const descriptor = Reflect.getOwnPropertyDescriptor(full(lazy), key);
    // The target does not hold the property: a proxy may only report it as configurable.
    return descriptor && { ...descriptor, configurable: true };
  },
  set: (lazy, key, value) => Reflect.set(changed(lazy), key, value),
  deleteProperty: (lazy, key) => Reflect.deleteProperty(changed(lazy), key),
  defineProperty: (lazy, key, descriptor) => Reflect.defineProperty(changed(lazy), key, descriptor),
};
