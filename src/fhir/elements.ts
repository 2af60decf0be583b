import type { InternalTypeSchema } from '@medplum/core';

/** The element a JSON key stands for, and the type of its value under that key. */
export interface FoundElement {
  element: InternalTypeSchema['elements'][string];
  typeCode: string;
}

/** Lookups per schema and key: choice types would otherwise scan every element for every key of every resource. */
const found = new WeakMap<InternalTypeSchema, Map<string, FoundElement | null>>();

/** Finds the element for a JSON key, resolving choice types (valueQuantity → value[x] of Quantity). */
export function elementOf(schema: InternalTypeSchema, key: string): FoundElement | undefined {
  let bySchema = found.get(schema);
  if (!bySchema) found.set(schema, (bySchema = new Map()));
  let result = bySchema.get(key);
  if (result === undefined) {
    result = lookupElement(schema, key) ?? null;
    bySchema.set(key, result);
  }
  return result ?? undefined;
}

function lookupElement(schema: InternalTypeSchema, key: string): FoundElement | undefined {
  // Own elements only: `elements` is a plain object, whose inherited `constructor` or `toString` is no element.
  const direct = Object.hasOwn(schema.elements, key) ? schema.elements[key] : undefined;
  if (direct) return { element: direct, typeCode: direct.type[0]?.code ?? '' };
  for (const [name, element] of Object.entries(schema.elements)) {
    if (!name.endsWith('[x]')) continue;
    const base = name.slice(0, -3);
    if (!key.startsWith(base)) continue;
    const suffix = key.slice(base.length);
    const type = element.type.find((t) => t.code.toLowerCase() === suffix.toLowerCase());
    if (type) return { element, typeCode: type.code };
  }
  return undefined;
}
