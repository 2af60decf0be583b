import type { R4Definitions } from '../definitions';

/**
 * How a resource's string rows are found to be replaced, without an index on the owner alone.
 *
 * idx_string has no `(station_id, resource_type, resource_id)` index: a Patient stores ~25 string
 * rows (every word of a name can start a match), and keeping that index cost every create and
 * update one more B-tree insertion per row (`POST Patient` with and without that index:
 * docs/storage.md, "Twenty-first session"). The rows
 * are reached through `idx_string_walk (station_id, resource_type, param, resource_id)` instead,
 * which every search that names a parameter already uses, by naming the keys a resource of the type
 * can store string rows under:
 *
 * - every string parameter of the type and its sort key (`name`, `name:sort`; extract.ts). The list
 *   is every string parameter the definitions give the type, including those whose rows another
 *   holds (stored-params.ts), so it is never shorter than what extraction writes;
 * - composite rows, whose key holds the first component's value (`code-value-string$8480-6`) and
 *   cannot be listed: they have a partial owner index of their own, `idx_string_composite_owner`
 *   (`WHERE strpos(param, '$') > 0`; no parameter code contains `$`, docs/search.md).
 *
 * A delete then reads `(param = ANY(keys) OR strpos(param, '$') > 0)` beside the owner, which
 * PostgreSQL answers with a BitmapOr of the two indexes (test/search/string-keys.int.test.ts).
 * Rows of a parameter the definitions no longer have are left by such a delete; they can never
 * match (a search on an unknown parameter ignores it) and the re-index removes them
 * (rebuild.ts).
 */

/** SQL: the rows among a resource's string rows that `keys` (an array parameter) and composites cover. */
export const stringRowsKeyed = (keys: string, alias = ''): string => {
  const column = `${alias ? `${alias}.` : ''}param`;
  return `(${column} = ANY(${keys}::text[]) OR strpos(${column}, '$') > 0)`;
};

const computed = new WeakMap<R4Definitions['searchParams'], Map<string, readonly string[]>>();

/** The keys (besides composites) a resource of `resourceType` can store string rows under. */
export function stringRowKeys(defs: R4Definitions, resourceType: string): readonly string[] {
  let byType = computed.get(defs.searchParams);
  if (!byType) computed.set(defs.searchParams, (byType = new Map()));
  let keys = byType.get(resourceType);
  if (!keys) {
    const codes = [...(defs.searchParams.get(resourceType)?.values() ?? [])].filter((sp) => sp.type === 'string').map((sp) => sp.code!);
    keys = codes.flatMap((code) => [code, `${code}:sort`]).sort();
    byType.set(resourceType, keys);
  }
  return keys;
}
