/**
 * An If-Match or If-None-Match header (RFC 9110 §13.1.1, §13.1.2): `*`, or the entity-tags it lists
 * by their opaque text (`W/"3", "4"` → `3`, `4`). Tags are compared as text: `W/"03"` is not
 * version 3. Two headers arrive joined by a comma, one list.
 */
export type ETagCondition = '*' | readonly string[];

/**
 * Parses the header. A member that is no entity-tag (a bare `3`, which some clients send) is kept
 * as its text; one that is nothing (`W/"3",,`) adds nothing.
 */
export function parseETagCondition(value: string): ETagCondition {
  if (value.trim() === '*') return '*';
  // A quoted tag may hold a comma, so members are read as tags, not split at commas.
  return [...value.matchAll(/(?:W\/)?"([^"]*)"|[^,\s]+/g)].map((m) => m[1] ?? m[0]);
}

/** Whether the listed tags name this version (the ETag the server gives it: `W/"n"`). */
export function namesVersion(condition: ETagCondition, version: number): boolean {
  return condition === '*' || condition.includes(String(version));
}
