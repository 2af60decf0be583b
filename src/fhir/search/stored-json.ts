import type { Resource } from '@medplum/fhirtypes';

/**
 * Stored resources as the database returned their JSON. A search parses each page row (the audit
 * record and the includes read the object), and the answer sends the text it was parsed from
 * instead of stringifying the object again (http/response.ts): that second pass was about 5% of
 * the server's CPU on `Patient?name=ngu`.
 *
 * The text stands for the object as it was read: code that changes a resource it got from a
 * search must send a copy (`{ ...resource }` is not in this map), as _summary/_elements do.
 */
const texts = new WeakMap<object, string>();

export function parseStored(text: string): Resource {
  const resource = JSON.parse(text) as Resource;
  texts.set(resource, text);
  return resource;
}

/** The stored JSON `value` was parsed from, when it is such a resource. */
export function storedText(value: unknown): string | undefined {
  return typeof value === 'object' && value !== null ? texts.get(value) : undefined;
}
