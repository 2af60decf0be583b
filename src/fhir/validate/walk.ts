/**
 * Calls `visit` for every object in a resource's JSON (contained resources and array items
 * included) with its path (`Patient.contact[0].name`), parents before children. `visit` may name
 * keys whose values are not to be walked (an element already reported, a narrative already read).
 */
export function walkObjects(value: unknown, path: string, visit: (object: Record<string, unknown>, path: string) => ReadonlySet<string> | void): void {
  if (Array.isArray(value)) {
    value.forEach((item, i) => walkObjects(item, `${path}[${i}]`, visit));
    return;
  }
  if (!value || typeof value !== 'object') return;
  const object = value as Record<string, unknown>;
  const skip = visit(object, path);
  for (const [key, child] of Object.entries(object)) if (!skip?.has(key)) walkObjects(child, `${path}.${key}`, visit);
}
